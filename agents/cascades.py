"""Cascades across services, from per-window summaries (never the raw stream of every partition).

Each service's detection publishes a `WindowSummarized` per closed one-minute window: errors per
layer, when each layer first failed, a few sample error ids. They all meet on one partition of
`window.summarized`. A cross-service cascade is a chain of failure *onsets* (a service and layer
that starts failing: it did not fail in the window before, and fails at least
`cascade_min_onset_errors` times — a lone error is not a failure) in a window or the one before it
(so a cascade may straddle a boundary), climbing the layers — infrastructure, then core, then
service, then api, gaps allowed — each strictly later than the one below and within
`cascade_step_ms` of it, across at least two services, reaching at least `cascade_min_layers`
layers within `cascade_window_ms`. Steady background
errors are not onsets, so they neither hide a cascade nor make one up. It is reported once, as a
`PatternDetected` of type cascade with no single service, naming the services, layers and
sample errors, and escalated by the matching escalation policy.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from errorstream.agents.alerting import EscalationPolicy, choose_policy
from errorstream.agents.patterns import RECOMMENDATIONS
from errorstream.agents.thresholds import LAYER_ORDER, DetectionRules
from errorstream.schemas.enums import Layer, PatternType, Severity
from errorstream.schemas.models import (
    EscalationRaised,
    Event,
    EventSource,
    PatternDetected,
    WindowSummarized,
    derived_id,
    epoch_millis,
    from_epoch_millis,
)

_RANK = {layer: rank for rank, layer in enumerate(LAYER_ORDER)}
SOURCE = EventSource(service="errorstream", layer=Layer.SERVICE)


@dataclass(slots=True)
class WindowGroup:
    """Every service's summary of one window, and whether a cascade was reported for it."""

    start_ms: int
    window_ms: int
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    reported: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"s": self.start_ms, "w": self.window_ms, "v": self.services, "r": self.reported}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WindowGroup:
        return cls(data["s"], data["w"], dict(data["v"]), bool(data["r"]))


def add_summary(group: WindowGroup | None, summary: WindowSummarized) -> WindowGroup:
    start = epoch_millis(summary.window_start)
    if group is None:
        group = WindowGroup(start, summary.window_ms)
    group.services[summary.service] = {
        "f": dict(summary.first_seen_by_layer),
        "c": dict(summary.counts_by_layer),
        "s": {k: list(v) for k, v in summary.sample_error_ids_by_layer.items()},
    }
    return group


@dataclass(frozen=True, slots=True)
class CrossServiceCascade:
    layers: tuple[Layer, ...]
    services: tuple[str, ...]
    first_ms: int
    last_ms: int
    samples: tuple[str, ...]


def _onsets(
    windows: list[WindowGroup], min_errors: int, quiet_windows: int, factor: float
) -> list[tuple[int, int, str, Layer, list[str]]]:
    """(time, rank, service, layer, samples) of failures that *start* in the last two windows.

    An onset fails at least `min_errors` times and at least `factor` times its own average
    over the `quiet_windows` windows before: steady background noise is not an onset, so it
    neither hides a cascade nor makes one up.
    """
    entries = []
    for index in range(max(0, len(windows) - 2), len(windows)):
        window = windows[index]
        earlier = windows[max(0, index - quiet_windows) : index]
        for service, summary in window.services.items():
            for layer_name, at_ms in summary["f"].items():
                count = summary["c"].get(layer_name, 0)
                if count < min_errors:
                    continue  # a lone error is not a service-layer failing
                usual = sum(
                    w.services.get(service, {}).get("c", {}).get(layer_name, 0) for w in earlier
                ) / max(1, len(earlier))
                if count < factor * usual:
                    continue  # no rise above its own background: not an onset
                layer = Layer(layer_name)
                entries.append(
                    (
                        int(at_ms),
                        _RANK[layer],
                        service,
                        layer,
                        list(summary["s"].get(layer_name, [])[:3]),
                    )
                )
    return sorted(entries)


def find_cascade(windows: list[WindowGroup], rules: DetectionRules) -> CrossServiceCascade | None:
    """The longest chain of failure onsets climbing the layers, strictly later at each step.

    `windows` are consecutive, oldest first; chains are sought among onsets of the last two.
    """
    best: dict[int, tuple[tuple[int, int, str, Layer, list[str]], ...]] = {}
    found: tuple[tuple[int, int, str, Layer, list[str]], ...] = ()
    patterns = rules.patterns
    entries = _onsets(
        windows,
        patterns.cascade_min_onset_errors,
        patterns.cascade_quiet_windows,
        patterns.cascade_onset_factor,
    )
    position = 0
    while position < len(entries):
        moment = entries[position][0]
        same_time = []
        while position < len(entries) and entries[position][0] == moment:
            same_time.append(entries[position])
            position += 1
        updates: dict[int, tuple[tuple[int, int, str, Layer, list[str]], ...]] = {}
        for entry in same_time:  # chains extend only from strictly earlier onsets
            rank = entry[1]
            # a step extends a chain whose last failure is lower and recent enough
            lower = [
                best[r]
                for r in best
                if r < rank and entry[0] - best[r][-1][0] <= patterns.cascade_step_ms
            ]
            prefix = max(lower, key=lambda c: (len(c), len({e[2] for e in c})), default=())
            chain = (*prefix, entry)
            if chain[-1][0] - chain[0][0] > rules.patterns.cascade_window_ms:
                chain = (entry,)
            current = updates.get(rank) or best.get(rank)
            if current is None or len(chain) > len(current):
                updates[rank] = chain
        best.update(updates)
        for chain in updates.values():
            services = {e[2] for e in chain}
            ends_now = chain[-1][0] >= windows[-1].start_ms  # earlier chains were judged before
            if (
                ends_now
                and len(services) >= 2
                and (len(chain), len(services)) > (len(found), len({e[2] for e in found}))
            ):
                found = chain
    if len(found) < rules.patterns.cascade_min_layers:
        return None  # (one service's own cascade is the detection agent's)
    return CrossServiceCascade(
        layers=tuple(e[3] for e in found),
        services=tuple(dict.fromkeys(e[2] for e in found)),
        first_ms=found[0][0],
        last_ms=found[-1][0],
        samples=tuple(dict.fromkeys(sample for e in found for sample in e[4])),
    )


