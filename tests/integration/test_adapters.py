"""Inbound adapters through a running worker, on the real broker.

JSON (both spellings) and Avro on the subscription topics land on error.detected and
feedback.recorded with ids and causation ids derived from where they were read; garbage lands
on error.deadletter with its reason and original bytes.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from confluent_kafka import KafkaError, Message

from errorstream.config import Settings
from errorstream.schemas.models import (
    DeadLettered,
    ErrorDetails,
    ErrorDetected,
    Event,
    EventSource,
    FeedbackRecorded,
    derived_id,
)
from errorstream.schemas.serialization import AvroCodec
from errorstream.streams.producer import EventPublisher
from errorstream.streams.reader import read_records
from errorstream.streams.topics import ERROR_DEADLETTER, ERROR_DETECTED

from .conftest import WORKER_READY, Process

FEEDBACK_RECORDED = "feedback.recorded"
GARBAGE = b"\x89PNG\r\n\x1a\n not an event at all"


def inbound() -> list[tuple[str, bytes]]:
    """One record per shape: (inbound topic, value)."""
    avro = AvroCodec().encode(
        ErrorDetected(
            event_id=uuid.UUID("0b9d3c1e-8a7f-4e55-9a0c-6f1c9a523c1e"),
            occurred_at=datetime(2026, 3, 4, 4, 0, tzinfo=UTC),
            source=EventSource(service="orders"),
            error=ErrorDetails(message="order 8812 failed"),
        )
    )
    camel = {
        "serviceName": "billing",
        "workflowId": "wf-7",
        "error": {"message": "ledger write timed out password=hunter2Secret", "code": "E504"},
        "eventId": "billing-evt-1",
        "timestamp": "2026-03-04T05:00:00Z",
    }
    snake = {"service_name": "etl", "task_id": "load-1", "reason": "source file missing"}
    feedback = {"agent_id": "fixer-7", "outcome": "success", "effectiveness_score": 0.9}
    return [
        ("service.failed", json.dumps(camel).encode()),
        ("task.failed", json.dumps(snake).encode()),
        ("workflow.error", avro),
        ("agent.feedback", json.dumps(feedback).encode()),
        ("system.anomaly", GARBAGE),
    ]


def produce(env: Settings, records: list[tuple[str, bytes]]) -> dict[str, str]:
    """Publish; the position (topic/partition/offset) each record was written at, by topic."""
    publisher = EventPublisher(env)
    positions: dict[str, str] = {}

    def landed(topic: str) -> Callable[[KafkaError | None, Message], None]:
        def record(error: KafkaError | None, message: Message) -> None:
            assert error is None, error
            positions[topic] = f"{topic}/{message.partition()}/{message.offset()}"

        return record

    for topic, value in records:
        publisher.publish_bytes(topic, value, key=None, on_delivery=landed(topic))
    assert publisher.flush(30) == 0
    return positions


def collect(env: Settings, topic: str, wanted: Callable[[Event], bool], count: int) -> list[Event]:
    codec = AvroCodec()
    found: list[Event] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(found) < count:
        found = [
            event
            for event in (
                codec.decode(r.value)
                for r in read_records(env, topic, until_idle=2)
                if r.value is not None
            )
            if wanted(event)
        ]
    return found


def test_inbound_events_are_adapted_by_a_running_worker(
    env: Settings, spawn: Callable[..., Process]
) -> None:
    worker = spawn(env, "worker")
    worker.wait_for(WORKER_READY, 120)
    records = inbound()
    positions = produce(env, records)
    ids = {topic: derived_id(position, "adapted") for topic, position in positions.items()}

    detected = collect(env, ERROR_DETECTED, lambda e: e.event_id in ids.values(), count=3)
    by_topic = {
        e.error.context["source_topic"]: e for e in detected if isinstance(e, ErrorDetected)
    }
    assert set(by_topic) == {"service.failed", "task.failed", "workflow.error"}

    billing = by_topic["service.failed"]
    assert billing.event_id == ids["service.failed"]
    assert billing.causation_id == "billing-evt-1"  # the inbound event's own id
    assert (billing.source.service, billing.error.workflow_id) == ("billing", "wf-7")
    assert "hunter2Secret" not in billing.error.message

    etl = by_topic["task.failed"]
    assert etl.causation_id == positions["task.failed"]
    assert (etl.source.service, etl.error.task_id, etl.error.message) == (
        "etl",
        "load-1",
        "source file missing",
    )

    passed = by_topic["workflow.error"]
    assert passed.causation_id == "0b9d3c1e-8a7f-4e55-9a0c-6f1c9a523c1e"
    assert passed.error.message == "order 8812 failed"

    [feedback] = collect(
        env, FEEDBACK_RECORDED, lambda e: e.event_id == ids["agent.feedback"], count=1
    )
    assert isinstance(feedback, FeedbackRecorded)
    assert feedback.causation_id == positions["agent.feedback"]
    assert feedback.source_id == "fixer-7" and feedback.effectiveness_score == 0.9

    [letter] = collect(
        env,
        ERROR_DEADLETTER,
        lambda e: isinstance(e, DeadLettered) and e.stage == "adapters",
        count=1,
    )
    assert isinstance(letter, DeadLettered)
    assert letter.reason_code == "not_json" and letter.reason
    assert letter.original_value == GARBAGE
    assert letter.original_topic == env.topic("system.anomaly")
    assert f"{letter.original_topic.removeprefix(env.topic_prefix)}/" in positions["system.anomaly"]
    assert worker.popen.poll() is None  # still running after the garbage
