"""errorstream errors list|show: the errors in the read models, newest first, or one in full.

Also the options and output the other query commands share (groups, alerts, corrections):
filters, ``--limit``/``--cursor`` keyset paging (the next cursor goes to stderr), ``--format
table|json`` and ``--dsn`` (connect as an analyst). Data goes to stdout, messages to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg

from errorstream.config import settings
from errorstream.projections.queries import (
    DEFAULT_LIMIT,
    Classification,
    ErrorDetail,
    ErrorSummary,
    Filters,
    Page,
    PageCursor,
    QueryError,
    jsonable,
    list_errors,
    read_snapshot,
    resolve_window,
    show_error,
)
from errorstream.schemas.enums import ErrorCategory, ErrorType, GroupStatus, Layer, Severity
from errorstream.tables import render

T = TypeVar("T")
Column = tuple[str, Callable[[Any], Any]]


# -- shared by the query commands -------------------------------------------------------------
def add_connection_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dsn",
        help="PostgreSQL to read (default: DATABASE_URL or the local cluster); an analyst's "
        "role is enough",
    )


def add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="default: table"
    )


def add_window_options(parser: argparse.ArgumentParser, since_default: str | None) -> None:
    default = f" (default {since_default})" if since_default else ""
    parser.add_argument(
        "--since",
        default=since_default,
        metavar="WHEN",
        help=f"start: a duration back from --until (15m, 1h, 7d) or an ISO time{default}",
    )
    parser.add_argument(
        "--until",
        metavar="WHEN",
        help="end: an ISO time, or a duration back from now (default now)",
    )


def add_filter_options(parser: argparse.ArgumentParser, *names: str) -> None:
    choices: dict[str, tuple[str, ...]] = {
        "layer": tuple(Layer),
        "category": tuple(ErrorCategory),
        "type": tuple(ErrorType),
        "severity": tuple(Severity),
        "status": tuple(GroupStatus),
    }
    for name in names:
        if name in choices:
            parser.add_argument(f"--{name}", choices=choices[name])
        elif name == "group_id":
            parser.add_argument("--group", dest="group_id", metavar="GROUP_ID")
        else:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name)


def add_page_options(parser: argparse.ArgumentParser, default_limit: int = DEFAULT_LIMIT) -> None:
    parser.add_argument(
        "--limit", type=int, default=default_limit, help=f"rows per page (default {default_limit})"
    )
    parser.add_argument(
        "--cursor", help="continue after the page that printed this cursor (on stderr)"
    )


def page_request(args: argparse.Namespace, query: str) -> tuple[Filters, PageCursor | None]:
    """The filters and cursor the options ask for; a cursor pins the window's end."""
    cursor = PageCursor.decode(args.cursor, query) if getattr(args, "cursor", None) else None
    since_text = getattr(args, "since", None)
    until_text = getattr(args, "until", None)
    since: datetime | None = None
    until: datetime | None = None
    if since_text or until_text or (cursor and cursor.until):
        now = cursor.until if cursor and cursor.until and not until_text else datetime.now(UTC)
        since, until = resolve_window(since_text, until_text, now)
    values = {
        name: getattr(args, name, None)
        for name in ("service", "layer", "category", "type", "severity", "status", "group_id")
    }
    return Filters(since=since, until=until, rule=getattr(args, "rule", None), **values), cursor


def connect(args: argparse.Namespace) -> psycopg.Connection[Any]:
    return psycopg.connect(args.dsn or settings().dsn, autocommit=True)


def run(
    command: str, body: Callable[[psycopg.Connection[Any], argparse.Namespace], int]
) -> Callable[[argparse.Namespace], int]:
    """A handler that runs ``body`` in one read-only snapshot and reports failures briefly."""

    def handler(args: argparse.Namespace) -> int:
        try:
            with connect(args) as conn, read_snapshot(conn):
                return body(conn, args)
        except QueryError as exc:
            print(f"errorstream {command}: {exc}", file=sys.stderr)
            return 2
        except psycopg.Error as exc:
            print(f"errorstream {command}: {exc}".rstrip(), file=sys.stderr)
            return 1

    return handler


def print_page(
    args: argparse.Namespace, page: Page[T], columns: Sequence[Column], limit_hint: str = ""
) -> int:
    """The page on stdout (a table, or a JSON array); the next cursor, if any, on stderr."""
    if args.format == "json":
        print(json.dumps(jsonable(list(page.rows)), indent=2))
    else:
        print(render([h for h, _ in columns], [[get(r) for _, get in columns] for r in page.rows]))
    if page.next_cursor is not None:
        print(f"next cursor: {page.next_cursor.encode()}", file=sys.stderr)
    return 0


