#!/usr/bin/env python3
"""Ingest benchmark: how fast errors get onto error.detected, against a raw producer.

- `EventPublisher.publish` (encode + produce) of N workload events, against a raw
  confluent-kafka producer (same configuration) of the same encoded bytes;
- `Reporter.report` — what `errorstream.report_error` runs — of N distinct exceptions (each
  with a traceback; burst merging off so every report is sent), timed until `flush` says all
  were delivered, against the raw producer of the very bytes the SDK produced (read back).

Each contender runs `repeats` times, interleaved, best run kept. usage: bench/ingest.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from harness import environment, producer

from errorstream.config import Settings, load_settings
from errorstream.schemas.serialization import AvroCodec
from errorstream.streams.producer import EventPublisher
from errorstream.streams.reader import read_records
from errorstream.streams.sdk import Reporter
from errorstream.streams.topics import ERROR_DETECTED
from errorstream.workload import WorkloadSpec, generate

RAW_TOPIC = "error.classified"  # an empty topic of the same shape for the raw producer


def raw_rate(settings: Settings, payloads: Sequence[tuple[bytes, bytes]]) -> float:
    """Events/s of a bare confluent-kafka producer (publisher's config) sending these bytes."""
    sink = producer(settings)
    name = settings.topic(RAW_TOPIC)
    _warm_up(sink, name, payloads[0])
    started = time.perf_counter()
    for key, value in payloads:
        while True:
            try:
                sink.produce(name, value=value, key=key)
                break
            except BufferError:
                sink.poll(0.01)
        sink.poll(0)
    if sink.flush(120) != 0:
        raise RuntimeError("raw producer did not deliver everything")
    return len(payloads) / (time.perf_counter() - started)


def _warm_up(sink: Any, topic: str, payload: tuple[bytes, bytes]) -> None:
    """One message before the clock starts: connection and metadata are not what we measure."""
    sink.produce(topic, value=payload[1], key=payload[0])
    sink.flush(30)


def publisher_rate(settings: Settings, events: Sequence[Any]) -> float:
    publisher = EventPublisher(settings, AvroCodec())
    _warm_up(publisher.producer, settings.topic(RAW_TOPIC), (b"warm-up", b"warm-up"))
    started = time.perf_counter()
    for event in events:
        publisher.publish(ERROR_DETECTED, event)
    if publisher.flush(120) != 0 or publisher.take_failures():
        raise RuntimeError("EventPublisher did not deliver everything")
    return len(events) / (time.perf_counter() - started)


class CheckoutError(RuntimeError):
    pass


def _charge(order: int) -> None:
    raise CheckoutError(f"payment declined for order {order}: card expired")


def _settle(order: int) -> None:
    _charge(order)


def exceptions(count: int) -> list[BaseException]:
    """Distinct exceptions, each with a three-frame traceback, raised before the clock starts."""
    found: list[BaseException] = []
    for order in range(count):
        try:
            _settle(order)
        except CheckoutError as exc:
            found.append(exc)
    return found


def sdk_rate(settings: Settings, errors: Sequence[BaseException]) -> tuple[float, dict[str, Any]]:
    """Reports/s through `Reporter.report` until every report is delivered."""
    reporter = Reporter(
        settings,
        service="bench-checkout",
        burst_window=0.0,
        max_buffered=2 * len(errors),
        flush_timeout=120,
    )
    reporter.report("warm-up: connect before the clock starts")
    reporter.flush(30)
    before = reporter.stats().sent
    started = time.perf_counter()
    for index, exc in enumerate(errors):
        reporter.report(exc, fingerprint=f"order-{index}", context={"order_id": index})
    if reporter.flush(120) != 0:
        raise RuntimeError("the SDK did not deliver everything")
    deadline = time.monotonic() + 60
    while True:  # flush() may return while the reporter's thread still holds a few reports
        stats = reporter.stats()
        if (stats.pending == 0 and stats.in_flight == 0) or time.monotonic() > deadline:
            break
        reporter.flush(1)
        time.sleep(0.001)
    seconds = time.perf_counter() - started
    stats = reporter.close(5)
    sent = stats.sent - before
    return sent / seconds, {"reported": len(errors), "sent": sent, "dropped": dict(stats.dropped)}


def run(base: Settings, quick: bool = False) -> dict[str, Any]:
    events_n = 20_000 if quick else 100_000
    reports_n = 5_000 if quick else 30_000
    repeats = 1 if quick else 3
    events = list(generate(WorkloadSpec(seed=11, errors=events_n, services=200)))
    codec = AvroCodec()
    encoded = [(e.partition_key, codec.encode(e)) for e in events]
    errors = exceptions(reports_n)
    publisher, raw, sdk, sdk_raw = 0.0, 0.0, 0.0, 0.0
    sdk_stats: dict[str, Any] = {}
    for _ in range(repeats):
        with environment(base, "ingest") as settings:
            rate, stats = sdk_rate(settings, errors)  # first: the topic then holds its bytes
            if rate > sdk:
                sdk, sdk_stats = rate, stats
            sent = [
                (r.key or b"", r.value)
                for r in read_records(settings, ERROR_DETECTED, until_idle=2.0, timeout=120)
                if r.value is not None  # (with the SDK's one warm-up report)
            ]
            sdk_raw = max(sdk_raw, raw_rate(settings, sent))
            publisher = max(publisher, publisher_rate(settings, events))
            raw = max(raw, raw_rate(settings, encoded))
    size = sum(len(v) for _, v in encoded) / len(encoded)
    sdk_size = sum(len(v) for _, v in sent) / max(len(sent), 1)
    return {
        "benchmark": "ingest",
        "events": events_n,
        "reports": reports_n,
        "repeats": repeats,
        "event_bytes": round(size),
        "report_bytes": round(sdk_size),
        "publisher_events_per_s": publisher,
        "raw_events_per_s": raw,
        "publisher_ratio": publisher / raw,
        "sdk_reports_per_s": sdk,
        "sdk_raw_events_per_s": sdk_raw,
        "sdk_ratio": sdk / sdk_raw,
        "sdk_stats": sdk_stats,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps(run(load_settings(), args.quick), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
