"""errorstream checksum: a content checksum per read-model table, to compare live and rebuilt."""

from __future__ import annotations

import argparse
import json
import sys

from errorstream.config import settings
from errorstream.projections.catalogue import PROJECTORS, projectors_named
from errorstream.projections.checksum import ChecksumError, checksums


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "checksum",
        help="print a content checksum of each read-model table",
        description=(
            "Print, for each table of the projections (all by default), its row count and the "
            "md5 of its rows in primary-key order, read in one snapshot. A table rebuilt by "
            "`errorstream replay` has the checksum of the live table it replaced, once both "
            "have consumed the same offsets."
        ),
    )
    parser.add_argument(
        "--projection", action="append", choices=sorted(PROJECTORS), help="repeatable"
    )
    parser.add_argument("--schema", default="public", help="schema of the tables (default public)")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of lines")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    owned = [(p.name, table) for p in projectors_named(args.projection) for table in p.tables]
    try:
        sums = checksums(settings().dsn, [table for _, table in owned], args.schema)
    except ChecksumError as exc:
        print(f"errorstream checksum: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(
            json.dumps(
                {
                    s.table: {"projection": name, "rows": s.rows, "md5": s.digest}
                    for (name, _), s in zip(owned, sums, strict=True)
                },
                indent=2,
            )
        )
        return 0
    for (name, _), s in zip(owned, sums, strict=True):
        print(f"{name:<20} {s.table:<24} {s.rows:>10} {s.digest}")
    return 0
