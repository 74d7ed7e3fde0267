"""Projector of `correction_plans` and `correction_executions`, from the correction.* topics.

A plan's status follows its lifecycle — planned, approved or rejected, in progress (an
execution started), completed, failed or cancelled (an execution finished) — taken from its
latest lifecycle event by (event time, lifecycle order, event id), so a plan retried after a
failed execution shows the retry. Five topics feed one row, read in any interleaving: the row
is created by whichever event comes first and the plan's own columns stay NULL until
CorrectionPlanned is read.

An execution row is made by CorrectionStarted and CorrectionCompleted (either first); its
status takes the furthest state reached (in progress < completed < failed < cancelled <
rolled back).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from errorstream.projections.merge import Column, MergeSpec, Rule, Stamp
from errorstream.projections.read_model import Contribution, ReadModelProjector, fraction, json_of
from errorstream.schemas.enums import ExecutionStatus
from errorstream.schemas.models import (
    CorrectionApproved,
    CorrectionCompleted,
    CorrectionPlanned,
    CorrectionRejected,
    CorrectionStarted,
    Event,
)

PLAN_STATUSES = (
    "planned",
    "approved",
    "rejected",
    "in_progress",
    "completed",
    "failed",
    "cancelled",
)
EXECUTION_STATUSES = tuple(s.value for s in ExecutionStatus)
# What a finished execution makes of its plan (a plan has no rolled_back state).
_PLAN_STATUS_OF = {
    ExecutionStatus.PLANNED: "in_progress",
    ExecutionStatus.IN_PROGRESS: "in_progress",
    ExecutionStatus.COMPLETED: "completed",
    ExecutionStatus.FAILED: "failed",
    ExecutionStatus.CANCELLED: "cancelled",
    ExecutionStatus.ROLLED_BACK: "failed",
}

_PLANNED = Stamp(at="created_at", id="planned_event_id")
_STATUS = Stamp(at="status_at", id="status_event_id", ranked="status", ranks=PLAN_STATUSES)
_DECISION = Stamp(at="decided_at", id="decision_event_id")
_STARTED = Stamp(at="started_event_at", id="started_event_id")
_COMPLETED = Stamp(at="completed_at", id="completed_event_id")


def _by(stamp: Stamp, *names: str) -> tuple[Column, ...]:
    return tuple(Column(name, Rule.LATEST, stamp) for name in names)


PLANS = MergeSpec(
    "correction_plans",
    (
        Column("id", Rule.KEY),
        Column("error_id", Rule.MIN),
        *_by(
            _PLANNED,
            "group_id",
            "analysis_id",
            "service",
            "strategy",
            "automation_level",
            "actions",
            "execution_order",
            "prerequisites",
            "risk_assessment",
            "risk_score",
            "risk_level",
            "rollback_plan",
            "authorization_level",
            "approvers",
            "approval_required",
            "estimated_duration_ms",
            "confidence",
            "created_at",
            "planned_event_id",
        ),
        *_by(_STATUS, "status", "status_at", "status_event_id"),
        *_by(
            _DECISION,
            "decision",
            "decided_by",
            "decision_source",
            "decision_reason",
            "automation_rule_id",
            "decided_at",
            "decision_event_id",
        ),
        Column("updated_at", Rule.MAX),
    ),
)

EXECUTIONS = MergeSpec(
    "correction_executions",
    (
        Column("id", Rule.KEY),
        Column("plan_id", Rule.MIN),
        Column("error_id", Rule.MIN),
        Column("service", Rule.MIN),
        Column("execution_status", Rule.RANKED, ranks=EXECUTION_STATUSES),
        *_by(
            _STARTED,
            "actions",
            "assigned_agents",
            "executed_by",
            "started_event_id",
            "started_event_at",
        ),
        Column("started_at", Rule.MIN),
        *_by(
            _COMPLETED,
            "completed_at",
            "results",
            "validation",
            "validation_passed",
            "side_effects",
            "metrics",
            "duration_ms",
            "errors_before",
            "errors_after",
            "lessons_learned",
            "rolled_back",
            "completed_event_id",
        ),
    ),
)

CorrectionEvent = (
    CorrectionPlanned
    | CorrectionApproved
    | CorrectionRejected
    | CorrectionStarted
    | CorrectionCompleted
)


def _plan_status(event: CorrectionEvent, plan_id: object, status: str) -> Contribution:
    return (
        PLANS,
        PLANS.row(
            id=plan_id,
            error_id=event.error_id,
            status=status,
            status_at=event.occurred_at,
            status_event_id=event.event_id,
            updated_at=event.occurred_at,
        ),
    )


def correction_rows(event: CorrectionEvent) -> list[Contribution]:
    if isinstance(event, CorrectionPlanned):
        risk = event.risk_assessment
        return [
            (
                PLANS,
                PLANS.row(
                    id=event.plan_id,
                    error_id=event.error_id,
                    group_id=event.group_id,
                    analysis_id=event.analysis_id,
                    service=event.source.service,
                    strategy=event.strategy.value,
                    automation_level=event.automation_level.value,
                    actions=json_of(event.actions),
                    execution_order=json_of(event.execution_order),
                    prerequisites=json_of(event.prerequisites),
                    risk_assessment=json_of(risk),
                    risk_score=fraction(risk.risk_score),
                    risk_level=risk.risk_level.value,
                    rollback_plan=json_of(event.rollback_plan),
                    authorization_level=event.authorization.required_level.value,
                    approvers=list(event.authorization.approvers),
                    approval_required=event.authorization.approval_required,
                    estimated_duration_ms=event.estimated_duration_ms,
                    confidence=fraction(event.confidence),
                    created_at=event.occurred_at,
                    planned_event_id=event.event_id,
                    status="planned",
                    status_at=event.occurred_at,
                    status_event_id=event.event_id,
                    updated_at=event.occurred_at,
                ),
            )
        ]
    if isinstance(event, CorrectionApproved | CorrectionRejected):
        decision = "approved" if isinstance(event, CorrectionApproved) else "rejected"
        plan, row = _plan_status(event, event.plan_id, decision)
        values = dict(zip(plan.names, row, strict=True))
        values.update(
            decision=decision,
            decided_by=event.decided_by,
            decision_source=event.decision_source.value,
            decision_reason=event.reason,
            automation_rule_id=event.automation_rule_id,
            decided_at=event.occurred_at,
            decision_event_id=event.event_id,
        )
        return [(PLANS, PLANS.row(**values))]
    if isinstance(event, CorrectionStarted):
        return [
            _plan_status(event, event.plan_id, "in_progress"),
            (
                EXECUTIONS,
                EXECUTIONS.row(
                    id=event.execution_id,
                    plan_id=event.plan_id,
                    error_id=event.error_id,
                    service=event.source.service,
                    execution_status=ExecutionStatus.IN_PROGRESS.value,
                    actions=list(event.actions),
                    assigned_agents=json_of(event.assigned_agents),
                    executed_by=event.executed_by,
                    started_event_id=event.event_id,
                    started_event_at=event.occurred_at,
                    started_at=event.occurred_at,
                ),
            ),
        ]
    metrics = event.metrics
    return [
        _plan_status(event, event.plan_id, _PLAN_STATUS_OF[event.status]),
        (
            EXECUTIONS,
            EXECUTIONS.row(
                id=event.execution_id,
                plan_id=event.plan_id,
                error_id=event.error_id,
                service=event.source.service,
                execution_status=event.status.value,
                started_at=event.started_at,
                completed_at=event.occurred_at,
                results=json_of(event.results),
                validation=json_of(event.validation),
                validation_passed=event.validation.passed,
                side_effects=json_of(event.side_effects),
                metrics=json_of(metrics),
                duration_ms=metrics.duration_ms,
                errors_before=metrics.errors_before,
                errors_after=metrics.errors_after,
                lessons_learned=json_of(event.lessons_learned),
                rolled_back=event.rolled_back,
                completed_event_id=event.event_id,
            ),
        ),
    ]


class CorrectionsProjector(ReadModelProjector):
    name: ClassVar[str] = "corrections"
    topics: ClassVar[tuple[str, ...]] = (
        "correction.planned",
        "correction.approved",
        "correction.rejected",
        "correction.started",
        "correction.completed",
    )
    tables: ClassVar[tuple[str, ...]] = ("correction_plans", "correction_executions")
    accepts: ClassVar[tuple[type[Event], ...]] = (
        CorrectionPlanned,
        CorrectionApproved,
        CorrectionRejected,
        CorrectionStarted,
        CorrectionCompleted,
    )
    specs: ClassVar[tuple[MergeSpec, ...]] = (PLANS, EXECUTIONS)

    def rows(self, event: Event) -> Iterable[Contribution]:
        assert isinstance(
            event,
            CorrectionPlanned
            | CorrectionApproved
            | CorrectionRejected
            | CorrectionStarted
            | CorrectionCompleted,
        )
        return correction_rows(event)
