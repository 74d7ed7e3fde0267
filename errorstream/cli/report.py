"""errorstream report: a window's errors, trends, top groups, patterns, alerts, MTTR,
correction outcomes and predictions — as JSON, CSV or one self-contained HTML page.

Read from the read models only, in one snapshot; an analyst's role is enough (``--dsn``). The
JSON and CSV formats are documented in ``errorstream.projections.reports``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from errorstream.cli.errors import add_connection_option, connect
from errorstream.projections.queries import (
    QueryError,
    parse_duration,
    read_snapshot,
    resolve_window,
)
from errorstream.projections.report_html import render_html
from errorstream.projections.reports import build_report, report_document, write_csv


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "report",
        help="a report of a time window as JSON, CSV or self-contained HTML with charts",
        description=(
            "Totals and trends (errors per bucket per service), severity mix, top groups, "
            "patterns, alerts, MTTR, correction outcomes and predictions of a window, from the "
            "read models. HTML is one file with inline SVG charts that renders offline."
        ),
    )
    parser.add_argument(
        "--since",
        default="24h",
        metavar="WHEN",
        help="start: a duration back from --until (15m, 1h, 7d) or an ISO time (default 24h)",
    )
    parser.add_argument(
        "--until", metavar="WHEN", help="end: an ISO time, or a duration back from now"
    )
    parser.add_argument("--service", help="only this service")
    parser.add_argument(
        "--bucket",
        metavar="DURATION",
        help="trend bucket (default: 1m…7d, at most 48 buckets; 24h → 1h)",
    )
    parser.add_argument(
        "--top", type=int, default=20, help="rows in each list section (default 20)"
    )
    parser.add_argument("--format", choices=("json", "csv", "html"), default="json")
    parser.add_argument("--out", type=Path, metavar="FILE", help="write here instead of stdout")
    add_connection_option(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    try:
        since, until = resolve_window(args.since, args.until, datetime.now(UTC))
        if since is None:
            raise QueryError("a report needs --since")
        bucket = parse_duration(args.bucket) if args.bucket else None
        if not 1 <= args.top <= 1000:
            raise QueryError(f"--top must be between 1 and 1000, not {args.top}")
        with connect(args) as conn, read_snapshot(conn):
            report = build_report(
                conn, since, until, bucket=bucket, service=args.service, top=args.top
            )
    except QueryError as exc:
        print(f"errorstream report: {exc}", file=sys.stderr)
        return 2
    except psycopg.Error as exc:
        print(f"errorstream report: {exc}".rstrip(), file=sys.stderr)
        return 1
    if args.format == "html":
        text = render_html(report)
    elif args.format == "csv":
        text = write_csv(report_document(report))
    else:
        text = json.dumps(report_document(report), indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        print(
            f"errorstream report: {args.format} report of {report.totals.errors} errors "
            f"written to {args.out}",
            file=sys.stderr,
        )
    return 0
