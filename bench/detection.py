#!/usr/bin/env python3
"""Detection benchmark: one Faust worker running errorstream's agents against a Faust
pass-through agent (bench/passthrough.py) on the same backlog, then latency under load.

Throughput: N workload errors (heavy-tailed groups, bursts, a cascade, a degradation; event
times in the past hour) wait on error.detected; the process under test starts and drains
them. Its rate is taken from its output — the Kafka timestamps of the first and last of the N
records on error.classified (one ErrorClassified per error; the pass-through forwards each
message there) — so start-up and the reading of results are outside the figure.

Latency: a paced producer then sends errors with occurred_at = their scheduled send time, at
25%, 50% and 90% of the measured detection rate, for a fixed time each (after a warm-up at
the same rate whose errors are not measured), to both processes.
Detection latency is a PatternDetected record's timestamp (when the worker sent it) minus the
occurred_at of the error that caused it (PatternDetected → ErrorClassified → ErrorDetected by
causation ids); the pass-through's is its output record's timestamp minus the occurred_at of
the message it forwarded. usage: bench/detection.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from harness import (
    Child,
    collect,
    environment,
    log,
    paced,
    percentile,
    produce_all,
    span_rate,
    start,
    wait_caught_up,
    wait_for_records,
    wait_ready,
)

from errorstream.config import Settings, load_settings
from errorstream.schemas.models import ErrorClassified, ErrorDetected, PatternDetected
from errorstream.schemas.serialization import AvroCodec, DecodeError
from errorstream.streams.producer import EventPublisher
from errorstream.streams.reader import read_records
from errorstream.streams.topics import ERROR_CLASSIFIED, ERROR_DETECTED
from errorstream.workload import WorkloadSpec, generate

HERE = Path(__file__).resolve().parent
SERVICES = 200
SHARES = (0.25, 0.5, 0.9)


def backlog(count: int, seed: int) -> list[tuple[bytes, bytes]]:
    """Encoded workload errors of the hour that ended a quarter of an hour ago (the paced
    phases that follow continue the same services' timelines without a jump of hours)."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=75)
    codec = AvroCodec()
    spec = WorkloadSpec(seed=seed, errors=count, services=SERVICES, start=start)
    return [(e.partition_key, codec.encode(e)) for e in generate(spec)]


def throughput(settings: Settings, child: Child, count: int) -> dict[str, Any]:
    timeout = max(600.0, count / 50)
    # Poll the end offsets (cheap) and read the records only afterwards: a reader running
    # beside the process under test would take CPU from it.
    wait_for_records(settings, ERROR_CLASSIFIED, count, timeout, child.check, every=5.0)
    records = collect(settings, ERROR_CLASSIFIED, count, 300)
    if len(records) < count:
        raise TimeoutError(f"only {len(records)} of {count} outputs in {timeout:.0f}s")
    rate, seconds = span_rate(records)
    return {"events": count, "events_per_s": rate, "seconds": seconds}


def schedule(rate: float, seconds: float, seed: int) -> list[tuple[float, ErrorDetected]]:
    """(send time, error) pairs over `seconds`: the workload's own timing (bursts, cascades,
    a degradation) scaled to fit, `rate` on average."""
    count = max(1, int(rate * seconds))
    spec = WorkloadSpec(
        seed=seed,
        errors=count,
        services=SERVICES,
        start=datetime(2026, 1, 1, tzinfo=UTC),
        duration=timedelta(seconds=seconds),
    )
    timed = [((e.occurred_at - spec.start).total_seconds(), e) for e in generate(spec)]
    # An incident that starts late may run past `duration` (a few errors): those are left out,
    # so the rest keep the workload's own pace instead of being squeezed to make room.
    t0 = time.time() + 1.0
    return [(t0 + offset, e) for offset, e in timed if offset <= seconds]


def send_paced(settings: Settings, plan: list[tuple[float, ErrorDetected]]) -> dict[str, int]:
    """Send each error at its time with occurred_at = that time; returns id → occurred ms."""
    publisher = EventPublisher(settings, AvroCodec())
    occurred: dict[str, int] = {}

    def send(at: float, event: ErrorDetected) -> None:
        moment = datetime.fromtimestamp(at, UTC)
        timed = event.model_copy(update={"occurred_at": moment, "recorded_at": moment})
        millis = int(timed.occurred_at.timestamp() * 1000)
        occurred[str(event.event_id)] = millis
        publisher.publish(ERROR_DETECTED, timed)

    paced(plan, send, lambda: publisher.producer.poll(0))
    if publisher.flush(60) != 0:
        raise RuntimeError("paced producer could not deliver")
    return occurred


def _decode(codec: AvroCodec, value: bytes | None) -> Any:
    if value is None:
        return None
    try:
        return codec.decode(value)
    except DecodeError:
        return None


def _summary(latencies_ms: Sequence[float]) -> dict[str, Any]:
    def seconds(value: float | None) -> float | None:
        return None if value is None else value / 1000

    return {
        "count": len(latencies_ms),
        "p50_s": seconds(percentile(latencies_ms, 0.5)),
        "p99_s": seconds(percentile(latencies_ms, 0.99)),
        "max_s": seconds(max(latencies_ms) if latencies_ms else None),
    }


def detection_latency(
    settings: Settings, occurred: dict[str, int], since_ms: int, expected: int
) -> dict[str, Any]:
    codec = AvroCodec()
    classified_of: dict[str, str] = {}
    classified_ms: list[float] = []
    for record in read_records(settings, ERROR_CLASSIFIED, until_idle=2.0, timeout=300):
        if (record.timestamp_ms or 0) < since_ms:
            continue
        event = _decode(codec, record.value)
        if isinstance(event, ErrorClassified) and event.causation_id in occurred:
            classified_of[str(event.event_id)] = event.causation_id
            classified_ms.append(record.timestamp_ms - occurred[event.causation_id])  # type: ignore[operator]
    patterns_ms: list[float] = []
    for record in read_records(settings, "pattern.detected", until_idle=2.0, timeout=300):
        if (record.timestamp_ms or 0) < since_ms:
            continue
        event = _decode(codec, record.value)
        if isinstance(event, PatternDetected) and event.causation_id in classified_of:
            error_id = classified_of[event.causation_id]
            patterns_ms.append(record.timestamp_ms - occurred[error_id])  # type: ignore[operator]
    return {
        "sent": len(occurred),
        "classified": len(classified_ms),
        "expected": expected,
        "pattern_detected": _summary(patterns_ms),
        "error_classified": _summary(classified_ms),
    }


def passthrough_latency(
    settings: Settings, occurred: dict[str, int], since_ms: int
) -> dict[str, Any]:
    codec = AvroCodec()
    forwarded_ms: list[float] = []
    for record in read_records(settings, ERROR_CLASSIFIED, until_idle=2.0, timeout=300):
        if (record.timestamp_ms or 0) < since_ms:
            continue
        event = _decode(codec, record.value)
        if isinstance(event, ErrorDetected) and str(event.event_id) in occurred:
            forwarded_ms.append(record.timestamp_ms - occurred[str(event.event_id)])  # type: ignore[operator]
    return {"sent": len(occurred), "forwarded": _summary(forwarded_ms)}


def run(base: Settings, quick: bool = False) -> dict[str, Any]:
    count = 6_000 if quick else 60_000
    phase_s = 15.0 if quick else 60.0
    warm_s = 5.0 if quick else 10.0
    payloads = backlog(count, seed=21)
    result: dict[str, Any] = {
        "benchmark": "detection",
        "backlog": count,
        "services": SERVICES,
        "phase_seconds": phase_s,
        "warm_up_seconds": warm_s,
    }
    with (
        environment(base, "det") as det_env,
        environment(base, "pass") as pass_env,
    ):
        produce_all(det_env, ERROR_DETECTED, payloads)
        produce_all(pass_env, ERROR_DETECTED, payloads)
        # One after the other: on a small machine they would compete for the same cores.
        passthrough = start(pass_env, script=HERE / "passthrough.py")
        worker: Child | None = None
        try:
            log(f"detection: pass-through draining {count:,} errors")
            result["passthrough"] = throughput(pass_env, passthrough, count)
            log(f"detection: pass-through {result['passthrough']['events_per_s']:,.0f}/s")
            worker = start(det_env, "worker")
            result["detection"] = throughput(det_env, worker, count)
            log(f"detection: worker {result['detection']['events_per_s']:,.0f}/s")
            wait_ready(worker)
            wait_caught_up(worker)  # every agent, window summaries for the cascade agent too
            maximum = result["detection"]["events_per_s"]
            result["ratio"] = maximum / result["passthrough"]["events_per_s"]
            result["detection"]["rss_bytes"] = worker.memory()[0]
            result["passthrough"]["rss_bytes"] = passthrough.memory()[0]
            phases = []
            sent = {"det": count, "pass": count}
            for index, share in enumerate(SHARES):
                rate = share * maximum
                phase: dict[str, Any] = {"share": share, "rate": rate}
                for label, env, child in (
                    ("detection", det_env, worker),
                    ("passthrough", pass_env, passthrough),
                ):
                    # A warm-up at the same rate first (longer before the first phase, which
                    # follows the backlog): its errors are sent but not measured.
                    warm = warm_s * (3 if index == 0 else 1)
                    plan = schedule(rate, warm + phase_s, seed=1000 + index)
                    log(f"detection: {label} paced at {rate:,.0f}/s ({share:.0%}), {len(plan)}")
                    since_ms = int(plan[0][0] * 1000) - 1000
                    measured_from = int((plan[0][0] + warm) * 1000)
                    sent_at = send_paced(env, plan)
                    occurred = {k: v for k, v in sent_at.items() if v >= measured_from}
                    key = "det" if label == "detection" else "pass"
                    sent[key] += len(sent_at)
                    log(f"detection: {label} waiting for {sent[key]} outputs")
                    wait_for_records(env, ERROR_CLASSIFIED, sent[key], 600, child.check)
                    if label == "detection":
                        wait_caught_up(child)
                    if label == "detection":
                        phase[label] = detection_latency(env, occurred, since_ms, len(occurred))
                    else:
                        phase[label] = passthrough_latency(env, occurred, since_ms)
                phases.append(phase)
            result["latency"] = phases
        finally:
            if worker is not None:
                worker.stop()
            passthrough.stop()
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps(run(load_settings(), args.quick), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
