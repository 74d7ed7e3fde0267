"""Pattern detection per service, on event time (requirement 002, made windowed and exact).

- **recurring**: one group makes `recurring_count` of the service's last `recurring_last` errors;
- **cascade**: within `cascade_window_ms`, errors climb the layers — infrastructure, then core,
  then service, then api — reaching at least `cascade_min_layers` layers in that order
  (across services this is the cascade agent's job, from window summaries);
- **burst**: `burst_count` errors of one layer within `burst_window_ms`, and at least
  `burst_baseline_factor` times what the layer's rate over the preceding window predicts (a
  steadily noisy layer is not bursting);
- **degradation**: the last `degradation_window_ms` hold more than `degradation_ratio` times the
  errors of the window before (which must not be empty, and must have been observed: the
  service has been seen for two windows), and at least `degradation_min_errors`;
- **new_group_spike**: `new_group_spike_count` groups seen for the first time within
  `new_group_window_ms`, once the service has a baseline (it has been seen for at least that
  long: when a service first appears, every group is new).

Each pattern is an *episode*: it is reported once, when it starts, with the errors that make it
(its members), its window and a confidence; it ends after `quiet_ms` without its cause (for
recurring: without the group), and a new episode can start after that. Episode ids derive from (service, pattern, start), so a replay
reports identical patterns.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from errorstream.agents.thresholds import LAYER_ORDER, DetectionRules
from errorstream.agents.windows import Buckets, Ring, window_start
from errorstream.schemas.enums import Layer, PatternType, Severity
from errorstream.schemas.models import (
    EventSource,
    PatternDetected,
    derived_id,
    from_epoch_millis,
)

_LAYER_RANK = {layer: rank for rank, layer in enumerate(LAYER_ORDER)}

RECOMMENDATIONS: dict[PatternType, tuple[str, ...]] = {
    PatternType.RECURRING: (
        "Investigate the root cause of the recurring error",
        "Consider a circuit breaker around the failing call",
        "Review error handling in the affected layers",
    ),
    PatternType.CASCADE: (
        "Investigate the infrastructure layer first",
        "Improve error isolation between layers",
        "Add circuit breakers between layers",
    ),
    PatternType.BURST: (
        "Apply rate limiting",
        "Check for external system overload",
        "Scale infrastructure resources",
    ),
    PatternType.DEGRADATION: (
        "Monitor system resources",
        "Check for memory leaks",
        "Review recent deployments",
    ),
    PatternType.NEW_GROUP_SPIKE: (
        "Review the latest deployment or configuration change",
        "Compare the new error groups with the release notes",
    ),
}


@dataclass(slots=True)
class Episode:
    pattern_id: str
    started_ms: int
    last_ms: int


@dataclass(frozen=True, slots=True)
class ObservedError:
    """The facts of one classified error that pattern rules use."""

    error_id: str
    group_id: str
    layer: Layer
    at_ms: int
    severity: Severity
    weight: float  # the layer's severity weight for this error
    new_group: bool
    count: int = 1


@dataclass(slots=True)
class ServiceWindows:
    """Everything pattern rules remember about one service; a few KB at most."""

    service: str
    bucket_ms: int
    counts: dict[str, Buckets] = field(default_factory=dict)  # per layer
    scores: dict[str, Buckets] = field(default_factory=dict)  # per layer, severity-weighted
    total: Buckets | None = None
    recent: Ring = field(default_factory=lambda: Ring(10))  # [at, layer, group, error]
    by_layer: dict[str, Ring] = field(default_factory=dict)  # [at, error]
    new_groups: Ring = field(default_factory=lambda: Ring(12))  # [at, group, error]
    episodes: dict[str, Episode] = field(default_factory=dict)
    # Open summary windows by start: counts/first-seen/samples per layer, new groups, score.
    summaries: dict[int, dict[str, Any]] = field(default_factory=dict)
    since_ms: int | None = None  # first error seen: new-group spikes need a baseline before

    @classmethod
    def empty(cls, service: str, rules: DetectionRules) -> ServiceWindows:
        p = rules.patterns
        return cls(
            service=service,
            bucket_ms=rules.bucket_ms,
            # Degradation compares two long windows: coarse buckets keep its sums short.
            total=Buckets(max(rules.bucket_ms, p.degradation_window_ms // 10)),
            # Rings hold what the rules look at, no more: this state is written per error.
            recent=Ring(max(p.recurring_last, p.cascade_last)),
            new_groups=Ring(p.new_group_spike_count * 2),
        )

    def layer_counts(self, layer: Layer) -> Buckets:
        found = self.counts.get(layer.value)
        if found is None:
            found = self.counts[layer.value] = Buckets(self.bucket_ms)
        return found

    def layer_scores(self, layer: Layer) -> Buckets:
        found = self.scores.get(layer.value)
        if found is None:
            found = self.scores[layer.value] = Buckets(self.bucket_ms)
        return found

    def layer_ring(self, layer: Layer, size: int) -> Ring:
        found = self.by_layer.get(layer.value)
        if found is None:
            found = self.by_layer[layer.value] = Ring(size)
        return found

    def to_json(self) -> dict[str, Any]:
        assert self.total is not None
        return {
            "s": self.service,
            "b": self.bucket_ms,
            "c": {k: v.to_json() for k, v in self.counts.items()},
            "x": {k: v.to_json() for k, v in self.scores.items()},
            "t": self.total.to_json(),
            "r": self.recent.to_json(),
            "l": {k: v.to_json() for k, v in self.by_layer.items()},
            "n": self.new_groups.to_json(),
            "e": {k: [e.pattern_id, e.started_ms, e.last_ms] for k, e in self.episodes.items()},
            "w": {str(k): v for k, v in self.summaries.items()},
            "since": self.since_ms,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServiceWindows:
        return cls(
            service=data["s"],
            bucket_ms=data["b"],
            counts={k: Buckets.from_json(v) for k, v in data["c"].items()},
            scores={k: Buckets.from_json(v) for k, v in data["x"].items()},
            total=Buckets.from_json(data["t"]),
            recent=Ring.from_json(data["r"]),
            by_layer={k: Ring.from_json(v) for k, v in data["l"].items()},
            new_groups=Ring.from_json(data["n"]),
            episodes={k: Episode(*v) for k, v in data["e"].items()},
            summaries={int(k): v for k, v in data["w"].items()},
            since_ms=data.get("since"),
        )


@dataclass(frozen=True, slots=True)
class Finding:
    """A pattern episode that starts with this error."""

    pattern_type: PatternType
    episode_key: str
    layer: Layer | None
    members: tuple[str, ...]
    group_ids: tuple[str, ...]
    layers: tuple[Layer, ...]
    window_start_ms: int
    window_end_ms: int
    confidence: float
    risk: Severity
    description: str


def record(state: ServiceWindows, error: ObservedError, rules: DetectionRules) -> None:
    """Count one (on-time) error into the service's windows."""
    p = rules.patterns
    if state.since_ms is None or error.at_ms < state.since_ms:
        state.since_ms = error.at_ms
    amount = float(error.count)
    state.layer_counts(error.layer).add(error.at_ms, amount)
    state.layer_scores(error.layer).add(error.at_ms, error.weight * amount)
    assert state.total is not None
    state.total.add(error.at_ms, amount)
    entry = [error.at_ms, error.layer.value, error.group_id, error.error_id]
    state.recent.push(entry)
    state.layer_ring(error.layer, p.burst_count * 2).push([error.at_ms, error.error_id])
    if error.new_group:
        state.new_groups.push([error.at_ms, error.group_id, error.error_id])
    # Each counter keeps only the span its rules read.
    for buckets in state.counts.values():
        buckets.prune(error.at_ms - p.burst_window_ms - p.degradation_window_ms)
    for buckets in state.scores.values():
        buckets.prune(error.at_ms - rules.rate_window_ms)
    state.total.prune(error.at_ms - 2 * p.degradation_window_ms)


