"""Python models of the events: one pydantic model per `.avsc`, checked against it by tests.

Field names, optionality and types mirror the Avro schemas exactly (see
tests/unit/test_schema_models.py, which compares them both ways). Models are frozen: events
are immutable facts.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from errorstream.schemas.enums import ErrorCategory, ErrorType, GroupStatus, Layer, Severity

# Namespace of every derived event id: uuid5(ID_NAMESPACE, f"{causation_id}:{step}").
ID_NAMESPACE = uuid.UUID("6f1c9a52-3c1e-5b7e-9d0a-e77025f7ea11")


def derived_id(causation: uuid.UUID | str, step: str) -> uuid.UUID:
    """Deterministic id of an event derived from another, so a replay yields identical events."""
    return uuid.uuid5(ID_NAMESPACE, f"{causation}:{step}")


def utc_now() -> datetime:
    return to_millis_precision(datetime.now(UTC))


def to_millis_precision(moment: datetime) -> datetime:
    """Avro timestamp-millis keeps milliseconds; models keep exactly what the wire keeps."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000)


def epoch_millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_epoch_millis(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)


class AvroRecord(BaseModel):
    """A model that mirrors one Avro record."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    AVRO_NAME: ClassVar[str]


class EventSource(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.Source"

    service: str = Field(min_length=1, max_length=255)
    layer: Layer = Layer.SERVICE
    environment: str = "production"
    host: str | None = None
    version: str | None = None


class StackFrame(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.StackFrame"

    module: str | None = None
    function: str | None = None
    filename: str | None = None
    lineno: int | None = None
    in_app: bool = False
    vars: dict[str, str] = Field(default_factory=dict)


class ErrorDetails(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.ErrorDetails"

    message: str
    exception_type: str | None = None
    error_code: str | None = None
    description: str | None = None
    stack_trace: str | None = None
    frames: tuple[StackFrame, ...] = ()
    severity: Severity | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    tags: tuple[str, ...] = ()
    fingerprint: str | None = None
    count: int = Field(default=1, ge=1)
    component: str | None = None
    workflow_id: str | None = None
    task_id: str | None = None
    agent_id: str | None = None
    user_id: str | None = None
    truncated: tuple[str, ...] = ()


class Evidence(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.Evidence"

    field: str
    rule_id: str
    detail: str = ""


class Event(AvroRecord):
    """The envelope every event carries."""

    registry: ClassVar[dict[str, type[Event]]] = {}

    event_id: uuid.UUID
    event_type: str
    schema_version: int = 1
    occurred_at: datetime
    recorded_at: datetime = Field(default_factory=utc_now)
    source: EventSource
    correlation_id: str | None = None
    causation_id: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "AVRO_NAME" in cls.__dict__:
            Event.registry[cls.AVRO_NAME.rsplit(".", 1)[-1]] = cls

    @field_validator("occurred_at", "recorded_at", mode="after")
    @classmethod
    def _millis(cls, value: datetime) -> datetime:
        return to_millis_precision(value)

    @property
    def key(self) -> bytes:
        """Partition key: the source service, so one service's state lives on one partition."""
        return self.source.service.encode()


class ErrorDetected(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.ErrorDetected"

    event_type: Literal["ErrorDetected"] = "ErrorDetected"
    error: ErrorDetails


class ErrorClassified(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.ErrorClassified"

    event_type: Literal["ErrorClassified"] = "ErrorClassified"
    error_id: uuid.UUID
    error: ErrorDetails
    category: ErrorCategory
    type: ErrorType
    subtype: str | None = None
    severity: Severity
    computed_severity: Severity
    layer: Layer
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: tuple[Evidence, ...] = ()
    retryable: bool = False
    group_id: str
    grouping_method: str
    template: str | None = None
    group_status: GroupStatus = GroupStatus.ONGOING
    regression: bool = False
    is_recurring: bool = False
    occurrences: int = 1
    first_seen: datetime
    last_seen: datetime
    late: bool = False

    @field_validator("first_seen", "last_seen", mode="after")
    @classmethod
    def _group_millis(cls, value: datetime) -> datetime:
        return to_millis_precision(value)


class DeadLettered(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.DeadLettered"

    event_type: Literal["DeadLettered"] = "DeadLettered"
    stage: str
    reason_code: str
    reason: str
    original_topic: str
    original_partition: int
    original_offset: int
    original_timestamp: datetime | None = None
    original_key: bytes | None = None
    original_value: bytes | None = None


def event_model(event_type: str) -> type[Event]:
    return Event.registry[event_type]
