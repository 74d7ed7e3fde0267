"""Enumerations shared by the Avro schemas and the Python models.

Symbols are exactly the requirements' (000 §2.2, §2.3, §5.2; 002 for layers and patterns).
Each Avro enum in ``schemas/common/`` declares a ``default``, so a reader that meets a symbol
added after it was built reads that default instead of failing. The default is the *safest*
existing symbol, the one under which a consumer that does not understand the new value does
the least harm; ``AVRO_DEFAULTS`` below names it and says why, and a test checks it against
the ``.avsc`` files.
"""

from enum import StrEnum


class Layer(StrEnum):
    API = "api"
    SERVICE = "service"
    CORE = "core"
    INFRASTRUCTURE = "infrastructure"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


class ErrorCategory(StrEnum):
    SYSTEM = "system"
    LOGIC = "logic"
    DATA = "data"
    EXTERNAL = "external"
    AGENT = "agent"
    USER = "user"
    PROCESS = "process"
    SECURITY = "security"
    PERFORMANCE = "performance"


class ErrorType(StrEnum):
    EXCEPTION = "exception"
    TIMEOUT = "timeout"
    VALIDATION = "validation"
    AUTHENTICATION = "authentication"
    AUTHORIZATION = "authorization"
    RESOURCE_EXHAUSTION = "resource_exhaustion"
    NETWORK = "network"
    DATABASE = "database"
    INTEGRATION = "integration"
    CONFIGURATION = "configuration"


class GroupStatus(StrEnum):
    NEW = "new"
    ONGOING = "ongoing"
    RESOLVED = "resolved"
    REGRESSED = "regressed"


class PatternType(StrEnum):
    RECURRING = "recurring"
    CASCADE = "cascade"
    BURST = "burst"
    DEGRADATION = "degradation"
    NEW_GROUP_SPIKE = "new_group_spike"


class CorrectionStrategy(StrEnum):
    IMMEDIATE_FIX = "immediate_fix"
    GRADUAL_REPAIR = "gradual_repair"
    ROLLBACK = "rollback"
    WORKAROUND = "workaround"
    ESCALATION = "escalation"
    PREVENTIVE = "preventive"


class ActionType(StrEnum):
    RESTART_SERVICE = "restart_service"
    RETRY_OPERATION = "retry_operation"
    REPAIR_DATA = "repair_data"
    UPDATE_CONFIGURATION = "update_configuration"
    APPLY_PATCH = "apply_patch"
    RETRAIN_MODEL = "retrain_model"
    ADJUST_PARAMETERS = "adjust_parameters"
    ESCALATE_HUMAN = "escalate_human"
    DEPLOY_AGENT = "deploy_agent"
    IMPLEMENT_WORKAROUND = "implement_workaround"


class AutomationLevel(StrEnum):
    FULLY_AUTOMATED = "fully_automated"
    AGENT_ASSISTED = "agent_assisted"
    HUMAN_SUPERVISED = "human_supervised"
    MANUAL_ONLY = "manual_only"


class ExecutionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    ROLLED_BACK = "rolled_back"


class ImpactLevel(StrEnum):
    MINIMAL = "minimal"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    SEVERE = "severe"
    CATASTROPHIC = "catastrophic"


class CauseCategory(StrEnum):
    TECHNICAL = "technical"
    PROCEDURAL = "procedural"
    ENVIRONMENTAL = "environmental"
    HUMAN = "human"
    EXTERNAL = "external"
    DESIGN = "design"


class ModelType(StrEnum):
    CLASSIFICATION = "classification"
    REGRESSION = "regression"
    CLUSTERING = "clustering"
    ANOMALY_DETECTION = "anomaly_detection"
    TIME_SERIES = "time_series"
    DEEP_LEARNING = "deep_learning"


class AgentRole(StrEnum):
    INVESTIGATOR = "investigator"
    RESOLVER = "resolver"
    VALIDATOR = "validator"
    ESCALATOR = "escalator"


