"""One event's whole path on the real broker and database: error.detected → PostgreSQL."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import fastavro
import psycopg

from errorstream.config import Settings
from errorstream.schemas.models import DeadLettered, Event
from errorstream.schemas.serialization import SINGLE_OBJECT_MAGIC, AvroCodec
from errorstream.streams.deadletter import dead_letter
from errorstream.streams.producer import EventPublisher
from errorstream.streams.reader import read_records
from errorstream.streams.topics import ERROR_CLASSIFIED, ERROR_DEADLETTER, ERROR_DETECTED
from errorstream.workload import WorkloadSpec, generate

from .conftest import PROJECTORS_READY, WORKER_READY, Process


def wait_rows(dsn: str, query: str, expected: int, timeout: float = 90.0) -> int:
    deadline = time.monotonic() + timeout
    count = -1
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(query).fetchone()
            count = int(row[0]) if row else 0
            if count >= expected:
                return count
            time.sleep(0.5)
    return count


def malformed_messages(codec: AvroCodec) -> dict[str, bytes]:
    """One of each kind of bad input a misbehaving producer sends, by the reason we expect."""
    writer = codec.catalogue.reader("ErrorDetected")
    record = {
        "event_id": "7d0b3b4e-3c55-4d2c-9a55-2d3c0f3f9a11",
        "occurred_at": 1764147600000,
        "recorded_at": 1764147600000,
        "source": {"service": "", "layer": "api"},  # required to be non-empty
        "error": {"message": "service name missing"},
    }
    body = io.BytesIO()
    fastavro.schemaless_writer(body, writer.parsed, record)
    other = dead_letter(
        stage="x",
        reason_code="x",
        reason="x",
        topic="t",
        partition=0,
        offset=0,
        key=None,
        value=b"",
    )
    return {
        "not_avro": b'{"message": "a JSON error, not Avro"}',
        "unknown_schema": SINGLE_OBJECT_MAGIC + b"\x01\x02\x03\x04\x05\x06\x07\x08" + b"\x00",
        "corrupt": SINGLE_OBJECT_MAGIC + writer.fingerprint + b"\x02\xff",
        "invalid_event": SINGLE_OBJECT_MAGIC + writer.fingerprint + body.getvalue(),
        "unexpected_event": codec.encode(other),
    }


def test_errors_flow_to_postgres_and_bad_input_is_dead_lettered(
    env: Settings, spawn: Callable[..., Process]
) -> None:
    codec = AvroCodec()
    worker = spawn(env, "worker")
    projector = spawn(env, "project")
    worker.wait_for(WORKER_READY, 120)
    projector.wait_for(PROJECTORS_READY, 60)

    events = list(generate(WorkloadSpec(seed=11, errors=120)))
    bad = malformed_messages(codec)
    publisher = EventPublisher(env)
    half = len(events) // 2
    for event in events[:half]:
        publisher.publish(ERROR_DETECTED, event)
    for payload in bad.values():  # garbage in the middle of good traffic, on one partition
        publisher.publish_bytes(ERROR_DETECTED, payload, key=b"orders")
    for event in events[half:]:
        publisher.publish(ERROR_DETECTED, event)
    assert publisher.flush(30) == 0

    landed = wait_rows(
        env.dsn, "SELECT count(*) FROM errors WHERE classified_at IS NOT NULL", len(events)
    )
    assert landed == len(events)

    with psycopg.connect(env.dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT id, source_service_id, message, category, type, group_id, detected_at "
            "FROM errors"
        ).fetchall()
        offsets = dict(
            conn.execute(
                "SELECT topic || '/' || partition, next_offset FROM projection_offsets "
                "WHERE projection = 'errors'"
            ).fetchall()
        )
    by_id = {row[0]: row for row in rows}
    assert set(by_id) == {e.event_id for e in events}  # bad input produced no rows
    for event in events:
        _, service, message, category, type_, group_id, detected_at = by_id[event.event_id]
        assert service == event.source.service
        assert message == event.error.message
        assert category and type_ and group_id
        assert detected_at is not None
    assert sum(offsets.values()) == len(events) * 2 + len(bad)  # both topics fully consumed

    classified = [
        codec.decode(r.value) for r in read_records(env, ERROR_CLASSIFIED) if r.value is not None
    ]
    assert len({c.event_id for c in classified}) == len(events)

    letters: list[Event] = [
        codec.decode(r.value) for r in read_records(env, ERROR_DEADLETTER) if r.value is not None
    ]
    assert all(isinstance(letter, DeadLettered) for letter in letters)
    for stage in ("detection", "projection:errors"):
        by_value = {
            letter.original_value: letter
            for letter in letters
            if isinstance(letter, DeadLettered) and letter.stage == stage
        }
        assert set(by_value) == set(bad.values()), stage
        for reason_code, payload in bad.items():
            letter = by_value[payload]
            assert letter.reason_code == reason_code, (stage, letter.reason)
            assert letter.reason
            assert letter.original_topic == env.topic(ERROR_DETECTED)
            assert letter.original_key == b"orders"
    # The agent and the projector kept going after the garbage.
    assert worker.popen.poll() is None
    assert projector.popen.poll() is None
