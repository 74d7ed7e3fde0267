"""Projector of `predictions` and `predicted_errors`, from prediction.generated.

One `predictions` row per prediction id and one `predicted_errors` row per predicted error in
it (by position), so "what is predicted for service X" is an indexed query.
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
from errorstream.schemas.models import Event, PredictionGenerated

PREDICTIONS = single_event(
    "predictions",
    ("id",),
    (
        "event_id",
        "service",
        "confidence",
        "timeframe",
        "preventive_actions",
        "model_id",
        "model_version",
        "features_used",
        "predicted_count",
        "max_probability",
        "predicted_at",
    ),
    at="predicted_at",
)

PREDICTED_ERRORS = single_event(
    "predicted_errors",
    ("prediction_id", "position"),
    (
        "event_id",
        "service",
        "layer",
        "category",
        "type",
        "group_id",
        "probability",
        "horizon_ms",
        "expected_severity",
        "description",
        "predicted_at",
    ),
    at="predicted_at",
)


def prediction_rows(event: PredictionGenerated) -> list[Contribution]:
    predicted = event.predicted_errors
    rows: list[Contribution] = [
        (
            PREDICTIONS,
            PREDICTIONS.row(
                id=event.prediction_id,
                event_id=event.event_id,
                service=event.source.service,
                confidence=fraction(event.confidence),
                timeframe=event.timeframe,
                preventive_actions=json_of(event.preventive_actions),
                model_id=event.model_id,
                model_version=event.model_version,
                features_used=json_of(event.features_used),
                predicted_count=len(predicted),
                max_probability=fraction(max((p.probability for p in predicted), default=None)),
                predicted_at=event.occurred_at,
            ),
        )
    ]
    for position, item in enumerate(predicted):
        rows.append(
            (
                PREDICTED_ERRORS,
                PREDICTED_ERRORS.row(
                    prediction_id=event.prediction_id,
                    position=position,
                    event_id=event.event_id,
                    service=item.service,
                    layer=text(item.layer),
                    category=text(item.category),
                    type=text(item.type),
                    group_id=item.group_id,
                    probability=fraction(item.probability),
                    horizon_ms=item.horizon_ms,
                    expected_severity=text(item.expected_severity),
                    description=item.description,
                    predicted_at=event.occurred_at,
                ),
            )
        )
    return rows


class PredictionsProjector(ReadModelProjector):
    name: ClassVar[str] = "predictions"
    topics: ClassVar[tuple[str, ...]] = ("prediction.generated",)
    tables: ClassVar[tuple[str, ...]] = ("predictions", "predicted_errors")
    accepts: ClassVar[tuple[type[Event], ...]] = (PredictionGenerated,)
    specs: ClassVar[tuple[MergeSpec, ...]] = (PREDICTIONS, PREDICTED_ERRORS)

    def rows(self, event: Event) -> Iterable[Contribution]:
        assert isinstance(event, PredictionGenerated)
        return prediction_rows(event)
