"""Error groups and their lifecycle, like Sentry issues.

A group is new on its first error and ongoing after. A group that stays quiet for
`group_resolve_after_ms` of event time is resolved; an error in a resolved group regresses it
(the ErrorClassified says `regression=true`) and it is ongoing again after that. An operator's
correction (FeedbackRecorded with corrected fields) overrides the group's classification from
then on, and the text model's guess is kept per group so the model is consulted once per group,
not per event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from errorstream.schemas.enums import ErrorCategory, ErrorType, GroupStatus, Layer, Severity


@dataclass(slots=True)
class GroupState:
    group_id: str
    service: str
    first_seen_ms: int
    last_seen_ms: int
    occurrences: int = 0
    status: GroupStatus = GroupStatus.NEW
    regressions: int = 0
    resolved_at_ms: int | None = None
    # Operator corrections (FeedbackRecorded) win over rules and model.
    corrected: dict[str, str] = field(default_factory=dict)
    # The text model's guess for this group: (model version, category, type, confidence).
    model_guess: tuple[int, str, str, float] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "g": self.group_id,
            "s": self.service,
            "f": self.first_seen_ms,
            "l": self.last_seen_ms,
            "n": self.occurrences,
            "st": self.status.value,
            "r": self.regressions,
            "ra": self.resolved_at_ms,
            "c": self.corrected,
            "m": list(self.model_guess) if self.model_guess else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GroupState:
        guess = data.get("m")
        return cls(
            group_id=data["g"],
            service=data["s"],
            first_seen_ms=data["f"],
            last_seen_ms=data["l"],
            occurrences=data["n"],
            status=GroupStatus(data["st"]),
            regressions=data.get("r", 0),
            resolved_at_ms=data.get("ra"),
            corrected=dict(data.get("c") or {}),
            model_guess=(int(guess[0]), guess[1], guess[2], float(guess[3])) if guess else None,
        )

    def corrections(
        self,
    ) -> tuple[ErrorCategory | None, ErrorType | None, Severity | None, Layer | None]:
        c = self.corrected
        return (
            ErrorCategory(c["category"]) if "category" in c else None,
            ErrorType(c["type"]) if "type" in c else None,
            Severity(c["severity"]) if "severity" in c else None,
            Layer(c["layer"]) if "layer" in c else None,
        )


@dataclass(frozen=True, slots=True)
class GroupUpdate:
    """What one error did to its group."""

    status: GroupStatus
    is_new: bool
    regression: bool
    occurrences: int
    first_seen_ms: int
    last_seen_ms: int
    is_recurring: bool
    analysis_due: bool  # reached the minimum occurrences for analysis with this error


def observe(
    state: GroupState | None,
    *,
    group_id: str,
    service: str,
    at_ms: int,
    count: int,
    recurring_after: int,
    resolve_after_ms: int,
    min_occurrences_for_analysis: int,
) -> tuple[GroupState, GroupUpdate]:
    """The group after one more error (which may stand for `count` identical ones)."""
    if state is None:
        state = GroupState(group_id, service, at_ms, at_ms, 0, GroupStatus.NEW)
        status = GroupStatus.NEW
        regression = False
    else:
        quiet = at_ms - state.last_seen_ms
        if state.status is GroupStatus.RESOLVED or quiet >= resolve_after_ms:
            if state.status is not GroupStatus.RESOLVED:
                state.resolved_at_ms = state.last_seen_ms + resolve_after_ms
            status = GroupStatus.REGRESSED
            regression = True
            state.regressions += 1
        else:
            status = GroupStatus.ONGOING
            regression = False
    before = state.occurrences
    state.occurrences += max(1, count)
    state.first_seen_ms = min(state.first_seen_ms, at_ms)
    state.last_seen_ms = max(state.last_seen_ms, at_ms)
    # A regressed group shows as regressed on the error that regressed it, ongoing after.
    state.status = GroupStatus.ONGOING if status is not GroupStatus.NEW else GroupStatus.NEW
    if status is GroupStatus.REGRESSED:
        state.status = GroupStatus.REGRESSED
    update = GroupUpdate(
        status=status,
        is_new=before == 0,
        regression=regression,
        occurrences=state.occurrences,
        first_seen_ms=state.first_seen_ms,
        last_seen_ms=state.last_seen_ms,
        is_recurring=state.occurrences >= recurring_after,
        analysis_due=before < min_occurrences_for_analysis <= state.occurrences,
    )
    return state, update


def resolve(state: GroupState, at_ms: int) -> GroupState:
    """Mark a group resolved (a successful correction, or an operator)."""
    state.status = GroupStatus.RESOLVED
    state.resolved_at_ms = at_ms
    return state


def apply_correction(state: GroupState, corrected: dict[str, str]) -> GroupState:
    state.corrected.update({k: v for k, v in corrected.items() if v})
    return state
