"""errorstream status: what runs, where, how fast and how far behind — from the same endpoints
Prometheus scrapes.

Kafka, PostgreSQL and background processes are listed as before; then every worker and
projector that registered a metrics endpoint (``<run_dir>/metrics``, or ``--endpoint URL``) is
scraped twice, ``--interval`` seconds apart, for rates: events in and out, dead letters,
consumer lag, detection latency, projection rows/s, firing alerts; and PostgreSQL is asked
for corrections waiting for approval when that table exists. ``--watch`` refreshes until
Ctrl-C; ``--targets FILE`` writes the endpoints as a Prometheus file_sd target list.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from errorstream import infra
from errorstream.config import Settings, settings
from errorstream.metrics import (
    LATENCY_BUCKETS,
    Endpoint,
    Sample,
    Samples,
    probe,
    registered_endpoints,
    scrape,
)

SIGNAL_LATENCY = "errorstream_detection_latency_seconds"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "status",
        help="show Kafka, PostgreSQL, workers and projectors, with live rates and lag",
        description=(
            "Show whether Kafka, PostgreSQL and errorstream's processes are running, and a "
            "summary read from every worker's and projector's metrics endpoint: rates, lag, "
            "dead letters, detection latency, firing alerts, pending approvals."
        ),
    )
    parser.add_argument("--watch", action="store_true", help="refresh until Ctrl-C")
    parser.add_argument(
        "--interval", type=float, default=2.0, help="seconds between scrapes (rates)"
    )
    parser.add_argument(
        "--endpoint",
        action="append",
        default=[],
        metavar="URL",
        help="also scrape this endpoint (http://host:port); repeatable",
    )
    parser.add_argument(
        "--all", action="store_true", help="every app id's processes, not only this one's"
    )
    parser.add_argument(
        "--targets",
        type=Path,
        metavar="FILE",
        help="write the endpoints as a Prometheus file_sd JSON target list and exit",
    )
    parser.set_defaults(handler=handle)


# -- what a pair of scrapes says --------------------------------------------------------------
@dataclass
class ProcessSummary:
    """One process, from two scrapes `seconds` apart (rates need both)."""

    label: str
    role: str
    ready: bool | None
    events_in: float = 0.0  # per second
    events_out: float = 0.0
    dead_letters: float = 0.0
    rows: float = 0.0
    lag: float = 0.0
    rss_bytes: float = 0.0
    lag_by_consumer: dict[str, float] = field(default_factory=dict)
    rows_by_projector: dict[str, float] = field(default_factory=dict)
    in_by_agent: dict[str, float] = field(default_factory=dict)
    firing: dict[str, float] = field(default_factory=dict)
    p50: float | None = None
    p99: float | None = None


def _rate(name: str, before: Samples | None, after: Samples, seconds: float) -> float:
    if before is None or seconds <= 0:
        return 0.0
    return max(0.0, (after.total(name) - before.total(name)) / seconds)


def _rates_by(
    name: str, label: str, before: Samples | None, after: Samples, seconds: float
) -> dict[str, float]:
    if before is None or seconds <= 0:
        return {}
    keys = {s.labels.get(label, "") for s in after.select(name)}
    return {
        key: max(0.0, (after.total(name, **{label: key}) - before.total(name, **{label: key})))
        / seconds
        for key in sorted(keys)
    }


def _latency(before: Samples | None, after: Samples, q: float) -> float | None:
    """Quantile of the signals emitted between the scrapes (all of them without a first)."""
    if before is None:
        return after.quantile(q, SIGNAL_LATENCY)
    window = Samples(
        [
            Sample(s.name, s.labels, s.value - before.total(s.name, **s.labels))
            for s in after.select(f"{SIGNAL_LATENCY}_bucket")
        ]
    )
    found = window.quantile(q, SIGNAL_LATENCY)
    return found if found is not None else after.quantile(q, SIGNAL_LATENCY)


def summarize(
    label: str,
    role: str,
    ready: bool | None,
    before: Samples | None,
    after: Samples,
    seconds: float,
) -> ProcessSummary:
    """What a process did between two scrapes, and where it stands at the second."""
    lag_by_consumer: dict[str, float] = defaultdict(float)
    for sample in after.select("errorstream_consumer_lag_messages"):
        lag_by_consumer[sample.labels.get("consumer", "")] += sample.value
    firing = {
        f"{s.labels.get('rule', '?')}/{s.labels.get('severity', '?')}": s.value
        for s in after.select("errorstream_alerts_firing")
        if s.value
    }
    return ProcessSummary(
        label=label,
        role=role,
        ready=ready,
        events_in=_rate("errorstream_events_consumed_total", before, after, seconds),
        events_out=_rate("errorstream_events_produced_total", before, after, seconds),
        dead_letters=_rate("errorstream_deadlettered_total", before, after, seconds),
        rows=_rate("errorstream_projection_events_total", before, after, seconds),
        lag=sum(lag_by_consumer.values()),
        rss_bytes=after.total("process_resident_memory_bytes"),
        lag_by_consumer=dict(lag_by_consumer),
        rows_by_projector=_rates_by(
            "errorstream_projection_events_total", "projector", before, after, seconds
        ),
        in_by_agent=_rates_by("errorstream_events_consumed_total", "agent", before, after, seconds),
        firing=firing,
        p50=_latency(before, after, 0.5),
        p99=_latency(before, after, 0.99),
    )


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= LATENCY_BUCKETS[-1]:  # in the +Inf bucket: a replay of old events, say
        return f">= {LATENCY_BUCKETS[-1] / 3600:.0f} h"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def render(summaries: Sequence[ProcessSummary], pending: str | None) -> str:
    """The live part of the status, as text."""
    if not summaries:
        return (
            "no worker or projector metrics endpoint found "
            "(start them with `errorstream up --workers`, or pass --endpoint URL)"
        )
    header = f"{'process':<28} {'ready':<5} {'in/s':>9} {'out/s':>9} {'dlq/s':>7} "
    header += f"{'rows/s':>9} {'lag':>9} {'rss':>8}"
    lines = [header]
    for s in summaries:
        ready = "-" if s.ready is None else ("yes" if s.ready else "NO")
        lines.append(
            f"{s.label:<28} {ready:<5} {s.events_in:>9,.1f} {s.events_out:>9,.1f} "
            f"{s.dead_letters:>7,.1f} {s.rows:>9,.1f} {s.lag:>9,.0f} "
            f"{s.rss_bytes / 2**20:>6,.0f}MB"
        )
    agents: dict[str, float] = defaultdict(float)
    projectors: dict[str, float] = defaultdict(float)
    lags: dict[str, float] = defaultdict(float)
    firing: dict[str, float] = defaultdict(float)
    for s in summaries:
        for name, rate in s.in_by_agent.items():
            agents[name] += rate
        for name, rate in s.rows_by_projector.items():
            projectors[name] += rate
        for name, lag in s.lag_by_consumer.items():
            lags[name] = max(lags[name], lag)  # processes of one group report the same offsets
        for key, count in s.firing.items():
            firing[key] += count
    lines.append("")
    if agents:
        lines.append("agents:      " + ", ".join(f"{a} {r:,.1f}/s" for a, r in agents.items()))
    workers = [s for s in summaries if s.p99 is not None]
    if workers:
        lines.append(
            "detection:   "
            + ", ".join(f"{s.label} p50 {_seconds(s.p50)} p99 {_seconds(s.p99)}" for s in workers)
            + " (occurred_at → signal emitted)"
        )
    if projectors:
        lines.append(
            "projectors:  " + ", ".join(f"{p} {r:,.1f} rows/s" for p, r in projectors.items())
        )
    if lags:
        lines.append("lag:         " + ", ".join(f"{c} {lag:,.0f}" for c, lag in lags.items()))
    total_firing = sum(firing.values())
    detail = ", ".join(f"{key} {count:.0f}" for key, count in sorted(firing.items()))
    lines.append(f"alerts firing: {total_firing:.0f}" + (f" ({detail})" if detail else ""))
    if pending is not None:
        lines.append(f"pending approvals: {pending}")
    return "\n".join(lines)


# -- I/O --------------------------------------------------------------------------------------
def pending_approvals(config: Settings) -> str | None:
    """Corrections waiting for a decision, when the read model has them; None if unknown."""
    import psycopg

    try:
        with psycopg.connect(config.dsn, connect_timeout=2, autocommit=True) as conn:
            views = {
                name
                for (name,) in conn.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                )
            }
            if "pending_approvals" in views:
                row = conn.execute("SELECT count(*) FROM pending_approvals").fetchone()
            elif "correction_plans" in views:
                columns = {
                    name
                    for (name,) in conn.execute(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_schema = current_schema() AND table_name = 'correction_plans'"
                    )
                }
                if "status" not in columns:
                    return None
                row = conn.execute(
                    "SELECT count(*) FROM correction_plans WHERE status = 'planned'"
                ).fetchone()
            else:
                return "- (no correction_plans table yet)"
    except psycopg.Error:
        return None
    return str(row[0]) if row else None


def _endpoints(config: Settings, args: argparse.Namespace) -> list[tuple[str, str, str]]:
    """(label, role, url) of every endpoint to read."""
    found: list[tuple[str, str, str]] = []
    for endpoint in registered_endpoints(config):
        if not args.all and endpoint.app_id != config.app_id:
            continue
        found.append(
            (f"{endpoint.role} pid {endpoint.pid} :{endpoint.port}", endpoint.role, endpoint.url)
        )
    for url in args.endpoint:
        found.append((url.removeprefix("http://"), "?", url))
    return found


def _read(url: str) -> tuple[Samples | None, bool | None]:
    try:
        samples = scrape(url, timeout=3)
    except OSError:
        return None, None
    try:
        status, _ = probe(url, "/readyz", timeout=5)
    except OSError:
        return samples, None
    return samples, status == 200


def live(
    config: Settings, args: argparse.Namespace, previous: dict[str, tuple[float, Samples]]
) -> str:
    """Scrape every endpoint (twice when there is no earlier scrape) and render."""
    targets = _endpoints(config, args)
    if not previous and targets:
        for _label, _role, url in targets:
            samples, _ = _read(url)
            if samples is not None:
                previous[url] = (time.monotonic(), samples)
        time.sleep(max(args.interval, 0.1))
    summaries = []
    for label, role, url in targets:
        samples, ready = _read(url)
        if samples is None:
            summaries.append(ProcessSummary(label, role, False))
            continue
        now = time.monotonic()
        before = previous.get(url)
        seconds = now - before[0] if before else 0.0
        summaries.append(
            summarize(label, role, ready, before[1] if before else None, samples, seconds)
        )
        previous[url] = (now, samples)
    return render(summaries, pending_approvals(config))


def infrastructure(config: Settings) -> bool:
    healthy = True
    if config.kafka_is_external:
        print(f"kafka: external {config.bootstrap_servers}")
    else:
        healthy &= infra.run_script(config, infra.kafka_script(), "status", check=False) == 0
    if config.database_is_external:
        print("postgres: external (DATABASE_URL)")
    else:
        healthy &= infra.run_script(config, infra.postgres_script(), "status", check=False) == 0
    for process in infra.list_background(config):
        state = f"running (pid {process.pid})" if process.running else "not running"
        print(f"{process.name}: {state}, log {process.log}")
    return healthy


def file_sd(endpoints: Sequence[Endpoint]) -> list[dict[str, object]]:
    """Prometheus file_sd targets: one group per role."""
    by_role: dict[str, list[str]] = defaultdict(list)
    for endpoint in endpoints:
        by_role[endpoint.role].append(f"{endpoint.host}:{endpoint.port}")
    return [
        {"targets": sorted(targets), "labels": {"role": role}}
        for role, targets in sorted(by_role.items())
    ]


def handle(args: argparse.Namespace) -> int:
    config = settings()
    if args.targets is not None:
        chosen = [e for e in registered_endpoints(config) if args.all or e.app_id == config.app_id]
        args.targets.write_text(json.dumps(file_sd(chosen), indent=2) + "\n")
        print(f"{len(chosen)} endpoint(s) written to {args.targets}", file=sys.stderr)
        return 0
    previous: dict[str, tuple[float, Samples]] = {}
    if not args.watch:
        healthy = infrastructure(config)
        print()
        print(live(config, args, previous))
        return 0 if healthy else 1
    try:
        while True:
            text = live(config, args, previous)
            sys.stdout.write("\x1b[2J\x1b[H" + time.strftime("%H:%M:%S ") + "errorstream\n\n")
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
            time.sleep(max(args.interval, 0.5))
    except KeyboardInterrupt:
        return 0
