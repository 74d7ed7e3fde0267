"""Projectors of the configuration read models: `alert_thresholds`, `automation_rules` and
`escalation_policies`, from their compacted *.configured topics.

Configuration is event-sourced: each event is the whole new version of one threshold, rule or
policy, and the table holds the latest version of each id. "Latest" is the topic's own order
(one partition, and compaction keeps the last value per key), the order the agents apply them
in, so a rebuild after compaction agrees with the live table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from errorstream.projections.merge import MergeSpec, replaced
from errorstream.projections.read_model import Contribution, ReadModelProjector, fraction, json_of
from errorstream.schemas.models import (
    AutomationRuleConfigured,
    EscalationPolicyConfigured,
    Event,
    ThresholdConfigured,
)

THRESHOLDS = replaced(
    "alert_thresholds",
    ("id",),
    (
        "event_id",
        "scope",
        "metric",
        "threshold_value",
        "comparison_operator",
        "severity",
        "notification_channels",
        "is_active",
        "max_errors_per_minute",
        "escalation_threshold",
        "severity_weights",
        "automatic_recovery",
        "created_by",
        "updated_at",
    ),
)

RULES = replaced(
    "automation_rules",
    ("id",),
    (
        "event_id",
        "name",
        "description",
        "conditions",
        "actions",
        "automation_level",
        "risk_threshold",
        "approval_required",
        "max_executions_per_hour",
        "is_active",
        "created_by",
        "updated_at",
    ),
)

POLICIES = replaced(
    "escalation_policies",
    ("id",),
    (
        "event_id",
        "name",
        "scope",
        "min_severity",
        "levels",
        "repeat_interval_ms",
        "is_active",
        "created_by",
        "updated_at",
    ),
)


def threshold_rows(event: ThresholdConfigured) -> list[Contribution]:
    return [
        (
            THRESHOLDS,
            THRESHOLDS.row(
                id=event.threshold_id,
                event_id=event.event_id,
                scope=event.scope,
                metric=event.metric,
                threshold_value=event.threshold_value,
                comparison_operator=event.comparison_operator,
                severity=event.severity.value,
                notification_channels=json_of(event.notification_channels),
                is_active=event.is_active,
                max_errors_per_minute=event.max_errors_per_minute,
                escalation_threshold=event.escalation_threshold,
                severity_weights=json_of(event.severity_weights),
                automatic_recovery=event.automatic_recovery,
                created_by=event.created_by,
                updated_at=event.occurred_at,
            ),
        )
    ]


def rule_rows(event: AutomationRuleConfigured) -> list[Contribution]:
    return [
        (
            RULES,
            RULES.row(
                id=event.rule_id,
                event_id=event.event_id,
                name=event.name,
                description=event.description,
                conditions=json_of(event.conditions),
                actions=json_of(event.actions),
                automation_level=event.automation_level.value,
                risk_threshold=fraction(event.risk_threshold),
                approval_required=event.approval_required,
                max_executions_per_hour=event.max_executions_per_hour,
                is_active=event.is_active,
                created_by=event.created_by,
                updated_at=event.occurred_at,
            ),
        )
    ]


def policy_rows(event: EscalationPolicyConfigured) -> list[Contribution]:
    return [
        (
            POLICIES,
            POLICIES.row(
                id=event.policy_id,
                event_id=event.event_id,
                name=event.name,
                scope=event.scope,
                min_severity=event.min_severity.value,
                levels=json_of(event.levels),
                repeat_interval_ms=event.repeat_interval_ms,
                is_active=event.is_active,
                created_by=event.created_by,
                updated_at=event.occurred_at,
            ),
        )
    ]


class AlertThresholdsProjector(ReadModelProjector):
    name: ClassVar[str] = "alert_thresholds"
    topics: ClassVar[tuple[str, ...]] = ("threshold.configured",)
    tables: ClassVar[tuple[str, ...]] = ("alert_thresholds",)
    accepts: ClassVar[tuple[type[Event], ...]] = (ThresholdConfigured,)
    specs: ClassVar[tuple[MergeSpec, ...]] = (THRESHOLDS,)

    def rows(self, event: Event) -> Iterable[Contribution]:
        assert isinstance(event, ThresholdConfigured)
        return threshold_rows(event)


class AutomationRulesProjector(ReadModelProjector):
    name: ClassVar[str] = "automation_rules"
    topics: ClassVar[tuple[str, ...]] = ("automation-rule.configured",)
    tables: ClassVar[tuple[str, ...]] = ("automation_rules",)
    accepts: ClassVar[tuple[type[Event], ...]] = (AutomationRuleConfigured,)
    specs: ClassVar[tuple[MergeSpec, ...]] = (RULES,)

    def rows(self, event: Event) -> Iterable[Contribution]:
        assert isinstance(event, AutomationRuleConfigured)
        return rule_rows(event)


class EscalationPoliciesProjector(ReadModelProjector):
    name: ClassVar[str] = "escalation_policies"
    topics: ClassVar[tuple[str, ...]] = ("escalation-policy.configured",)
    tables: ClassVar[tuple[str, ...]] = ("escalation_policies",)
    accepts: ClassVar[tuple[type[Event], ...]] = (EscalationPolicyConfigured,)
    specs: ClassVar[tuple[MergeSpec, ...]] = (POLICIES,)

    def rows(self, event: Event) -> Iterable[Contribution]:
        assert isinstance(event, EscalationPolicyConfigured)
        return policy_rows(event)
