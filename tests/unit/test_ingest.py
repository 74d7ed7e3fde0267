"""Reading error objects and log lines into reports (streams/ingest.py): pure, no Kafka."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from errorstream.schemas.enums import Layer, Severity
from errorstream.schemas.models import ErrorDetected, StackFrame
from errorstream.schemas.serialization import AvroCodec
from errorstream.streams.ingest import (
    INGEST_NAMESPACE,
    ErrorRecord,
    Ingested,
    RecordDefaults,
    Rejected,
    error_record,
    event_id_for,
    ingest_event,
    log_records,
    read_lines,
    record_json,
    records_of,
)
from errorstream.streams.sanitize import ReportLimits, sanitize_report

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _load_make_data() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_data", DATA / "make_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKE_DATA = _load_make_data()


def record(obj: dict[str, Any], **kwargs: Any) -> ErrorRecord:
    found = error_record(obj, line=1, now=NOW, **kwargs)
    assert isinstance(found, ErrorRecord), found
    return found


def rejected(obj: dict[str, Any], **kwargs: Any) -> Rejected:
    found = error_record(obj, line=3, now=NOW, **kwargs)
    assert isinstance(found, Rejected), found
    return found


def event_of(found: ErrorRecord) -> ErrorDetected:
    made = ingest_event(found, recorded_at=NOW)
    assert isinstance(made, Ingested), made
    return made.event


# -- fields ---------------------------------------------------------------------------------


def test_every_field_of_the_shape_lands_where_the_event_keeps_it() -> None:
    found = record(
        {
            "id": "inc-1",
            "occurred_at": "2024-05-02T10:11:12.345Z",
            "service": " checkout ",
            "layer": "API",
            "environment": "staging",
            "host": "web-3",
            "release": "2024.05.2",
            "correlation_id": "req-9",
            "message": "payment declined",
            "exception_type": "PaymentError",
            "error_code": "E402",
            "description": "the card issuer said no",
            "severity": "warning",
            "stack_trace": "Traceback (most recent call last):\n  ...",
            "frames": [{"module": "pay", "function": "charge", "lineno": 7, "in_app": True}],
            "context": {"order": 17},
            "tags": {"region": "eu"},
            "fingerprint": "pay-declined",
            "count": 3,
            "component": "cart",
            "workflow_id": "wf",
            "task_id": "t",
            "agent_id": "a",
            "user_id": "u",
        }
    )
    event = event_of(found)
    assert event.event_id == uuid.uuid5(INGEST_NAMESPACE, "inc-1")
    assert event.occurred_at == datetime(2024, 5, 2, 10, 11, 12, 345000, tzinfo=UTC)
    assert event.recorded_at == NOW
    source = event.source
    assert (source.service, source.layer, source.environment) == ("checkout", Layer.API, "staging")
    assert (source.host, source.version, event.correlation_id) == ("web-3", "2024.05.2", "req-9")
    error = event.error
    assert error.severity is Severity.MEDIUM  # "warning", as the adapters read it
    assert error.frames == (StackFrame(module="pay", function="charge", lineno=7, in_app=True),)
    assert error.stack_trace is not None and error.stack_trace.startswith("Traceback")
    assert error.tags == ("region:eu",)
    assert error.context == {"order": 17}
    assert (error.fingerprint, error.count, error.component) == ("pay-declined", 3, "cart")
    assert (error.workflow_id, error.task_id, error.agent_id, error.user_id) == (
        "wf",
        "t",
        "a",
        "u",
    )
    assert (error.exception_type, error.error_code) == ("PaymentError", "E402")


def test_structured_frames_may_come_as_the_stack_trace_with_common_aliases() -> None:
    found = record(
        {
            "message": "boom",
            "service": "s",
            "stack_trace": [
                {"file": "a.py", "line": 3, "func": "f", "locals": {"n": 1, "s": "x"}},
                {"filename": "b.py", "lineno": 9, "function": "g", "colno": 4},
            ],
        }
    )
    assert found.details.stack_trace is None
    assert found.details.frames == (
        StackFrame(filename="a.py", lineno=3, function="f", vars={"n": "1", "s": "x"}),
        StackFrame(filename="b.py", lineno=9, function="g"),
    )


def test_unknown_fields_are_kept_in_context_inbound_beside_the_given_context() -> None:
    found = record(
        {
            "message": "m",
            "service": "s",
            "context": {"a": 1, "inbound": {"earlier": True}},
            "request_id": "r-1",
            "nested": {"deep": [1, 2]},
        }
    )
    assert found.details.context == {
        "a": 1,
        "inbound": {"earlier": True, "request_id": "r-1", "nested": {"deep": [1, 2]}},
    }


def test_a_context_that_is_not_an_object_is_kept_as_the_sdk_keeps_it() -> None:
    assert record({"message": "m", "context": [1, 2]}).details.context == {"value": [1, 2]}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2024-05-02T10:11:12Z", datetime(2024, 5, 2, 10, 11, 12, tzinfo=UTC)),
        ("2024-05-02T12:11:12+02:00", datetime(2024, 5, 2, 10, 11, 12, tzinfo=UTC)),
        ("2024-05-02 10:11:12.5", datetime(2024, 5, 2, 10, 11, 12, 500000, tzinfo=UTC)),
        (1714644672, datetime(2024, 5, 2, 10, 11, 12, tzinfo=UTC)),
        (1714644672123, datetime(2024, 5, 2, 10, 11, 12, 123000, tzinfo=UTC)),
        ("1714644672.5", datetime(2024, 5, 2, 10, 11, 12, 500000, tzinfo=UTC)),
    ],
)
def test_event_times_in_iso_8601_or_epoch_seconds_or_millis(
    given: object, expected: datetime
) -> None:
    assert record({"message": "m", "occurred_at": given}).occurred_at == expected
    assert record({"message": "m", "timestamp": given}).occurred_at == expected


@pytest.mark.parametrize(
    "given",
    [
        "yesterday",
        "2024-13-01T00:00:00Z",
        "",
        True,
        {"at": 1},
        float("nan"),
        1e300,
        "1969-12-31T23:59:59Z",
    ],
)
def test_unreadable_event_times_are_rejected(given: object) -> None:
    assert rejected({"message": "m", "occurred_at": given}).reason_code == "bad_timestamp"


def test_an_event_time_more_than_an_hour_ahead_is_rejected_and_a_little_skew_is_not() -> None:
    ahead = NOW + timedelta(hours=1, seconds=1)
    assert (
        rejected({"message": "m", "occurred_at": ahead.isoformat()}).reason_code == "bad_timestamp"
    )
    skewed = NOW + timedelta(minutes=5)
    assert record({"message": "m", "occurred_at": skewed.isoformat()}).occurred_at == skewed


def test_without_an_event_time_the_event_happens_when_it_is_ingested() -> None:
    found = record({"message": "m", "service": "s"})
    assert found.occurred_at is None
    assert event_of(found).occurred_at == NOW


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        ({"service": "s"}, "missing_message"),
        ({"message": "   "}, "missing_message"),
        ({"message": None}, "missing_message"),
        ({"message": {"text": "x"}}, "invalid_field"),
        ({"message": "m", "layer": "frontend"}, "invalid_field"),
        ({"message": "m", "severity": "urgent"}, "invalid_field"),
        ({"message": "m", "severity": 3}, "invalid_field"),
        ({"message": "m", "count": 0}, "invalid_field"),
        ({"message": "m", "count": 2**31}, "invalid_field"),
        ({"message": "m", "count": "2"}, "invalid_field"),
        ({"message": "m", "service": "x" * 256}, "invalid_field"),
        ({"message": "m", "frames": "f.py:1"}, "invalid_field"),
        ({"message": "m", "frames": [{"lineno": "seven"}]}, "invalid_field"),
        ({"message": "m", "tags": 5}, "invalid_field"),
        ({"message": "m", "id": [1]}, "invalid_field"),
        ({"message": "m", "exception_type": ["A"]}, "invalid_field"),
        ({"message": "m", "truncated": "message"}, "invalid_field"),
    ],
)
def test_bad_records_are_rejected_with_a_reason_and_their_line(
    obj: dict[str, Any], reason: str
) -> None:
    found = rejected(obj)
    assert (found.line, found.reason_code) == (3, reason)
    assert found.reason


def test_without_a_message_the_exception_type_names_the_error_as_the_sdk_does() -> None:
    found = record({"exception_type": "java.lang.StackOverflowError", "message": ""})
    assert found.details.message == "StackOverflowError"
    assert record({"exception_type": "MemoryError"}).details.message == "MemoryError"
    assert rejected({"message": "", "exception_type": " "}).reason_code == "missing_message"


def test_a_record_needs_a_service_to_become_an_event_and_defaults_supply_one() -> None:
    found = record({"message": "m"})
    made = ingest_event(found, recorded_at=NOW)
    assert isinstance(made, Rejected) and made.reason_code == "missing_service"
    given = record({"message": "m"}, defaults=RecordDefaults("billing", Layer.CORE, "qa"))
    event = event_of(given)
    assert (event.source.service, event.source.layer, event.source.environment) == (
        "billing",
        Layer.CORE,
        "qa",
    )
    own = event_of(record({"message": "m", "service": "mine"}, defaults=RecordDefaults("billing")))
    assert own.source.service == "mine"


def test_a_reason_that_quotes_a_refused_value_never_quotes_a_secret() -> None:
    found = rejected({"message": "m", "occurred_at": "password=Sup3rS3cretValue!"})
    assert "Sup3rS3cretValue" not in found.reason


# -- ids ------------------------------------------------------------------------------------


def test_the_same_id_gives_the_same_event_id_and_numbers_read_as_their_text() -> None:
    first = event_of(record({"id": 42, "message": "a", "service": "s"}))
    again = event_of(record({"id": "42", "message": "b", "service": "t"}))
    assert first.event_id == again.event_id == event_id_for("42")
    other = event_of(record({"id": "43", "message": "a", "service": "s"}))
    assert other.event_id != first.event_id


def test_records_without_an_id_get_the_id_the_caller_gives_or_a_fresh_one() -> None:
    found = record({"message": "m", "service": "s"})
    given = uuid.uuid4()
    made = ingest_event(found, recorded_at=NOW, event_id=given)
    assert isinstance(made, Ingested) and made.event.event_id == given
    assert event_of(found).event_id != event_of(found).event_id


# -- sanitising: the SDK's function ----------------------------------------------------------


def test_the_published_report_is_sanitize_report_of_the_record() -> None:
    limits = ReportLimits(max_message_chars=100)
    found = record(
        {
            "message": "login failed password=hunter2hunter2 " + "x" * 300,
            "service": "s",
            "user_email": "bob@example.com",
        }
    )
    made = ingest_event(found, recorded_at=NOW, limits=limits)
    assert isinstance(made, Ingested)
    expected = sanitize_report(found.details, limits=limits)
    assert made.event.error == expected.details
    assert made.findings == expected.findings and made.truncated == expected.truncated
    assert "hunter2hunter2" not in made.event.error.message
    assert made.event.error.context["inbound"]["user_email"] == "[REDACTED:email]"
    assert "message" in made.truncated
    AvroCodec().decode(AvroCodec().encode(made.event))  # fits the wire


def test_the_redact_shape_reads_back_into_the_very_same_event() -> None:
    for line in (DATA / "six_hours.jsonl").read_text().splitlines():
        found = record(json.loads(line))
        event = event_of(found)
        again = event_of(record(json.loads(json.dumps(record_json(found, event.error)))))
        assert again == event


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    [
        "id",
        "occurred_at",
        "timestamp",
        "service",
        "layer",
        "message",
        "severity",
        "stack_trace",
        "frames",
        "context",
        "tags",
        "count",
        "exception_type",
        "truncated",
        "other",
    ]
)


@given(st.dictionaries(field_names | st.text(max_size=10), json_values, max_size=8))
def test_any_json_object_is_read_or_rejected_never_raises(obj: dict[str, Any]) -> None:
    found = error_record(obj, line=1, now=NOW, defaults=RecordDefaults("svc"))
    if isinstance(found, Rejected):
        assert found.reason_code in {
            "missing_message",
            "invalid_field",
            "bad_timestamp",
        }
        return
    made = ingest_event(found, recorded_at=NOW)
    assert isinstance(made, Ingested)
    codec = AvroCodec()
    assert codec.decode(codec.encode(made.event)) == made.event
    # the redact shape is a fixed point: reading it back changes nothing
    back = error_record(
        json.loads(json.dumps(record_json(found, made.event.error))), line=1, now=NOW
    )
    assert isinstance(back, ErrorRecord)
    assert sanitize_report(back.details).details == made.event.error


# -- lines and files -------------------------------------------------------------------------


def test_lines_are_numbered_and_a_line_too_long_is_skipped_to_its_newline() -> None:
    data = b"one\r\n" + b"x" * 50 + b"\nthree\n\nfive"
    assert list(read_lines(io.BytesIO(data), max_bytes=20)) == [
        (1, b"one"),
        (2, None),
        (3, b"three"),
        (4, b""),
        (5, b"five"),
    ]


@given(st.binary(max_size=300))
def test_any_bytes_read_as_records_or_rejections_never_raise(data: bytes) -> None:
    for item in records_of(io.BytesIO(data), "jsonl", RecordDefaults("s"), now=NOW):
        assert isinstance(item, ErrorRecord | Rejected)
    for item in records_of(io.BytesIO(data), "lines", RecordDefaults("s"), now=NOW):
        assert isinstance(item, ErrorRecord | Rejected)


def test_the_malformed_file_reports_each_bad_line_with_its_reason_and_reads_every_good_one() -> (
    None
):
    with (DATA / "malformed.jsonl").open("rb") as stream:
        items = list(records_of(stream, "jsonl", now=NOW))
    expected = {
        number: reason
        for number, (line, reason) in enumerate(MAKE_DATA.MALFORMED, 1)
        if line.strip()
    }
    seen: dict[int, str | None] = {}
    for item in items:
        if isinstance(item, Rejected):
            seen[item.line] = item.reason_code
        else:
            made = ingest_event(item, recorded_at=NOW)  # the one without a service fails here
            seen[item.line] = made.reason_code if isinstance(made, Rejected) else None
    assert seen == expected


def test_log_lines_become_records_with_their_time_level_and_traces() -> None:
    with (DATA / "app.log").open("rb") as stream:
        items = list(records_of(stream, "lines", RecordDefaults("billing"), now=NOW))
    assert all(isinstance(i, ErrorRecord) for i in items)
    found = [i for i in items if isinstance(i, ErrorRecord)]
    assert [i.line for i in found] == [1, 2, 9, 10, 17]
    assert [i.details.severity for i in found] == [
        Severity.LOW,
        Severity.HIGH,
        Severity.MEDIUM,
        Severity.HIGH,
        Severity.CRITICAL,
    ]
    capture = found[1]
    assert capture.occurred_at == datetime(2024, 3, 4, 5, 0, 2, 441000, tzinfo=UTC)
    assert capture.details.message == "payment capture failed for order 991"
    trace = capture.details.stack_trace or ""
    assert trace.startswith("Traceback") and trace.endswith("GatewayTimeout: no answer in 30s")
    java = found[3].details.stack_trace or ""
    assert "Caused by: java.io.IOException" in java and java.endswith("... 2 more")
    event = event_of(found[2])
    assert "hunter2hunter2" not in event.error.message


def test_a_log_without_timestamps_is_one_record_per_line_with_indented_continuations() -> None:
    lines = ["first failure", "second failure", "  at indented.frame", "ERROR: third"]
    items = list(log_records(enumerate(lines, 1)))
    found = [item for item in items if not isinstance(item, Rejected)]
    assert [(n, r["message"]) for n, r in found] == [
        (1, "first failure"),
        (2, "second failure"),
        (4, "third"),
    ]
    assert found[1][1]["stack_trace"] == "  at indented.frame"
