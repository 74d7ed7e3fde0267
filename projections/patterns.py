"""Projector of `error_patterns`, from pattern.detected: one row per pattern (episode) id.

Requirement 000's pattern table, adapted to the events: the detector names each episode of a
recurring, cascade, burst, degradation or new-group-spike pattern once, with the errors and
groups in it, its window, confidence, risk and recommendations.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from errorstream.projections.merge import MergeSpec, single_event
from errorstream.projections.read_model import (
    Contribution,
    ReadModelProjector,
    fraction,
    json_of,
    text,
)
from errorstream.schemas.models import Event, PatternDetected

PATTERNS = single_event(
    "error_patterns",
    ("pattern_id",),
    (
        "event_id",
        "pattern_type",
        "service",
        "layer",
        "services",
        "affected_layers",
        "error_ids",
        "group_ids",
        "window_start",
        "window_end",
        "occurrence_count",
        "frequency_per_minute",
        "confidence",
        "risk_level",
        "description",
        "recommendations",
        "detected_at",
    ),
    at="detected_at",
)


def pattern_rows(event: PatternDetected) -> list[Contribution]:
    return [
        (
            PATTERNS,
            PATTERNS.row(
                pattern_id=event.pattern_id,
                event_id=event.event_id,
                pattern_type=event.pattern_type.value,
                service=event.service,
                layer=text(event.layer),
                services=list(event.services),
                affected_layers=[layer.value for layer in event.affected_layers],
                error_ids=list(event.error_ids),
                group_ids=list(event.group_ids),
                window_start=event.window_start,
                window_end=event.window_end,
                occurrence_count=max(1, event.occurrence_count),  # a pattern has an error
                frequency_per_minute=event.frequency_per_minute,
                confidence=fraction(event.confidence),
                risk_level=event.risk_level.value,
                description=event.description,
                recommendations=json_of(event.recommendations),
                detected_at=event.occurred_at,
            ),
        )
    ]


class ErrorPatternsProjector(ReadModelProjector):
    name: ClassVar[str] = "error_patterns"
    topics: ClassVar[tuple[str, ...]] = ("pattern.detected",)
    tables: ClassVar[tuple[str, ...]] = ("error_patterns",)
    accepts: ClassVar[tuple[type[Event], ...]] = (PatternDetected,)
    specs: ClassVar[tuple[MergeSpec, ...]] = (PATTERNS,)

    def rows(self, event: Event) -> Iterable[Contribution]:
        assert isinstance(event, PatternDetected)
        return pattern_rows(event)
