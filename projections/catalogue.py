"""Every projector errorstream runs, by name, and the read models each one owns."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from errorstream.projections.alerts import AlertsProjector, EscalationsProjector
from errorstream.projections.analysis import ErrorAnalysisProjector
from errorstream.projections.assignments import AgentAssignmentsProjector
from errorstream.projections.configuration import (
    AlertThresholdsProjector,
    AutomationRulesProjector,
    EscalationPoliciesProjector,
)
from errorstream.projections.corrections import CorrectionsProjector
from errorstream.projections.errors import ErrorsProjector
from errorstream.projections.groups import ErrorGroupsProjector
from errorstream.projections.learning import (
    KnowledgeProjector,
    LearningFeedbackProjector,
    MlModelsProjector,
)
from errorstream.projections.operations import DeadLettersProjector, WindowSummariesProjector
from errorstream.projections.patterns import ErrorPatternsProjector
from errorstream.projections.predictions import PredictionsProjector
from errorstream.projections.runtime import Projector

_ALL: tuple[type[Projector], ...] = (
    ErrorsProjector,
    ErrorGroupsProjector,
    ErrorAnalysisProjector,
    ErrorPatternsProjector,
    AlertsProjector,
    EscalationsProjector,
    CorrectionsProjector,
    PredictionsProjector,
    AgentAssignmentsProjector,
    LearningFeedbackProjector,
    MlModelsProjector,
    KnowledgeProjector,
    AlertThresholdsProjector,
    AutomationRulesProjector,
    EscalationPoliciesProjector,
    DeadLettersProjector,
    WindowSummariesProjector,
)

PROJECTORS: dict[str, Callable[[], Projector]] = {cls.name: cls for cls in _ALL}

# Every read-model table, by the projector that owns (writes, checksums, rebuilds) it.
OWNER_OF_TABLE: dict[str, str] = {table: cls.name for cls in _ALL for table in cls.tables}


def projectors_named(names: Iterable[str] | None = None) -> list[Projector]:
    chosen = list(names) if names else sorted(PROJECTORS)
    return [PROJECTORS[name]() for name in chosen]


def read_model_tables() -> list[str]:
    """Every table a projector writes, in catalogue order."""
    return list(OWNER_OF_TABLE)
