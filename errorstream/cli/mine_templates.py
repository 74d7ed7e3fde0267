"""errorstream mine-templates: group log messages by the template the miner learns.

The same miner that groups message-only errors in the worker, run over a file: handy
to see how a service's logs would group, and to score the miner on labelled logs.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Iterator
from typing import TextIO

from errorstream.agents.templates import MinerConfig, TemplateMiner

EXAMPLE = """\
Output is CSV with a header, one row per input line, in input order:
  line,group_id,template
where line is the 1-based line number. A summary goes to stderr.

example:
  $ printf 'user 42 logged in\\nuser 7 logged in\\ndisk /dev/sda1 full\\n' \\
      | errorstream mine-templates -
  line,group_id,template
  1,5e83b93fcba717b9,user <*> logged in
  2,5e83b93fcba717b9,user <*> logged in
  3,3cce481af89f8aff,disk <*> full
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    defaults = MinerConfig()
    parser = subparsers.add_parser(
        "mine-templates",
        help="group log lines by mined template, as CSV",
        description=(
            "Learn log templates from FILE (one message per line) and print each line's\n"
            "group. By default every line gets its group as it is at the end, after\n"
            "templates generalised and merged; --online prints the group each line got\n"
            "when it arrived, as the worker would."
        ),
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "file", nargs="?", default="-", help="messages, one per line ('-' or none: stdin)"
    )
    parser.add_argument(
        "--namespace",
        default="",
        help="namespace the group ids derive from, e.g. the service name (default: none)",
    )
    parser.add_argument(
        "--similarity",
        type=float,
        default=defaults.similarity_threshold,
        help="share of a template a line must agree with to join it "
        f"(default: {defaults.similarity_threshold})",
    )
    parser.add_argument(
        "--max-clusters",
        type=int,
        default=1_000_000,
        help="templates kept in memory; the least recently used is evicted (default: 1000000)",
    )
    parser.add_argument(
        "--online", action="store_true", help="print groups as assigned, line by line"
    )
    parser.set_defaults(handler=handle)


def _messages(stream: TextIO) -> Iterator[str]:
    for line in stream:
        yield line.rstrip("\r\n")


def handle(args: argparse.Namespace) -> int:
    try:
        config = MinerConfig(similarity_threshold=args.similarity, max_clusters=args.max_clusters)
    except ValueError as error:
        print(f"mine-templates: {error}", file=sys.stderr)
        return 2
    try:
        stream: TextIO = (
            sys.stdin if args.file == "-" else open(args.file, encoding="utf-8", errors="replace")  # noqa: SIM115
        )
    except OSError as error:
        print(f"mine-templates: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 1
    miner = TemplateMiner(config)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(("line", "group_id", "template"))
    started = time.perf_counter()
    assigned: list[str] = []
    last_template: dict[str, str] = {}  # for clusters evicted before the end
    count = 0
    with stream:
        for number, message in enumerate(_messages(stream), start=1):
            count = number
            match = miner.add(message, namespace=args.namespace)
            if args.online:
                out.writerow((number, match.cluster_id, match.template))
                continue
            assigned.append(match.cluster_id)
            last_template[match.cluster_id] = match.template
    if not args.online:
        for number, cluster_id in enumerate(assigned, start=1):
            final = miner.resolve(cluster_id) or cluster_id
            template = miner.template(final) or last_template[cluster_id]
            out.writerow((number, final, template))
    seconds = time.perf_counter() - started
    print(
        f"mine-templates: {count} lines, templates: {len(miner)}, {seconds:.2f}s",
        file=sys.stderr,
    )
    return 0