def _episode(
    state: ServiceWindows, key: str, at_ms: int, quiet_ms: int
) -> tuple[Episode | None, bool]:
    """The open episode for `key` (None if there is none or it went quiet)."""
    episode = state.episodes.get(key)
    if episode is not None and at_ms - episode.last_ms > quiet_ms:
        del state.episodes[key]
        return None, True
    return episode, False


def _start(state: ServiceWindows, key: str, at_ms: int) -> str:
    pattern_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"errorstream:{state.service}:{key}:{at_ms}"))
    state.episodes[key] = Episode(pattern_id, at_ms, at_ms)
    return pattern_id


def detect(state: ServiceWindows, error: ObservedError, rules: DetectionRules) -> list[Finding]:
    """Pattern episodes that start with this error (after `record` counted it)."""
    p = rules.patterns
    at = error.at_ms
    findings: list[Finding] = []

    def consider(
        key: str, holds: bool, make: Any, *, sustained: bool = False, quiet: int | None = None
    ) -> None:
        """Start an episode when `holds`; a sustained episode lives on while its cause recurs."""
        episode, _ = _episode(state, key, at, p.quiet_ms if quiet is None else quiet)
        if not holds:
            if sustained and episode is not None:
                episode.last_ms = max(episode.last_ms, at)
            return
        if episode is not None:
            episode.last_ms = max(episode.last_ms, at)
            return
        _start(state, key, at)
        findings.append(make())

    # recurring: this group among the last N errors of the service
    last = state.recent.entries[-p.recurring_last :]
    same = [e for e in last if e[2] == error.group_id]
    consider(
        f"recurring:{error.group_id}",
        len(same) >= p.recurring_count,
        lambda: Finding(
            PatternType.RECURRING,
            f"recurring:{error.group_id}",
            error.layer,
            tuple(e[3] for e in same),
            (error.group_id,),
            tuple(dict.fromkeys(Layer(e[1]) for e in same)),
            same[0][0],
            at,
            round(min(0.9, len(same) / 10 + 0.3), 3),
            Severity.MEDIUM,
            f"{len(same)} of the last {len(last)} errors of {state.service} are one group",
        ),
        sustained=True,  # one report while the group keeps recurring, not one per flicker
        quiet=p.recurring_quiet_ms,
    )

    # cascade within the service: lower layers failed first, climbing to this error's layer
    window = [
        e for e in state.recent.entries[-p.cascade_last :] if e[0] >= at - p.cascade_window_ms
    ]
    first_seen: dict[Layer, int] = {}
    for entry in window:
        first_seen.setdefault(Layer(entry[1]), entry[0])
    climbing = sorted(first_seen, key=lambda layer: (first_seen[layer], _LAYER_RANK[layer]))
    ordered = [_LAYER_RANK[layer] for layer in climbing] == sorted(
        _LAYER_RANK[layer] for layer in climbing
    )
    holds = (
        len(climbing) >= p.cascade_min_layers
        and ordered
        and climbing[-1] is error.layer
        and first_seen[error.layer] == at
    )
    consider(
        "cascade",
        holds,
        lambda: Finding(
            PatternType.CASCADE,
            "cascade",
            None,
            tuple(e[3] for e in window),
            tuple(dict.fromkeys(e[2] for e in window)),
            tuple(climbing),
            window[0][0] if window else at,
            at,
            round(min(0.95, 0.85 + 0.05 * (len(climbing) - p.cascade_min_layers)), 3),
            Severity.CRITICAL,
            f"errors in {state.service} climbed {' → '.join(layer.value for layer in climbing)}",
        ),
    )

    # burst: many errors of this layer in a short window
    ring = state.layer_ring(error.layer, p.burst_count * 2)
    recent = [e for e in ring.entries if at - p.burst_window_ms <= e[0] <= at]
    count = float(len(recent))
    if len(recent) >= ring.size:  # the ring is full: the counters know how many there were
        count = state.layer_counts(error.layer).trailing(at, p.burst_window_ms)
    # A burst stands out from the layer's own recent rate: a steadily noisy layer is not bursting.
    bursting = count >= p.burst_count
    if bursting and p.burst_baseline_factor > 0:  # only then is the baseline worth its sum
        span = p.degradation_window_ms
        baseline = state.layer_counts(error.layer).total(
            at - p.burst_window_ms - span + 1, at - p.burst_window_ms + 1
        )
        bursting = count >= p.burst_baseline_factor * baseline * p.burst_window_ms / span
    consider(
        f"burst:{error.layer.value}",
        bursting,
        lambda: Finding(
            PatternType.BURST,
            f"burst:{error.layer.value}",
            error.layer,
            tuple(e[1] for e in recent[-rules.max_member_ids :]),
            (),
            (error.layer,),
            recent[0][0],
            at,
            0.9,
            Severity.HIGH if error.layer in (Layer.INFRASTRUCTURE, Layer.CORE) else Severity.MEDIUM,
            f"{count:.0f} {error.layer.value} errors in {state.service} within "
            f"{p.burst_window_ms // 1000}s",
        ),
    )

    # degradation: the error rate of the last window against the one before
    assert state.total is not None
    w = p.degradation_window_ms
    now_total = state.total.total(at - w + 1, at + 1)
    before_total = state.total.total(at - 2 * w + 1, at - w + 1)
    # Both windows must lie within what the service has been observed for.
    observed = state.since_ms is not None and at - state.since_ms >= 2 * w
    degrading = (
        observed
        and before_total > 0
        and now_total >= p.degradation_min_errors
        and now_total > p.degradation_ratio * before_total
    )
    members = [e for e in state.recent.entries if e[0] > at - w]
    consider(
        "degradation",
        degrading,
        lambda: Finding(
            PatternType.DEGRADATION,
            "degradation",
            None,
            tuple(e[3] for e in members[-rules.max_member_ids :]),
            tuple(dict.fromkeys(e[2] for e in members)),
            tuple(dict.fromkeys(Layer(e[1]) for e in members)),
            at - 2 * w,
            at,
            round(min(0.95, 0.6 + 0.1 * (now_total / before_total - p.degradation_ratio)), 3),
            Severity.HIGH,
            f"{state.service}: {now_total:.0f} errors in the last {w // 60000} min against "
            f"{before_total:.0f} before",
        ),
        quiet=w,  # a degradation is over once the rate has stopped rising for a whole window
    )

    # new-group spike, against an established baseline (at a service's start every group is new)
    fresh = [e for e in state.new_groups.entries if e[0] >= at - p.new_group_window_ms]
    established = state.since_ms is not None and at - state.since_ms >= p.new_group_window_ms
    consider(
        "new_group_spike",
        established and error.new_group and len(fresh) >= p.new_group_spike_count,
        lambda: Finding(
            PatternType.NEW_GROUP_SPIKE,
            "new_group_spike",
            None,
            tuple(e[2] for e in fresh),
            tuple(e[1] for e in fresh),
            (),
            fresh[0][0] if fresh else at,
            at,
            round(min(0.9, 0.5 + 0.1 * len(fresh)), 3),
            Severity.MEDIUM,
            f"{len(fresh)} new error groups in {state.service} within "
            f"{p.new_group_window_ms // 60000} min",
        ),
    )
    _forget_quiet_episodes(state, at, max(p.quiet_ms, p.recurring_quiet_ms, w))
    return findings


