"""errorstream down: stop background workers, then local Kafka and PostgreSQL."""

from __future__ import annotations

import argparse
import sys

from errorstream import infra
from errorstream.config import settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "down",
        help="stop workers, projectors, Kafka and PostgreSQL started by errorstream",
        description="Stop everything errorstream started locally. Data stays in .run/.",
    )
    parser.set_defaults(handler=handle)


def handle(_args: argparse.Namespace) -> int:
    config = settings()
    for process in infra.list_background(config):
        if infra.stop_background(config, process.name):
            print(f"stopped {process.name}", file=sys.stderr)
    infra.stop_local(config)
    return 0
