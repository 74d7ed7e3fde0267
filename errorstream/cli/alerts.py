"""errorstream alerts: alerts from the read models, latest first — what fired, what still fires,
for how long and how loudly (an Alertmanager-like view of ``alerts``)."""

from __future__ import annotations

import argparse
from datetime import timedelta
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
from errorstream.projections.queries import AlertSummary, list_alerts


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "alerts",
        help="alerts, latest first (--firing for those still firing)",
        description=(
            "Alerts latest first. A window (--since/--until) keeps the alerts that fired at "
            "some time in it."
        ),
    )
    state = parser.add_mutually_exclusive_group()
    state.add_argument(
        "--firing", dest="status", action="store_const", const="firing", help="only firing"
    )
    state.add_argument(
        "--resolved", dest="status", action="store_const", const="resolved", help="only resolved"
    )
    add_window_options(parser, None)
    add_filter_options(parser, "service", "layer", "severity", "rule")
    add_page_options(parser)
    add_format_option(parser)
    add_connection_option(parser)
    parser.set_defaults(handler=run("alerts", _alerts))


def _duration(alert: AlertSummary) -> str:
    if alert.duration_ms is None:
        return ""
    return str(timedelta(seconds=round(alert.duration_ms / 1000)))


ALERT_COLUMNS: tuple[Column, ...] = (
    ("started", lambda a: when(a.starts_at)),
    ("status", lambda a: a.status),
    ("severity", lambda a: a.severity),
    ("rule", lambda a: a.rule),
    ("service", lambda a: a.service),
    ("peak", lambda a: a.peak_value),
    ("threshold", lambda a: f"{a.comparison or ''} {a.threshold}".strip()),
    ("notified", lambda a: a.notifications),
    ("firing for", _duration),
    ("id", lambda a: a.alert_id),
    ("summary", lambda a: a.summary),
)


def _alerts(conn: psycopg.Connection[Any], args: argparse.Namespace) -> int:
    filters, cursor = page_request(args, "alerts")
    return print_page(args, list_alerts(conn, filters, args.limit, cursor), ALERT_COLUMNS)
