"""errorstream migrate: apply the SQL migrations (idempotent)."""

from __future__ import annotations

import argparse

from errorstream.config import settings
from errorstream.projections.migrations import available, migrate


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "migrate",
        help="apply database migrations",
        description="Apply projections/migrations/*.sql in order; each runs once and is recorded.",
    )
    parser.set_defaults(handler=handle)


def handle(_args: argparse.Namespace) -> int:
    applied = migrate(settings().dsn)
    for migration in applied:
        print(f"applied {migration.version:04d}_{migration.name}")
    print(f"{len(available())} migrations, {len(applied)} applied now")
    return 0
