#!/usr/bin/env python3
"""Memory benchmark: a worker holding state for 100,000 groups and 10,000 services x layers,
then a steady run: is its resident memory flat?

A backlog that visits every one of ~120,000 groups (10,000 services, 3 kinds x 4 variants
each, across the four layers; event times in the past) is drained by one worker; the groups
and service x layer pairs it classified are counted from its output. Then a paced producer
sends the same services' and groups' errors with occurred_at = now, for `--minutes`, so
windows keep opening and closing; RSS (/proc VmRSS) is sampled every few seconds. Growth is
last sample / first sample - 1 (flat: under a few percent), with a least-squares slope.
Baseline: the peak RSS of the Faust pass-through agent (bench/passthrough.py) draining the
same backlog — the same framework holding no state. usage: bench/memory.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from harness import (
    Child,
    end_offsets,
    environment,
    log,
    paced,
    produce_all,
    start,
    wait_caught_up,
    wait_for_records,
    wait_ready,
)

from errorstream.config import Settings, load_settings
from errorstream.schemas.models import ErrorClassified, ErrorDetected
from errorstream.schemas.serialization import AvroCodec, DecodeError
from errorstream.streams.producer import EventPublisher
from errorstream.streams.reader import read_records
from errorstream.streams.topics import ERROR_CLASSIFIED, ERROR_DETECTED
from errorstream.workload import WorkloadSpec, generate

HERE = Path(__file__).resolve().parent
SEED = 31
VARIANTS = 4  # groups per (service, kind); services x 3 kinds x VARIANTS groups


def spec(
    services: int, errors: int, start: datetime, duration: timedelta, cover: bool = True
) -> WorkloadSpec:
    return WorkloadSpec(
        seed=SEED,  # the same seed: the same kinds per service, so the same groups
        errors=errors,
        services=services,
        start=start,
        duration=duration,
        groups_per_kind=VARIANTS,
        cover_groups=cover,
        degradations=0,  # its slow ramp would run past a short steady phase
    )


def backlog(services: int) -> list[tuple[bytes, bytes]]:
    codec = AvroCodec()
    groups = services * 3 * VARIANTS
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    events = generate(spec(services, groups + groups // 4, start, timedelta(hours=2)))
    return [(e.partition_key, codec.encode(e)) for e in events]


def state_size(settings: Settings, expected: int) -> dict[str, int]:
    """Groups, services and service x layer pairs the worker classified."""
    codec = AvroCodec()
    groups: set[str] = set()
    services: set[str] = set()
    layers: set[tuple[str, str]] = set()
    for record in read_records(settings, ERROR_CLASSIFIED, until_idle=2.0, max_records=expected):
        try:
            event = codec.decode(record.value or b"")
        except DecodeError:
            continue
        if isinstance(event, ErrorClassified):
            groups.add(event.group_id)
            services.add(event.source.service)
            layers.add((event.source.service, event.layer.value))
    return {"groups": len(groups), "services": len(services), "service_layers": len(layers)}


def steady(
    settings: Settings, child: Child, services: int, rate: float, seconds: float
) -> dict[str, Any]:
    """Paced errors over the same groups for `seconds`; RSS samples along the way."""
    count = int(rate * seconds)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    plan = spec(services, count, start, timedelta(seconds=seconds), cover=False)
    publisher = EventPublisher(settings, AvroCodec())
    samples: list[tuple[float, int]] = []
    t0 = time.time() + 1.0
    next_sample = 0.0

    def schedule() -> Iterator[tuple[float, ErrorDetected]]:
        for event in generate(plan):
            yield t0 + (event.occurred_at - plan.start).total_seconds(), event

    def send(at: float, event: ErrorDetected) -> None:
        nonlocal next_sample
        moment = datetime.fromtimestamp(at, UTC)
        fresh = event.model_copy(
            update={"event_id": uuid.uuid4(), "occurred_at": moment, "recorded_at": moment}
        )
        publisher.publish(ERROR_DETECTED, fresh)
        if at >= next_sample:
            samples.append((at - t0, child.memory()[0]))
            next_sample = at + 5.0

    behind = paced(schedule(), send, lambda: publisher.producer.poll(0))
    publisher.flush(60)
    samples.append((time.time() - t0, child.memory()[0]))
    first, last = samples[0][1], samples[-1][1]
    return {
        "rate": rate,
        "seconds": seconds,
        "events": count,
        "producer_behind_s": behind,
        "rss_start_bytes": first,
        "rss_end_bytes": last,
        "growth": last / first - 1 if first else None,
        "slope_mb_per_min": _slope(samples) * 60 / 2**20,
        "samples": [(round(t, 1), rss) for t, rss in samples],
    }


def _slope(samples: Sequence[tuple[float, int]]) -> float:
    """Least-squares bytes per second."""
    n = len(samples)
    if n < 2:
        return 0.0
    mean_t = sum(t for t, _ in samples) / n
    mean_v = sum(v for _, v in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    return sum((t - mean_t) * (v - mean_v) for t, v in samples) / var if var else 0.0


def run(base: Settings, quick: bool = False, rate: float = 100.0) -> dict[str, Any]:
    services = 1_000 if quick else 10_000
    seconds = 60.0 if quick else 600.0
    payloads = backlog(services)
    result: dict[str, Any] = {
        "benchmark": "memory",
        "services_configured": services,
        "backlog": len(payloads),
    }
    with environment(base, "mem") as settings:
        produce_all(settings, ERROR_DETECTED, payloads)
        del payloads
        log(f"memory: a worker drains {result['backlog']:,} errors over {services:,} services")
        worker = start(settings, "worker")
        try:
            wait_for_records(
                settings, ERROR_CLASSIFIED, result["backlog"], 7200, worker.check, every=10.0
            )
            wait_ready(worker, 600)
            wait_caught_up(worker)
            rss = worker.memory()[0]
            result["state"] = state_size(settings, result["backlog"])
            result["rss_after_backlog_bytes"] = rss
            log(f"memory: {result['state']}, RSS {rss / 2**20:,.0f} MB; steady run {seconds:.0f}s")
            result["steady"] = steady(settings, worker, services, rate, seconds)
            result["peak_rss_bytes"] = worker.memory()[1]
        finally:
            worker.stop()
        # The pass-through forwards everything on error.detected (backlog and steady run) to
        # error.classified, beside the worker's one ErrorClassified per error.
        inputs = end_offsets(settings, ERROR_DETECTED)
        already = end_offsets(settings, ERROR_CLASSIFIED)
        passthrough = start(
            settings,
            script=HERE / "passthrough.py",
            env={"ERRORSTREAM_APP_ID": f"{settings.app_id}-pass"},
        )
        try:
            wait_for_records(settings, ERROR_CLASSIFIED, already + inputs, 1800, passthrough.check)
            result["passthrough_peak_rss_bytes"] = passthrough.memory()[1]
        finally:
            passthrough.stop()
    result["peak_ratio"] = result["peak_rss_bytes"] / result["passthrough_peak_rss_bytes"]
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rate", type=float, default=100.0, help="steady errors/s")
    args = parser.parse_args(argv)
    print(json.dumps(run(load_settings(), args.quick, args.rate), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
