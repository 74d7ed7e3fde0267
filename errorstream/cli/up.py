"""errorstream up: start local Kafka and PostgreSQL (unless external), create topics, migrate."""

from __future__ import annotations

import argparse
import sys

from errorstream import infra
from errorstream.config import settings
from errorstream.projections.migrations import migrate
from errorstream.streams.admin import create_topics, wait_for_broker


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "up",
        help="start Kafka and PostgreSQL, create topics, run migrations",
        description=(
            "Start the local single-node Kafka (KRaft) and PostgreSQL under .run/ unless "
            "KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL point at existing servers, then create "
            "the catalogue's topics and apply migrations. Safe to run again."
        ),
    )
    parser.add_argument(
        "--workers", action="store_true", help="also start a worker and the projectors"
    )
    parser.set_defaults(handler=handle)


def bring_up(workers: bool = False) -> None:
    config = settings()
    infra.start_local(config)
    wait_for_broker(config)
    created = [c.topic for c in create_topics(config) if c.action != "exists"]
    if created:
        print(f"topics created: {len(created)}", file=sys.stderr)
    applied = migrate(config.dsn)
    if applied:
        print(
            "migrations applied: " + ", ".join(f"{m.version}_{m.name}" for m in applied),
            file=sys.stderr,
        )
    if workers:
        infra.start_background(config, "worker", ["worker"])
        infra.start_background(config, "projections", ["project"])
    print(f"kafka: {config.bootstrap_servers}", file=sys.stderr)
    print(f"postgres: {config.dsn}", file=sys.stderr)


def handle(args: argparse.Namespace) -> int:
    bring_up(workers=args.workers)
    return 0
