"""errorstream corrections pending: the approval queue — correction plans neither approved nor
rejected yet, oldest first, with their risk and who may approve them."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

import psycopg

from errorstream.cli.errors import (
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
from errorstream.projections.queries import PendingCorrection, pending_corrections


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "corrections",
        help="correction plans awaiting approval",
        description="Query the correction plans.",
    )
    commands = parser.add_subparsers(dest="corrections_command", metavar="SUBCOMMAND")
    commands.required = True
    pending = commands.add_parser(
        "pending",
        help="plans awaiting approval, oldest first",
        description=(
            "Correction plans that are planned and neither approved nor rejected, oldest "
            "first. A window (--since/--until) keeps the plans made in it."
        ),
    )
    add_window_options(pending, None)
    add_filter_options(pending, "service", "group_id")
    add_page_options(pending)
    add_format_option(pending)
    add_connection_option(pending)
    pending.set_defaults(handler=run("corrections pending", _pending))


def _waiting(plan: PendingCorrection) -> str:
    seconds = max(0, int((datetime.now(UTC) - plan.created_at).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


PENDING_COLUMNS: tuple[Column, ...] = (
    ("planned", lambda p: when(p.created_at)),
    ("waiting", _waiting),
    ("plan", lambda p: p.id),
    ("service", lambda p: p.service),
    ("strategy", lambda p: p.strategy),
    ("automation", lambda p: p.automation_level),
    ("risk", lambda p: f"{p.risk_level or ''} {p.risk_score or ''}".strip()),
    ("approvers", lambda p: ", ".join(p.approvers or ())),
    ("actions", lambda p: ", ".join(p.action_types)),
    ("group", lambda p: p.group_title),
)


def _pending(conn: psycopg.Connection[Any], args: argparse.Namespace) -> int:
    filters, cursor = page_request(args, "corrections pending")
    return print_page(args, pending_corrections(conn, filters, args.limit, cursor), PENDING_COLUMNS)
