"""Projectors of `alerts` (alert.raised, alert.resolved) and `escalations` (escalation.raised).

One alert row per alert id, Alertmanager-like: `firing` from its first AlertRaised, `resolved`
once its AlertResolved is read — whichever of the two topics is read first (status precedence:
resolved beats firing, and an alert id never fires again once resolved; the detector starts a
new id). Each AlertRaised (the first notification and each repeat) is a row of
`alert_notifications`; `alerts.notifications` is counted from there, so redeliveries never
inflate it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import psycopg
from psycopg.types.json import Jsonb

from errorstream.projections.merge import Column, MergeSpec, Row, Rule, Stamp, single_event
from errorstream.projections.read_model import Contribution, ReadModelProjector, json_of, text
from errorstream.schemas.enums import Severity
from errorstream.schemas.models import AlertRaised, AlertResolved, EscalationRaised, Event

ALERT_STATUSES = ("firing", "resolved")
SEVERITIES = tuple(s.value for s in Severity)
_RAISED = Stamp(at="raised_event_at", id="raised_event_id")
_RESOLVED = Stamp(at="resolved_at", id="resolved_event_id")

ALERTS = MergeSpec(
    "alerts",
    (
        Column("alert_id", Rule.KEY),
        Column("rule", Rule.MIN),
        Column("key", Rule.MIN),
        Column("service", Rule.MIN),
        Column("layer", Rule.MIN),
        Column("status", Rule.RANKED, ranks=ALERT_STATUSES),
        Column("severity", Rule.RANKED, ranks=SEVERITIES),
        Column("summary", Rule.LATEST, _RAISED),
        Column("value", Rule.LATEST, _RAISED),
        Column("peak_value", Rule.MAX),
        Column("threshold", Rule.MAX),
        Column("comparison", Rule.LATEST, _RAISED),
        Column("window_start", Rule.LATEST, _RAISED),
        Column("window_end", Rule.LATEST, _RAISED),
        Column("starts_at", Rule.MIN),
        Column("last_notified_at", Rule.MAX),
        Column("resolved_at", Rule.LATEST, _RESOLVED),
        Column("duration_ms", Rule.LATEST, _RESOLVED),
        Column("resolved_value", Rule.LATEST, _RESOLVED),
        Column("resolve_reason", Rule.LATEST, _RESOLVED),
        Column("labels", Rule.LATEST, _RAISED, default=Jsonb({})),
        Column("group_ids", Rule.LATEST, _RAISED, default=[]),
        Column("sample_error_ids", Rule.LATEST, _RAISED, default=[]),
        Column("pattern_id", Rule.LATEST, _RAISED),
        Column("raised_event_id", Rule.LATEST, _RAISED),
        Column("raised_event_at", Rule.LATEST, _RAISED),
        Column("resolved_event_id", Rule.LATEST, _RESOLVED),
    ),
)

NOTIFICATIONS = single_event(
    "alert_notifications",
    ("event_id",),
    ("alert_id", "notified_at", "severity", "value"),
    at="notified_at",
)

ESCALATIONS = single_event(
    "escalations",
    ("escalation_id",),
    (
        "event_id",
        "policy_id",
        "level",
        "channel",
        "recipients",
        "reason",
        "severity",
        "service",
        "layer",
        "key",
        "alert_id",
        "pattern_id",
        "error_ids",
        "escalated_at",
    ),
    at="escalated_at",
)


def alert_rows(event: AlertRaised | AlertResolved) -> list[Contribution]:
    common = {
        "alert_id": event.alert_id,
        "rule": event.rule,
        "key": event.key,
        "service": event.service,
        "layer": text(event.layer),
        "starts_at": event.starts_at,
        "threshold": event.threshold,
    }
    if isinstance(event, AlertResolved):
        return [
            (
                ALERTS,
                ALERTS.row(
                    **common,
                    status="resolved",
                    resolved_at=event.resolved_at,
                    duration_ms=event.duration_ms,
                    resolved_value=event.value,
                    resolve_reason=event.reason,
                    resolved_event_id=event.event_id,
                ),
            )
        ]
    return [
        (
            ALERTS,
            ALERTS.row(
                **common,
                status="firing",
                severity=event.severity.value,
                summary=event.summary,
                value=event.value,
                peak_value=event.value,
                comparison=event.comparison,
                window_start=event.window_start,
                window_end=event.window_end,
                last_notified_at=event.occurred_at,
                labels=json_of(event.labels),
                group_ids=list(event.group_ids),
                sample_error_ids=list(event.sample_error_ids),
                pattern_id=event.pattern_id,
                raised_event_id=event.event_id,
                raised_event_at=event.occurred_at,
            ),
        ),
        (
            NOTIFICATIONS,
            NOTIFICATIONS.row(
                event_id=event.event_id,
                alert_id=event.alert_id,
                notified_at=event.occurred_at,
                severity=event.severity.value,
                value=event.value,
            ),
        ),
    ]


def escalation_rows(event: EscalationRaised) -> list[Contribution]:
    return [
        (
            ESCALATIONS,
            ESCALATIONS.row(
                escalation_id=event.escalation_id,
                event_id=event.event_id,
                policy_id=event.policy_id,
                level=event.level,
                channel=event.channel,
                recipients=list(event.recipients),
                reason=event.reason,
                severity=event.severity.value,
                service=event.service,
                layer=text(event.layer),
                key=event.key,
                alert_id=event.alert_id,
                pattern_id=event.pattern_id,
                error_ids=list(event.error_ids),
                escalated_at=event.occurred_at,
            ),
        )
    ]


class AlertsProjector(ReadModelProjector):
    name: ClassVar[str] = "alerts"
    topics: ClassVar[tuple[str, ...]] = ("alert.raised", "alert.resolved")
    tables: ClassVar[tuple[str, ...]] = ("alerts", "alert_notifications")
    accepts: ClassVar[tuple[type[Event], ...]] = (AlertRaised, AlertResolved)
    specs: ClassVar[tuple[MergeSpec, ...]] = (ALERTS, NOTIFICATIONS)

    def rows(self, event: Event) -> Iterable[Contribution]:
        assert isinstance(event, AlertRaised | AlertResolved)
        return alert_rows(event)

    def after_write(self, cursor: psycopg.Cursor[Any], written: Mapping[str, list[Row]]) -> None:
        notified = sorted(
            {NOTIFICATIONS.value(row, "alert_id") for row in written["alert_notifications"]}
        )
        if not notified:
            return
        cursor.execute(
            """UPDATE alerts a SET notifications = n.notifications
                 FROM (SELECT alert_id, count(*) AS notifications FROM alert_notifications
                        WHERE alert_id = ANY(%s) GROUP BY alert_id) n
                WHERE a.alert_id = n.alert_id""",
            (notified,),
        )


class EscalationsProjector(ReadModelProjector):
    name: ClassVar[str] = "escalations"
    topics: ClassVar[tuple[str, ...]] = ("escalation.raised",)
    tables: ClassVar[tuple[str, ...]] = ("escalations",)
    accepts: ClassVar[tuple[type[Event], ...]] = (EscalationRaised,)
    specs: ClassVar[tuple[MergeSpec, ...]] = (ESCALATIONS,)

    def rows(self, event: Event) -> Iterable[Contribution]:
        assert isinstance(event, EscalationRaised)
        return escalation_rows(event)
