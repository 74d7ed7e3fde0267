"""errorstream topics: the topic catalogue, created on the broker."""

from __future__ import annotations

import argparse

from errorstream.config import settings
from errorstream.streams.admin import create_topics, describe_topics, wait_for_broker
from errorstream.streams.topics import CATALOGUE


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "topics",
        help="list the topic catalogue or create its topics",
        description=(
            "`topics list` prints the catalogue (name, partitions, retention, key, events); "
            "`topics create` creates missing topics on the broker (idempotent)."
        ),
    )
    parser.add_argument("action", choices=("list", "create"), nargs="?", default="list")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    config = settings()
    if args.action == "create":
        wait_for_broker(config, timeout=30)
        for change in create_topics(config):
            print(f"{change.topic}\t{change.action}")
        return 0
    live: dict[str, int] = {}
    try:
        live = describe_topics(config)
    except Exception:  # broker down: still print the catalogue
        live = {}
    print("topic\tpartitions\tpolicy\tkey\tevents\ton broker")
    for spec in CATALOGUE:
        name = config.topic(spec.name)
        policy = "compact" if spec.compacted else ("keep" if spec.retention_ms < 0 else "7d")
        on_broker = str(live[name]) if name in live else "-"
        print(
            f"{name}\t{spec.partition_count(config)}\t{policy}\t{spec.key}\t"
            f"{','.join(spec.events) or '(inbound)'}\t{on_broker}"
        )
    return 0