class AssignmentStatus(StrEnum):
    """An agent assignment's lifecycle (000 §5.2 agent_assignments.status)."""

    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class FeedbackType(StrEnum):
    RESOLUTION_SUCCESS = "resolution_success"
    RESOLUTION_FAILURE = "resolution_failure"
    PREVENTION_SUCCESS = "prevention_success"
    FALSE_POSITIVE = "false_positive"
    MISSED_DETECTION = "missed_detection"


class FeedbackOutcome(StrEnum):
    SUCCESS = "success"
    PARTIAL_SUCCESS = "partial_success"
    FAILURE = "failure"
    UNKNOWN = "unknown"


class FeedbackSource(StrEnum):
    AUTOMATED = "automated"
    AGENT = "agent"
    HUMAN = "human"
    SYSTEM = "system"


class DeploymentStatus(StrEnum):
    TRAINED = "trained"
    TESTING = "testing"
    DEPLOYED = "deployed"
    DEPRECATED = "deprecated"


class DecisionSource(StrEnum):
    """Who approved or rejected a correction plan."""

    RULE = "rule"
    HUMAN = "human"
    AGENT = "agent"


class AuthorizationLevel(StrEnum):
    """Whose approval a correction plan needs before it runs (000 §5.2 authorization_level)."""

    AUTOMATIC = "automatic"
    OPERATOR = "operator"
    SERVICE_OWNER = "service_owner"
    ADMINISTRATOR = "administrator"


class FailureHandling(StrEnum):
    """What an executor does when a step of a plan fails for good."""

    ABORT = "abort"
    CONTINUE = "continue"
    ROLLBACK = "rollback"
    ESCALATE = "escalate"


# The Avro `default` of each enum, and why it is the safe reading of an unknown symbol.
AVRO_DEFAULTS: dict[type[StrEnum], tuple[StrEnum, str]] = {
    Layer: (Layer.SERVICE, "the layer most errors come from; no layer-specific escalation"),
    Severity: (Severity.MEDIUM, "the middle of the scale: neither pages anyone nor is dropped"),
    ErrorCategory: (ErrorCategory.SYSTEM, "the catch-all category"),
    ErrorType: (ErrorType.EXCEPTION, "the catch-all type"),
    GroupStatus: (GroupStatus.ONGOING, "no regression or resolution is inferred"),
    PatternType: (PatternType.RECURRING, "the weakest claim a detector makes"),
    CorrectionStrategy: (CorrectionStrategy.ESCALATION, "an unknown strategy goes to people"),
    ActionType: (ActionType.ESCALATE_HUMAN, "an unknown action is never executed, only escalated"),
    AutomationLevel: (AutomationLevel.MANUAL_ONLY, "nothing unknown runs without a person"),
    ExecutionStatus: (ExecutionStatus.FAILED, "an unknown outcome never counts as success"),
    ImpactLevel: (ImpactLevel.MODERATE, "the middle of the scale, as Severity's medium"),
    CauseCategory: (CauseCategory.TECHNICAL, "the catch-all cause"),
    ModelType: (ModelType.CLASSIFICATION, "descriptive only; no consumer acts on the type"),
    AgentRole: (AgentRole.INVESTIGATOR, "the read-only role: an unknown role changes nothing"),
    AssignmentStatus: (AssignmentStatus.FAILED, "an unknown outcome never counts as success"),
    FeedbackType: (
        FeedbackType.RESOLUTION_FAILURE,
        "an unknown kind of feedback never teaches a model that something worked",
    ),
    FeedbackOutcome: (FeedbackOutcome.UNKNOWN, "it is unknown"),
    FeedbackSource: (FeedbackSource.AUTOMATED, "the least trusted source"),
    DeploymentStatus: (DeploymentStatus.TRAINED, "a model of unknown status is not served"),
    DecisionSource: (
        DecisionSource.AGENT,
        "never mistaken for a human decision (gates that need a person stay closed)",
    ),
    AuthorizationLevel: (
        AuthorizationLevel.ADMINISTRATOR,
        "an unknown level needs the highest authority",
    ),
    FailureHandling: (FailureHandling.ABORT, "stop; do nothing further that is not understood"),
}
