"""errorstream schemas: the event schemas, their versions, and the evolution rules."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from errorstream.schemas.catalogue import (
    SCHEMA_DIR,
    SchemaCatalogue,
    SchemaEvolutionError,
    check_catalogue,
    freeze,
    unfrozen,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "schemas",
        help="list event schemas, check their evolution, freeze changed ones",
        description=(
            "`schemas list` prints every event type's versions and fingerprints; "
            "`schemas check` checks the evolution rules (current schema frozen, every version "
            "backward and forward compatible with every other, enum defaults, models match "
            "schemas) and exits 1 on a problem; `schemas freeze` snapshots each changed schema "
            "as its next version in schemas/history/ (refusing incompatible changes)."
        ),
    )
    parser.add_argument("action", choices=("list", "check", "freeze"), nargs="?", default="list")
    parser.add_argument(
        "--dir", type=Path, default=SCHEMA_DIR, help="schema directory (default: %(default)s)"
    )
    parser.add_argument(
        "--allow-incompatible",
        action="store_true",
        help="freeze even a change that breaks compatibility (history is forever: think twice)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    directory: Path = args.dir
    if args.action == "check":
        return check(directory)
    if args.action == "freeze":
        return freeze_changed(directory, allow_incompatible=args.allow_incompatible)
    return list_versions(directory)


def list_versions(directory: Path) -> int:
    catalogue = SchemaCatalogue(directory)
    stale = set(unfrozen(directory))
    print("event_type\tversion\tfingerprint\tstatus")
    for event_type in catalogue.event_types:
        versions = catalogue.versions(event_type)
        for version in versions:
            if version is versions[-1]:
                status = "current, not frozen" if event_type in stale else "current"
            else:
                status = "frozen"
            print(f"{event_type}\tv{version.version}\t{version.fingerprint.hex()}\t{status}")
    return 0


def check(directory: Path) -> int:
    problems = check_catalogue(directory)
    for problem in problems:
        print(problem, file=sys.stderr)
    catalogue = SchemaCatalogue(directory)
    versions = sum(len(catalogue.versions(t)) for t in catalogue.event_types)
    verdict = f"{len(problems)} problem(s)" if problems else "all evolution rules hold"
    print(
        f"{len(catalogue.event_types)} event types, {versions} versions: {verdict}", file=sys.stderr
    )
    return 1 if problems else 0


def freeze_changed(directory: Path, *, allow_incompatible: bool) -> int:
    try:
        written = freeze(directory, allow_incompatible=allow_incompatible)
    except SchemaEvolutionError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("nothing frozen: fix the schema (or pass --allow-incompatible)", file=sys.stderr)
        return 1
    for event_type, number in written:
        print(f"{event_type}\tv{number}")
    if not written:
        print("every schema is frozen already", file=sys.stderr)
    return 0