def when(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


# -- errors -----------------------------------------------------------------------------------
ERROR_FILTERS = ("service", "layer", "category", "type", "severity", "status", "group_id")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "errors",
        help="list errors, or show one with its group, patterns, alerts and corrections",
        description="Query the errors read model (newest first) or show one error in full.",
    )
    commands = parser.add_subparsers(dest="errors_command", metavar="SUBCOMMAND")
    commands.required = True

    listing = commands.add_parser(
        "list",
        help="errors, newest first, filtered and paged",
        description=(
            "Errors newest first. --status is the group's current status. Page with --limit "
            "and the cursor printed on stderr: --cursor CURSOR."
        ),
    )
    add_window_options(listing, None)
    add_filter_options(listing, *ERROR_FILTERS)
    add_page_options(listing)
    add_format_option(listing)
    add_connection_option(listing)
    listing.set_defaults(handler=run("errors list", _list))

    show = commands.add_parser(
        "show",
        help="one error: report, classification, group, patterns, alerts, analyses, corrections",
    )
    show.add_argument("error_id", metavar="ID", help="the error's id (a UUID)")
    add_format_option(show)
    add_connection_option(show)
    show.set_defaults(handler=run("errors show", _show))


ERROR_COLUMNS: tuple[Column, ...] = (
    ("occurred_at", lambda e: when(e.occurred_at)),
    ("id", lambda e: e.id),
    ("service", lambda e: e.service),
    ("layer", lambda e: e.layer),
    ("severity", lambda e: e.severity),
    ("category/type", lambda e: f"{e.category or '?'}/{e.type or '?'}"),
    ("group", lambda e: (e.group_id or "")[:12]),
    ("message", lambda e: e.message),
)


def _list(conn: psycopg.Connection[Any], args: argparse.Namespace) -> int:
    filters, cursor = page_request(args, "errors")
    page: Page[ErrorSummary] = list_errors(conn, filters, args.limit, cursor)
    return print_page(args, page, ERROR_COLUMNS)


def _show(conn: psycopg.Connection[Any], args: argparse.Namespace) -> int:
    detail = show_error(conn, args.error_id)
    if detail is None:
        print(f"errorstream errors show: no error {args.error_id}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(jsonable(detail), indent=2))
    else:
        print(describe_error(detail))
    return 0


def _flags(c: Classification) -> tuple[tuple[str, bool], ...]:
    return (("recurring", c.is_recurring), ("regression", c.regression), ("late", c.late))


def describe_error(e: ErrorDetail) -> str:
    """An error as a terminal page: fields, then each related read model as a small table."""
    c = e.classification
    fields = [
        ("id", e.id),
        ("occurred", when(e.occurred_at)),
        ("service", f"{e.service} ({e.layer or '?'} layer, {e.environment or '?'})"),
        ("host", e.host),
        ("version", e.service_version),
        ("component", e.component),
        ("exception", e.exception_type),
        ("code", e.error_code),
        ("message", e.message),
        ("reports", e.report_count),
        ("correlation", e.correlation_id),
        ("classified", when(c.classified_at)),
        ("category/type", f"{c.category}/{c.type}" + (f" ({c.subtype})" if c.subtype else "")),
        (
            "severity",
            f"{c.severity} (reported {c.reported_severity or '-'}, "
            f"computed {c.computed_severity or '-'})",
        ),
        ("confidence", c.confidence),
        ("grouping", f"{c.grouping_method or '-'}: {c.template or ''}".rstrip(": ")),
        ("flags", ", ".join(name for name, on in _flags(c) if on)),
    ]
    lines = [f"{name:>14}  {value}" for name, value in fields if value not in (None, "")]
    if c.evidence:
        lines.append("")
        lines.append("evidence:")
        lines.extend(f"  - {jsonable(item)}" for item in c.evidence)
    if e.stack_trace:
        lines += ["", "stack trace:", *("  " + line for line in e.stack_trace.splitlines())]
    if e.group is not None:
        g = e.group
        lines += [
            "",
            f"group {g.group_id}: {g.title}",
            f"  {g.status}, {g.occurrences} occurrences, first {when(g.first_seen)}, "
            f"last {when(g.last_seen)}, {g.regressions} regressions, max severity "
            f"{g.max_severity}",
        ]
    sections: list[tuple[str, Sequence[str], list[list[Any]]]] = [
        (
            "patterns",
            ("detected", "type", "errors", "risk", "description"),
            [
                [
                    when(p.detected_at),
                    p.pattern_type,
                    p.occurrence_count,
                    p.risk_level,
                    p.description,
                ]
                for p in e.patterns
            ],
        ),
        (
            "alerts",
            ("started", "rule", "status", "severity", "peak", "summary"),
            [
                [when(a.starts_at), a.rule, a.status, a.severity, a.peak_value, a.summary]
                for a in e.alerts
            ],
        ),
        (
            "analyses",
            ("created", "cause", "category", "impact", "confidence"),
            [
                [
                    when(a.created_at),
                    a.primary_cause,
                    a.primary_cause_category,
                    a.overall_impact,
                    a.confidence,
                ]
                for a in e.analyses
            ],
        ),
        (
            "corrections",
            ("plan", "status", "strategy", "decision", "by"),
            [[p.id, p.status, p.strategy, p.decision, p.decided_by] for p in e.corrections],
        ),
    ]
    for title, headers, rows in sections:
        if rows:
            lines += ["", f"{title}:", render(headers, rows)]
    return "\n".join(lines)
