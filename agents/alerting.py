"""Alerts and escalations per service, with a lifecycle like Alertmanager's.

Alert rule `layer_rate`: more than the layer's `max_errors_per_minute` errors of one service and
layer in the trailing rate window. While it fires, one `AlertRaised` is sent (re-sent only after
`alert_repeat_interval_ms`, with the same alert id); it resolves — one `AlertResolved` — once the
rate has stayed at or under the threshold for `alert_resolve_after_ms`, so a rate flapping
around the threshold is one alert, not many.

Escalations (`EscalationRaised`, routed by the matching escalation policy: level, channel,
recipients) happen when
- `severity_score`: the severity-weighted errors of a layer in the rate window reach twice the
  layer's `escalation_threshold` (requirement 002);
- `critical_pattern`: a cascade or degradation pattern with confidence above 0.8 starts;
- `alert_unresolved`: a firing alert outlives the policy's next level (`after_ms`), which
  escalates it one level up.
Each (reason, key) escalates once per level while it keeps happening; it pages again only after
it has been quiet for `escalation_repeat_ms`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from errorstream.agents.patterns import ServiceWindows
from errorstream.agents.thresholds import DetectionRules, PolicyBook, parse_scope
from errorstream.schemas.enums import Layer, PatternType, Severity
from errorstream.schemas.models import (
    AlertRaised,
    AlertResolved,
    EscalationRaised,
    Event,
    EventSource,
    PatternDetected,
    derived_id,
    from_epoch_millis,
)

LAYER_RATE = "layer_rate"


class EscalationStep(BaseModel):
    model_config = ConfigDict(frozen=True)

    level: int = Field(ge=1)
    after_ms: int = Field(ge=0)
    channel: str
    recipients: tuple[str, ...]


class EscalationPolicy(BaseModel):
    """Who hears about what, and when (EscalationPolicyConfigured, or the default)."""

    model_config = ConfigDict(frozen=True)

    policy_id: str
    scope: str = "global"
    min_severity: Severity = Severity.HIGH
    levels: tuple[EscalationStep, ...]
    repeat_interval_ms: int = 3600 * 1000
    is_active: bool = True

    def step(self, level: int) -> EscalationStep:
        ordered = sorted(self.levels, key=lambda s: s.level)
        return ordered[min(level, len(ordered)) - 1]

    def matches(self, service: str, layer: Layer | None) -> bool:
        scope_service, scope_layer = parse_scope(self.scope)
        return (scope_service is None or scope_service == service) and (
            scope_layer is None or layer is None or scope_layer == layer
        )


DEFAULT_POLICY = EscalationPolicy(
    policy_id="default",
    levels=(
        EscalationStep(level=1, after_ms=0, channel="chat", recipients=("{service}-oncall",)),
        EscalationStep(level=2, after_ms=15 * 60_000, channel="pager", recipients=("sre-oncall",)),
        EscalationStep(
            level=3, after_ms=60 * 60_000, channel="phone", recipients=("incident-commander",)
        ),
    ),
)


def choose_policy(
    policies: list[EscalationPolicy], service: str, layer: Layer | None
) -> EscalationPolicy:
    """The most specific active policy for (service, layer); the default when none matches."""
    candidates = [p for p in policies if p.is_active and p.matches(service, layer)]
    if not candidates:
        return DEFAULT_POLICY

    def specificity(policy: EscalationPolicy) -> tuple[int, str]:
        scope_service, scope_layer = parse_scope(policy.scope)
        return ((2 if scope_service else 0) + (1 if scope_layer else 0), policy.policy_id)

    return max(candidates, key=specificity)


@dataclass(slots=True)
class FiringAlert:
    alert_id: str
    rule: str
    layer: str
    starts_at_ms: int
    last_over_ms: int
    notified_ms: int
    notifications: int
    threshold: float
    peak: float
    severity: str
    escalated_level: int = 0


@dataclass(slots=True)
class ServiceAlerts:
    service: str
    firing: dict[str, FiringAlert] = field(default_factory=dict)  # by "rule:layer"
    # escalation episodes by "reason:key" → [level, at_ms, last_ms]
    escalations: dict[str, list[int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "s": self.service,
            "f": {
                k: [
                    a.alert_id,
                    a.rule,
                    a.layer,
                    a.starts_at_ms,
                    a.last_over_ms,
                    a.notified_ms,
                    a.notifications,
                    a.threshold,
                    a.peak,
                    a.severity,
                    a.escalated_level,
                ]
                for k, a in self.firing.items()
            },
            "e": self.escalations,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServiceAlerts:
        return cls(
            service=data["s"],
            firing={k: FiringAlert(*v) for k, v in data["f"].items()},
            escalations={k: list(v) for k, v in data["e"].items()},
        )


@dataclass(frozen=True, slots=True)
class AlertContext:
    """What the alert rules need to know about the moment and the error that triggered them."""

    service: str
    at_ms: int  # event time of the triggering error (or the watermark, for a sweep)
    watermark_ms: int
    cause: str  # causation id
    source: EventSource
    recorded_ms: int
    severity: Severity | None = None
    error_id: str | None = None
    group_id: str | None = None


def _key(service: str, layer: str) -> str:
    return f"{service}/{layer}"


def _rank(severity: Severity) -> int:
    return severity.rank


def evaluate_rate(
    alerts: ServiceAlerts,
    windows: ServiceWindows,
    layer: Layer,
    ctx: AlertContext,
    rules: DetectionRules,
    book: PolicyBook,
) -> list[Event]:
    """The layer-rate rule after an on-time error of `layer`: raise or keep firing."""
    policy = book.policy(ctx.service, layer)
    count = windows.layer_counts(layer).trailing(ctx.at_ms, rules.rate_window_ms)
    threshold = float(policy.max_errors_per_minute)
    slot = f"{LAYER_RATE}:{layer.value}"
    firing = alerts.firing.get(slot)
    if count <= threshold:
        return []
    severity = _alert_severity(layer, ctx.severity)
    if firing is None:
        alert_id = str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"errorstream:alert:{ctx.service}:{slot}:{ctx.at_ms}")
        )
        firing = FiringAlert(
            alert_id,
            LAYER_RATE,
            layer.value,
            ctx.at_ms,
            ctx.at_ms,
            ctx.at_ms,
            1,
            threshold,
            count,
            severity.value,
        )
        alerts.firing[slot] = firing
        return [_raised(firing, ctx, count, rules, notification=1)]
    firing.last_over_ms = max(firing.last_over_ms, ctx.at_ms)
    firing.peak = max(firing.peak, count)
    if _rank(severity) > _rank(Severity(firing.severity)):
        firing.severity = severity.value
    if ctx.at_ms - firing.notified_ms >= rules.alert_repeat_interval_ms:
        firing.notified_ms = ctx.at_ms
        firing.notifications += 1
        return [_raised(firing, ctx, count, rules, notification=firing.notifications)]
    return []


def _alert_severity(layer: Layer, error_severity: Severity | None) -> Severity:
    base = Severity.HIGH if layer in (Layer.INFRASTRUCTURE, Layer.CORE) else Severity.MEDIUM
    if error_severity is not None and _rank(error_severity) > _rank(base):
        return error_severity
    return base


def _raised(
    alert: FiringAlert, ctx: AlertContext, value: float, rules: DetectionRules, notification: int
) -> AlertRaised:
    layer = Layer(alert.layer)
    return AlertRaised(
        event_id=derived_id(alert.alert_id, f"raised:{notification}"),
        occurred_at=from_epoch_millis(ctx.at_ms),
        recorded_at=from_epoch_millis(ctx.recorded_ms),
        source=ctx.source,
        correlation_id=alert.alert_id,
        causation_id=ctx.cause,
        alert_id=uuid.UUID(alert.alert_id),
        rule=alert.rule,
        key=_key(ctx.service, alert.layer),
        service=ctx.service,
        layer=layer,
        severity=Severity(alert.severity),
        summary=(
            f"{ctx.service}: {value:.0f} {alert.layer} errors in "
            f"{rules.rate_window_ms // 1000}s (threshold {alert.threshold:.0f})"
        ),
        value=value,
        threshold=alert.threshold,
        comparison=">",
        window_start=from_epoch_millis(ctx.at_ms - rules.rate_window_ms),
        window_end=from_epoch_millis(ctx.at_ms),
        starts_at=from_epoch_millis(alert.starts_at_ms),
        labels={"service": ctx.service, "layer": alert.layer, "rule": alert.rule},
        group_ids=(ctx.group_id,) if ctx.group_id else (),
        sample_error_ids=(ctx.error_id,) if ctx.error_id else (),
    )


def resolve_quiet(
    alerts: ServiceAlerts,
    windows: ServiceWindows,
    ctx: AlertContext,
    rules: DetectionRules,
) -> list[Event]:
    """Resolve alerts whose rate stayed at or under threshold long enough (by the watermark)."""
    out: list[Event] = []
    for slot, alert in sorted(alerts.firing.items()):
        layer = Layer(alert.layer)
        count = windows.layer_counts(layer).trailing(ctx.watermark_ms, rules.rate_window_ms)
        if count > alert.threshold:
            continue
        # the rate last exceeded the threshold at last_over; it cleared a window later
        cleared_at = alert.last_over_ms + rules.rate_window_ms
        if ctx.watermark_ms - cleared_at < rules.alert_resolve_after_ms:
            continue
        del alerts.firing[slot]
        resolved_ms = cleared_at + rules.alert_resolve_after_ms
        out.append(
            AlertResolved(
                event_id=derived_id(alert.alert_id, "resolved"),
                occurred_at=from_epoch_millis(resolved_ms),
                recorded_at=from_epoch_millis(ctx.recorded_ms),
                source=ctx.source,
                correlation_id=alert.alert_id,
                causation_id=ctx.cause,
                alert_id=uuid.UUID(alert.alert_id),
                rule=alert.rule,
                key=_key(ctx.service, alert.layer),
                service=ctx.service,
                layer=layer,
                starts_at=from_epoch_millis(alert.starts_at_ms),
                resolved_at=from_epoch_millis(resolved_ms),
                duration_ms=resolved_ms - alert.starts_at_ms,
                value=count,
                threshold=alert.threshold,
                reason=(
                    f"at or under {alert.threshold:.0f} errors per "
                    f"{rules.rate_window_ms // 1000}s for {rules.alert_resolve_after_ms // 1000}s"
                ),
            )
        )
        for key in [k for k in alerts.escalations if k.endswith(f":{slot}")]:
            del alerts.escalations[key]
    return out


def _escalate(
    alerts: ServiceAlerts,
    *,
    reason: str,
    slot: str,
    level: int,
    layer: Layer | None,
    severity: Severity,
    detail: str,
    ctx: AlertContext,
    rules: DetectionRules,
    policies: list[EscalationPolicy],
    alert_id: str | None = None,
    pattern_id: str | None = None,
    error_ids: tuple[str, ...] = (),
) -> list[Event]:
    policy = choose_policy(policies, ctx.service, layer)
    if _rank(severity) < _rank(policy.min_severity):
        return []
    key = f"{reason}:{slot}"
    episode = alerts.escalations.get(key)
    if episode is not None:
        current, _at_ms, last = episode
        # An ongoing episode pages once per level; it pages again only after going quiet.
        if level <= current and ctx.at_ms - last < rules.escalation_repeat_ms:
            episode[2] = ctx.at_ms
            return []
    alerts.escalations[key] = [level, ctx.at_ms, ctx.at_ms]
    step = policy.step(level)
    escalation_id = uuid.uuid5(
        uuid.NAMESPACE_URL, f"errorstream:escalation:{ctx.service}:{key}:{level}:{ctx.at_ms}"
    )
    recipients = tuple(r.replace("{service}", ctx.service) for r in step.recipients)
    return [
        EscalationRaised(
            event_id=derived_id(escalation_id, "escalation.raised"),
            occurred_at=from_epoch_millis(ctx.at_ms),
            recorded_at=from_epoch_millis(ctx.recorded_ms),
            source=ctx.source,
            correlation_id=alert_id or pattern_id or str(escalation_id),
            causation_id=ctx.cause,
            escalation_id=escalation_id,
            policy_id=policy.policy_id,
            level=step.level,
            channel=step.channel,
            recipients=recipients,
            reason=f"{reason}: {detail}",
            severity=severity,
            service=ctx.service,
            layer=layer,
            key=slot,
            alert_id=uuid.UUID(alert_id) if alert_id else None,
            pattern_id=uuid.UUID(pattern_id) if pattern_id else None,
            error_ids=error_ids,
        )
    ]


def evaluate_escalations(
    alerts: ServiceAlerts,
    windows: ServiceWindows,
    layer: Layer,
    ctx: AlertContext,
    rules: DetectionRules,
    book: PolicyBook,
    policies: list[EscalationPolicy],
) -> list[Event]:
    out: list[Event] = []
    policy = book.policy(ctx.service, layer)
    score = windows.layer_scores(layer).trailing(ctx.at_ms, rules.rate_window_ms)
    limit = 2.0 * policy.escalation_threshold
    if score >= limit:
        out += _escalate(
            alerts,
            reason="severity_score",
            slot=f"{ctx.service}/{layer.value}",
            level=1,
            layer=layer,
            severity=max(ctx.severity or Severity.HIGH, Severity.HIGH, key=_rank),
            detail=f"severity score {score:.1f} ≥ {limit:.1f} in {rules.rate_window_ms // 1000}s",
            ctx=ctx,
            rules=rules,
            policies=policies,
            error_ids=(ctx.error_id,) if ctx.error_id else (),
        )
    for slot, alert in sorted(alerts.firing.items()):
        chosen = choose_policy(policies, ctx.service, Layer(alert.layer))
        due = [s for s in chosen.levels if ctx.at_ms - alert.starts_at_ms >= s.after_ms]
        level = max((s.level for s in due), default=0)
        if level > alert.escalated_level:
            alert.escalated_level = level
            out += _escalate(
                alerts,
                reason="alert_unresolved",
                slot=slot,
                level=level,
                layer=Layer(alert.layer),
                severity=Severity(alert.severity),
                detail=f"{alert.rule} firing since {from_epoch_millis(alert.starts_at_ms).isoformat()}",
                ctx=ctx,
                rules=rules,
                policies=policies,
                alert_id=alert.alert_id,
            )
    return out


def escalate_pattern(
    alerts: ServiceAlerts,
    pattern: PatternDetected,
    ctx: AlertContext,
    rules: DetectionRules,
    policies: list[EscalationPolicy],
) -> list[Event]:
    """Critical patterns (cascade, degradation) with confidence above 0.8 page someone."""
    if pattern.pattern_type not in (PatternType.CASCADE, PatternType.DEGRADATION):
        return []
    if pattern.confidence <= 0.8:
        return []
    return _escalate(
        alerts,
        reason="critical_pattern",
        slot=f"{ctx.service}/{pattern.pattern_type.value}",
        level=1,
        layer=pattern.layer,
        severity=pattern.risk_level,
        detail=pattern.description,
        ctx=ctx,
        rules=rules,
        policies=policies,
        pattern_id=str(pattern.pattern_id),
        error_ids=tuple(str(e) for e in pattern.error_ids[: rules.max_member_ids]),
    )
