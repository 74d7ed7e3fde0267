#!/usr/bin/env python3
"""Projection benchmark: each projector's write rate, and a rebuild of a million events, each
against a plain COPY of the very rows it produced.

Projectors: the sample stream of every event type (projections/samples.py, errors from the
workload generator and what the agents derive from them) waits on its topics; each projector
runs alone (projection runtime, as `errorstream project` runs it) until it has taken every
message on its topics. Its rate is messages written per second — each one a row upsert in the
same transaction as its offsets — from its first committed batch to its last. Baseline: as
many rows as it wrote, made of the rows it left in its tables (repeated), COPYed into a fresh
copy of each table (columns, defaults, CHECK constraints; no keys or indexes, which would
refuse the repeats): the fastest PostgreSQL takes that data.

Replay: at least 1,000,000 events on error.detected and error.classified — the sample's
errors cloned with fresh ids — rebuilt by `errorstream replay`'s engine (shadow schema, index
build, atomic swap). Figures: events/s and the time to rebuild, beside a plain COPY of as
many rows of the rebuilt table. usage: bench/projection.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
from harness import end_offsets, environment, log, produce_all, produce_each
from psycopg import sql

from errorstream.config import Settings, load_settings
from errorstream.projections.catalogue import PROJECTORS
from errorstream.projections.errors import ErrorsProjector
from errorstream.projections.replay import Rebuild
from errorstream.projections.runtime import ProjectionWorker, Projector
from errorstream.projections.samples import SampleSpec, sample_events
from errorstream.schemas.models import ErrorClassified, ErrorDetected
from errorstream.schemas.serialization import AvroCodec

CLONES = uuid.UUID("7d0c5b1e-2f3a-4c6d-9e8f-0a1b2c3d4e5f")


def publish_sample(settings: Settings, errors: int) -> dict[str, int]:
    """The sample stream on its topics; messages per topic."""
    codec = AvroCodec()
    by_topic: dict[str, list[tuple[bytes | None, bytes]]] = {}
    for topic, event in sample_events(SampleSpec(seed=5, errors=errors)):
        by_topic.setdefault(topic, []).append((event.partition_key, codec.encode(event)))
    return {topic: produce_all(settings, topic, pairs) for topic, pairs in by_topic.items()}


def run_projector(settings: Settings, projector: Projector, total: int) -> dict[str, Any]:
    """Run one projector until it took `total` messages; its rate after its first batch."""
    worker = ProjectionWorker(settings, projector)
    failure: list[BaseException] = []

    def target() -> None:
        try:
            worker.run()
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target, name=f"bench-{projector.name}", daemon=True)
    thread.start()
    first_at, first_done = 0.0, 0
    deadline = time.monotonic() + max(600.0, total / 100)
    try:
        while True:
            stats = worker.stats
            done = stats.events + stats.dead_lettered
            now = time.perf_counter()
            if not first_at and stats.batches:
                first_at, first_done = now, done
            if done >= total:
                break
            if failure or not thread.is_alive():
                raise RuntimeError(f"{projector.name} stopped: {failure[:1]!r}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{projector.name}: {done} of {total} after the deadline")
            time.sleep(0.005)
    finally:
        worker.stop()
        thread.join(60)
    seconds = now - first_at
    rate = (done - first_done) / seconds if seconds > 0 and done > first_done else None
    return {
        "messages": total,
        "events": stats.events,
        "dead_lettered": stats.dead_lettered,
        "batches": stats.batches,
        "events_per_s": rate,
    }


def _columns(conn: psycopg.Connection[Any], table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [name for (name,) in rows]


def copy_rate(settings: Settings, tables: Sequence[str], rows: int) -> dict[str, Any]:
    """Rows/s of a plain COPY of `rows` rows of these tables' shape: the projected rows, copied
    out and repeated up to `rows` (a projector writes one row per event, often the same row
    again), into copies of the tables with their columns, defaults and CHECK constraints but
    no keys or indexes (they would refuse the repeats): the fastest load of that data."""
    loaded = 0
    seconds = 0.0
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        projected: dict[str, tuple[sql.Composable, list[bytes]]] = {}
        for table in tables:
            columns = sql.SQL(", ").join(sql.Identifier(c) for c in _columns(conn, table))
            with conn.cursor() as cur:
                query = sql.SQL("COPY {} ({}) TO STDOUT").format(sql.Identifier(table), columns)
                with cur.copy(query) as copy:
                    lines = b"".join(bytes(block) for block in copy).splitlines(keepends=True)
            if lines:
                projected[table] = (columns, lines)
        per_table = max(1, rows // max(len(projected), 1))
        for table, (names, lines) in projected.items():
            source, target = sql.Identifier(table), sql.Identifier(f"_bench_copy_{table}")
            data = b"".join(lines[i % len(lines)] for i in range(per_table))
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(target))
            conn.execute(
                sql.SQL(
                    "CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
                ).format(target, source)
            )
            started = time.perf_counter()
            with conn.transaction(), conn.cursor() as cur:
                load = sql.SQL("COPY {} ({}) FROM STDIN").format(target, names)
                with cur.copy(load) as copy:
                    copy.write(data)
            seconds += time.perf_counter() - started
            conn.execute(sql.SQL("DROP TABLE {}").format(target))
            loaded += per_table
    return {
        "rows": loaded,
        "seconds": seconds,
        "rows_per_s": loaded / seconds if seconds else None,
    }


def projectors(base: Settings, errors: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with environment(base, "proj") as settings:
        per_topic = publish_sample(settings, errors)
        log(f"projection: sample stream of {sum(per_topic.values()):,} events published")
        for name in sorted(PROJECTORS):
            projector = PROJECTORS[name]()
            total = sum(end_offsets(settings, topic) for topic in projector.topics)
            if total == 0:
                continue
            figures = run_projector(settings, projector, total)
            figures["copy"] = copy_rate(settings, projector.tables, total)
            copy = figures["copy"]["rows_per_s"]
            ours = figures["events_per_s"]
            figures["ratio"] = ours / copy if ours and copy else None
            log(f"projection: {name} {ours or 0:,.0f} events/s, COPY {copy or 0:,.0f} rows/s")
            results[name] = figures
    return {"sample_errors": errors, "topics": per_topic, "projectors": results}


# -- replay -------------------------------------------------------------------------------------
def cloned_errors(base_errors: int, target: int) -> Iterator[tuple[str, bytes | None, bytes]]:
    """(topic, key, value) of at least `target` error.detected + error.classified events: the
    sample's, then clones whose ids (event, error and causation ids) are fresh uuid5s."""
    codec = AvroCodec()
    originals: list[tuple[str, bytes, bytes, list[bytes]]] = []
    for topic, event in sample_events(SampleSpec(seed=9, errors=base_errors, duplicate_every=0)):
        if isinstance(event, ErrorDetected):
            ids = [str(event.event_id)]
        elif isinstance(event, ErrorClassified):
            ids = [str(event.event_id), str(event.error_id)]
        else:
            continue
        payload = codec.encode(event)
        originals.append((topic, event.partition_key, payload, [i.encode() for i in ids]))
    produced = 0
    clone = 0
    while produced < target:
        for topic, key, payload, id_strings in originals:
            value = payload
            if clone:
                for original in id_strings:
                    fresh = str(uuid.uuid5(CLONES, f"{original.decode()}:{clone}")).encode()
                    value = value.replace(original, fresh)
            yield topic, key, value
            produced += 1
        clone += 1


def replay(base: Settings, events: int) -> dict[str, Any]:
    with environment(base, "replay") as settings:
        total = produce_each(settings, cloned_errors(5_000, events))
        log(f"projection: replaying {total:,} events into the errors read model")
        report = Rebuild(settings, ErrorsProjector()).run()
        copy = copy_rate(settings, ErrorsProjector.tables, total)
        return {
            "events": total,
            "consumed": report.events,
            "rebuild_seconds": report.seconds,
            "swap_seconds": report.swap_seconds,
            "events_per_s": report.rate,
            "rows": report.rows,
            "copy": copy,
            "ratio": report.rate / copy["rows_per_s"] if copy["rows_per_s"] else None,
        }


def run(base: Settings, quick: bool = False) -> dict[str, Any]:
    return {
        "benchmark": "projection",
        **projectors(base, 5_000 if quick else 100_000),
        "replay": replay(base, 100_000 if quick else 1_000_000),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps(run(load_settings(), args.quick), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
