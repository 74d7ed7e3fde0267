#!/usr/bin/env python3
"""Toolbox benchmark: `errorstream ingest` events/s to the broker and `classify` records/s.

- ingest: the command's own run (`errorstream.cli.ingest.ingest`: read JSON Lines, validate,
  sanitise, check the ledger of ids already published, encode, publish keyed with the record's
  event time) of N workload records with ids, until the broker acknowledged every one; against
  a raw confluent-kafka producer (the publisher's configuration) of the very bytes ingest
  published (read back from error.detected), in the same run and environment;
- classify: `classify_stream` (ingest's mapping, then the detection agent's pass) of the same
  file, against reading and parsing its JSON lines alone;
- redact: `redact_records` (sanitize_report per record) of the same file, same baseline.

Each contender runs `repeats` times, best run kept. `run(base, quick) -> dict` is what
`make bench` calls; usage: bench/toolbox.py [--quick]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from harness import environment, log, producer

from errorstream.cli.classify import classify_stream
from errorstream.cli.ingest import IngestLedger, ingest
from errorstream.cli.redact import redact_records
from errorstream.config import Settings, load_settings
from errorstream.schemas.models import ErrorDetected
from errorstream.streams.ingest import RecordDefaults
from errorstream.streams.reader import read_records
from errorstream.workload import WorkloadSpec, generate

RAW_TOPIC = "error.classified"  # an empty topic of the same shape for the raw producer


def as_record(event: ErrorDetected) -> dict[str, Any]:
    """A workload event as the JSON Lines record an operator would ingest."""
    error = event.error
    record: dict[str, Any] = {
        "id": str(event.event_id),
        "occurred_at": event.occurred_at.isoformat(timespec="milliseconds"),
        "service": event.source.service,
        "layer": event.source.layer.value,
        "message": error.message,
    }
    for name in ("exception_type", "error_code", "stack_trace", "fingerprint"):
        value = getattr(error, name)
        if value is not None:
            record[name] = value
    if error.severity is not None:
        record["severity"] = error.severity.value
    if error.frames:
        record["frames"] = [f.model_dump(mode="json") for f in error.frames]
    if error.context:
        record["context"] = error.context
    return record


def workload_file(count: int) -> bytes:
    """`count` records of a day ago (ingest refuses event times ahead of the clock)."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    events = generate(WorkloadSpec(seed=23, errors=count, services=50, start=start))
    return "".join(json.dumps(as_record(e)) + "\n" for e in events).encode()


def ingest_rate(settings: Settings, data: bytes) -> tuple[float, int]:
    ledger = IngestLedger(settings)  # the new topic's leaders elected before the clock starts
    ledger.published(uuid.uuid4(), 0)
    ledger.close()
    started = time.perf_counter()
    tally = ingest(settings, io.BytesIO(data), "jsonl", RecordDefaults(), progress_mode="never")
    seconds = time.perf_counter() - started
    if tally.rejected or tally.failed or tally.delivered != tally.read:
        raise RuntimeError(f"ingest did not publish everything: {tally.summary('bench')}")
    return tally.delivered / seconds, tally.delivered


def raw_rate(settings: Settings, payloads: Sequence[tuple[bytes, bytes, int]]) -> float:
    """Events/s of a bare confluent-kafka producer sending the same keys, values, timestamps."""
    sink = producer(settings)
    name = settings.topic(RAW_TOPIC)
    sink.produce(name, value=payloads[0][1], key=payloads[0][0])  # connect before the clock
    sink.flush(30)
    started = time.perf_counter()
    for key, value, timestamp in payloads:
        while True:
            try:
                sink.produce(name, value=value, key=key, timestamp=timestamp)
                break
            except BufferError:
                sink.poll(0.01)
        sink.poll(0)
    if sink.flush(120) != 0:
        raise RuntimeError("raw producer did not deliver everything")
    return len(payloads) / (time.perf_counter() - started)


def offline_rates(settings: Settings, data: bytes) -> dict[str, float]:
    """Records/s of classify and redact over the file, and of parsing its lines alone."""
    lines = data.count(b"\n")
    first = data[: data.index(b"\n") + 1]
    list(classify_stream(io.BytesIO(first), settings))  # imports and the rulebook: once
    list(redact_records(io.BytesIO(first), settings))
    started = time.perf_counter()
    for line in io.BytesIO(data):
        json.loads(line)
    parse = lines / (time.perf_counter() - started)
    started = time.perf_counter()
    classified = sum(1 for _ in classify_stream(io.BytesIO(data), settings))
    classify = classified / (time.perf_counter() - started)
    started = time.perf_counter()
    redacted = sum(1 for _ in redact_records(io.BytesIO(data), settings))
    redact = redacted / (time.perf_counter() - started)
    return {"parse": parse, "classify": classify, "redact": redact}


def run(base: Settings | None = None, quick: bool = False) -> dict[str, Any]:
    base = base or load_settings()
    count = 5_000 if quick else 50_000
    repeats = 1 if quick else 3
    data = workload_file(count)
    log(f"toolbox: {count:,} records, {len(data) / count:,.0f} bytes per JSON line")
    best: dict[str, float] = {"ingest": 0.0, "raw": 0.0}
    for attempt in range(repeats):
        with environment(base, "toolbox") as settings:
            rate, published = ingest_rate(settings, data)
            records = [
                (r.key or b"", r.value, r.timestamp_ms or 0)
                for r in read_records(settings, "error.detected", until_idle=3.0)
                if r.value is not None
            ]
            if len(records) != published:
                raise RuntimeError(f"{len(records)} records on error.detected, {published} sent")
            raw = raw_rate(settings, records)
        best["ingest"] = max(best["ingest"], rate)
        best["raw"] = max(best["raw"], raw)
        log(f"toolbox: run {attempt + 1}: ingest {rate:,.0f}/s, raw producer {raw:,.0f}/s")
    offline: dict[str, float] = {"parse": 0.0, "classify": 0.0, "redact": 0.0}
    settings = load_settings()
    for _ in range(repeats):
        for name, value in offline_rates(settings, data).items():
            offline[name] = max(offline[name], value)
    return {
        "benchmark": "toolbox",
        "records": count,
        "record_bytes": round(len(data) / count),
        "ingest_events_per_s": best["ingest"],
        "raw_events_per_s": best["raw"],
        "ingest_ratio": best["ingest"] / best["raw"] if best["raw"] else None,
        "classify_records_per_s": offline["classify"],
        "redact_records_per_s": offline["redact"],
        "parse_only_records_per_s": offline["parse"],
        "classify_ratio": offline["classify"] / offline["parse"] if offline["parse"] else None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 records, one run")
    args = parser.parse_args(argv)
    print(json.dumps(run(load_settings(), args.quick), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
