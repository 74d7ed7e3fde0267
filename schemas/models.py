"""Python models of the events: one pydantic model per `.avsc`, checked against it by tests.

Field names, optionality, defaults and types mirror the Avro schemas exactly (see
`catalogue.model_mismatches`, run by tests/unit/test_schema_models.py and `errorstream schemas
check`, which compares them both ways). Models are frozen: events are immutable facts.

Arrays are tuples, maps and JSON objects are dicts, `timestamp-millis` fields are aware UTC
datetimes cut to the millisecond (exactly what the wire keeps), `uuid` fields are UUIDs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from errorstream.schemas.enums import (
    ActionType,
    AgentRole,
    AssignmentStatus,
    AuthorizationLevel,
    AutomationLevel,
    CauseCategory,
    CorrectionStrategy,
    DecisionSource,
    DeploymentStatus,
    ErrorCategory,
    ErrorType,
    ExecutionStatus,
    FailureHandling,
    FeedbackOutcome,
    FeedbackSource,
    FeedbackType,
    GroupStatus,
    ImpactLevel,
    Layer,
    ModelType,
    PatternType,
    Severity,
)

# Namespace of every derived event id: uuid5(ID_NAMESPACE, f"{causation_id}:{step}").
ID_NAMESPACE = uuid.UUID("6f1c9a52-3c1e-5b7e-9d0a-e77025f7ea11")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


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
    """Milliseconds since the epoch, exactly (no float rounding), as Avro writes them."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // _MILLISECOND


def from_epoch_millis(millis: int) -> datetime:
    return EPOCH + timedelta(milliseconds=millis)


# Avro `int` and `long`: a model refuses what the wire cannot hold (fastavro would write a
# too-large `int` that other readers reject).
Int = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
Long = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
# A `timestamp-millis` field.
Millis = Annotated[datetime, AfterValidator(to_millis_precision)]
# A probability, confidence, likelihood or score on the requirements' 0..1 scale.
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
# How an alert or threshold compares a value with its threshold (000 §5.2).
Comparison = Literal[">", ">=", "<", "<=", "=", "!="]

# Marks a model default that only the Python side has (the wire field is required).
WIRE_REQUIRED: dict[str, Any] = {"wire_required": True}


