"""Projector of the `errors` table, from error.detected and error.classified.

error.detected inserts what the service reported (redacted here too: a producer that bypassed
the SDK may have sent secrets); error.classified fills in classification and group. Both are
upserts keyed by the error id, so the final row is the same whichever arrives first and however
often either is delivered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import psycopg
from psycopg.types.json import Jsonb

from errorstream.projections.bulk import upsert
from errorstream.projections.runtime import Consumed, ProjectionRejected, Projector
from errorstream.schemas.models import ErrorClassified, ErrorDetails, ErrorDetected, Event
from errorstream.streams.sanitize import sanitize_report
from errorstream.streams.topics import ERROR_CLASSIFIED, ERROR_DETECTED

REPORT_COLUMNS = (
    "id",
    "source_service_id",
    "source_component_id",
    "workflow_id",
    "task_id",
    "agent_id",
    "user_id",
    "layer",
    "environment",
    "host",
    "service_version",
    "message",
    "description",
    "error_code",
    "exception_type",
    "stack_trace",
    "frames",
    "context",
    "tags",
    "report_count",
    "reported_severity",
    "correlation_id",
    "occurred_at",
)
DETECTED_COLUMNS = (*REPORT_COLUMNS, "detected_at")
CLASSIFIED_COLUMNS = (
    *REPORT_COLUMNS,
    "category",
    "type",
    "subtype",
    "severity",
    "computed_severity",
    "confidence",
    "group_id",
    "grouping_method",
    "template",
    "is_recurring",
    "regression",
    "late",
    "classified_at",
    "evidence",
)


def _report_row(event: Event, error_id: Any, error: ErrorDetails) -> tuple[Any, ...]:
    return (
        error_id,
        event.source.service,
        error.component,
        error.workflow_id,
        error.task_id,
        error.agent_id,
        error.user_id,
        event.source.layer.value,
        event.source.environment,
        event.source.host,
        event.source.version,
        error.message,
        error.description,
        error.error_code,
        error.exception_type,
        error.stack_trace,
        Jsonb([frame.model_dump(mode="json") for frame in error.frames]),
        Jsonb(error.context),
        list(error.tags),
        error.count,
        error.severity.value if error.severity else None,
        event.correlation_id,
        event.occurred_at,
    )


def detected_row(event: ErrorDetected) -> tuple[Any, ...]:
    return (*_report_row(event, event.event_id, redact_details(event.error)), event.recorded_at)


def classified_row(event: ErrorClassified) -> tuple[Any, ...]:
    return (
        *_report_row(event, event.error_id, event.error),
        event.category.value,
        event.type.value,
        event.subtype,
        event.severity.value,
        event.computed_severity.value,
        round(event.confidence, 3),
        event.group_id,
        event.grouping_method,
        event.template,
        event.is_recurring,
        event.regression,
        event.late,
        event.recorded_at,
        Jsonb([e.model_dump(mode="json") for e in event.evidence]),
    )


def redact_details(error: ErrorDetails) -> ErrorDetails:
    """The report as it may be stored: secrets and PII replaced, sizes within the default
    limits (what the detection agent does too; its classified report replaces this one)."""
    return sanitize_report(error).details


class ErrorsProjector(Projector):
    name: ClassVar[str] = "errors"
    topics: ClassVar[tuple[str, ...]] = (ERROR_DETECTED, ERROR_CLASSIFIED)
    tables: ClassVar[tuple[str, ...]] = ("errors",)

    def check(self, event: Event) -> None:
        if not isinstance(event, ErrorDetected | ErrorClassified):
            raise ProjectionRejected(
                "unexpected_event", f"{event.event_type} does not belong on the errors topics"
            )

    def apply(self, cursor: psycopg.Cursor[Any], batch: Sequence[Consumed]) -> None:
        detected = [detected_row(c.event) for c in batch if isinstance(c.event, ErrorDetected)]
        classified = [
            classified_row(c.event) for c in batch if isinstance(c.event, ErrorClassified)
        ]
        # A detected report never overwrites what classification wrote (the same redacted
        # report); it only records when it was detected.
        upsert(cursor, "errors", DETECTED_COLUMNS, detected, key=("id",), update=("detected_at",))
        upsert(
            cursor,
            "errors",
            CLASSIFIED_COLUMNS,
            classified,
            key=("id",),
            update=CLASSIFIED_COLUMNS[1:],
            stage_suffix="_classified",
        )
