"""errorstream logs: the tail of a component's log."""

from __future__ import annotations

import argparse
import subprocess

from errorstream import infra
from errorstream.config import settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "logs",
        help="show the log of kafka, postgres, worker or projections",
        description="Print the last lines of a component's log (-f to follow).",
    )
    parser.add_argument(
        "component",
        nargs="?",
        default="worker",
        help="kafka, postgres, worker, projections (default: worker)",
    )
    parser.add_argument("-n", "--lines", type=int, default=100)
    parser.add_argument("-f", "--follow", action="store_true")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    config = settings()
    if args.component == "kafka":
        path = config.run_dir / "kafka" / "logs" / "server.log"
    elif args.component == "postgres":
        path = (config.run_dir / "pg").resolve() / "postgres.log"
    else:
        path = infra.background(config, args.component).log
    if not path.exists():
        print(f"no log yet at {path}")
        return 1
    command = ["tail", "-n", str(args.lines), *(["-F"] if args.follow else []), str(path)]
    return subprocess.call(command)
