"""Projector of `agent_assignments`, from agent.assigned and agent.resolution.completed.

One row per assignment id, made by whichever of the two is read first: the role, capabilities
and reason stay NULL until AgentAssigned is read; the status is the furthest reached
(assigned < in progress < completed < failed < cancelled).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from errorstream.projections.merge import Column, MergeSpec, Rule, Stamp
from errorstream.projections.read_model import Contribution, ReadModelProjector, fraction, json_of
from errorstream.schemas.enums import AssignmentStatus
from errorstream.schemas.models import AgentAssigned, AgentResolutionCompleted, Event

ASSIGNMENT_STATUSES = tuple(s.value for s in AssignmentStatus)
_ASSIGNED = Stamp(at="assigned_at", id="assigned_event_id")
_COMPLETED = Stamp(at="completed_at", id="completed_event_id")

ASSIGNMENTS = MergeSpec(
    "agent_assignments",
    (
        Column("id", Rule.KEY),
        Column("error_id", Rule.MIN),
        Column("agent_id", Rule.MIN),
        Column("service", Rule.MIN),
        Column("status", Rule.RANKED, ranks=ASSIGNMENT_STATUSES),
        *(
            Column(name, Rule.LATEST, _ASSIGNED)
            for name in (
                "group_id",
                "role",
                "capabilities",
                "assignment_reason",
                "assigned_at",
                "assigned_event_id",
            )
        ),
        *(
            Column(name, Rule.LATEST, _COMPLETED)
            for name in (
                "resolution",
                "effectiveness",
                "time_to_resolve_ms",
                "completed_at",
                "completed_event_id",
            )
        ),
    ),
)


def assignment_rows(event: AgentAssigned | AgentResolutionCompleted) -> list[Contribution]:
    common = {
        "id": event.assignment_id,
        "error_id": event.error_id,
        "agent_id": event.agent_id,
        "service": event.source.service,
    }
    if isinstance(event, AgentAssigned):
        values = {
            **common,
            "status": AssignmentStatus.ASSIGNED.value,
            "group_id": event.group_id,
            "role": event.role.value,
            "capabilities": json_of(event.capabilities),
            "assignment_reason": event.reason,
            "assigned_at": event.occurred_at,
            "assigned_event_id": event.event_id,
        }
    else:
        values = {
            **common,
            "status": event.status.value,
            "resolution": event.resolution,
            "effectiveness": fraction(event.effectiveness),
            "time_to_resolve_ms": event.time_to_resolve_ms,
            "completed_at": event.occurred_at,
            "completed_event_id": event.event_id,
        }
    return [(ASSIGNMENTS, ASSIGNMENTS.row(**values))]


class AgentAssignmentsProjector(ReadModelProjector):
    name: ClassVar[str] = "agent_assignments"
    topics: ClassVar[tuple[str, ...]] = ("agent.assigned", "agent.resolution.completed")
    tables: ClassVar[tuple[str, ...]] = ("agent_assignments",)
    accepts: ClassVar[tuple[type[Event], ...]] = (AgentAssigned, AgentResolutionCompleted)
    specs: ClassVar[tuple[MergeSpec, ...]] = (ASSIGNMENTS,)

    def rows(self, event: Event) -> Iterable[Contribution]:
        assert isinstance(event, AgentAssigned | AgentResolutionCompleted)
        return assignment_rows(event)
