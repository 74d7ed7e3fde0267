"""The query API and CLI on the real pipeline: a worker classifies a workload (with bursts, a
cascade and a degradation), the projectors write the read models, and the questions an analyst
asks are answered from them — filters agree with plain SQL, every page of every query together
holds every row exactly once, ``groups top`` agrees with the ``top_groups`` view, and the
commands run as a member of the analyst role."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import psycopg
import pytest
from psycopg import sql

from errorstream.config import Settings
from errorstream.projections.queries import (
    Filters,
    Page,
    PageCursor,
    list_alerts,
    list_errors,
    pending_corrections,
    show_error,
    top_groups,
)
from errorstream.schemas.enums import (
    ActionType,
    AuthorizationLevel,
    AutomationLevel,
    CorrectionStrategy,
    DecisionSource,
    ErrorType,
    Layer,
    Severity,
)
from errorstream.schemas.models import (
    ActionTarget,
    AlertRaised,
    Authorization,
    CorrectionAction,
    CorrectionApproved,
    CorrectionPlanned,
    ErrorDetected,
    ErrorPrediction,
    Event,
    EventSource,
    PredictionGenerated,
    RiskAssessment,
    RollbackPlan,
    VerificationCriteria,
    derived_id,
)
from errorstream.streams.topics import ERROR_DETECTED, topic_for
from errorstream.workload import WorkloadSpec, generate

from .conftest import PROJECTORS_READY, WORKER_READY, Process
from .read_models import publish, wait_projected

T = TypeVar("T")


@dataclass(frozen=True)
class Loaded:
    """What a test module pushed through the pipeline, and how an analyst connects."""

    settings: Settings
    errors: tuple[ErrorDetected, ...]
    start: datetime
    end: datetime
    pending_plans: tuple[uuid.UUID, ...]  # oldest first
    decided_plan: uuid.UUID
    analyst_dsn: str


def rows(dsn: str, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(statement.encode(), params or None).fetchall()


def analyst_login(settings: Settings) -> Iterator[str]:
    """A DSN of a fresh login role that is a member of errorstream_analyst (and nothing else)."""
    name = f"analyst_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN IN ROLE errorstream_analyst").format(sql.Identifier(name))
        )
    info = psycopg.conninfo.conninfo_to_dict(settings.dsn)
    info["user"] = name
    try:
        yield psycopg.conninfo.make_conninfo("", **info)
    finally:
        with psycopg.connect(settings.dsn, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (name,),
            )
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def correction_events(
    groups: Sequence[tuple[str, str, uuid.UUID]], at: datetime
) -> Iterator[tuple[str, Event]]:
    """A plan per (group, service, error): the last one approved, the others left pending."""
    for n, (group_id, service, error_id) in enumerate(groups):
        plan_id = uuid.uuid5(uuid.NAMESPACE_URL, f"plan:{group_id}")
        when = at + timedelta(minutes=n)
        source = EventSource(service=service, layer=Layer.CORE)
        yield (
            "correction.planned",
            CorrectionPlanned(
                event_id=derived_id(plan_id, "correction.planned"),
                occurred_at=when,
                recorded_at=when,
                source=source,
                plan_id=plan_id,
                error_id=error_id,
                group_id=group_id,
                strategy=CorrectionStrategy.IMMEDIATE_FIX,
                automation_level=AutomationLevel.HUMAN_SUPERVISED,
                actions=(
                    CorrectionAction(
                        action_id="a1",
                        type=ActionType.RESTART_SERVICE,
                        description="restart",
                        target=ActionTarget(kind="service", name=service, service=service),
                        automation_level=AutomationLevel.HUMAN_SUPERVISED,
                        verification=VerificationCriteria(),
                    ),
                ),
                risk_assessment=RiskAssessment(risk_score=0.4, risk_level=Severity.MEDIUM),
                rollback_plan=RollbackPlan(),
                authorization=Authorization(
                    required_level=AuthorizationLevel.OPERATOR,
                    approvers=("oncall",),
                    approval_required=True,
                ),
                estimated_duration_ms=60_000,
                confidence=0.7,
            ),
        )
        if n == len(groups) - 1:
            approved = CorrectionApproved(
                event_id=derived_id(plan_id, "correction.approved"),
                occurred_at=when + timedelta(seconds=30),
                recorded_at=when + timedelta(seconds=30),
                source=source,
                plan_id=plan_id,
                error_id=error_id,
                decided_by="alice",
                decision_source=DecisionSource.HUMAN,
                reason="go",
            )
            yield topic_for(approved.event_type), approved


def prediction_event(service: str, at: datetime) -> tuple[str, Event]:
    prediction_id = uuid.uuid5(uuid.NAMESPACE_URL, f"prediction:{service}:{at.isoformat()}")
    return (
        "prediction.generated",
        PredictionGenerated(
            event_id=derived_id(prediction_id, "prediction.generated"),
            occurred_at=at,
            recorded_at=at,
            source=EventSource(service=service),
            prediction_id=prediction_id,
            predicted_errors=(
                ErrorPrediction(
                    service=service,
                    layer=Layer.SERVICE,
                    type=ErrorType.TIMEOUT,
                    probability=0.4,
                    horizon_ms=3_600_000,
                    expected_severity=Severity.HIGH,
                    description="timeouts likely within the hour",
                ),
            ),
            confidence=0.6,
            timeframe="1h",
            model_id="rate-forecaster",
            model_version=1,
        ),
    )


def firing_alert(
    service: str, group_id: str, error_id: uuid.UUID, at: datetime
) -> tuple[str, Event]:
    """An alert still firing (the workload lies in the past, so the agent's alerts resolved)."""
    alert_id = uuid.uuid5(uuid.NAMESPACE_URL, f"alert:{service}:{at.isoformat()}")
    return (
        "alert.raised",
        AlertRaised(
            event_id=derived_id(alert_id, "alert.raised"),
            occurred_at=at,
            recorded_at=at,
            source=EventSource(service=service),
            alert_id=alert_id,
            rule="error_budget",
            key=service,
            service=service,
            severity=Severity.CRITICAL,
            summary=f"{service}: error budget burning",
            value=3.0,
            threshold=1.0,
            comparison=">",
            window_start=at - timedelta(minutes=10),
            window_end=at,
            starts_at=at,
            group_ids=(group_id,),
            sample_error_ids=(str(error_id),),
        ),
    )


def load_workload(
    settings: Settings, spawn: Callable[..., Process], seed: int = 71
) -> tuple[tuple[ErrorDetected, ...], datetime, datetime, list[uuid.UUID], uuid.UUID]:
    """Run a worker and the projectors over an hour of errors ending about an hour ago, then
    add correction plans, a prediction (no agent makes those yet) and a firing alert."""
    worker = spawn(settings, "worker")
    projector = spawn(settings, "project")
    worker.wait_for(WORKER_READY, 120)
    projector.wait_for(PROJECTORS_READY, 60)
    start = (datetime.now(UTC) - timedelta(hours=2)).replace(second=0, microsecond=0)
    spec = WorkloadSpec(
        seed=seed,
        errors=500,
        start=start,
        duration=timedelta(hours=1),
        bursts=6,
        cascades=2,
        degradations=2,
    )
    errors = tuple(generate(spec))
    publish(settings, ((ERROR_DETECTED, e) for e in errors))
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        ((classified,),) = rows(
            settings.dsn, "SELECT count(*) FROM errors WHERE group_id IS NOT NULL"
        )
        if classified == len(errors):
            break
        time.sleep(1.0)
    assert classified == len(errors)
    time.sleep(3.0)  # the agent's idle timers close what they will
    wait_projected(settings)
    groups = rows(
        settings.dsn,
        "SELECT group_id, service, last_error_id FROM error_groups "
        "ORDER BY occurrences DESC, group_id LIMIT 4",
    )
    plans_at = start + timedelta(minutes=30)
    events = list(correction_events([(g, s, e) for g, s, e in groups], plans_at))
    events.append(prediction_event(groups[0][1], start + timedelta(minutes=50)))
    events.append(
        firing_alert(groups[0][1], groups[0][0], groups[0][2], start + timedelta(minutes=55))
    )
    publish(settings, events)
    wait_projected(settings, ["corrections", "predictions", "alerts"])
    plan_ids = [uuid.uuid5(uuid.NAMESPACE_URL, f"plan:{g}") for g, _, _ in groups]
    end = max(e.occurred_at for e in errors)
    return errors, start, end, plan_ids[:-1], plan_ids[-1]


@pytest.fixture(scope="module")
def loaded(env: Settings, spawn_module: Callable[..., Process]) -> Iterator[Loaded]:
    errors, start, end, pending, decided = load_workload(env, spawn_module)
    for dsn in analyst_login(env):
        yield Loaded(env, errors, start, end, tuple(pending), decided, dsn)


def all_pages(fetch: Callable[[PageCursor | None], Page[T]]) -> tuple[list[T], int]:
    """Every row of every page, and how many pages there were."""
    out: list[T] = []
    cursor: PageCursor | None = None
    pages = 0
    while True:
        page = fetch(cursor)
        pages += 1
        out.extend(page.rows)
        if page.next_cursor is None:
            return out, pages
        # a cursor survives its text form, as it does between two CLI runs
        cursor = PageCursor.decode(page.next_cursor.encode())


def test_error_filters_agree_with_plain_sql(loaded: Loaded) -> None:
    dsn = loaded.analyst_dsn
    ((service, layer, category, severity),) = rows(
        dsn,
        "SELECT source_service_id, layer, category, severity FROM errors "
        "GROUP BY 1, 2, 3, 4 ORDER BY count(*) DESC LIMIT 1",
    )
    middle = loaded.start + timedelta(minutes=30)
    cases: list[tuple[Filters, str, tuple[Any, ...]]] = [
        (Filters(service=service), "source_service_id = %s", (service,)),
        (Filters(layer=layer), "layer = %s", (layer,)),
        (Filters(category=category), "category = %s", (category,)),
        (Filters(severity=severity), "severity = %s", (severity,)),
        (
            Filters(service=service, severity=severity, since=middle, until=loaded.end),
            "source_service_id = %s AND severity = %s AND occurred_at > %s AND occurred_at <= %s",
            (service, severity, middle, loaded.end),
        ),
        (
            Filters(status="ongoing"),
            "group_id IN (SELECT group_id FROM error_issues WHERE current_status = %s)",
            ("ongoing",),
        ),
    ]
    with psycopg.connect(dsn, autocommit=True) as conn:
        for filters, where, params in cases:
            expected = {r[0] for r in rows(dsn, f"SELECT id FROM errors WHERE {where}", *params)}
            found = list_errors(conn, filters, limit=10_000).rows
            assert expected, filters  # each case selects something
            assert {e.id for e in found} == expected, filters
            assert len(found) == len(expected)
        everything = list_errors(conn, Filters(), limit=10_000).rows
    assert {e.id for e in everything} == {e.event_id for e in loaded.errors}
    keys = [(e.occurred_at, e.id) for e in everything]
    assert keys == sorted(keys, reverse=True)  # newest first


def test_every_page_together_holds_every_row_exactly_once(loaded: Loaded) -> None:
    window = Filters(since=loaded.start - timedelta(minutes=1), until=loaded.end)
    with psycopg.connect(loaded.analyst_dsn, autocommit=True) as conn:
        checks: list[tuple[Callable[[PageCursor | None], Page[Any]], Callable[..., Any], int]] = [
            (lambda c: list_errors(conn, Filters(), 37, c), lambda e: e.id, 500),
            (lambda c: list_errors(conn, window, 50, c), lambda e: e.id, 500),
            (lambda c: top_groups(conn, window, 3, c), lambda g: g.group_id, 4),
            (lambda c: list_alerts(conn, Filters(), 2, c), lambda a: a.alert_id, 2),
            (lambda c: pending_corrections(conn, Filters(), 1, c), lambda p: p.id, 3),
        ]
        for fetch, identity, least in checks:
            paged, pages = all_pages(fetch)
            ids = [identity(r) for r in paged]
            assert len(ids) == len(set(ids)), "a row appeared on two pages"
            assert len(ids) >= least
            assert pages > 1
        # the pages of the error list are, in order, the one-page answer
        one_page = list_errors(conn, window, 10_000).rows
        paged_errors, _ = all_pages(lambda c: list_errors(conn, window, 50, c))
        assert [e.id for e in paged_errors] == [e.id for e in one_page]
        paged_groups, _ = all_pages(lambda c: top_groups(conn, window, 3, c))
        assert paged_groups == list(top_groups(conn, window, 10_000).rows)
        paged_alerts, _ = all_pages(lambda c: list_alerts(conn, Filters(), 2, c))
        assert paged_alerts == list(list_alerts(conn, Filters(), 10_000).rows)


def test_groups_top_ranks_as_the_top_groups_view(loaded: Loaded) -> None:
    length = loaded.end - loaded.start + timedelta(minutes=1)
    with psycopg.connect(loaded.analyst_dsn, autocommit=True) as conn:
        services = [r[0] for r in conn.execute("SELECT DISTINCT service FROM error_groups")]
        assert len(services) > 1
        for service in [None, *services]:
            view = conn.execute(
                "SELECT group_id, errors, reports FROM top_groups(%s, %s, 1000, %s)",
                (length, loaded.end, service),
            ).fetchall()
            ours = top_groups(
                conn,
                Filters(since=loaded.end - length, until=loaded.end, service=service),
                limit=1000,
            ).rows
            assert [(g.group_id, g.errors, g.reports) for g in ours] == view
            assert all(service in (None, g.service) for g in ours)
        ranked = top_groups(conn, Filters(since=loaded.end - length, until=loaded.end), 1000).rows
    assert sum(g.errors for g in ranked) == len(loaded.errors)
    order = [(-g.reports, -g.errors, g.group_id) for g in ranked]
    assert order == sorted(order)


def test_alerts_by_state_and_window(loaded: Loaded) -> None:
    dsn = loaded.analyst_dsn
    with psycopg.connect(dsn, autocommit=True) as conn:
        everything = list_alerts(conn, Filters(), 10_000).rows
        firing = list_alerts(conn, Filters(status="firing"), 10_000).rows
        resolved = list_alerts(conn, Filters(status="resolved"), 10_000).rows
        middle = loaded.start + timedelta(minutes=30)
        window = list_alerts(
            conn, Filters(since=middle, until=middle + timedelta(minutes=20)), 10_000
        ).rows
    assert firing and resolved, "the workload's incidents raised alerts, one fires still"
    assert {a.alert_id for a in everything} == {
        r[0] for r in rows(dsn, "SELECT alert_id FROM alerts")
    }
    assert {a.alert_id for a in firing} == {
        r[0] for r in rows(dsn, "SELECT alert_id FROM alerts WHERE status = 'firing'")
    }
    assert {a.alert_id for a in firing} | {a.alert_id for a in resolved} == {
        a.alert_id for a in everything
    }
    assert all(a.resolved_at is None for a in firing)
    for a in everything:
        fired_in_window = a.starts_at <= middle + timedelta(minutes=20) and (
            a.resolved_at is None or a.resolved_at > middle
        )
        assert (a in window) == fired_in_window


def test_one_error_is_shown_with_what_it_belongs_to(loaded: Loaded) -> None:
    dsn = loaded.analyst_dsn
    ((pattern_id, error_id),) = rows(
        dsn,
        "SELECT pattern_id, error_ids[1] FROM error_patterns "
        "ORDER BY detected_at, pattern_id LIMIT 1",
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        detail = show_error(conn, str(error_id))
        assert show_error(conn, uuid.uuid4()) is None
    assert detail is not None
    ((service, group_id, message),) = rows(
        dsn, "SELECT source_service_id, group_id, message FROM errors WHERE id = %s", error_id
    )
    assert (detail.service, detail.message) == (service, message)
    assert detail.group is not None and detail.group.group_id == group_id
    assert pattern_id in {p.pattern_id for p in detail.patterns}
    assert detail.classification.category is not None
    assert detail.classification.grouping_method is not None
    # the classifier's evidence travels with the error: at least category and type are explained
    explained = {e["field"] for e in detail.classification.evidence}
    assert {"category", "type"} <= explained
    sampled = {
        r[0]
        for r in rows(
            dsn, "SELECT alert_id FROM alerts WHERE %s = ANY (sample_error_ids)", str(error_id)
        )
    }
    assert sampled <= {a.alert_id for a in detail.alerts}


def test_pending_corrections_are_the_undecided_plans_oldest_first(loaded: Loaded) -> None:
    with psycopg.connect(loaded.analyst_dsn, autocommit=True) as conn:
        pending = pending_corrections(conn, Filters(), 100).rows
        one = pending_corrections(conn, Filters(service=pending[0].service), 100).rows
    assert [p.id for p in pending] == list(loaded.pending_plans)
    assert loaded.decided_plan not in {p.id for p in pending}
    assert all(p.action_types == ("restart_service",) for p in pending)
    assert all(p.approvers == ("oncall",) and p.group_title for p in pending)
    assert {p.id for p in one} == {p.id for p in pending if p.service == pending[0].service}


def cli(loaded: Loaded, *args: str) -> subprocess.CompletedProcess[str]:
    """`errorstream ARGS` as an analyst: DATABASE_URL is the analyst's login."""
    env = {**os.environ, **loaded.settings.as_environment(), "DATABASE_URL": loaded.analyst_dsn}
    return subprocess.run(
        [sys.executable, "-m", "errorstream", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_the_cli_pages_with_the_cursor_it_prints(loaded: Loaded) -> None:
    seen: list[str] = []
    cursor: list[str] = []
    pages = 0
    while True:
        done = cli(loaded, "errors", "list", "--limit", "150", "--format", "json", *cursor)
        assert done.returncode == 0, done.stderr
        seen += [row["id"] for row in json.loads(done.stdout)]
        pages += 1
        lines = [x for x in done.stderr.splitlines() if x.startswith("next cursor: ")]
        if not lines:
            break
        cursor = ["--cursor", lines[0].removeprefix("next cursor: ")]
    assert pages == 4
    assert len(seen) == len(set(seen)) == len(loaded.errors)
    assert set(seen) == {str(e.event_id) for e in loaded.errors}


def test_the_cli_answers_an_analyst(loaded: Loaded) -> None:
    until = loaded.end.isoformat()
    top = cli(loaded, "groups", "top", "--since", "3h", "--until", until, "--format", "json")
    assert top.returncode == 0, top.stderr
    groups = json.loads(top.stdout)
    assert 0 < len(groups) <= 20 and groups[0]["reports"] >= groups[-1]["reports"]
    table = cli(loaded, "groups", "top", "--since", "3h", "--until", until, "--limit", "5")
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].split(" | ")[0].strip() == "group"
    assert groups[0]["group_id"][:12] in table.stdout and "(5 rows)" in table.stdout
    assert "next cursor: " in table.stderr

    shown = cli(loaded, "errors", "show", str(loaded.errors[0].event_id), "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["id"] == str(loaded.errors[0].event_id)
    text = cli(loaded, "errors", "show", str(loaded.errors[0].event_id))
    assert "group " in text.stdout and loaded.errors[0].source.service in text.stdout

    firing = cli(loaded, "alerts", "--firing", "--format", "json")
    assert firing.returncode == 0, firing.stderr
    firing_ids = [a["alert_id"] for a in json.loads(firing.stdout)]
    assert firing_ids == [
        str(r[0])
        for r in rows(
            loaded.analyst_dsn,
            "SELECT alert_id FROM alerts WHERE status = 'firing' "
            "ORDER BY starts_at DESC, alert_id DESC",
        )
    ]
    assert firing_ids
    pending = cli(loaded, "corrections", "pending", "--format", "json")
    assert [p["id"] for p in json.loads(pending.stdout)] == [str(p) for p in loaded.pending_plans]

    bad = cli(loaded, "groups", "top", "--since", "an hour")
    assert bad.returncode == 2 and "duration" in bad.stderr
    alien = cli(loaded, "alerts", "--cursor", PageCursor("errors", ("x",)).encode())
    assert alien.returncode == 2 and "cursor" in alien.stderr
