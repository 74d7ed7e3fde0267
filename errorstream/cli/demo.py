"""errorstream demo: bring everything up, push a realistic workload through, show the result."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import psycopg

from errorstream import infra
from errorstream.cli.up import bring_up
from errorstream.config import Settings, settings
from errorstream.streams.producer import EventPublisher
from errorstream.streams.topics import ERROR_DETECTED
from errorstream.tables import render
from errorstream.workload import WorkloadSpec, generate, malformed_payloads


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="start everything and push a realistic error workload through the pipeline",
        description=(
            "Start Kafka, PostgreSQL, a worker and the projectors; publish a seeded workload "
            "of errors from several services (plus a few malformed messages) to error.detected; "
            "wait until they are classified and projected; print what landed in PostgreSQL."
        ),
    )
    parser.add_argument("--errors", type=int, default=400, help="how many errors (default 400)")
    parser.add_argument("--seed", type=int, default=None, help="workload seed (default: clock)")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds to wait for results")
    parser.set_defaults(handler=handle)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def handle(args: argparse.Namespace) -> int:
    config = settings()
    _say("== bringing up Kafka, PostgreSQL, the worker and the projectors")
    bring_up(workers=True)
    seed = args.seed if args.seed is not None else int(time.time())
    spec = WorkloadSpec(seed=seed, errors=args.errors, start=datetime.now(UTC) - timedelta(hours=1))
    events = list(generate(spec))
    publisher = EventPublisher(config)
    for event in events:
        publisher.publish(ERROR_DETECTED, event)
    for garbage in malformed_payloads(3, seed):
        publisher.publish_bytes(ERROR_DETECTED, garbage, key=b"misbehaving-producer")
    if publisher.flush(60) != 0 or publisher.take_failures():
        _say("could not deliver the workload to Kafka")
        return 1
    services = len({e.source.service for e in events})
    _say(f"== published {len(events)} errors from {services} services and 3 malformed messages")
    ids = [e.event_id for e in events]
    landed = _wait(config, ids, args.timeout)
    if landed < len(ids):
        _say(f"only {landed}/{len(ids)} errors were classified in time; see `errorstream logs`")
        return 1
    _settle(config.dsn, spec.start)
    _show(config.dsn, ids, spec.start)
    worker = infra.background(config, "worker")
    _say(
        "\n== where to look next\n"
        f"  psql {config.dsn}\n"
        "     select * from errors order by occurred_at desc limit 20;\n"
        "  errorstream status            what runs, where\n"
        f"  errorstream logs worker       the agents' log ({worker.log})\n"
        "  errorstream logs projections  the projectors' log\n"
        "  errorstream topics            the topic catalogue\n"
        "== to stop everything: make down   (or: errorstream down)"
    )
    return 0


def _wait(config: Settings, ids: Sequence[object], timeout: float) -> int:
    deadline = time.monotonic() + timeout
    landed = 0
    with psycopg.connect(config.dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            for name in ("worker", "projections"):
                if not infra.background(config, name).running:
                    _say(f"the {name} process stopped; see `errorstream logs {name}`")
                    return landed
            row = conn.execute(
                "SELECT count(*) FROM errors WHERE id = ANY(%s) AND classified_at IS NOT NULL",
                (ids,),
            ).fetchone()
            landed = int(row[0]) if row else 0
            _say(f"   classified and projected: {landed}/{len(ids)}")
            if landed >= len(ids):
                break
            time.sleep(2)
    return landed


def _settle(dsn: str, since: datetime, timeout: float = 30.0) -> None:
    """Patterns and alerts are projected a little after the errors: wait until they stop growing."""
    deadline = time.monotonic() + timeout
    last = -1
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM error_patterns WHERE window_end >= %s)"
                " + (SELECT count(*) FROM alerts WHERE starts_at >= %s)",
                (since, since),
            ).fetchone()
            count = int(row[0]) if row else 0
            if count == last and count > 0:
                return
            last = count
            time.sleep(3)


def _show(dsn: str, ids: Sequence[object], since: datetime) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        by_service = conn.execute(
            """SELECT source_service_id AS service, count(*) AS errors,
                      count(DISTINCT group_id) AS groups,
                      count(*) FILTER (WHERE severity IN ('high','critical','emergency')) AS severe
               FROM errors WHERE id = ANY(%s) GROUP BY 1 ORDER BY 2 DESC""",
            (ids,),
        ).fetchall()
        by_category = conn.execute(
            """SELECT category, type, count(*) FROM errors WHERE id = ANY(%s)
               GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 12""",
            (ids,),
        ).fetchall()
        top_groups = conn.execute(
            """SELECT group_id, source_service_id, count(*) AS n, min(message) AS example
               FROM errors WHERE id = ANY(%s) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 8""",
            (ids,),
        ).fetchall()
        patterns = conn.execute(
            """SELECT pattern_type, coalesce(service, array_to_string(services, ' → ')),
                      occurrence_count, confidence, description
               FROM error_patterns WHERE window_end >= %s
               ORDER BY pattern_type = 'recurring', window_start LIMIT 12""",
            (since,),
        ).fetchall()
        alerts = conn.execute(
            """SELECT rule, key, severity, status, starts_at::time(0), summary
               FROM alerts WHERE starts_at >= %s ORDER BY starts_at LIMIT 10""",
            (since,),
        ).fetchall()
    print("\nerrors by service")
    print(render(("service", "errors", "groups", "high+"), by_service))
    print("\nerrors by category and type")
    print(render(("category", "type", "errors"), by_category))
    print("\ntop error groups")
    print(render(("group", "service", "errors", "example"), top_groups))
    print("\npatterns detected (bursts, cascades, degradations first)")
    print(render(("pattern", "where", "errors", "confidence", "description"), patterns))
    print("\nalerts")
    print(render(("rule", "key", "severity", "status", "since", "summary"), alerts))
