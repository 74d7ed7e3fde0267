"""Detection rules: per-layer thresholds and severity weights, pattern rules, lifecycle timings.

Defaults are requirement 002's (api 20 errors/min, escalate at 10; service 15/8; core 10/5
without automatic recovery; infrastructure 5/3; severity weights api 1/2/4/8 … infrastructure
3/6/12/24, doubled again for `emergency`). Operators override them per layer, per service, or
per service and layer with `ThresholdConfigured` events on the compacted `threshold.configured`
topic; the most specific active override wins, field by field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from errorstream.schemas.enums import Layer, Severity

LAYER_ORDER: tuple[Layer, ...] = (Layer.INFRASTRUCTURE, Layer.CORE, Layer.SERVICE, Layer.API)
"""Bottom to top: a cascade climbs this order."""


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LayerPolicy(Frozen):
    """What one layer tolerates before errorstream alerts and escalates."""

    max_errors_per_minute: int = Field(ge=1)
    escalation_threshold: int = Field(ge=1)
    automatic_recovery: bool = True
    recovery_strategies: tuple[str, ...] = ()
    severity_weights: dict[Severity, float]

    @model_validator(mode="after")
    def _weights_cover_every_severity(self) -> LayerPolicy:
        missing = [s.value for s in Severity if s not in self.severity_weights]
        if missing:
            raise ValueError(f"severity_weights lacks {', '.join(missing)}")
        if any(w < 0 for w in self.severity_weights.values()):
            raise ValueError("severity weights must not be negative")
        return self

    def weight(self, severity: Severity) -> float:
        return self.severity_weights[severity]


def _weights(base: float) -> dict[Severity, float]:
    return {
        Severity.LOW: base,
        Severity.MEDIUM: base * 2,
        Severity.HIGH: base * 4,
        Severity.CRITICAL: base * 8,
        Severity.EMERGENCY: base * 16,
    }


DEFAULT_LAYERS: dict[Layer, LayerPolicy] = {
    Layer.API: LayerPolicy(
        max_errors_per_minute=20,
        escalation_threshold=10,
        recovery_strategies=("retry_request", "fallback_response"),
        severity_weights=_weights(1.0),
    ),
    Layer.SERVICE: LayerPolicy(
        max_errors_per_minute=15,
        escalation_threshold=8,
        recovery_strategies=("circuit_breaker", "fallback_service"),
        severity_weights=_weights(1.5),
    ),
    Layer.CORE: LayerPolicy(
        max_errors_per_minute=10,
        escalation_threshold=5,
        automatic_recovery=False,
        recovery_strategies=("reset_state", "fallback_algorithm"),
        severity_weights=_weights(2.0),
    ),
    Layer.INFRASTRUCTURE: LayerPolicy(
        max_errors_per_minute=5,
        escalation_threshold=3,
        recovery_strategies=("reconnect", "failover"),
        severity_weights=_weights(3.0),
    ),
}


class PatternRules(Frozen):
    """Requirement 002's patterns, on event time."""

    recurring_count: int = Field(default=3, ge=2, description="same group this often …")
    recurring_last: int = Field(default=10, ge=2, description="… among the service's last N")
    cascade_last: int = Field(default=5, ge=2, description="layers climb within the last N")
    cascade_min_layers: int = Field(default=3, ge=2, le=4)
    cascade_window_ms: int = Field(default=300_000, ge=1000)
    cascade_min_onset_errors: int = Field(
        default=2, ge=1, description="across services: errors that make a layer's failure"
    )
    cascade_step_ms: int = Field(
        default=60_000, ge=1000, description="across services: most time between two steps"
    )
    cascade_quiet_windows: int = Field(
        default=3, ge=1, description="across services: windows an onset is compared with"
    )
    cascade_onset_factor: float = Field(
        default=3.0, ge=1.0, description="across services: an onset's rise over its own average"
    )
    burst_count: int = Field(default=5, ge=2, description="errors of one layer …")
    burst_window_ms: int = Field(default=60_000, ge=1000, description="… within this long")
    burst_baseline_factor: float = Field(
        default=3.0, ge=0, description="… and this many times the layer's usual rate (0: off)"
    )
    degradation_window_ms: int = Field(default=300_000, ge=10_000)
    degradation_ratio: float = Field(default=1.5, gt=1.0)
    degradation_min_errors: int = Field(default=6, ge=1, description="in the recent window")
    new_group_spike_count: int = Field(default=3, ge=1)
    new_group_window_ms: int = Field(default=300_000, ge=1000)
    quiet_ms: int = Field(
        default=120_000, ge=0, description="an episode ends after this long without its cause"
    )
    recurring_quiet_ms: int = Field(
        default=30 * 60_000, ge=0, description="a recurring group's episode: without the group"
    )