class AvroRecord(BaseModel):
    """A model that mirrors one Avro record."""

    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())
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
    lineno: Int | None = None
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
    count: Annotated[int, Field(ge=1, le=2**31 - 1)] = 1
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
    """The envelope every event carries.

    Subclasses that set ``AVRO_NAME`` join ``Event.registry`` (event type → model), which the
    codecs use to decode; ``class X(Event, register=False)`` keeps a model out of it.
    """

    registry: ClassVar[dict[str, type[Event]]] = {}

    event_id: uuid.UUID
    event_type: str
    schema_version: Int = 1
    occurred_at: Millis
    recorded_at: Millis = Field(default_factory=utc_now, json_schema_extra=WIRE_REQUIRED)
    source: EventSource
    correlation_id: str | None = None
    causation_id: str | None = None

    def __init_subclass__(cls, register: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if register and "AVRO_NAME" in cls.__dict__:
            Event.registry[cls.AVRO_NAME.rsplit(".", 1)[-1]] = cls

    @property
    def partition_key(self) -> bytes:
        """Kafka key: the source service, so one service's state lives on one partition."""
        return self.source.service.encode()


# -- errors -----------------------------------------------------------------------------------
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
    confidence: Fraction
    evidence: tuple[Evidence, ...] = ()
    retryable: bool = False
    group_id: str
    grouping_method: str
    template: str | None = None
    group_status: GroupStatus = GroupStatus.ONGOING
    regression: bool = False
    is_recurring: bool = False
    occurrences: Long = 1
    first_seen: Millis
    last_seen: Millis
    late: bool = False


class DeadLettered(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.DeadLettered"

    event_type: Literal["DeadLettered"] = "DeadLettered"
    stage: str
    reason_code: str
    reason: str
    original_topic: str
    original_partition: Int
    original_offset: Long
    original_timestamp: Millis | None = None
    original_key: bytes | None = None
    original_value: bytes | None = None

    @property
    def partition_key(self) -> bytes:
        """The original message's key, so a dead letter sits beside its neighbours."""
        return self.original_key if self.original_key is not None else super().partition_key


# -- detection --------------------------------------------------------------------------------
class PatternDetected(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.PatternDetected"

    event_type: Literal["PatternDetected"] = "PatternDetected"
    pattern_id: uuid.UUID
    pattern_type: PatternType = PatternType.RECURRING
    service: str | None = None
    layer: Layer | None = None
    services: tuple[str, ...] = ()
    affected_layers: tuple[Layer, ...] = ()
    error_ids: tuple[uuid.UUID, ...] = ()
    group_ids: tuple[str, ...] = ()
    window_start: Millis
    window_end: Millis
    occurrence_count: Int
    frequency_per_minute: float
    confidence: Fraction
    risk_level: Severity
    description: str
    recommendations: tuple[str, ...] = ()


class AlertRaised(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.AlertRaised"

    event_type: Literal["AlertRaised"] = "AlertRaised"
    alert_id: uuid.UUID
    rule: str
    key: str
    service: str | None = None
    layer: Layer | None = None
    severity: Severity
    summary: str
    value: float
    threshold: float
    comparison: Comparison
    window_start: Millis
    window_end: Millis
    starts_at: Millis
    labels: dict[str, str] = Field(default_factory=dict)
    group_ids: tuple[str, ...] = ()
    sample_error_ids: tuple[str, ...] = ()
    pattern_id: uuid.UUID | None = None


class AlertResolved(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.AlertResolved"

    event_type: Literal["AlertResolved"] = "AlertResolved"
    alert_id: uuid.UUID
    rule: str
    key: str
    service: str | None = None
    layer: Layer | None = None
    starts_at: Millis
    resolved_at: Millis
    duration_ms: Long
    value: float
    threshold: float
    reason: str


class EscalationRaised(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.EscalationRaised"

    event_type: Literal["EscalationRaised"] = "EscalationRaised"
    escalation_id: uuid.UUID
    policy_id: str
    level: Int
    channel: str
    recipients: tuple[str, ...] = ()
    reason: str
    severity: Severity
    service: str | None = None
    layer: Layer | None = None
    key: str
    alert_id: uuid.UUID | None = None
    pattern_id: uuid.UUID | None = None
    error_ids: tuple[str, ...] = ()


class WindowSummarized(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.WindowSummarized"

    event_type: Literal["WindowSummarized"] = "WindowSummarized"
    service: str
    window_start: Millis
    window_end: Millis
    window_ms: Long
    error_count: Long
    counts_by_layer: dict[str, Long] = Field(default_factory=dict)
    first_seen_by_layer: dict[str, Long] = Field(default_factory=dict)
    sample_error_ids_by_layer: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    new_groups: Int = 0
    severity_score: float = 0.0
    partition: Int | None = None
    partition_closed: bool = False

    @property
    def partition_key(self) -> bytes:
        """The window start: one window's summaries of every service meet on one partition."""
        return str(epoch_millis(self.window_start)).encode()


# -- configuration ----------------------------------------------------------------------------
class ThresholdConfigured(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.ThresholdConfigured"

    event_type: Literal["ThresholdConfigured"] = "ThresholdConfigured"
    threshold_id: str
    scope: str
    metric: str
    threshold_value: float
    comparison_operator: Comparison
    severity: Severity
    notification_channels: tuple[str, ...] = ()
    is_active: bool = True
    created_by: str | None = None
    max_errors_per_minute: Int | None = None
    escalation_threshold: Int | None = None
    severity_weights: dict[str, float] = Field(default_factory=dict)
    automatic_recovery: bool | None = None

    @property
    def partition_key(self) -> bytes:
        """The threshold id: the compacted topic keeps the latest version of each threshold."""
        return self.threshold_id.encode()


class AutomationRuleConfigured(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.AutomationRuleConfigured"

    event_type: Literal["AutomationRuleConfigured"] = "AutomationRuleConfigured"
    rule_id: str
    name: str
    description: str = ""
    conditions: dict[str, Any] = Field(default_factory=dict)
    actions: dict[str, Any] = Field(default_factory=dict)
    automation_level: AutomationLevel
    risk_threshold: Fraction
    approval_required: bool = False
    max_executions_per_hour: Int = 10
    is_active: bool = True
    created_by: str | None = None

    @property
    def partition_key(self) -> bytes:
        return self.rule_id.encode()


class EscalationLevel(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.EscalationLevel"

    level: Int
    after_ms: Long
    channel: str
    recipients: tuple[str, ...] = ()


class EscalationPolicyConfigured(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.EscalationPolicyConfigured"

    event_type: Literal["EscalationPolicyConfigured"] = "EscalationPolicyConfigured"
    policy_id: str
    name: str
    scope: str
    min_severity: Severity
    levels: tuple[EscalationLevel, ...] = ()
    repeat_interval_ms: Long
    is_active: bool = True
    created_by: str | None = None

    @property
    def partition_key(self) -> bytes:
        return self.policy_id.encode()


# -- analysis ---------------------------------------------------------------------------------
class CauseAnalysis(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.CauseAnalysis"

    cause_id: str
    description: str
    category: CauseCategory
    likelihood: Fraction
    evidence_strength: Fraction
    supporting_evidence: tuple[str, ...] = ()
    mitigation_options: tuple[str, ...] = ()


class CausalLink(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.CausalLink"

    position: Int
    description: str
    service: str | None = None
    layer: Layer | None = None
    group_id: str | None = None
    error_id: uuid.UUID | None = None
    occurred_at: Millis | None = None


class Hypothesis(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.Hypothesis"

    hypothesis_id: str
    rank: Int
    description: str
    category: CauseCategory
    likelihood: Fraction
    supporting_evidence: tuple[str, ...] = ()
    contradicting_evidence: tuple[str, ...] = ()


class RootCauseAnalysis(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.RootCauseAnalysis"

    primary_cause: CauseAnalysis
    contributing_factors: tuple[CauseAnalysis, ...] = ()
    causal_chain: tuple[CausalLink, ...] = ()
    hypotheses: tuple[Hypothesis, ...] = ()
    confidence: Fraction


class AffectedSystem(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.AffectedSystem"

    name: str
    layer: Layer | None = None
    impact: ImpactLevel
    description: str = ""


class CascadingEffect(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.CascadingEffect"

    from_system: str
    to_system: str
    description: str = ""
    probability: Fraction


class RecoveryEstimate(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.RecoveryEstimate"

    expected_ms: Long
    min_ms: Long
    max_ms: Long
    confidence: Fraction


class ImpactAssessment(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.ImpactAssessment"

    overall_impact: ImpactLevel
    affected_systems: tuple[AffectedSystem, ...] = ()
    business_impact: str | None = None
    user_impact: str | None = None
    cascading_effects: tuple[CascadingEffect, ...] = ()
    recovery_estimate: RecoveryEstimate


class SimilarError(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.SimilarError"

    group_id: str
    error_id: uuid.UUID | None = None
    similarity: Fraction
    occurrences: Long = 1
    last_seen: Millis | None = None
    resolution: str | None = None


class PatternMatch(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.PatternMatch"

    pattern_id: uuid.UUID
    pattern_type: PatternType
    similarity: Fraction
    description: str = ""


class ResolutionHistory(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.ResolutionHistory"

    plan_id: uuid.UUID | None = None
    strategy: CorrectionStrategy
    action_types: tuple[ActionType, ...] = ()
    times_applied: Int
    success_rate: Fraction
    mean_time_to_resolve_ms: Long | None = None


class HistoricalCorrelation(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.HistoricalCorrelation"

    similar_errors: tuple[SimilarError, ...] = ()
    pattern_matches: tuple[PatternMatch, ...] = ()
    successful_resolutions: tuple[ResolutionHistory, ...] = ()
    learning_insights: tuple[str, ...] = ()


class RecommendedAction(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.RecommendedAction"

    action_type: ActionType
    description: str
    priority: Int
    automation_level: AutomationLevel
    expected_effectiveness: Fraction


class AnalysisCompleted(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.AnalysisCompleted"

    event_type: Literal["AnalysisCompleted"] = "AnalysisCompleted"
    analysis_id: uuid.UUID
    error_id: uuid.UUID
    group_id: str | None = None
    pattern_id: uuid.UUID | None = None
    root_cause: RootCauseAnalysis
    impact: ImpactAssessment
    historical: HistoricalCorrelation
    recommended_actions: tuple[RecommendedAction, ...] = ()
    predictive_insights: tuple[str, ...] = ()
    correction_required: bool = False
    confidence: Fraction
    analysis_method: str
    analysis_duration_ms: Long | None = None


class ErrorPrediction(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.ErrorPrediction"

    service: str
    layer: Layer | None = None
    category: ErrorCategory | None = None
    type: ErrorType | None = None
    group_id: str | None = None
    probability: Fraction
    horizon_ms: Long
    expected_severity: Severity | None = None
    description: str = ""


class PredictionGenerated(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.PredictionGenerated"

    event_type: Literal["PredictionGenerated"] = "PredictionGenerated"
    prediction_id: uuid.UUID
    predicted_errors: tuple[ErrorPrediction, ...] = ()
    confidence: Fraction
    timeframe: str
    preventive_actions: tuple[str, ...] = ()
    model_id: str
    model_version: Int
    features_used: tuple[str, ...] = ()


# -- correction -------------------------------------------------------------------------------
class ActionTarget(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.ActionTarget"

    kind: str
    name: str
    service: str | None = None
    layer: Layer | None = None


class VerificationCriteria(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.VerificationCriteria"

    description: str = ""
    checks: tuple[str, ...] = ()
    timeout_ms: Long = 60000


class RollbackAction(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.RollbackAction"

    type: ActionType
    description: str
    parameters: dict[str, Any] = Field(default_factory=dict)


class CorrectionAction(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.CorrectionAction"

    action_id: str
    type: ActionType
    description: str
    target: ActionTarget
    parameters: dict[str, Any] = Field(default_factory=dict)
    automation_level: AutomationLevel
    agent_id: str | None = None
    verification: VerificationCriteria
    rollback_action: RollbackAction | None = None


class RetryPolicy(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.RetryPolicy"

    max_attempts: Int = 1
    backoff_ms: Long = 1000
    backoff_multiplier: float = 2.0


class ExecutionStep(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.ExecutionStep"

    step_id: str
    action_id: str
    dependencies: tuple[str, ...] = ()
    parallel: bool = False
    timeout_ms: Long
    retry_policy: RetryPolicy
    failure_handling: FailureHandling = FailureHandling.ABORT


class RiskAssessment(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.RiskAssessment"

    risk_score: Fraction
    risk_level: Severity
    blast_radius: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    mitigations: tuple[str, ...] = ()


class RollbackPlan(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.RollbackPlan"

    description: str = ""
    action_ids: tuple[str, ...] = ()
    automatic: bool = False
    triggers: tuple[str, ...] = ()


class Authorization(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.Authorization"

    required_level: AuthorizationLevel
    approvers: tuple[str, ...] = ()
    approval_required: bool


class CorrectionPlanned(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.CorrectionPlanned"

    event_type: Literal["CorrectionPlanned"] = "CorrectionPlanned"
    plan_id: uuid.UUID
    error_id: uuid.UUID
    group_id: str | None = None
    analysis_id: uuid.UUID | None = None
    strategy: CorrectionStrategy
    automation_level: AutomationLevel
    actions: tuple[CorrectionAction, ...] = ()
    execution_order: tuple[ExecutionStep, ...] = ()
    prerequisites: tuple[str, ...] = ()
    risk_assessment: RiskAssessment
    rollback_plan: RollbackPlan
    authorization: Authorization
    estimated_duration_ms: Long
    confidence: Fraction


class CorrectionApproved(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.CorrectionApproved"

    event_type: Literal["CorrectionApproved"] = "CorrectionApproved"
    plan_id: uuid.UUID
    error_id: uuid.UUID | None = None
    decided_by: str
    decision_source: DecisionSource
    reason: str
    automation_rule_id: str | None = None


class CorrectionRejected(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.CorrectionRejected"

    event_type: Literal["CorrectionRejected"] = "CorrectionRejected"
    plan_id: uuid.UUID
    error_id: uuid.UUID | None = None
    decided_by: str
    decision_source: DecisionSource
    reason: str
    automation_rule_id: str | None = None


class CorrectionStarted(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.CorrectionStarted"

    event_type: Literal["CorrectionStarted"] = "CorrectionStarted"
    execution_id: uuid.UUID
    plan_id: uuid.UUID
    error_id: uuid.UUID | None = None
    actions: tuple[str, ...] = ()
    assigned_agents: tuple[str, ...] = ()
    executed_by: str | None = None


class ActionResult(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.ActionResult"

    action_id: str
    status: ExecutionStatus
    attempts: Int = 1
    duration_ms: Long
    output: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class ValidationCheck(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.ValidationCheck"

    name: str
    passed: bool
    detail: str = ""


class Validation(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.Validation"

    passed: bool
    checks: tuple[ValidationCheck, ...] = ()


class CorrectionMetrics(AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.CorrectionMetrics"

    duration_ms: Long
    errors_before: Long
    errors_after: Long


class CorrectionCompleted(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.CorrectionCompleted"

    event_type: Literal["CorrectionCompleted"] = "CorrectionCompleted"
    execution_id: uuid.UUID
    plan_id: uuid.UUID
    error_id: uuid.UUID | None = None
    status: ExecutionStatus
    started_at: Millis | None = None
    results: tuple[ActionResult, ...] = ()
    validation: Validation
    side_effects: tuple[str, ...] = ()
    metrics: CorrectionMetrics
    lessons_learned: tuple[str, ...] = ()
    rolled_back: bool = False


# -- learning ---------------------------------------------------------------------------------
class FeedbackRecorded(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.FeedbackRecorded"

    event_type: Literal["FeedbackRecorded"] = "FeedbackRecorded"
    feedback_id: uuid.UUID
    error_id: uuid.UUID | None = None
    group_id: str | None = None
    correction_execution_id: uuid.UUID | None = None
    feedback_type: FeedbackType
    outcome: FeedbackOutcome = FeedbackOutcome.UNKNOWN
    effectiveness_score: Fraction | None = None
    lessons_learned: tuple[str, ...] = ()
    improvement_suggestions: tuple[str, ...] = ()
    feedback_source: FeedbackSource
    source_id: str | None = None
    corrected_category: ErrorCategory | None = None
    corrected_type: ErrorType | None = None
    corrected_severity: Severity | None = None
    corrected_layer: Layer | None = None


class ModelUpdated(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.ModelUpdated"

    event_type: Literal["ModelUpdated"] = "ModelUpdated"
    model_id: str
    model_type: ModelType
    version: Int
    description: str | None = None
    accuracy: Fraction | None = None
    precision: Fraction | None = None
    recall: Fraction | None = None
    f1: Fraction | None = None
    metrics: dict[str, float] = Field(default_factory=dict)
    training_data_size: Long
    features: tuple[str, ...] = ()
    improvements: tuple[str, ...] = ()
    deployment_status: DeploymentStatus = DeploymentStatus.TRAINED
    snapshot: bytes | None = None
    snapshot_sha256: str | None = None
    seed: Long

    @property
    def partition_key(self) -> bytes:
        """The model id: every version of one model in order on one partition."""
        return self.model_id.encode()


class AgentAssigned(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.AgentAssigned"

    event_type: Literal["AgentAssigned"] = "AgentAssigned"
    assignment_id: uuid.UUID
    error_id: uuid.UUID
    group_id: str | None = None
    agent_id: str
    role: AgentRole
    capabilities: tuple[str, ...] = ()
    reason: str


class AgentResolutionCompleted(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.AgentResolutionCompleted"

    event_type: Literal["AgentResolutionCompleted"] = "AgentResolutionCompleted"
    assignment_id: uuid.UUID
    error_id: uuid.UUID
    agent_id: str
    resolution: str
    effectiveness: Fraction
    time_to_resolve_ms: Long
    status: AssignmentStatus


class KnowledgeEnriched(Event):
    AVRO_NAME: ClassVar[str] = "errorstream.KnowledgeEnriched"

    event_type: Literal["KnowledgeEnriched"] = "KnowledgeEnriched"
    knowledge_type: str
    updates: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    confidence: Fraction
    pattern_ids: tuple[str, ...] = ()


def event_model(event_type: str) -> type[Event]:
    return Event.registry[event_type]