@dataclass(slots=True)
class CascadeProgress:
    """How far every error.detected partition has summarised, and what has been evaluated."""

    closed: dict[int, int] = field(default_factory=dict)  # partition → closed until (ms)
    evaluated_until: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"c": {str(k): v for k, v in self.closed.items()}, "e": self.evaluated_until}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CascadeProgress:
        return cls({int(k): int(v) for k, v in data["c"].items()}, data.get("e"))

    def sealed_until(self, partitions: int) -> int | None:
        """Windows ending at or before this are complete on every partition."""
        expected = max(partitions, max(self.closed, default=-1) + 1)
        if any(p not in self.closed for p in range(expected)):
            return None
        return min(self.closed.values())


def on_summary(
    current: WindowGroup,
    previous: WindowGroup | None,
    summary: WindowSummarized,
    rules: DetectionRules,
    policies: list[EscalationPolicy],
    before: WindowGroup | Sequence[WindowGroup | None] | None = None,
) -> list[Event]:
    """Evaluate a window as a summary for it arrives (tests; the agent seals windows first)."""
    return evaluate_window(
        current, previous, before, rules, policies, str(summary.event_id), summary.recorded_at
    )


def evaluate_window(
    current: WindowGroup,
    previous: WindowGroup | None,
    before: WindowGroup | Sequence[WindowGroup | None] | None,
    rules: DetectionRules,
    policies: list[EscalationPolicy],
    cause: str,
    recorded_at: datetime,
) -> list[Event]:
    """A cascade report (once per window pair) and its escalation, if the windows hold one.

    `before` are the windows before `previous`, newest first (None where no service had an
    error): what onsets are judged against.
    """
    if current.reported or (previous is not None and previous.reported):
        return []
    earlier = list(before) if isinstance(before, Sequence) else [before]
    width = current.window_ms
    chain = [previous, *earlier]
    windows = [current]
    for back, window in enumerate(chain, start=1):  # consecutive, oldest first after reversing
        windows.append(window or WindowGroup(current.start_ms - back * width, width))
    windows.reverse()
    cascade = find_cascade(windows, rules)
    if cascade is None:
        return []
    current.reported = True
    pattern_id = uuid.uuid5(
        uuid.NAMESPACE_URL, f"errorstream:cascade:{cascade.first_ms}:{current.start_ms}"
    )
    confidence = round(
        min(0.95, 0.85 + 0.05 * (len(cascade.layers) - rules.patterns.cascade_min_layers)), 3
    )
    pattern = PatternDetected(
        event_id=derived_id(pattern_id, "pattern.detected"),
        occurred_at=from_epoch_millis(cascade.last_ms),
        recorded_at=recorded_at,
        source=SOURCE,
        correlation_id=str(pattern_id),
        causation_id=cause,
        pattern_id=pattern_id,
        pattern_type=PatternType.CASCADE,
        service=None,
        layer=None,
        services=cascade.services,
        affected_layers=cascade.layers,
        error_ids=tuple(uuid.UUID(s) for s in cascade.samples[: rules.max_member_ids]),
        group_ids=(),
        window_start=from_epoch_millis(cascade.first_ms),
        window_end=from_epoch_millis(cascade.last_ms),
        occurrence_count=len(cascade.samples),
        frequency_per_minute=round(
            len(cascade.samples) * 60_000 / max(1, cascade.last_ms - cascade.first_ms), 3
        ),
        confidence=confidence,
        risk_level=Severity.CRITICAL,
        description=(
            "errors climbed "
            + " → ".join(layer.value for layer in cascade.layers)
            + " across "
            + ", ".join(cascade.services)
        ),
        recommendations=RECOMMENDATIONS[PatternType.CASCADE],
    )
    out: list[Event] = [pattern]
    if confidence > 0.8:
        root = cascade.services[0]
        policy = choose_policy(policies, root, cascade.layers[0])
        step = policy.step(1)
        escalation_id = derived_id(pattern_id, "escalation")
        out.append(
            EscalationRaised(
                event_id=derived_id(escalation_id, "escalation.raised"),
                occurred_at=pattern.occurred_at,
                recorded_at=pattern.recorded_at,
                source=SOURCE,
                correlation_id=str(pattern_id),
                causation_id=str(pattern.event_id),
                escalation_id=escalation_id,
                policy_id=policy.policy_id,
                level=step.level,
                channel=step.channel,
                recipients=tuple(r.replace("{service}", root) for r in step.recipients),
                reason=f"critical_pattern: {pattern.description}",
                severity=Severity.CRITICAL,
                service=root,
                layer=cascade.layers[0],
                key=f"cascade:{'+'.join(cascade.services)}",
                pattern_id=pattern_id,
                error_ids=cascade.samples[: rules.max_member_ids],
            )
        )
    return out
