"""Projectors of the operational read models: `dead_letters` (error.deadletter) and
`window_summaries` (window.summarized).

A dead letter's id is derived from (stage, topic, partition, offset), so the same message
refused twice (a crash, a replay) is one row. Its original bytes are kept for re-processing;
the analyst role cannot read those two columns (they are not redacted).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from errorstream.projections.merge import MergeSpec, single_event
from errorstream.projections.read_model import Contribution, ReadModelProjector, json_of
from errorstream.schemas.models import DeadLettered, Event, WindowSummarized
from errorstream.streams.topics import ERROR_DEADLETTER

DEAD_LETTERS = single_event(
    "dead_letters",
    ("event_id",),
    (
        "stage",
        "reason_code",
        "reason",
        "original_topic",
        "original_partition",
        "original_offset",
        "original_timestamp",
        "original_size",
        "original_key",
        "original_value",
        "dead_lettered_at",
    ),
    at="dead_lettered_at",
)

WINDOWS = single_event(
    "window_summaries",
    ("service", "window_start", "window_ms"),
    (
        "window_end",
        "event_id",
        "error_count",
        "counts_by_layer",
        "first_seen_by_layer",
        "sample_error_ids_by_layer",
        "new_groups",
        "severity_score",
        "summarized_at",
    ),
    at="summarized_at",
)


def dead_letter_rows(event: DeadLettered) -> list[Contribution]:
    value = event.original_value
    return [
        (
            DEAD_LETTERS,
            DEAD_LETTERS.row(
                event_id=event.event_id,
                stage=event.stage,
                reason_code=event.reason_code,
                reason=event.reason,
                original_topic=event.original_topic,
                original_partition=event.original_partition,
                original_offset=event.original_offset,
                original_timestamp=event.original_timestamp,
                original_size=None if value is None else len(value),
                original_key=event.original_key,
                original_value=value,
                dead_lettered_at=event.occurred_at,
            ),
        )
    ]


def window_rows(event: WindowSummarized) -> list[Contribution]:
    return [
        (
            WINDOWS,
            WINDOWS.row(
                service=event.service,
                window_start=event.window_start,
                window_ms=event.window_ms,
                window_end=event.window_end,
                event_id=event.event_id,
                error_count=event.error_count,
                counts_by_layer=json_of(event.counts_by_layer),
                first_seen_by_layer=json_of(event.first_seen_by_layer),
                sample_error_ids_by_layer=json_of(
                    {layer: list(ids) for layer, ids in event.sample_error_ids_by_layer.items()}
                ),
                new_groups=event.new_groups,
                severity_score=event.severity_score,
                summarized_at=event.occurred_at,
            ),
        )
    ]


class DeadLettersProjector(ReadModelProjector):
    name: ClassVar[str] = "dead_letters"
    topics: ClassVar[tuple[str, ...]] = (ERROR_DEADLETTER,)
    tables: ClassVar[tuple[str, ...]] = ("dead_letters",)
    accepts: ClassVar[tuple[type[Event], ...]] = (DeadLettered,)
    specs: ClassVar[tuple[MergeSpec, ...]] = (DEAD_LETTERS,)

    def rows(self, event: Event) -> Iterable[Contribution]:
        assert isinstance(event, DeadLettered)
        return dead_letter_rows(event)


class WindowSummariesProjector(ReadModelProjector):
    name: ClassVar[str] = "window_summaries"
    topics: ClassVar[tuple[str, ...]] = ("window.summarized",)
    tables: ClassVar[tuple[str, ...]] = ("window_summaries",)
    accepts: ClassVar[tuple[type[Event], ...]] = (WindowSummarized,)
    specs: ClassVar[tuple[MergeSpec, ...]] = (WINDOWS,)

    def rows(self, event: Event) -> Iterable[Contribution]:
        assert isinstance(event, WindowSummarized)
        return window_rows(event)
