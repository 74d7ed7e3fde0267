"""The topic catalogue: every topic errorstream reads or writes, in one place.

`errorstream topics create` creates them from here with their partitions, replication and
retention. Event topics keep everything (the log is the source of truth; read models and agent
state are rebuilt from it); configuration topics are compacted (the latest value per key wins).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from errorstream.config import Settings

KEEP_FOREVER = -1


@dataclass(frozen=True)
class TopicSpec:
    name: str
    description: str
    events: tuple[str, ...]
    key: str = "source service"
    compacted: bool = False
    partitions: int | None = None  # None: the settings' topic_partitions
    retention_ms: int = KEEP_FOREVER
    inbound: bool = False  # written by other systems in their own JSON/Avro shapes
    extra_config: tuple[tuple[str, str], ...] = field(default=())

    def config(self) -> dict[str, str]:
        config = {
            "cleanup.policy": "compact" if self.compacted else "delete",
            "retention.ms": str(self.retention_ms),
            "max.message.bytes": "4194304",
        }
        if self.compacted:
            config["min.cleanable.dirty.ratio"] = "0.1"
            config["segment.ms"] = str(6 * 3600 * 1000)
        config.update(dict(self.extra_config))
        return config

    def partition_count(self, settings: Settings) -> int:
        return self.partitions or settings.topic_partitions


def _event(name: str, description: str, *events: str, key: str = "source service") -> TopicSpec:
    return TopicSpec(name=name, description=description, events=events, key=key)


def _config(name: str, description: str, event: str, key: str) -> TopicSpec:
    return TopicSpec(
        name=name, description=description, events=(event,), key=key, compacted=True, partitions=1
    )


def _inbound(name: str, description: str) -> TopicSpec:
    return TopicSpec(
        name=name,
        description=description,
        events=(),
        key="producer's choice",
        inbound=True,
        retention_ms=7 * 24 * 3600 * 1000,
    )


ERROR_DETECTED = "error.detected"
ERROR_CLASSIFIED = "error.classified"
ERROR_DEADLETTER = "error.deadletter"

# Inbound subscriptions of requirement 000 §4.2, mapped by streams/adapters.py.
INBOUND_ERROR_TOPICS = (
    "service.failed",
    "workflow.error",
    "task.failed",
    "agent.error",
    "system.anomaly",
    "performance.degradation",
    "model.failure",
    "simulation.error",
)
INBOUND_FEEDBACK_TOPIC = "agent.feedback"

CATALOGUE: tuple[TopicSpec, ...] = (
    _event(ERROR_DETECTED, "Errors as services report them (raw, unvalidated).", "ErrorDetected"),
    _event(
        ERROR_CLASSIFIED, "Validated, redacted, classified and grouped errors.", "ErrorClassified"
    ),
    _event(
        ERROR_DEADLETTER,
        "Messages errorstream could not process: reason and original bytes.",
        "DeadLettered",
        key="original key",
    ),
    _event("pattern.detected", "Recurring, cascade, burst, degradation, spike.", "PatternDetected"),
    _event("alert.raised", "An alert rule started firing for a key.", "AlertRaised"),
    _event("alert.resolved", "A firing alert cleared.", "AlertResolved"),
    _event(
        "escalation.raised", "An escalation policy routed a problem to people.", "EscalationRaised"
    ),
    _event(
        "analysis.completed",
        "Root cause, impact and history of an error group.",
        "AnalysisCompleted",
    ),
    _event("prediction.generated", "A failure predicted before it happens.", "PredictionGenerated"),
    _event("correction.planned", "A correction plan awaiting its gate.", "CorrectionPlanned"),
    _event(
        "correction.approved", "A plan approved (by rule or by a person).", "CorrectionApproved"
    ),
    _event("correction.rejected", "A plan rejected.", "CorrectionRejected"),
    _event("correction.started", "An executor began a correction.", "CorrectionStarted"),
    _event("correction.completed", "A correction's outcome and validation.", "CorrectionCompleted"),
    _event("feedback.recorded", "Outcome and operator feedback to learn from.", "FeedbackRecorded"),
    _event("model.updated", "A new version of an online model.", "ModelUpdated", key="model id"),
    _event("agent.assigned", "An agent assigned to an error.", "AgentAssigned"),
    _event("agent.resolution.completed", "An agent finished its work.", "AgentResolutionCompleted"),
    _event("knowledge.enriched", "The knowledge base learned something.", "KnowledgeEnriched"),
    TopicSpec(
        name="window.summarized",
        description="Per service and window counts; one partition, where every service meets.",
        events=("WindowSummarized",),
        key="window start",
        partitions=1,
    ),
    _config(
        "threshold.configured",
        "Alert thresholds (compacted).",
        "ThresholdConfigured",
        "threshold id",
    ),
    _config(
        "automation-rule.configured",
        "Automation rules (compacted).",
        "AutomationRuleConfigured",
        "rule id",
    ),
    _config(
        "escalation-policy.configured",
        "Escalation policies (compacted).",
        "EscalationPolicyConfigured",
        "policy id",
    ),
    *(
        _inbound(name, f"Inbound {name} events, mapped into error.detected.")
        for name in INBOUND_ERROR_TOPICS
    ),
    _inbound(INBOUND_FEEDBACK_TOPIC, "Inbound agent feedback, mapped into feedback.recorded."),
)

BY_NAME: dict[str, TopicSpec] = {spec.name: spec for spec in CATALOGUE}


def spec(name: str) -> TopicSpec:
    return BY_NAME[name]


TOPIC_OF_EVENT: dict[str, str] = {}
for _spec in CATALOGUE:
    for _event_type in _spec.events:
        TOPIC_OF_EVENT.setdefault(_event_type, _spec.name)


def topic_for(event_type: str) -> str:
    """The catalogue topic an event type is published on."""
    return TOPIC_OF_EVENT[event_type]
