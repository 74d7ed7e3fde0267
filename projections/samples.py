"""A deterministic stream of every event type a running errorstream emits, with its topics.

For tests, benchmarks and demos of the read side: errors from `errorstream.workload`, and
around them what the agents would derive — classifications with group state, window summaries,
patterns, alerts (with repeats and resolutions), escalations, analyses, correction plans with
their decisions and executions, feedback, agent assignments, predictions, model versions,
knowledge, and configuration with several versions per id. Ids are derived from the seed, so
two runs give byte-identical events. Some events are delivered twice (as at-least-once
producers do), and some entities' later events are published before their earlier ones
(an alert resolved before raised), so order-independence is exercised.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

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
from errorstream.schemas.models import (
    ActionResult,
    ActionTarget,
    AgentAssigned,
    AgentResolutionCompleted,
    AlertRaised,
    AlertResolved,
    AnalysisCompleted,
    Authorization,
    AutomationRuleConfigured,
    CauseAnalysis,
    CorrectionAction,
    CorrectionApproved,
    CorrectionCompleted,
    CorrectionMetrics,
    CorrectionPlanned,
    CorrectionRejected,
    CorrectionStarted,
    ErrorClassified,
    ErrorDetected,
    ErrorPrediction,
    EscalationLevel,
    EscalationPolicyConfigured,
    EscalationRaised,
    Event,
    EventSource,
    ExecutionStep,
    FeedbackRecorded,
    HistoricalCorrelation,
    ImpactAssessment,
    KnowledgeEnriched,
    ModelUpdated,
    PatternDetected,
    PredictionGenerated,
    RecommendedAction,
    RecoveryEstimate,
    RetryPolicy,
    RiskAssessment,
    RollbackPlan,
    RootCauseAnalysis,
    ThresholdConfigured,
    Validation,
    ValidationCheck,
    VerificationCriteria,
    WindowSummarized,
    derived_id,
    epoch_millis,
)
from errorstream.streams.topics import ERROR_CLASSIFIED, ERROR_DETECTED, topic_for
from errorstream.workload import WorkloadSpec, generate

_NAMESPACE = uuid.UUID("0b6f3f0e-61a4-5c1e-8f57-3d1bbf4a3c2e")
_MINUTE = timedelta(minutes=1)
_ALERT_SPAN = timedelta(minutes=10)
_REGRESSION_GAP = timedelta(minutes=20)


@dataclass(frozen=True)
class SampleSpec:
    seed: int = 11
    errors: int = 400
    duration: timedelta = timedelta(hours=1)
    duplicate_every: int = 37  # every Nth event is delivered twice (0: never)
    analyse_after: int = 3  # occurrences of a group before it is analysed
    alert_threshold: int = 6  # errors of one service in 10 minutes that raise an alert


@dataclass
class _Group:
    group_id: str
    service: str
    first_seen: datetime
    last_seen: datetime
    occurrences: int = 0
    error_ids: list[uuid.UUID] = field(default_factory=list)


def _id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, ":".join(str(p) for p in parts))


def _pick(values: tuple[str, ...] | list[str], *key: object) -> str:
    digest = hashlib.blake2b(":".join(map(str, key)).encode(), digest_size=4).digest()
    return values[int.from_bytes(digest, "big") % len(values)]


def sample_events(spec: SampleSpec | None = None) -> Iterator[tuple[str, Event]]:
    """(catalogue topic, event) pairs, deterministic for the spec."""
    spec = spec or SampleSpec()
    for emitted, (topic, event) in enumerate(_events(spec), start=1):
        yield topic, event
        if spec.duplicate_every and emitted % spec.duplicate_every == 0:
            yield topic, event  # redelivered: same id, same bytes


def _events(spec: SampleSpec) -> Iterator[tuple[str, Event]]:
    rng = random.Random(spec.seed)
    yield from _configuration(spec)
    groups: dict[str, _Group] = {}
    windows: dict[tuple[str, datetime], list[ErrorClassified]] = defaultdict(list)
    spans: dict[tuple[str, datetime], list[ErrorClassified]] = defaultdict(list)
    detected = list(
        generate(WorkloadSpec(seed=spec.seed, errors=spec.errors, duration=spec.duration))
    )
    for index, event in enumerate(detected):
        yield ERROR_DETECTED, event
        classified = _classify(event, groups, rng)
        yield ERROR_CLASSIFIED, classified
        group = groups[classified.group_id]
        start = event.occurred_at.replace(second=0, microsecond=0)
        windows[(event.source.service, start)].append(classified)
        span = start - timedelta(minutes=start.minute % 10)
        spans[(event.source.service, span)].append(classified)
        if group.occurrences == spec.analyse_after:
            yield from _pattern(classified, group)
            yield from _analysis_and_correction(spec, classified, group, rng)
        if index % 97 == 0:
            yield from _assignment(classified, index)
        if index % 211 == 0:
            yield from _model(spec, index, classified.occurred_at)
    yield from _windows(windows)
    last_span = max((span for _service, span in spans), default=None)
    for (service, span), members in sorted(
        spans.items(), key=lambda item: (item[0][1], item[0][0])
    ):
        if len(members) >= spec.alert_threshold:
            yield from _alert(service, span, members, still_firing=span == last_span)
    yield from _predictions(spec, detected)


# -- errors ---------------------------------------------------------------------------------
def _classify(
    event: ErrorDetected, groups: dict[str, _Group], rng: random.Random
) -> ErrorClassified:
    service = event.source.service
    key = f"{service}:{event.error.exception_type}:{event.error.error_code}"
    group_id = hashlib.blake2b(key.encode(), digest_size=8).hexdigest()
    group = groups.get(group_id)
    regression = False
    if group is None:
        group = groups[group_id] = _Group(group_id, service, event.occurred_at, event.occurred_at)
        status = GroupStatus.NEW
    elif event.occurred_at - group.last_seen > _REGRESSION_GAP:
        status, regression = GroupStatus.REGRESSED, True
    else:
        status = GroupStatus.ONGOING
    group.occurrences += event.error.count
    group.last_seen = max(group.last_seen, event.occurred_at)
    group.error_ids.append(event.event_id)
    category = ErrorCategory(_pick([c.value for c in ErrorCategory], key, "category"))
    type_ = ErrorType(_pick([t.value for t in ErrorType], key, "type"))
    severity = event.error.severity or Severity.MEDIUM
    return ErrorClassified(
        event_id=derived_id(event.event_id, "classified"),
        occurred_at=event.occurred_at,
        recorded_at=event.recorded_at,
        source=event.source,
        correlation_id=str(event.event_id),
        causation_id=str(event.event_id),
        error_id=event.event_id,
        error=event.error,
        category=category,
        type=type_,
        severity=severity,
        computed_severity=severity,
        layer=event.source.layer,
        confidence=round(rng.uniform(0.4, 0.99), 6),
        group_id=group_id,
        grouping_method="template" if rng.random() < 0.7 else "stack",
        template=f"{event.error.exception_type}: <*> ({event.error.error_code})",
        group_status=status,
        regression=regression,
        is_recurring=group.occurrences >= 3,
        occurrences=group.occurrences,
        first_seen=group.first_seen,
        last_seen=group.last_seen,
    )


def _windows(
    windows: dict[tuple[str, datetime], list[ErrorClassified]],
) -> Iterator[tuple[str, Event]]:
    for (service, start), members in sorted(
        windows.items(), key=lambda item: (item[0][1], item[0][0])
    ):
        counts: dict[str, int] = defaultdict(int)
        first: dict[str, int] = {}
        samples: dict[str, list[str]] = defaultdict(list)
        for member in members:
            layer = member.layer.value
            counts[layer] += 1
            first[layer] = min(first.get(layer, 2**62), epoch_millis(member.occurred_at))
            if len(samples[layer]) < 3:
                samples[layer].append(str(member.error_id))
        window_id = _id("window", service, start.isoformat())
        yield (
            "window.summarized",
            WindowSummarized(
                event_id=derived_id(window_id, "window.summarized"),
                occurred_at=start + _MINUTE,
                recorded_at=start + _MINUTE,
                source=EventSource(service=service),
                service=service,
                window_start=start,
                window_end=start + _MINUTE,
                window_ms=60_000,
                error_count=len(members),
                counts_by_layer=dict(counts),
                first_seen_by_layer=first,
                sample_error_ids_by_layer={k: tuple(v) for k, v in samples.items()},
                new_groups=sum(1 for m in members if m.group_status is GroupStatus.NEW),
                severity_score=float(sum(m.severity.rank + 1 for m in members)),
            ),
        )


def _pattern(classified: ErrorClassified, group: _Group) -> Iterator[tuple[str, Event]]:
    pattern_id = _id("pattern", group.group_id)
    yield (
        "pattern.detected",
        PatternDetected(
            event_id=derived_id(pattern_id, "pattern.detected"),
            occurred_at=classified.occurred_at,
            recorded_at=classified.recorded_at,
            source=classified.source,
            correlation_id=str(pattern_id),
            causation_id=str(classified.event_id),
            pattern_id=pattern_id,
            pattern_type=PatternType.RECURRING,
            service=group.service,
            layer=classified.layer,
            services=(group.service,),
            affected_layers=(classified.layer,),
            error_ids=tuple(group.error_ids[-3:]),
            group_ids=(group.group_id,),
            window_start=group.first_seen,
            window_end=classified.occurred_at,
            occurrence_count=group.occurrences,
            frequency_per_minute=round(
                group.occurrences
                / max(1.0, (classified.occurred_at - group.first_seen).total_seconds() / 60),
                4,
            ),
            confidence=0.8,
            risk_level=classified.severity,
            description=f"{group.occurrences} errors of one kind in {group.service}",
            recommendations=("inspect the recent deploy", "check the dependency's health"),
        ),
    )


# -- analysis and correction ------------------------------------------------------------------
def _analysis_and_correction(
    spec: SampleSpec, classified: ErrorClassified, group: _Group, rng: random.Random
) -> Iterator[tuple[str, Event]]:
    at = classified.occurred_at
    source = classified.source
    analysis_id = _id("analysis", group.group_id)
    action_type = ActionType(_pick([a.value for a in ActionType], group.group_id, "action"))
    yield (
        "analysis.completed",
        AnalysisCompleted(
            event_id=derived_id(analysis_id, "analysis.completed"),
            occurred_at=at + timedelta(seconds=5),
            recorded_at=at + timedelta(seconds=5),
            source=source,
            causation_id=str(classified.event_id),
            analysis_id=analysis_id,
            error_id=classified.error_id,
            group_id=group.group_id,
            root_cause=RootCauseAnalysis(
                primary_cause=CauseAnalysis(
                    cause_id=f"cause-{group.group_id[:6]}",
                    description=f"{classified.error.exception_type} under load",
                    category=CauseCategory(_pick([c.value for c in CauseCategory], group.group_id)),
                    likelihood=0.7,
                    evidence_strength=0.6,
                    supporting_evidence=("error rate rose after deploy",),
                ),
                confidence=0.7,
            ),
            impact=ImpactAssessment(
                overall_impact=ImpactLevel(_pick([i.value for i in ImpactLevel], group.group_id)),
                recovery_estimate=RecoveryEstimate(
                    expected_ms=60_000, min_ms=10_000, max_ms=600_000, confidence=0.5
                ),
            ),
            historical=HistoricalCorrelation(learning_insights=("seen before",)),
            recommended_actions=(
                RecommendedAction(
                    action_type=action_type,
                    description="apply the usual fix",
                    priority=1,
                    automation_level=AutomationLevel.AGENT_ASSISTED,
                    expected_effectiveness=0.75,
                ),
            ),
            correction_required=True,
            confidence=round(rng.uniform(0.5, 0.95), 3),
            analysis_method="rules",
            analysis_duration_ms=rng.randint(5, 500),
        ),
    )
    plan_id = _id("plan", group.group_id)
    actions = (
        CorrectionAction(
            action_id="a1",
            type=action_type,
            description="first step",
            target=ActionTarget(kind="service", name=group.service, service=group.service),
            automation_level=AutomationLevel.AGENT_ASSISTED,
            verification=VerificationCriteria(checks=("error rate below threshold",)),
        ),
        CorrectionAction(
            action_id="a2",
            type=ActionType.RETRY_OPERATION,
            description="retry what failed",
            target=ActionTarget(kind="queue", name=f"{group.service}-dlq"),
            automation_level=AutomationLevel.FULLY_AUTOMATED,
            verification=VerificationCriteria(),
        ),
    )
    planned = CorrectionPlanned(
        event_id=derived_id(plan_id, "correction.planned"),
        occurred_at=at + timedelta(seconds=10),
        recorded_at=at + timedelta(seconds=10),
        source=source,
        plan_id=plan_id,
        error_id=classified.error_id,
        group_id=group.group_id,
        analysis_id=analysis_id,
        strategy=CorrectionStrategy.IMMEDIATE_FIX,
        automation_level=AutomationLevel.AGENT_ASSISTED,
        actions=actions,
        execution_order=tuple(
            ExecutionStep(
                step_id=f"s{i}",
                action_id=a.action_id,
                timeout_ms=30_000,
                retry_policy=RetryPolicy(),
            )
            for i, a in enumerate(actions)
        ),
        risk_assessment=RiskAssessment(risk_score=0.3, risk_level=Severity.LOW),
        rollback_plan=RollbackPlan(description="undo", action_ids=("a1",)),
        authorization=Authorization(
            required_level=AuthorizationLevel.OPERATOR,
            approvers=("oncall",),
            approval_required=True,
        ),
        estimated_duration_ms=45_000,
        confidence=0.7,
    )
    rejected = _pick(["approve", "approve", "approve", "reject"], group.group_id) == "reject"
    decision: Event
    if rejected:
        decision = CorrectionRejected(
            event_id=derived_id(plan_id, "correction.rejected"),
            occurred_at=at + timedelta(seconds=20),
            recorded_at=at + timedelta(seconds=20),
            source=source,
            plan_id=plan_id,
            error_id=classified.error_id,
            decided_by="alice",
            decision_source=DecisionSource.HUMAN,
            reason="too risky during peak",
        )
    else:
        decision = CorrectionApproved(
            event_id=derived_id(plan_id, "correction.approved"),
            occurred_at=at + timedelta(seconds=20),
            recorded_at=at + timedelta(seconds=20),
            source=source,
            plan_id=plan_id,
            error_id=classified.error_id,
            decided_by="rule:low-risk",
            decision_source=DecisionSource.RULE,
            reason="risk under threshold",
            automation_rule_id="rule-1",
        )
    # The decision is published before the plan: the projection must not care.
    yield topic_for(decision.event_type), decision
    yield "correction.planned", planned
    if rejected:
        return
    execution_id = _id("execution", plan_id)
    started_at = at + timedelta(seconds=30)
    status = ExecutionStatus(
        _pick(["completed", "completed", "completed", "failed", "rolled_back"], group.group_id)
    )
    completed = CorrectionCompleted(
        event_id=derived_id(execution_id, "correction.completed"),
        occurred_at=started_at + timedelta(seconds=40),
        recorded_at=started_at + timedelta(seconds=40),
        source=source,
        execution_id=execution_id,
        plan_id=plan_id,
        error_id=classified.error_id,
        status=status,
        started_at=started_at,
        results=(
            ActionResult(action_id="a1", status=status, duration_ms=30_000),
            ActionResult(action_id="a2", status=ExecutionStatus.COMPLETED, duration_ms=10_000),
        ),
        validation=Validation(
            passed=status is ExecutionStatus.COMPLETED,
            checks=(ValidationCheck(name="rate", passed=status is ExecutionStatus.COMPLETED),),
        ),
        metrics=CorrectionMetrics(duration_ms=40_000, errors_before=12, errors_after=1),
        lessons_learned=("worked" if status is ExecutionStatus.COMPLETED else "did not work",),
        rolled_back=status is ExecutionStatus.ROLLED_BACK,
    )
    started = CorrectionStarted(
        event_id=derived_id(execution_id, "correction.started"),
        occurred_at=started_at,
        recorded_at=started_at,
        source=source,
        execution_id=execution_id,
        plan_id=plan_id,
        error_id=classified.error_id,
        actions=("a1", "a2"),
        assigned_agents=("executor-1",),
        executed_by="executor-1",
    )
    yield "correction.completed", completed  # before its start, on purpose
    yield "correction.started", started
    feedback_id = _id("feedback", execution_id)
    success = status is ExecutionStatus.COMPLETED
    yield (
        "feedback.recorded",
        FeedbackRecorded(
            event_id=derived_id(feedback_id, "feedback.recorded"),
            occurred_at=completed.occurred_at + timedelta(seconds=1),
            recorded_at=completed.occurred_at + timedelta(seconds=1),
            source=source,
            feedback_id=feedback_id,
            error_id=classified.error_id,
            group_id=group.group_id,
            correction_execution_id=execution_id,
            feedback_type=FeedbackType.RESOLUTION_SUCCESS
            if success
            else FeedbackType.RESOLUTION_FAILURE,
            outcome=FeedbackOutcome.SUCCESS if success else FeedbackOutcome.FAILURE,
            effectiveness_score=0.9 if success else 0.2,
            lessons_learned=completed.lessons_learned,
            feedback_source=FeedbackSource.AUTOMATED,
            source_id=str(execution_id),
        ),
    )


def _assignment(classified: ErrorClassified, index: int) -> Iterator[tuple[str, Event]]:
    assignment_id = _id("assignment", classified.error_id)
    at = classified.occurred_at
    done = AgentResolutionCompleted(
        event_id=derived_id(assignment_id, "agent.resolution.completed"),
        occurred_at=at + timedelta(minutes=3),
        recorded_at=at + timedelta(minutes=3),
        source=classified.source,
        assignment_id=assignment_id,
        error_id=classified.error_id,
        agent_id=f"agent-{index % 3}",
        resolution="restarted the worker",
        effectiveness=0.8,
        time_to_resolve_ms=180_000,
        status=AssignmentStatus.COMPLETED if index % 2 == 0 else AssignmentStatus.FAILED,
    )
    assigned = AgentAssigned(
        event_id=derived_id(assignment_id, "agent.assigned"),
        occurred_at=at + timedelta(seconds=2),
        recorded_at=at + timedelta(seconds=2),
        source=classified.source,
        assignment_id=assignment_id,
        error_id=classified.error_id,
        group_id=classified.group_id,
        agent_id=f"agent-{index % 3}",
        role=AgentRole.RESOLVER,
        capabilities=("restart", "rollback"),
        reason="on call for the service",
    )
    if index % 2 == 0:
        yield "agent.resolution.completed", done
        yield "agent.assigned", assigned
    else:
        yield "agent.assigned", assigned
        yield "agent.resolution.completed", done


# -- alerts ---------------------------------------------------------------------------------
def _alert(
    service: str, span: datetime, members: list[ErrorClassified], *, still_firing: bool
) -> Iterator[tuple[str, Event]]:
    alert_id = _id("alert", service, span.isoformat())
    first = members[0]
    starts_at = members[min(5, len(members) - 1)].occurred_at
    layer = first.layer
    key = f"{service}/{layer.value}"
    notifications = []
    for number, at in enumerate((starts_at, starts_at + timedelta(minutes=4)), start=1):
        if at > span + _ALERT_SPAN and number > 1:
            break
        notifications.append(
            AlertRaised(
                event_id=derived_id(alert_id, f"raised:{number}"),
                occurred_at=at,
                recorded_at=at,
                source=EventSource(service=service, layer=layer),
                correlation_id=str(alert_id),
                alert_id=alert_id,
                rule="layer_rate",
                key=key,
                service=service,
                layer=layer,
                severity=Severity.HIGH if number > 1 else Severity.MEDIUM,
                summary=f"{service}: {len(members)} errors in 10 min",
                value=float(len(members) + number),
                threshold=6.0,
                comparison=">",
                window_start=span,
                window_end=span + _ALERT_SPAN,
                starts_at=starts_at,
                labels={"service": service, "layer": layer.value},
                group_ids=(first.group_id,),
                sample_error_ids=(str(first.error_id),),
            )
        )
    resolved_at = span + _ALERT_SPAN + timedelta(minutes=2)
    resolved = AlertResolved(
        event_id=derived_id(alert_id, "resolved"),
        occurred_at=resolved_at,
        recorded_at=resolved_at,
        source=EventSource(service=service, layer=layer),
        correlation_id=str(alert_id),
        alert_id=alert_id,
        rule="layer_rate",
        key=key,
        service=service,
        layer=layer,
        starts_at=starts_at,
        resolved_at=resolved_at,
        duration_ms=epoch_millis(resolved_at) - epoch_millis(starts_at),
        value=1.0,
        threshold=6.0,
        reason="under threshold for 2 minutes",
    )
    if not still_firing and _pick(["early", "late"], alert_id) == "early":
        yield "alert.resolved", resolved  # read before it was raised
    yield from (("alert.raised", n) for n in notifications)
    if not still_firing and _pick(["early", "late"], alert_id) == "late":
        yield "alert.resolved", resolved
    if len(notifications) > 1:
        escalation_id = _id("escalation", alert_id)
        yield (
            "escalation.raised",
            EscalationRaised(
                event_id=derived_id(escalation_id, "escalation.raised"),
                occurred_at=notifications[-1].occurred_at,
                recorded_at=notifications[-1].occurred_at,
                source=EventSource(service=service, layer=layer),
                escalation_id=escalation_id,
                policy_id="default",
                level=1,
                channel="pager",
                recipients=(f"oncall-{service}",),
                reason="alert_unresolved: still firing",
                severity=Severity.HIGH,
                service=service,
                layer=layer,
                key=key,
                alert_id=alert_id,
                error_ids=(str(first.error_id),),
            ),
        )


# -- learning -------------------------------------------------------------------------------
def _model(spec: SampleSpec, index: int, at: datetime) -> Iterator[tuple[str, Event]]:
    version = index // 211 + 1
    yield (
        "model.updated",
        ModelUpdated(
            event_id=_id("model", spec.seed, version),
            occurred_at=at,
            recorded_at=at,
            source=EventSource(service="errorstream", layer=Layer.CORE),
            model_id="text-classifier",
            model_type=ModelType.CLASSIFICATION,
            version=version,
            description="naive Bayes over masked tokens",
            accuracy=round(min(0.99, 0.7 + version * 0.001), 4),
            precision=0.71,
            recall=0.69,
            f1=0.7,
            metrics={"log_loss": 0.52},
            training_data_size=index + 1,
            features=("tokens", "exception_type"),
            deployment_status=DeploymentStatus.DEPLOYED,
            snapshot=b"\x00" * (64 + version),
            snapshot_sha256=hashlib.sha256(b"\x00" * (64 + version)).hexdigest(),
            seed=spec.seed,
        ),
    )
    yield (
        "knowledge.enriched",
        KnowledgeEnriched(
            event_id=_id("knowledge", spec.seed, version),
            occurred_at=at,
            recorded_at=at,
            source=EventSource(service="errorstream", layer=Layer.CORE),
            knowledge_type="resolution",
            updates=(f"model version {version} learned from {index + 1} errors",),
            sources=("feedback.recorded",),
            confidence=0.6,
        ),
    )


def _predictions(spec: SampleSpec, detected: list[ErrorDetected]) -> Iterator[tuple[str, Event]]:
    if not detected:
        return
    services = sorted({e.source.service for e in detected})
    at = detected[-1].occurred_at
    for number, service in enumerate(services):
        prediction_id = _id("prediction", spec.seed, service)
        yield (
            "prediction.generated",
            PredictionGenerated(
                event_id=derived_id(prediction_id, "prediction.generated"),
                occurred_at=at,
                recorded_at=at,
                source=EventSource(service=service),
                prediction_id=prediction_id,
                predicted_errors=tuple(
                    ErrorPrediction(
                        service=service,
                        layer=Layer.SERVICE,
                        type=ErrorType.TIMEOUT,
                        probability=round(0.2 + 0.1 * k, 3),
                        horizon_ms=3_600_000,
                        expected_severity=Severity.HIGH,
                        description=f"timeouts likely within the hour ({k})",
                    )
                    for k in range(number % 3 + 1)
                ),
                confidence=0.6,
                timeframe="1h",
                preventive_actions=("scale out",),
                model_id="rate-forecaster",
                model_version=1,
                features_used=("rate_1m", "rate_5m"),
            ),
        )


# -- configuration --------------------------------------------------------------------------
def _configuration(spec: SampleSpec) -> Iterator[tuple[str, Event]]:
    base = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    source = EventSource(service="errorstream", layer=Layer.INFRASTRUCTURE)
    for version in (1, 2):
        at = base + timedelta(minutes=version)
        for layer, limit in (("api", 20), ("core", 10), ("infrastructure", 5)):
            yield (
                "threshold.configured",
                ThresholdConfigured(
                    event_id=_id("threshold", spec.seed, layer, version),
                    occurred_at=at,
                    recorded_at=at,
                    source=source,
                    threshold_id=f"layer:{layer}",
                    scope=f"layer:{layer}",
                    metric="errors_per_minute",
                    threshold_value=float(limit * version),
                    comparison_operator=">",
                    severity=Severity.HIGH,
                    notification_channels=("pager",),
                    max_errors_per_minute=limit * version,
                    escalation_threshold=limit // 2,
                    severity_weights={"low": 1.0, "high": 4.0},
                    created_by="operator",
                ),
            )
        yield (
            "automation-rule.configured",
            AutomationRuleConfigured(
                event_id=_id("rule", spec.seed, version),
                occurred_at=at,
                recorded_at=at,
                source=source,
                rule_id="rule-1",
                name="auto-approve low risk",
                conditions={"max_risk": 0.4},
                actions={"approve": True},
                automation_level=AutomationLevel.AGENT_ASSISTED,
                risk_threshold=0.4,
                max_executions_per_hour=5 * version,
                is_active=version == 2,
            ),
        )
        yield (
            "escalation-policy.configured",
            EscalationPolicyConfigured(
                event_id=_id("policy", spec.seed, version),
                occurred_at=at,
                recorded_at=at,
                source=source,
                policy_id="default",
                name="default",
                scope="*",
                min_severity=Severity.MEDIUM,
                levels=(
                    EscalationLevel(level=1, after_ms=0, channel="pager", recipients=("oncall",)),
                    EscalationLevel(level=2, after_ms=900_000 * version, channel="phone"),
                ),
                repeat_interval_ms=3_600_000,
            ),
        )


def expected_rows(events: list[tuple[str, Event]]) -> dict[str, int]:
    """How many rows each read model holds once these events are projected (by distinct id)."""
    ids: dict[str, set[object]] = defaultdict(set)
    for _topic, event in events:
        for table, key in _keys(event):
            ids[table].add(key)
    return {table: len(keys) for table, keys in ids.items()}


def _keys(event: Event) -> list[tuple[str, object]]:
    if isinstance(event, ErrorDetected):
        return [("errors", event.event_id)]
    if isinstance(event, ErrorClassified):
        keys: list[tuple[str, object]] = [
            ("errors", event.error_id),
            ("error_groups", event.group_id),
        ]
        if event.regression:
            keys.append(("error_group_regressions", (event.group_id, event.error_id)))
        return keys
    if isinstance(event, AlertRaised):
        return [("alerts", event.alert_id), ("alert_notifications", event.event_id)]
    if isinstance(event, AlertResolved):
        return [("alerts", event.alert_id)]
    if isinstance(event, CorrectionPlanned | CorrectionApproved | CorrectionRejected):
        return [("correction_plans", event.plan_id)]
    if isinstance(event, CorrectionStarted | CorrectionCompleted):
        return [("correction_plans", event.plan_id), ("correction_executions", event.execution_id)]
    if isinstance(event, PredictionGenerated):
        return [("predictions", event.prediction_id)] + [
            ("predicted_errors", (event.prediction_id, i))
            for i in range(len(event.predicted_errors))
        ]
    simple: dict[type[Event], tuple[str, str]] = {
        PatternDetected: ("error_patterns", "pattern_id"),
        EscalationRaised: ("escalations", "escalation_id"),
        AnalysisCompleted: ("error_analysis", "analysis_id"),
        AgentAssigned: ("agent_assignments", "assignment_id"),
        AgentResolutionCompleted: ("agent_assignments", "assignment_id"),
        FeedbackRecorded: ("learning_feedback", "feedback_id"),
        KnowledgeEnriched: ("knowledge_enrichments", "event_id"),
        ThresholdConfigured: ("alert_thresholds", "threshold_id"),
        AutomationRuleConfigured: ("automation_rules", "rule_id"),
        EscalationPolicyConfigured: ("escalation_policies", "policy_id"),
        WindowSummarized: ("window_summaries", "event_id"),
    }
    if isinstance(event, ModelUpdated):
        return [("ml_models", (event.model_id, event.version))]
    table, attribute = simple[type(event)]
    return [(table, getattr(event, attribute))]
