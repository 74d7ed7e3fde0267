"""Inbound adapters: other systems' events (requirement 000 §4.2) as errorstream events.

Other systems publish on the subscription topics in their own shapes; `adapt` maps one record
to one errorstream event, or rejects it with a reason (the agent dead-letters it):

| topic                     | becomes            | layer when the event names none |
| ------------------------- | ------------------ | ------------------------------- |
| `service.failed`          | ErrorDetected      | service                         |
| `workflow.error`          | ErrorDetected      | core                            |
| `task.failed`             | ErrorDetected      | core                            |
| `agent.error`             | ErrorDetected      | service                         |
| `system.anomaly`          | ErrorDetected      | infrastructure                  |
| `performance.degradation` | ErrorDetected      | infrastructure                  |
| `model.failure`           | ErrorDetected      | core                            |
| `simulation.error`        | ErrorDetected      | core                            |
| `agent.feedback`          | FeedbackRecorded   | —                               |

**JSON**, tolerant: field names match in camelCase, snake_case or kebab-case, at the top level,
under ``source`` (000's ErrorSource) or under ``error``. The shape of 000's ErrorReportRequest:

    {"service": "billing", "workflowId": "wf-7", "taskId": "t-3", "agentId": "a-1",
     "error": {"message": "...", "type": "TimeoutError", "code": "E504",
               "stackTrace": "...", "details": {...}},
     "severity": "high", "layer": "core", "environment": "staging", "host": "...",
     "timestamp": "2026-01-02T03:04:05Z", "context": {...}, "tags": ["..."],
     "correlationId": "...", "eventId": "..."}

``error`` may be a plain string; the message may also be ``message``/``reason``/
``description``, and is composed from metric fields (``metric``, ``value``, ``threshold``,
``baseline``) for anomalies and degradations. Timestamps are ISO-8601 or epoch seconds or
milliseconds; without one the record's timestamp is used. Fields errorstream has no place
for are kept under ``context.inbound``. Feedback (``agent.feedback``) reads ``errorId``,
``groupId``, ``executionId``, ``feedbackType`` (or an ``outcome`` it follows from),
``effectivenessScore``, ``lessonsLearned``, ``improvementSuggestions``, ``agentId`` and the
``corrected*`` classification.

**Avro**: an errorstream event in either wire format (ErrorDetected on an error topic,
FeedbackRecorded on agent.feedback) passes through.

Every adapted event is derived, so a replay yields identical bytes: its id comes from
(topic, partition, offset), ``recorded_at`` is the record's timestamp, ``causation_id`` is
the inbound event's own id when it has one and ``topic/partition/offset`` otherwise, and
``context.source_topic`` names the inbound topic. Reports are sanitised here too
(streams/sanitize.py), so nothing unredacted reaches error.detected.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final, TypeVar

from pydantic import ValidationError

from errorstream.schemas.enums import (
    ErrorCategory,
    ErrorType,
    FeedbackOutcome,
    FeedbackSource,
    FeedbackType,
    Layer,
    Severity,
)
from errorstream.schemas.models import (
    ErrorDetails,
    ErrorDetected,
    Event,
    EventSource,
    FeedbackRecorded,
    derived_id,
    to_millis_precision,
)
from errorstream.schemas.serialization import (
    CONFLUENT_MAGIC,
    SINGLE_OBJECT_MAGIC,
    AvroCodec,
    Codec,
    DecodeError,
)
from errorstream.streams.redaction import DEFAULT_REDACTOR, Redactor
from errorstream.streams.sanitize import DEFAULT_LIMITS, ReportLimits, clip_text, sanitize_report
from errorstream.streams.topics import INBOUND_ERROR_TOPICS, INBOUND_FEEDBACK_TOPIC

__all__ = [
    "ADAPTED_STEP",
    "DEFAULT_LAYERS",
    "AdaptedEvent",
    "AdapterRejected",
    "adapt",
    "origin_id",
]

ERROR_DETECTED: Final = "error.detected"
FEEDBACK_RECORDED: Final = "feedback.recorded"
ADAPTED_STEP: Final = "adapted"
MAX_SERVICE_CHARS: Final = 255
MAX_FEEDBACK_ITEMS: Final = 100

DEFAULT_LAYERS: Final[Mapping[str, Layer]] = {
    "service.failed": Layer.SERVICE,
    "workflow.error": Layer.CORE,
    "task.failed": Layer.CORE,
    "agent.error": Layer.SERVICE,
    "system.anomaly": Layer.INFRASTRUCTURE,
    "performance.degradation": Layer.INFRASTRUCTURE,
    "model.failure": Layer.CORE,
    "simulation.error": Layer.CORE,
}
assert set(DEFAULT_LAYERS) == set(INBOUND_ERROR_TOPICS)


@dataclass(frozen=True)
class AdaptedEvent:
    """The errorstream event one inbound record became, and the topic it goes to."""

    topic: str
    event: Event

    @property
    def key(self) -> bytes:
        return self.event.partition_key


@dataclass(frozen=True)
class AdapterRejected:
    """Why a record cannot be adapted (it goes to error.deadletter with its bytes)."""

    reason_code: str
    reason: str


def origin_id(topic: str, partition: int, offset: int) -> str:
    """Where an inbound record sits: ``service.failed/3/1234``."""
    return f"{topic}/{partition}/{offset}"


def adapt(
    topic: str,
    key: bytes | None,
    value: bytes | None,
    timestamp: datetime | None,
    *,
    partition: int,
    offset: int,
    codec: Codec | None = None,
    limits: ReportLimits = DEFAULT_LIMITS,
    redactor: Redactor = DEFAULT_REDACTOR,
) -> AdaptedEvent | AdapterRejected:
    """One inbound record (catalogue topic name, no prefix) as an errorstream event."""
    if topic not in DEFAULT_LAYERS and topic != INBOUND_FEEDBACK_TOPIC:
        return AdapterRejected("unknown_topic", f"{topic} is not an inbound topic")
    if not value:
        return AdapterRejected("empty", "the record has no value")
    record = _Record(topic, key, timestamp, origin_id(topic, partition, offset), limits, redactor)
    try:
        if value[:2] == SINGLE_OBJECT_MAGIC or (value[0] == CONFLUENT_MAGIC and len(value) >= 5):
            return record.from_avro((codec or AvroCodec()).decode(value))
        payload = _json_object(value)
        if isinstance(payload, AdapterRejected):
            return payload
        if topic == INBOUND_FEEDBACK_TOPIC:
            return record.feedback(_Fields(payload))
        return record.error(_Fields(payload))
    except DecodeError as exc:
        return AdapterRejected(exc.reason_code, exc.reason)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]
        )
        return AdapterRejected("invalid_event", problems)


def _json_object(value: bytes) -> dict[str, Any] | AdapterRejected:
    try:
        text = value.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return AdapterRejected("not_json", f"neither Avro nor UTF-8 JSON: {exc}")
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return AdapterRejected("not_json", f"neither Avro nor JSON: {exc}"[:500])
    if not isinstance(payload, dict):
        return AdapterRejected("not_object", f"JSON {type(payload).__name__}, not an object")
    return payload


# --------------------------------------------------------------------------------------
# Tolerant field look-up.
# --------------------------------------------------------------------------------------

_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def _norm(name: str) -> str:
    """``workflowId``, ``workflow_id`` and ``workflow-id`` all read ``workflowid``."""
    return _NOT_ALNUM.sub("", name.lower())


class _Fields:
    """An inbound JSON object read by normalised names, remembering which were used."""

    def __init__(self, payload: Mapping[str, Any]) -> None:
        self.payload = payload
        self.top = self._index(payload)
        source = self.top.get("source")
        error = self.top.get("error")
        self.source = self._index(source[1]) if source and isinstance(source[1], dict) else {}
        self.error = self._index(error[1]) if error and isinstance(error[1], dict) else {}
        self.used: set[str] = set()

    @staticmethod
    def _index(mapping: Mapping[str, Any]) -> dict[str, tuple[str, Any]]:
        index: dict[str, tuple[str, Any]] = {}
        for name, item in mapping.items():
            index.setdefault(_norm(str(name)), (str(name), item))
        return index

    def get(self, *names: str, where: str = "top,source,error", mark: bool = True) -> Any:
        """The first non-empty value under any of `names`, looked for in `where` order.

        Top-level fields read with `mark` count as used (they stay out of context.inbound).
        """
        places = {"top": self.top, "source": self.source, "error": self.error}
        for place in where.split(","):
            for name in names:
                hit = places[place].get(name)
                if hit is not None and hit[1] not in (None, "", [], {}):
                    if place == "top" and mark:
                        self.used.add(hit[0])
                    return hit[1]
        return None

    def text(self, *names: str, where: str = "top,source,error", mark: bool = True) -> str | None:
        value = self.get(*names, where=where, mark=mark)
        if value is None or isinstance(value, dict | list):
            return None
        return str(value) if not isinstance(value, bool) else str(value).lower()

    def unused(self) -> dict[str, Any]:
        skip = {"source", "error", "context"}
        return {
            name: value
            for name, value in self.payload.items()
            if name not in self.used and _norm(str(name)) not in skip
        }


# --------------------------------------------------------------------------------------
# Building the events.
# --------------------------------------------------------------------------------------

_SEVERITY_WORDS: Final[Mapping[str, Severity]] = {
    **{s.value: s for s in Severity},
    "debug": Severity.LOW,
    "info": Severity.LOW,
    "notice": Severity.LOW,
    "minor": Severity.LOW,
    "warn": Severity.MEDIUM,
    "warning": Severity.MEDIUM,
    "moderate": Severity.MEDIUM,
    "major": Severity.HIGH,
    "error": Severity.HIGH,
    "err": Severity.HIGH,
    "severe": Severity.HIGH,
    "crit": Severity.CRITICAL,
    "fatal": Severity.CRITICAL,
    "alert": Severity.EMERGENCY,
    "emerg": Severity.EMERGENCY,
    "panic": Severity.EMERGENCY,
    "p1": Severity.CRITICAL,
    "p2": Severity.HIGH,
    "p3": Severity.MEDIUM,
    "p4": Severity.LOW,
    "p5": Severity.LOW,
}


def _word(value: object) -> str:
    return re.sub(r"[\s-]+", "_", str(value).strip().lower())


def _severity(value: object) -> Severity | None:
    if value is None:
        return None
    return _SEVERITY_WORDS.get(_word(value))


_Member = TypeVar("_Member", bound=StrEnum)


def _enum_member(kind: type[_Member], value: object) -> _Member | None:
    if value is None:
        return None
    try:
        return kind(_word(value))
    except ValueError:
        return None


def _moment(value: object) -> datetime | None:
    """ISO-8601 text, or epoch seconds / milliseconds (numbers or numeric text)."""
    if value is None or isinstance(value, bool):
        return None
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            except ValueError:
                return None
            return to_millis_precision(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    if number is None or not math.isfinite(number):
        return None
    seconds = number / 1000 if abs(number) >= 1e11 else number
    try:
        return to_millis_precision(datetime.fromtimestamp(seconds, UTC))
    except (OverflowError, OSError, ValueError):
        return None


def _uuid(value: object) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _texts(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Mapping):
        return tuple(f"{name}:{item}" for name, item in value.items())
    if isinstance(value, Iterable):
        return tuple(str(item) for item in value if item is not None)
    return (str(value),)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _score(value: object) -> float | None:
    """A 0..1 effectiveness; 0..100 reads as a percentage."""
    number = _number(value)
    if number is None or number < 0 or number > 100:
        return None
    return number / 100 if number > 1 else number


@dataclass(frozen=True)
class _Record:
    topic: str
    key: bytes | None
    timestamp: datetime | None
    origin: str
    limits: ReportLimits
    redactor: Redactor

    @property
    def event_id(self) -> uuid.UUID:
        return derived_id(self.origin, ADAPTED_STEP)

    def moment(self, fields: _Fields | None) -> tuple[datetime | None, object]:
        raw = None
        if fields is not None:
            raw = fields.get(
                "timestamp",
                "time",
                "ts",
                "occurredat",
                "failedat",
                "detectedat",
                "createdat",
                "eventtime",
                "datetime",
            )
        parsed = _moment(raw)
        return (parsed or self.timestamp, raw if parsed is None else None)

    def service(self, fields: _Fields, fallbacks: Iterable[str | None]) -> str:
        named = fields.text("service", "servicename", "serviceid", "app", "application")
        if named is None and isinstance(fields.payload.get("source"), str):
            named = str(fields.payload["source"])
        candidates = [named, *fallbacks]
        if self.key:
            candidates.insert(1, self.key.decode("utf-8", "replace"))
        for candidate in candidates:
            if candidate and candidate.strip():
                return candidate.strip()[:MAX_SERVICE_CHARS]
        return self.topic

    # -- errors -------------------------------------------------------------------------

    def error(self, fields: _Fields) -> AdaptedEvent | AdapterRejected:
        occurred_at, unreadable_time = self.moment(fields)
        if occurred_at is None:
            return AdapterRejected("no_timestamp", "neither the event nor the record has a time")
        error_value = fields.get("error", where="top")
        details = fields.get("details", where="error,top")
        description = fields.text("description")
        message = (
            fields.text("message", "msg", where="error,top")
            or (error_value if isinstance(error_value, str) else None)
            or fields.text("reason", "errormessage", "summary", "title")
            or description
            or (details if isinstance(details, str) else None)
            or self.composed_message(fields)
        )
        host = fields.text("host", "hostname", "instance", "instanceid", "pod", "node")
        agent = fields.text("agentid", "agent")
        count = fields.get("count", "occurrences")
        report: dict[str, Any] = {
            "message": message,
            "exception_type": fields.text(
                "type", "name", "exceptiontype", "errortype", "exception", "class", where="error"
            )
            or fields.text("exceptiontype", "errortype", "exception", where="top,source"),
            "error_code": fields.text("code", "errorcode", "exitcode", where="error,top"),
            "description": description if description != message else None,
            "stack_trace": fields.text("stacktrace", "stack", "traceback", where="error,top"),
            "severity": _severity(fields.get("severity", "level", "priority")),
            "tags": _texts(fields.get("tags", "labels")),
            "fingerprint": fields.text("fingerprint", "errorhash", "hash"),
            "count": count if isinstance(count, int) and 1 <= count < 2**31 else 1,
            "component": fields.text(
                "component", "componentid", "modelid", "model", "simulationid"
            ),
            "workflow_id": fields.text("workflowid", "workflow"),
            "task_id": fields.text("taskid", "task", "stepid"),
            "agent_id": agent,
            "user_id": fields.text("userid", "user"),
        }
        source = EventSource(
            service=self.service(fields, (agent and f"agent-{agent}", host)),
            layer=_enum_member(Layer, fields.get("layer")) or DEFAULT_LAYERS[self.topic],
            environment=fields.text("environment", "env") or "production",
            host=host,
            version=fields.text("version", "release", "serviceversion"),
        )
        correlation_id = fields.text("correlationid", "traceid", "requestid")
        causation_id = fields.text("eventid", "id", "messageid") or self.origin

        context: dict[str, Any] = {}
        given_context = fields.get("context", where="top")
        if isinstance(given_context, dict):
            context.update(given_context)
        if details is not None and not isinstance(details, str):
            context["details"] = details
        if unreadable_time is not None:
            context["inbound_timestamp"] = unreadable_time
        extra = fields.unused()  # last: every field read above counts as used
        if extra:
            context["inbound"] = extra
        context["source_topic"] = self.topic
        event = ErrorDetected(
            event_id=self.event_id,
            occurred_at=occurred_at,
            recorded_at=self.timestamp or occurred_at,
            source=source,
            correlation_id=correlation_id,
            causation_id=causation_id,
            error=self.sanitized(ErrorDetails.model_validate({**report, "context": context})),
        )
        return AdaptedEvent(ERROR_DETECTED, event)

    def composed_message(self, fields: _Fields) -> str:
        """Anomalies and degradations carry numbers, not messages: say what they mean."""
        # Peeked, not taken: the numbers stay in context.inbound as numbers.
        metric = fields.text("metric", "metricname", "indicator", mark=False)
        value = fields.text("value", "current", "currentvalue", "observed", mark=False)
        expected = fields.text("threshold", "baseline", "expected", "baselinevalue", mark=False)
        subject = {
            "system.anomaly": "anomaly",
            "performance.degradation": "performance degradation",
        }.get(self.topic, self.topic)
        if metric is None:
            return f"{subject} reported"
        text = f"{subject}: {metric}"
        if value is not None:
            text += f" = {value}"
        if expected is not None:
            text += f" (expected {expected})"
        return text

    def sanitized(self, report: ErrorDetails) -> ErrorDetails:
        return sanitize_report(report, limits=self.limits, redactor=self.redactor).details

    # -- feedback -----------------------------------------------------------------------

    def feedback(self, fields: _Fields) -> AdaptedEvent | AdapterRejected:
        occurred_at, _ = self.moment(fields)
        if occurred_at is None:
            return AdapterRejected("no_timestamp", "neither the event nor the record has a time")
        outcome = _enum_member(FeedbackOutcome, fields.get("outcome", "result", "status"))
        kind = _enum_member(FeedbackType, fields.get("feedbacktype", "type", "kind"))
        if kind is None:
            kind = {
                FeedbackOutcome.SUCCESS: FeedbackType.RESOLUTION_SUCCESS,
                FeedbackOutcome.PARTIAL_SUCCESS: FeedbackType.RESOLUTION_SUCCESS,
                FeedbackOutcome.FAILURE: FeedbackType.RESOLUTION_FAILURE,
            }.get(outcome or FeedbackOutcome.UNKNOWN)
        if kind is None:
            return AdapterRejected(
                "missing_field", "feedback needs a feedbackType or an outcome it follows from"
            )
        agent = fields.text("agentid", "agent", "sourceid")
        event = FeedbackRecorded(
            event_id=self.event_id,
            occurred_at=occurred_at,
            recorded_at=self.timestamp or occurred_at,
            source=EventSource(
                service=self.service(fields, (agent and f"agent-{agent}",)),
                layer=_enum_member(Layer, fields.get("layer")) or Layer.SERVICE,
                environment=fields.text("environment", "env") or "production",
            ),
            correlation_id=fields.text("correlationid", "traceid"),
            causation_id=fields.text("eventid", "messageid") or self.origin,
            feedback_id=_uuid(fields.get("feedbackid", "id"))
            or derived_id(self.origin, "feedback"),
            error_id=_uuid(fields.get("errorid")),
            group_id=fields.text("groupid", "group"),
            correction_execution_id=_uuid(
                fields.get("correctionexecutionid", "executionid", "correctionid")
            ),
            feedback_type=kind,
            outcome=outcome or FeedbackOutcome.UNKNOWN,
            effectiveness_score=_score(fields.get("effectivenessscore", "effectiveness", "score")),
            lessons_learned=self.free_texts(fields.get("lessonslearned", "lessons"), "lessons"),
            improvement_suggestions=self.free_texts(
                fields.get("improvementsuggestions", "suggestions", "improvements"), "suggestions"
            ),
            feedback_source=_enum_member(FeedbackSource, fields.get("feedbacksource"))
            or FeedbackSource.AGENT,
            source_id=agent,
            corrected_category=_enum_member(ErrorCategory, fields.get("correctedcategory")),
            corrected_type=_enum_member(ErrorType, fields.get("correctedtype")),
            corrected_severity=_severity(fields.get("correctedseverity")),
            corrected_layer=_enum_member(Layer, fields.get("correctedlayer")),
        )
        return AdaptedEvent(FEEDBACK_RECORDED, event)

    def free_texts(self, value: object, path: str) -> tuple[str, ...]:
        """An agent's prose, redacted and bounded like a report's description."""
        limit = self.limits.max_description_chars
        return tuple(
            clip_text(self.redactor.redact_text(text, f"{path}[{i}]").value, limit)
            for i, text in enumerate(_texts(value)[:MAX_FEEDBACK_ITEMS])
        )

    # -- errorstream's own events --------------------------------------------------------

    def from_avro(self, event: Event) -> AdaptedEvent | AdapterRejected:
        wanted: type[Event] = (
            FeedbackRecorded if self.topic == INBOUND_FEEDBACK_TOPIC else (ErrorDetected)
        )
        if not isinstance(event, wanted):
            return AdapterRejected(
                "unexpected_event", f"{self.topic} takes {wanted.__name__}, not {event.event_type}"
            )
        derived: dict[str, Any] = {
            "event_id": self.event_id,
            "causation_id": str(event.event_id),
            "correlation_id": event.correlation_id or str(event.event_id),
        }
        if isinstance(event, ErrorDetected):
            context = {**event.error.context, "source_topic": self.topic}
            derived["error"] = self.sanitized(event.error.model_copy(update={"context": context}))
            return AdaptedEvent(ERROR_DETECTED, event.model_copy(update=derived))
        assert isinstance(event, FeedbackRecorded)
        derived["lessons_learned"] = self.free_texts(event.lessons_learned, "lessons")
        derived["improvement_suggestions"] = self.free_texts(
            event.improvement_suggestions, "suggestions"
        )
        return AdaptedEvent(FEEDBACK_RECORDED, event.model_copy(update=derived))
