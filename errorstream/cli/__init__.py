"""The `errorstream` console script.

Each subcommand lives in its own module under `errorstream.cli` and exposes
`register(subparsers)`, which adds its parser and sets `handler` to a function
`(args: argparse.Namespace) -> int` returning the exit code. Data goes to stdout,
messages to stderr.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Module names under errorstream.cli, in the order `errorstream --help` lists them.
COMMANDS: tuple[str, ...] = (
    # one module per line, so parallel additions merge cleanly
    "up",
    "down",
    "status",
    "logs",
    "topics",
    "migrate",
    "worker",
    "project",
    "replay",
    "checksum",
    "demo",
    "mine_templates",
    "schemas",
    "ingest",
    "tail",
    "classify",
    "redact",
    "errors",
    "groups",
    "alerts",
    "corrections",
    "report",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="errorstream",
        description="Event-sourced error management on Kafka.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMANDS:
        module = importlib.import_module(f"errorstream.cli.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return code


def run() -> None:
    sys.exit(main())