class DetectionRules(Frozen):
    """Everything the detection agent decides with; part of `Settings.detection`."""

    layers: dict[Layer, LayerPolicy] = Field(default_factory=lambda: dict(DEFAULT_LAYERS))
    patterns: PatternRules = Field(default_factory=PatternRules)
    allowed_lateness_ms: int = Field(default=60_000, ge=0)
    bucket_ms: int = Field(default=5_000, ge=100, description="granularity of rate windows")
    rate_window_ms: int = Field(default=60_000, ge=1000, description="window of 'per minute'")
    recurring_after: int = Field(default=3, ge=1, description="group occurrences → is_recurring")
    min_occurrences_for_analysis: int = Field(default=3, ge=1)
    group_resolve_after_ms: int = Field(
        default=6 * 3600 * 1000, ge=1000, description="a group quiet this long is resolved"
    )
    alert_resolve_after_ms: int = Field(
        default=120_000, ge=0, description="an alert clears after this long under threshold"
    )
    alert_repeat_interval_ms: int = Field(default=4 * 3600 * 1000, ge=1000)
    escalation_repeat_ms: int = Field(default=3600 * 1000, ge=1000)
    max_member_ids: int = Field(default=50, ge=1)
    summary_window_ms: int = Field(default=60_000, ge=1000)
    idle_timeout_s: float = Field(
        default=30.0, gt=0, description="a partition idle this long advances on wall-clock time"
    )

    @model_validator(mode="after")
    def _every_layer(self) -> DetectionRules:
        missing = [layer.value for layer in Layer if layer not in self.layers]
        if missing:
            raise ValueError(f"layers lacks {', '.join(missing)}")
        return self

    @property
    def horizon_ms(self) -> int:
        """How far back any rule looks: state older than this is dropped."""
        p = self.patterns
        return max(
            self.rate_window_ms,
            2 * p.degradation_window_ms,
            p.burst_window_ms,
            p.new_group_window_ms,
            p.cascade_window_ms,
        )


# -- operator overrides -------------------------------------------------------------------
OVERRIDABLE = ("max_errors_per_minute", "escalation_threshold", "automatic_recovery")


def scope_of(service: str | None, layer: Layer | None) -> str:
    if service and layer:
        return f"service:{service}/layer:{layer.value}"
    if service:
        return f"service:{service}"
    if layer:
        return f"layer:{layer.value}"
    return "global"


def parse_scope(scope: str) -> tuple[str | None, Layer | None]:
    """`service:x/layer:api` → ("x", api); raises ValueError for anything else."""
    if scope == "global":
        return None, None
    service: str | None = None
    layer: Layer | None = None
    for part in scope.split("/"):
        kind, _, value = part.partition(":")
        if kind == "service" and value and service is None:
            service = value
        elif kind == "layer" and layer is None:
            layer = Layer(value)
        else:
            raise ValueError(f"bad scope {scope!r}")
    return service, layer


class ThresholdOverride(Frozen):
    """The part of a ThresholdConfigured event that changes layer policies."""

    threshold_id: str
    scope: str
    is_active: bool = True
    max_errors_per_minute: int | None = None
    escalation_threshold: int | None = None
    automatic_recovery: bool | None = None
    severity_weights: dict[Severity, float] | None = None

    @classmethod
    def from_event(cls, event: Any) -> ThresholdOverride:
        """From a ThresholdConfigured: the metric/value pair maps onto a policy field too."""
        values: dict[str, Any] = {
            "threshold_id": event.threshold_id,
            "scope": event.scope,
            "is_active": event.is_active,
            "max_errors_per_minute": getattr(event, "max_errors_per_minute", None),
            "escalation_threshold": getattr(event, "escalation_threshold", None),
            "automatic_recovery": getattr(event, "automatic_recovery", None),
            "severity_weights": getattr(event, "severity_weights", None) or None,
        }
        metric = getattr(event, "metric", "")
        if (
            metric in ("errors_per_minute", "max_errors_per_minute")
            and values["max_errors_per_minute"] is None
        ):
            values["max_errors_per_minute"] = round(event.threshold_value)
        if (
            metric in ("escalation_count", "escalation_threshold")
            and values["escalation_threshold"] is None
        ):
            values["escalation_threshold"] = round(event.threshold_value)
        return cls(**values)


def _specificity(scope: str) -> int:
    service, layer = parse_scope(scope)
    return (2 if service else 0) + (1 if layer else 0)


class PolicyBook:
    """Layer policies after operator overrides, resolved per (service, layer) and cached."""

    def __init__(self, rules: DetectionRules, overrides: Iterable[ThresholdOverride] = ()) -> None:
        self.rules = rules
        self.overrides = sorted(
            (o for o in overrides if o.is_active),
            key=lambda o: (_specificity(o.scope), o.threshold_id),
        )
        self._cache: dict[tuple[str, Layer], LayerPolicy] = {}

    def policy(self, service: str, layer: Layer) -> LayerPolicy:
        key = (service, layer)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        policy = self.rules.layers[layer]
        for override in self.overrides:  # least specific first: the most specific wins
            o_service, o_layer = parse_scope(override.scope)
            if (o_service is None or o_service == service) and (
                o_layer is None or o_layer == layer
            ):
                changes: dict[str, Any] = {
                    name: getattr(override, name)
                    for name in OVERRIDABLE
                    if getattr(override, name) is not None
                }
                if override.severity_weights:
                    changes["severity_weights"] = {
                        **policy.severity_weights,
                        **override.severity_weights,
                    }
                policy = policy.model_copy(update=changes)
        self._cache[key] = policy
        return policy

    def with_overrides(self, overrides: Mapping[str, ThresholdOverride]) -> PolicyBook:
        return PolicyBook(self.rules, overrides.values())