def _forget_quiet_episodes(state: ServiceWindows, at_ms: int, quiet_ms: int) -> None:
    quiet = [k for k, e in state.episodes.items() if at_ms - e.last_ms > quiet_ms]
    for key in quiet:
        del state.episodes[key]


def to_event(
    state: ServiceWindows, finding: Finding, *, cause: str, source: EventSource, recorded_ms: int
) -> PatternDetected:
    episode = state.episodes[finding.episode_key]
    window_ms = max(1, finding.window_end_ms - finding.window_start_ms)
    return PatternDetected(
        event_id=derived_id(episode.pattern_id, "pattern.detected"),
        occurred_at=from_epoch_millis(finding.window_end_ms),
        recorded_at=from_epoch_millis(recorded_ms),
        source=source,
        correlation_id=episode.pattern_id,
        causation_id=cause,
        pattern_id=uuid.UUID(episode.pattern_id),
        pattern_type=finding.pattern_type,
        service=state.service,
        layer=finding.layer,
        services=(state.service,),
        affected_layers=finding.layers,
        error_ids=tuple(uuid.UUID(m) for m in finding.members),
        group_ids=finding.group_ids,
        window_start=from_epoch_millis(finding.window_start_ms),
        window_end=from_epoch_millis(finding.window_end_ms),
        occurrence_count=len(finding.members),
        frequency_per_minute=round(len(finding.members) * 60_000 / window_ms, 3),
        confidence=finding.confidence,
        risk_level=finding.risk,
        description=finding.description,
        recommendations=RECOMMENDATIONS[finding.pattern_type],
    )


# -- window summaries (for cross-service detection) -----------------------------------------
def summarise(state: ServiceWindows, error: ObservedError, rules: DetectionRules) -> None:
    start = window_start(error.at_ms, rules.summary_window_ms)
    summary = state.summaries.setdefault(start, {"c": {}, "f": {}, "s": {}, "n": 0, "x": 0.0})
    layer = error.layer.value
    summary["c"][layer] = summary["c"].get(layer, 0) + error.count
    first = summary["f"].get(layer)
    summary["f"][layer] = error.at_ms if first is None else min(first, error.at_ms)
    samples = summary["s"].setdefault(layer, [])
    if len(samples) < 5:
        samples.append(error.error_id)
    summary["n"] += 1 if error.new_group else 0
    summary["x"] = round(summary["x"] + error.weight * error.count, 6)


def closed_summaries(
    state: ServiceWindows, watermark_ms: int, rules: DetectionRules
) -> list[tuple[int, dict[str, Any]]]:
    """Summary windows the watermark has passed: removed from state and returned in order."""
    closed = sorted(
        start for start in state.summaries if start + rules.summary_window_ms <= watermark_ms
    )
    return [(start, state.summaries.pop(start)) for start in closed]
