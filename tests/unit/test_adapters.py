"""Inbound adapters: each subscription topic's JSON shapes, Avro pass-through, rejections, ids."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from errorstream.schemas.enums import FeedbackOutcome, FeedbackSource, FeedbackType, Layer, Severity
from errorstream.schemas.models import (
    DeadLettered,
    ErrorDetails,
    ErrorDetected,
    EventSource,
    FeedbackRecorded,
    derived_id,
)
from errorstream.schemas.serialization import AvroCodec
from errorstream.streams.adapters import (
    DEFAULT_LAYERS,
    AdaptedEvent,
    AdapterRejected,
    adapt,
)
from errorstream.streams.deadletter import dead_letter
from errorstream.streams.sanitize import ReportLimits
from errorstream.streams.topics import INBOUND_ERROR_TOPICS

RECORDED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
CODEC = AvroCodec()


def adapted(
    topic: str, payload: Any, *, key: bytes | None = None, offset: int = 1234, **options: Any
) -> AdaptedEvent:
    value = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    result = adapt(topic, key, value, RECORDED, partition=3, offset=offset, **options)
    assert isinstance(result, AdaptedEvent), result
    return result


def detected(topic: str, payload: Any, **options: Any) -> ErrorDetected:
    result = adapted(topic, payload, **options)
    assert result.topic == "error.detected" and isinstance(result.event, ErrorDetected)
    return result.event


def rejected(topic: str, value: bytes | None) -> AdapterRejected:
    result = adapt(topic, None, value, RECORDED, partition=0, offset=7)
    assert isinstance(result, AdapterRejected), result
    return result


# -- the ErrorReportRequest shape, camelCase and snake_case ---------------------------------

REQUEST = {
    "source": {"serviceName": "billing", "workflowId": "wf-7", "taskId": "t-3", "userId": "u-9"},
    "error": {
        "message": "ledger write timed out",
        "type": "TimeoutError",
        "code": "E504",
        "stackTrace": 'File "ledger.py", line 9, in write\nTimeoutError: ledger write timed out',
        "details": {"attempt": 3},
    },
    "context": {"executionState": {"step": "post"}},
    "severity": "high",
    "tags": ["ledger", "eu"],
    "timestamp": "2026-03-04T05:00:00.250Z",
    "eventId": "svc-evt-42",
    "correlationId": "req-77",
    "environment": "staging",
    "instanceId": "billing-7f9",
    "release": "2026.3.1",
}

SNAKE = {
    "service_name": "billing",
    "workflow_id": "wf-7",
    "task_id": "t-3",
    "user_id": "u-9",
    "error": {
        "message": "ledger write timed out",
        "exception_type": "TimeoutError",
        "error_code": "E504",
        "stack_trace": 'File "ledger.py", line 9, in write\nTimeoutError: ledger write timed out',
        "details": {"attempt": 3},
    },
    "context": {"executionState": {"step": "post"}},
    "severity": "HIGH",
    "tags": ["ledger", "eu"],
    "occurred_at": 1772600400.25,
    "event_id": "svc-evt-42",
    "correlation_id": "req-77",
    "environment": "staging",
    "instance_id": "billing-7f9",
    "release": "2026.3.1",
}


@pytest.mark.parametrize("payload", [REQUEST, SNAKE], ids=["camelCase", "snake_case"])
def test_an_error_report_request_maps_field_by_field(payload: dict[str, Any]) -> None:
    event = detected("workflow.error", payload)
    assert event.source == EventSource(
        service="billing",
        layer=Layer.CORE,
        environment="staging",
        host="billing-7f9",
        version="2026.3.1",
    )
    error = event.error
    assert (error.message, error.exception_type, error.error_code) == (
        "ledger write timed out",
        "TimeoutError",
        "E504",
    )
    assert error.stack_trace is not None and error.stack_trace.endswith("timed out")
    assert (error.workflow_id, error.task_id, error.user_id) == ("wf-7", "t-3", "u-9")
    assert error.severity is Severity.HIGH and error.tags == ("ledger", "eu")
    assert error.context == {
        "executionState": {"step": "post"},
        "details": {"attempt": 3},
        "source_topic": "workflow.error",
    }
    assert event.occurred_at == datetime(2026, 3, 4, 5, 0, 0, 250_000, tzinfo=UTC)
    assert event.recorded_at == RECORDED
    assert (event.causation_id, event.correlation_id) == ("svc-evt-42", "req-77")


def test_both_spellings_give_the_same_event() -> None:
    assert detected("task.failed", REQUEST) == detected("task.failed", SNAKE)


# -- each topic --------------------------------------------------------------------------

TOPIC_PAYLOADS: dict[str, dict[str, Any]] = {
    "service.failed": {
        "service": "orders",
        "error": {"message": "OOMKilled", "code": "137"},
        "pod": "orders-1",
        "restartCount": 4,
    },
    "workflow.error": {
        "service": "checkout",
        "workflowId": "wf-1",
        "stepId": "charge",
        "error": "payment step failed",
    },
    "task.failed": {
        "service": "etl",
        "taskId": "load-2026-03-04",
        "reason": "source file missing",
        "attempt": 3,
    },
    "agent.error": {
        "agentId": "fixer-7",
        "error": {"message": "tool call rejected", "name": "ToolError"},
    },
    "system.anomaly": {
        "host": "db-1",
        "metric": "disk_io_wait",
        "value": 0.93,
        "threshold": 0.5,
        "anomalyScore": 0.97,
    },
    "performance.degradation": {
        "service": "search",
        "metric": "latency_p99_ms",
        "current": 840,
        "baseline": 120,
    },
    "model.failure": {
        "service": "ranker",
        "modelId": "ranker-v12",
        "error": {"message": "NaN in output layer", "type": "NumericalError"},
    },
    "simulation.error": {
        "service": "twin",
        "simulationId": "sim-88",
        "message": "solver diverged at t=12.5s",
    },
}

EXPECTED: dict[str, tuple[str, str]] = {  # service, message
    "service.failed": ("orders", "OOMKilled"),
    "workflow.error": ("checkout", "payment step failed"),
    "task.failed": ("etl", "source file missing"),
    "agent.error": ("agent-fixer-7", "tool call rejected"),
    "system.anomaly": ("db-1", "anomaly: disk_io_wait = 0.93 (expected 0.5)"),
    "performance.degradation": (
        "search",
        "performance degradation: latency_p99_ms = 840 (expected 120)",
    ),
    "model.failure": ("ranker", "NaN in output layer"),
    "simulation.error": ("twin", "solver diverged at t=12.5s"),
}


def test_every_inbound_error_topic_has_a_shape_here() -> None:
    assert set(TOPIC_PAYLOADS) == set(INBOUND_ERROR_TOPICS) == set(DEFAULT_LAYERS)


@pytest.mark.parametrize("topic", sorted(TOPIC_PAYLOADS))
def test_each_topic_becomes_an_error_detected(topic: str) -> None:
    event = detected(topic, TOPIC_PAYLOADS[topic])
    assert (event.source.service, event.error.message) == EXPECTED[topic]
    assert event.source.layer is DEFAULT_LAYERS[topic]
    assert event.error.context["source_topic"] == topic
    assert event.causation_id == f"{topic}/3/1234"
    assert event.occurred_at == RECORDED  # no time in the payload: the record's


def test_topic_specific_fields_land_where_they_belong() -> None:
    assert detected("agent.error", TOPIC_PAYLOADS["agent.error"]).error.agent_id == "fixer-7"
    assert detected("model.failure", TOPIC_PAYLOADS["model.failure"]).error.component == (
        "ranker-v12"
    )
    assert detected("workflow.error", TOPIC_PAYLOADS["workflow.error"]).error.task_id == "charge"
    anomaly = detected("system.anomaly", TOPIC_PAYLOADS["system.anomaly"]).error.context
    assert anomaly["inbound"] == {
        "metric": "disk_io_wait",
        "value": 0.93,
        "threshold": 0.5,
        "anomalyScore": 0.97,
    }
    failed = detected("service.failed", TOPIC_PAYLOADS["service.failed"])
    assert failed.source.host == "orders-1" and failed.error.error_code == "137"
    assert failed.error.context["inbound"] == {"restartCount": 4}


def test_the_event_may_name_its_layer_and_the_key_may_name_the_service() -> None:
    event = detected("service.failed", {"message": "down", "layer": "API"}, key=b"gateway")
    assert event.source.layer is Layer.API and event.source.service == "gateway"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-03-04T05:00:00Z", datetime(2026, 3, 4, 5, 0, tzinfo=UTC)),
        ("2026-03-04T06:00:00+01:00", datetime(2026, 3, 4, 5, 0, tzinfo=UTC)),
        ("2026-03-04 05:00:00", datetime(2026, 3, 4, 5, 0, tzinfo=UTC)),
        (1772600400, datetime(2026, 3, 4, 5, 0, tzinfo=UTC)),
        (1772600400123, datetime(2026, 3, 4, 5, 0, 0, 123_000, tzinfo=UTC)),
        ("1772600400", datetime(2026, 3, 4, 5, 0, tzinfo=UTC)),
    ],
)
def test_timestamps_in_every_common_form(raw: object, expected: datetime) -> None:
    assert detected("task.failed", {"service": "s", "timestamp": raw}).occurred_at == expected


def test_an_unreadable_timestamp_falls_back_to_the_record_and_is_kept() -> None:
    event = detected("task.failed", {"service": "s", "time": "yesterday-ish"})
    assert event.occurred_at == RECORDED
    assert event.error.context["inbound_timestamp"] == "yesterday-ish"


@pytest.mark.parametrize(
    ("word", "severity"),
    [
        ("fatal", Severity.CRITICAL),
        ("warning", Severity.MEDIUM),
        ("ERROR", Severity.HIGH),
        ("Emergency", Severity.EMERGENCY),
        ("P1", Severity.CRITICAL),
        ("weird", None),
    ],
)
def test_severity_words_of_other_systems(word: str, severity: Severity | None) -> None:
    assert detected("task.failed", {"service": "s", "level": word}).error.severity == severity


def test_secrets_in_inbound_events_are_redacted() -> None:
    event = detected(
        "service.failed",
        {
            "service": "auth",
            "error": {"message": "login failed for jane.doe@example.com password=hunter2Secret"},
            "context": {"headers": {"Authorization": "Bearer abcdef0123456789"}},
            "apiKey": "sk-live-0123456789abcdef",
        },
    )
    text = event.model_dump_json()
    for secret in ("jane.doe@example.com", "hunter2Secret", "abcdef0123456789", "sk-live"):
        assert secret not in text


def test_inbound_reports_are_held_to_the_limits() -> None:
    limits = ReportLimits(max_message_chars=100)
    event = detected("task.failed", {"service": "s", "message": "x" * 500}, limits=limits)
    assert len(event.error.message) <= 100 and event.error.truncated == ("message",)


# -- feedback ------------------------------------------------------------------------------

ERROR_ID = uuid.UUID("7d0b3b4e-3c55-4d2c-9a55-2d3c0f3f9a11")


def test_agent_feedback_becomes_feedback_recorded() -> None:
    result = adapted(
        "agent.feedback",
        {
            "agentId": "fixer-7",
            "errorId": str(ERROR_ID),
            "executionId": "3f1c9a52-3c1e-4b7e-9d0a-e77025f7ea11",
            "groupId": "g-17",
            "feedbackType": "resolution-success",
            "outcome": "partial_success",
            "effectivenessScore": 0.75,
            "lessonsLearned": ["restarting the pool fixed it; token=abc123def456ghi"],
            "improvementSuggestions": "raise the pool size",
            "correctedSeverity": "critical",
            "correctedCategory": "external",
            "timestamp": "2026-03-04T05:00:00Z",
        },
    )
    assert result.topic == "feedback.recorded"
    event = result.event
    assert isinstance(event, FeedbackRecorded)
    assert event.feedback_type is FeedbackType.RESOLUTION_SUCCESS
    assert event.outcome is FeedbackOutcome.PARTIAL_SUCCESS
    assert (event.error_id, event.group_id, event.effectiveness_score) == (ERROR_ID, "g-17", 0.75)
    assert event.correction_execution_id == uuid.UUID("3f1c9a52-3c1e-4b7e-9d0a-e77025f7ea11")
    assert event.feedback_source is FeedbackSource.AGENT and event.source_id == "fixer-7"
    assert event.source.service == "agent-fixer-7"
    assert event.improvement_suggestions == ("raise the pool size",)
    assert "abc123def456ghi" not in event.lessons_learned[0]
    assert event.corrected_severity is Severity.CRITICAL
    assert event.feedback_id == derived_id("agent.feedback/3/1234", "feedback")
    assert event.causation_id == "agent.feedback/3/1234"


def test_feedback_type_follows_from_the_outcome_or_the_record_is_rejected() -> None:
    failed = adapted("agent.feedback", {"agentId": "a", "outcome": "failure", "score": 40}).event
    assert isinstance(failed, FeedbackRecorded)
    assert failed.feedback_type is FeedbackType.RESOLUTION_FAILURE
    assert failed.effectiveness_score == 0.4  # a percentage
    assert rejected("agent.feedback", b'{"agentId": "a"}').reason_code == "missing_field"


# -- Avro pass-through ----------------------------------------------------------------------


def reported() -> ErrorDetected:
    return ErrorDetected(
        event_id=uuid.UUID("0b9d3c1e-8a7f-4e55-9a0c-6f1c9a523c1e"),
        occurred_at=datetime(2026, 3, 4, 4, 0, tzinfo=UTC),
        recorded_at=datetime(2026, 3, 4, 4, 0, 1, tzinfo=UTC),
        source=EventSource(service="orders"),
        error=ErrorDetails(message="order 8812 failed", context={"order": 8812}),
    )


def test_an_errorstream_event_passes_through_with_a_derived_id_and_its_cause() -> None:
    original = reported()
    event = detected("service.failed", CODEC.encode(original))
    assert event.event_id == derived_id("service.failed/3/1234", "adapted")
    assert event.causation_id == event.correlation_id == str(original.event_id)
    assert event.error.context == {"order": 8812, "source_topic": "service.failed"}
    assert (event.source, event.occurred_at, event.error.message) == (
        original.source,
        original.occurred_at,
        original.error.message,
    )


def test_feedback_passes_through_on_agent_feedback() -> None:
    original = FeedbackRecorded(
        event_id=uuid.uuid4(),
        occurred_at=RECORDED,
        source=EventSource(service="ops"),
        feedback_id=uuid.uuid4(),
        feedback_type=FeedbackType.FALSE_POSITIVE,
        feedback_source=FeedbackSource.HUMAN,
    )
    event = adapted("agent.feedback", CODEC.encode(original)).event
    assert isinstance(event, FeedbackRecorded)
    assert event.feedback_id == original.feedback_id
    assert event.causation_id == str(original.event_id)


def test_avro_of_the_wrong_event_type_is_rejected() -> None:
    letter = dead_letter(
        stage="x",
        reason_code="x",
        reason="x",
        topic="t",
        partition=0,
        offset=0,
        key=None,
        value=b"",
    )
    assert isinstance(letter, DeadLettered)
    assert rejected("task.failed", CODEC.encode(letter)).reason_code == "unexpected_event"
    assert rejected("agent.feedback", CODEC.encode(reported())).reason_code == "unexpected_event"


# -- garbage and determinism ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "empty"),
        (b"", "empty"),
        (b"\xff\xfe\x00garbage", "not_json"),
        (b"{not json", "not_json"),
        (b"[1, 2, 3]", "not_object"),
        (b'"just a string"', "not_object"),
        (b"\xc3\x01" + b"\x00" * 8 + b"\x02", "unknown_schema"),
        (b"\xc3\x01\x00", "truncated"),
        (b"\x00\x00\x00\x00\x07rest", "no_schema_registry"),
        (b"[" * 100_000, "not_json"),
    ],
)
def test_garbage_is_rejected_with_a_reason(value: bytes | None, reason: str) -> None:
    assert rejected("service.failed", value).reason_code == reason


def test_a_topic_that_is_not_inbound_is_rejected() -> None:
    assert rejected("error.detected", b"{}").reason_code == "unknown_topic"


def test_ids_derive_from_the_record_position_so_replays_are_identical() -> None:
    payload = TOPIC_PAYLOADS["task.failed"]
    first = detected("task.failed", payload, offset=99)
    again = detected("task.failed", payload, offset=99)
    other = detected("task.failed", payload, offset=100)
    assert first == again and CODEC.encode(first) == CODEC.encode(again)
    assert first.event_id == derived_id("task.failed/3/99", "adapted")
    assert other.event_id != first.event_id


json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
field_names = st.sampled_from(
    [
        "service",
        "serviceName",
        "error",
        "message",
        "timestamp",
        "severity",
        "layer",
        "tags",
        "context",
        "count",
        "workflowId",
        "agentId",
        "feedbackType",
        "outcome",
        "errorId",
        "effectiveness",
        "lessonsLearned",
        "source",
        "time",
        "eventId",
    ]
) | st.text(max_size=12)


@given(
    st.sampled_from([*INBOUND_ERROR_TOPICS, "agent.feedback"]),
    st.dictionaries(field_names, json_values, max_size=10),
)
def test_any_json_object_is_adapted_or_rejected_never_raises(
    topic: str, payload: dict[str, Any]
) -> None:
    value = json.dumps(payload).encode()
    result = adapt(topic, b"key", value, RECORDED, partition=0, offset=1)
    if isinstance(result, AdaptedEvent):
        assert CODEC.decode(CODEC.encode(result.event)) == result.event
    else:
        assert result.reason_code and result.reason


@given(st.binary(max_size=200))
def test_any_bytes_are_adapted_or_rejected_never_raise(value: bytes) -> None:
    result = adapt("service.failed", None, value, RECORDED, partition=0, offset=1)
    assert isinstance(result, AdaptedEvent | AdapterRejected)
