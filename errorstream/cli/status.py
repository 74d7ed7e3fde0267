"""errorstream status: what runs, where, and how far behind it is."""

from __future__ import annotations

import argparse

from errorstream import infra
from errorstream.config import settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "status",
        help="show Kafka, PostgreSQL, workers and projectors",
        description="Show whether Kafka, PostgreSQL and errorstream's processes are running.",
    )
    parser.set_defaults(handler=handle)


def handle(_args: argparse.Namespace) -> int:
    config = settings()
    healthy = True
    if config.kafka_is_external:
        print(f"kafka: external {config.bootstrap_servers}")
    else:
        healthy &= infra.run_script(config, infra.kafka_script(), "status", check=False) == 0
    if config.database_is_external:
        print("postgres: external (DATABASE_URL)")
    else:
        healthy &= infra.run_script(config, infra.postgres_script(), "status", check=False) == 0
    for process in infra.list_background(config):
        state = f"running (pid {process.pid})" if process.running else "not running"
        print(f"{process.name}: {state}, log {process.log}")
    return 0 if healthy else 1
