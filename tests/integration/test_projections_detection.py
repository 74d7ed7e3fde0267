"""The real detection agent's events, projected: the read models agree with the topics.

A worker classifies a realistic workload (with bursts, a cascade and a degradation) and emits
groups, patterns, alerts, escalations and window summaries; the projectors turn them into
tables. Each table holds exactly the entities its topics name, groups carry the agent's counts,
and the views answer from them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psycopg

from errorstream.config import Settings
from errorstream.schemas.models import (
    AlertRaised,
    AlertResolved,
    ErrorClassified,
    EscalationRaised,
    Event,
    PatternDetected,
    WindowSummarized,
)
from errorstream.schemas.serialization import AvroCodec
from errorstream.streams.topics import ERROR_DETECTED
from errorstream.workload import WorkloadSpec, generate

from .conftest import PROJECTORS_READY, WORKER_READY, Process
from .read_models import publish, records_now, wait_projected


def events_on(settings: Settings, *topics: str) -> list[Event]:
    codec = AvroCodec()
    return [
        codec.decode(record.value)
        for topic in topics
        for record in records_now(settings, topic)
        if record.value is not None
    ]


def query(settings: Settings, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        return conn.execute(statement, params or None).fetchall()


def test_the_detection_agents_events_become_consistent_read_models(
    env: Settings, spawn: Callable[..., Process]
) -> None:
    worker = spawn(env, "worker")
    projector = spawn(env, "project")
    worker.wait_for(WORKER_READY, 120)
    projector.wait_for(PROJECTORS_READY, 60)
    errors = list(generate(WorkloadSpec(seed=71, errors=500)))
    publish(env, ((ERROR_DETECTED, e) for e in errors))

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        (classified_rows,) = query(env, "SELECT count(*) FROM errors WHERE group_id IS NOT NULL")
        if classified_rows[0] == len(errors):
            break
        time.sleep(1.0)
    time.sleep(3.0)  # let the agent's idle timers emit what they will
    wait_projected(env)

    classified = [e for e in events_on(env, "error.classified") if isinstance(e, ErrorClassified)]
    assert {e.error_id for e in classified} == {e.event_id for e in errors}
    patterns = [e for e in events_on(env, "pattern.detected") if isinstance(e, PatternDetected)]
    alerts = [
        e
        for e in events_on(env, "alert.raised", "alert.resolved")
        if isinstance(e, AlertRaised | AlertResolved)
    ]
    escalations = [
        e for e in events_on(env, "escalation.raised") if isinstance(e, EscalationRaised)
    ]
    windows = [e for e in events_on(env, "window.summarized") if isinstance(e, WindowSummarized)]
    assert patterns and alerts and windows  # the workload's incidents were detected

    occurrences: dict[str, int] = {}
    for event in classified:
        occurrences[event.group_id] = max(occurrences.get(event.group_id, 0), event.occurrences)
    stored = dict(query(env, "SELECT group_id, occurrences FROM error_groups"))
    assert stored == occurrences

    assert {r[0] for r in query(env, "SELECT pattern_id FROM error_patterns")} == {
        e.pattern_id for e in patterns
    }
    members = {(e.pattern_id, error_id) for e in patterns for error_id in e.error_ids}
    assert set(query(env, "SELECT pattern_id, error_id FROM error_pattern_members")) == members
    assert {r[0] for r in query(env, "SELECT alert_id FROM alerts")} == {e.alert_id for e in alerts}
    resolved = {e.alert_id for e in alerts if isinstance(e, AlertResolved)}
    assert {r[0] for r in query(env, "SELECT alert_id FROM alerts WHERE status = 'resolved'")} == (
        resolved
    )
    assert {r[0] for r in query(env, "SELECT escalation_id FROM escalations")} == {
        e.escalation_id for e in escalations
    }
    assert len(query(env, "SELECT 1 FROM window_summaries")) == len(
        {(e.service, e.window_start, e.window_ms) for e in windows}
    )

    # The views answer from the same rows.
    pending = {r[0] for r in query(env, "SELECT group_id FROM pending_error_analysis")}
    assert pending == {g for g, n in occurrences.items() if n >= 3}
    (summary,) = query(env, "SELECT sum(errors) FROM error_reports_summary")
    assert summary[0] == len(errors)
    last = max(e.occurred_at for e in errors)
    top = query(
        env,
        "SELECT group_id, errors FROM top_groups(%s, %s, 1000)",
        timedelta(hours=2),
        last,
    )
    assert sum(n for _, n in top) == len(errors)
    assert [n for _, n in top] == sorted((n for _, n in top), reverse=True)
    noise = dict(query(env, "SELECT rule, alerts FROM alert_noise_by_rule"))
    assert sum(noise.values()) == len({e.alert_id for e in alerts})
    worker.stop()
    projector.stop()
