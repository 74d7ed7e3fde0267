"""Projector of `error_analysis`, from analysis.completed: one row per analysis id.

The structured parts of the analysis (root cause, impact, history) are JSONB as the event has
them; the primary cause, its category and the overall impact are columns too, for filtering.
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
)
from errorstream.schemas.models import AnalysisCompleted, Event

ANALYSIS = single_event(
    "error_analysis",
    ("id",),
    (
        "event_id",
        "error_id",
        "group_id",
        "pattern_id",
        "service",
        "analysis_method",
        "primary_cause",
        "primary_cause_category",
        "root_cause",
        "contributing_factors",
        "impact_assessment",
        "overall_impact",
        "historical_correlation",
        "predictive_insights",
        "recommended_actions",
        "correction_required",
        "confidence",
        "analysis_duration_ms",
        "created_at",
    ),
    at="created_at",
)


def analysis_rows(event: AnalysisCompleted) -> list[Contribution]:
    cause = event.root_cause
    return [
        (
            ANALYSIS,
            ANALYSIS.row(
                id=event.analysis_id,
                event_id=event.event_id,
                error_id=event.error_id,
                group_id=event.group_id,
                pattern_id=event.pattern_id,
                service=event.source.service,
                analysis_method=event.analysis_method,
                primary_cause=cause.primary_cause.description,
                primary_cause_category=cause.primary_cause.category.value,
                root_cause=json_of(cause),
                contributing_factors=json_of(cause.contributing_factors),
                impact_assessment=json_of(event.impact),
                overall_impact=event.impact.overall_impact.value,
                historical_correlation=json_of(event.historical),
                predictive_insights=json_of(event.predictive_insights),
                recommended_actions=json_of(event.recommended_actions),
                correction_required=event.correction_required,
                confidence=fraction(event.confidence),
                analysis_duration_ms=event.analysis_duration_ms,
                created_at=event.occurred_at,
            ),
        )
    ]


class ErrorAnalysisProjector(ReadModelProjector):
    name: ClassVar[str] = "error_analysis"
    topics: ClassVar[tuple[str, ...]] = ("analysis.completed",)
    tables: ClassVar[tuple[str, ...]] = ("error_analysis",)
    accepts: ClassVar[tuple[type[Event], ...]] = (AnalysisCompleted,)
    specs: ClassVar[tuple[MergeSpec, ...]] = (ANALYSIS,)

    def rows(self, event: Event) -> Iterable[Contribution]:
        assert isinstance(event, AnalysisCompleted)
        return analysis_rows(event)
