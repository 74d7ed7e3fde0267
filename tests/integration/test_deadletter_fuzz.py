"""A running worker fed a few hundred kinds of garbage among good events, on the real broker.

Every garbage payload must come out on error.deadletter with a reason and its original bytes,
every good event on error.classified, and the worker must still be running afterwards.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from errorstream.config import Settings
from errorstream.schemas.enums import DecisionSource
from errorstream.schemas.models import (
    AlertResolved,
    CorrectionApproved,
    DeadLettered,
    ErrorClassified,
    Event,
    EventSource,
    KnowledgeEnriched,
)
from errorstream.schemas.serialization import REASON_CODES, SINGLE_OBJECT_MAGIC, AvroCodec
from errorstream.streams.deadletter import dead_letter
from errorstream.streams.producer import EventPublisher
from errorstream.streams.reader import read_records
from errorstream.streams.topics import ERROR_CLASSIFIED, ERROR_DEADLETTER, ERROR_DETECTED
from errorstream.workload import WorkloadSpec, generate

from .conftest import WORKER_READY, Process

SERVICES = [b"checkout-api", b"orders", b"payments", b"search", b"inventory"]
# What each kind of garbage may be dead-lettered as.
EXPECTED_REASONS: dict[str, set[str]] = {
    "random bytes": set(REASON_CODES) - {"unexpected_event", "invalid_event"},
    "truncated event": {"truncated", "corrupt"},
    "wrong fingerprint": {"unknown_schema"},
    "wrong magic": {"not_avro"},
    "another event type": {"unexpected_event"},
}


def other_events(rng: random.Random, count: int) -> list[Event]:
    """Valid events of types the triage stage does not take."""
    start = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    source = EventSource(service="errorstream")
    makers: list[Callable[[int], Event]] = [
        lambda i: KnowledgeEnriched(
            event_id=uuid.UUID(int=rng.getrandbits(128)),
            occurred_at=start,
            source=source,
            knowledge_type="pattern",
            updates=(f"update {i}",),
            confidence=0.5,
        ),
        lambda i: AlertResolved(
            event_id=uuid.UUID(int=rng.getrandbits(128)),
            occurred_at=start,
            source=source,
            alert_id=uuid.UUID(int=rng.getrandbits(128)),
            rule="layer_rate",
            key=f"svc-{i}/api",
            starts_at=start,
            resolved_at=start + timedelta(minutes=i),
            duration_ms=60_000 * i,
            value=1.0,
            threshold=20.0,
            reason="below_threshold",
        ),
        lambda i: CorrectionApproved(
            event_id=uuid.UUID(int=rng.getrandbits(128)),
            occurred_at=start,
            source=source,
            plan_id=uuid.UUID(int=rng.getrandbits(128)),
            decided_by=f"operator-{i}",
            decision_source=DecisionSource.HUMAN,
            reason="looks safe",
        ),
        lambda i: dead_letter(
            stage="elsewhere",
            reason_code="corrupt",
            reason="x",
            topic="t",
            partition=0,
            offset=i,
            key=None,
            value=rng.randbytes(8),
        ),
    ]
    return [makers[i % len(makers)](i) for i in range(count)]


def fuzzed_payloads(codec: AvroCodec, seed: int) -> tuple[list[Event], list[tuple[str, bytes]]]:
    """Good ErrorDetected events, and garbage labelled by kind."""
    rng = random.Random(seed)
    good: list[Event] = list(generate(WorkloadSpec(seed=seed, errors=150)))
    encoded = [codec.encode(event) for event in good]
    known = {v.fingerprint for v in codec.catalogue.all_versions()}
    garbage: list[tuple[str, bytes]] = []
    for _ in range(80):
        data = rng.randbytes(rng.randint(1, 200))
        if data[:2] != SINGLE_OBJECT_MAGIC:
            garbage.append(("random bytes", data))
    for _ in range(70):
        payload = rng.choice(encoded)
        garbage.append(("truncated event", payload[: rng.randint(1, len(payload) - 1)]))
    for _ in range(50):
        payload, fingerprint = rng.choice(encoded), rng.randbytes(8)
        if fingerprint not in known:
            garbage.append(("wrong fingerprint", payload[:2] + fingerprint + payload[10:]))
    for _ in range(50):
        payload = rng.choice(encoded)
        first = rng.choice([b for b in range(256) if b not in (0x00, 0xC3)])
        garbage.append(("wrong magic", bytes([first]) + payload[1:]))
    for event in other_events(rng, 40):
        garbage.append(("another event type", codec.encode(event)))
    return good, garbage


def collect(env: Settings, topic: str, expected: int, timeout: float = 180.0) -> list[bytes]:
    return [
        r.value
        for r in read_records(env, topic, until_idle=None, max_records=expected, timeout=timeout)
        if r.value is not None
    ]


def test_a_running_worker_dead_letters_every_kind_of_garbage(
    env: Settings, spawn: Callable[..., Process]
) -> None:
    codec = AvroCodec()
    good, garbage = fuzzed_payloads(codec, seed=20261126)
    assert len(garbage) > 250

    worker = spawn(env, "worker")
    worker.wait_for(WORKER_READY, 120)

    rng = random.Random(5)
    mixed: list[tuple[Event | None, bytes, bytes]] = [
        (event, codec.encode(event), event.partition_key) for event in good
    ] + [(None, payload, rng.choice(SERVICES)) for _, payload in garbage]
    rng.shuffle(mixed)
    publisher = EventPublisher(env, codec)
    for _, payload, key in mixed:
        publisher.publish_bytes(ERROR_DETECTED, payload, key=key)
    assert publisher.flush(30) == 0
    key_of = Counter((payload, key) for event, payload, key in mixed if event is None)

    classified = [codec.decode(v) for v in collect(env, ERROR_CLASSIFIED, len(good))]
    assert all(isinstance(c, ErrorClassified) for c in classified)
    assert {c.error_id for c in classified if isinstance(c, ErrorClassified)} == {
        e.event_id for e in good
    }

    letters = [codec.decode(v) for v in collect(env, ERROR_DEADLETTER, len(garbage))]
    ours = [
        letter
        for letter in letters
        if isinstance(letter, DeadLettered) and letter.original_topic == env.topic(ERROR_DETECTED)
    ]
    assert Counter(letter.original_value for letter in ours) == Counter(p for _, p in garbage)
    kind_of = {payload: kind for kind, payload in garbage}
    for letter in ours:
        assert letter.original_value is not None
        kind = kind_of[letter.original_value]
        assert letter.reason_code in EXPECTED_REASONS[kind], (kind, letter.reason)
        assert letter.reason
        assert key_of[(letter.original_value, letter.original_key)] > 0
    assert worker.popen.poll() is None, worker.output()[-3000:]
