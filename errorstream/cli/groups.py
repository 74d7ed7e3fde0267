"""errorstream groups top: the groups with the most errors in a window (the issue list's
"what is loudest now"), by reports, then errors, then group id — the ``top_groups`` view's order."""

from __future__ import annotations

import argparse
from typing import Any

import psycopg

from errorstream.cli.errors import (
    ERROR_FILTERS,
    Column,
    add_connection_option,
    add_filter_options,
    add_format_option,
    add_page_options,
    add_window_options,
    page_request,
    print_page,
    run,
    when,
)
from errorstream.projections.queries import top_groups


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "groups",
        help="the groups with the most errors in a window",
        description="Query the error groups (the issue list).",
    )
    commands = parser.add_subparsers(dest="groups_command", metavar="SUBCOMMAND")
    commands.required = True
    top = commands.add_parser(
        "top",
        help="groups with the most errors in a window",
        description=(
            "Groups ranked by the errors they had in the window (reports, then errors). "
            "--service, --layer, --category, --type and --severity narrow the errors counted; "
            "--status (the group's current status) the groups shown."
        ),
    )
    add_window_options(top, "1h")
    add_filter_options(top, *ERROR_FILTERS)
    add_page_options(top, default_limit=20)
    add_format_option(top)
    add_connection_option(top)
    top.set_defaults(handler=run("groups top", _top))


GROUP_COLUMNS: tuple[Column, ...] = (
    ("group", lambda g: g.group_id[:12]),
    ("service", lambda g: g.service),
    ("layer", lambda g: g.layer),
    ("severity", lambda g: g.severity),
    ("status", lambda g: g.status),
    ("errors", lambda g: g.errors),
    ("reports", lambda g: g.reports),
    ("last", lambda g: when(g.last_in_window)),
    ("all time", lambda g: g.occurrences),
    ("title", lambda g: g.title),
)


def _top(conn: psycopg.Connection[Any], args: argparse.Namespace) -> int:
    filters, cursor = page_request(args, "groups top")
    return print_page(args, top_groups(conn, filters, args.limit, cursor), GROUP_COLUMNS)
