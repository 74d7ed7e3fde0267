"""Projectors of the learning read models: `learning_feedback` (feedback.recorded), `ml_models`
(model.updated: one row per model version) and `knowledge_enrichments` (knowledge.enriched).

Model snapshots stay in Kafka (they can be large); the table keeps their digest and size.
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
from errorstream.schemas.models import Event, FeedbackRecorded, KnowledgeEnriched, ModelUpdated

FEEDBACK = single_event(
    "learning_feedback",
    ("id",),
    (
        "event_id",
        "error_id",
        "group_id",
        "correction_execution_id",
        "service",
        "feedback_type",
        "outcome",
        "effectiveness_score",
        "lessons_learned",
        "improvement_suggestions",
        "feedback_source",
        "source_id",
        "corrected_category",
        "corrected_type",
        "corrected_severity",
        "corrected_layer",
        "created_at",
    ),
    at="created_at",
)

MODELS = single_event(
    "ml_models",
    ("model_id", "version"),
    (
        "event_id",
        "model_type",
        "description",
        "features",
        "accuracy",
        "precision_score",
        "recall_score",
        "f1_score",
        "metrics",
        "training_data_size",
        "improvements",
        "deployment_status",
        "snapshot_sha256",
        "snapshot_bytes",
        "seed",
        "created_at",
    ),
    at="created_at",
)

KNOWLEDGE = single_event(
    "knowledge_enrichments",
    ("event_id",),
    (
        "service",
        "knowledge_type",
        "updates",
        "sources",
        "confidence",
        "pattern_ids",
        "enriched_at",
    ),
    at="enriched_at",
)


def _score(value: float | None) -> float | None:
    """A model metric as numeric(5,4) keeps it."""
    return None if value is None else round(value, 4)


def feedback_rows(event: FeedbackRecorded) -> list[Contribution]:
    return [
        (
            FEEDBACK,
            FEEDBACK.row(
                id=event.feedback_id,
                event_id=event.event_id,
                error_id=event.error_id,
                group_id=event.group_id,
                correction_execution_id=event.correction_execution_id,
                service=event.source.service,
                feedback_type=event.feedback_type.value,
                outcome=event.outcome.value,
                effectiveness_score=fraction(event.effectiveness_score),
                lessons_learned=json_of(event.lessons_learned),
                improvement_suggestions=json_of(event.improvement_suggestions),
                feedback_source=event.feedback_source.value,
                source_id=event.source_id,
                corrected_category=text(event.corrected_category),
                corrected_type=text(event.corrected_type),
                corrected_severity=text(event.corrected_severity),
                corrected_layer=text(event.corrected_layer),
                created_at=event.occurred_at,
            ),
        )
    ]


def model_rows(event: ModelUpdated) -> list[Contribution]:
    return [
        (
            MODELS,
            MODELS.row(
                model_id=event.model_id,
                version=event.version,
                event_id=event.event_id,
                model_type=event.model_type.value,
                description=event.description,
                features=json_of(event.features),
                accuracy=_score(event.accuracy),
                precision_score=_score(event.precision),
                recall_score=_score(event.recall),
                f1_score=_score(event.f1),
                metrics=json_of(event.metrics),
                training_data_size=event.training_data_size,
                improvements=json_of(event.improvements),
                deployment_status=event.deployment_status.value,
                snapshot_sha256=event.snapshot_sha256,
                snapshot_bytes=None if event.snapshot is None else len(event.snapshot),
                seed=event.seed,
                created_at=event.occurred_at,
            ),
        )
    ]


def knowledge_rows(event: KnowledgeEnriched) -> list[Contribution]:
    return [
        (
            KNOWLEDGE,
            KNOWLEDGE.row(
                event_id=event.event_id,
                service=event.source.service,
                knowledge_type=event.knowledge_type,
                updates=json_of(event.updates),
                sources=json_of(event.sources),
                confidence=fraction(event.confidence),
                pattern_ids=list(event.pattern_ids),
                enriched_at=event.occurred_at,
            ),
        )
    ]


class LearningFeedbackProjector(ReadModelProjector):
    name: ClassVar[str] = "learning_feedback"
    topics: ClassVar[tuple[str, ...]] = ("feedback.recorded",)
    tables: ClassVar[tuple[str, ...]] = ("learning_feedback",)
    accepts: ClassVar[tuple[type[Event], ...]] = (FeedbackRecorded,)
    specs: ClassVar[tuple[MergeSpec, ...]] = (FEEDBACK,)

    def rows(self, event: Event) -> Iterable[Contribution]:
        assert isinstance(event, FeedbackRecorded)
        return feedback_rows(event)


class MlModelsProjector(ReadModelProjector):
    name: ClassVar[str] = "ml_models"
    topics: ClassVar[tuple[str, ...]] = ("model.updated",)
    tables: ClassVar[tuple[str, ...]] = ("ml_models",)
    accepts: ClassVar[tuple[type[Event], ...]] = (ModelUpdated,)
    specs: ClassVar[tuple[MergeSpec, ...]] = (MODELS,)

    def rows(self, event: Event) -> Iterable[Contribution]:
        assert isinstance(event, ModelUpdated)
        return model_rows(event)


class KnowledgeProjector(ReadModelProjector):
    name: ClassVar[str] = "knowledge"
    topics: ClassVar[tuple[str, ...]] = ("knowledge.enriched",)
    tables: ClassVar[tuple[str, ...]] = ("knowledge_enrichments",)
    accepts: ClassVar[tuple[type[Event], ...]] = (KnowledgeEnriched,)
    specs: ClassVar[tuple[MergeSpec, ...]] = (KNOWLEDGE,)

    def rows(self, event: Event) -> Iterable[Contribution]:
        assert isinstance(event, KnowledgeEnriched)
        return knowledge_rows(event)
