"""Merging rows of one entity: any order, any number of deliveries, one result.

The Python half of every read model's MergeSpec is checked here (pure); its SQL half is checked
against it on a real database in tests/integration/test_projections_merge.py.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb

from errorstream.projections.alerts import ALERTS, alert_rows
from errorstream.projections.catalogue import PROJECTORS
from errorstream.projections.corrections import EXECUTIONS, PLANS, correction_rows
from errorstream.projections.groups import GROUPS
from errorstream.projections.merge import Column, MergeSpec, Row, Rule, Stamp
from errorstream.projections.read_model import ReadModelProjector
from errorstream.projections.samples import SampleSpec, sample_events
from errorstream.schemas.enums import ExecutionStatus, Severity
from errorstream.schemas.models import (
    AlertRaised,
    AlertResolved,
    CorrectionApproved,
    CorrectionCompleted,
    CorrectionStarted,
)

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def comparable(row: Row) -> tuple[Any, ...]:
    return tuple(value.obj if isinstance(value, Jsonb) else value for value in row)


def rows_by_spec() -> dict[str, tuple[MergeSpec, list[Row]]]:
    """Every row the sample stream makes, by table (read-model projectors only)."""
    projectors = [p() for p in PROJECTORS.values()]
    by_topic = {
        topic: p for p in projectors if isinstance(p, ReadModelProjector) for topic in p.topics
    }
    out: dict[str, tuple[MergeSpec, list[Row]]] = {}
    for topic, event in sample_events(SampleSpec(errors=400)):
        projector = by_topic.get(topic)
        if projector is None:
            continue
        for spec, row in projector.rows(event):
            out.setdefault(spec.table, (spec, []))[1].append(row)
    return out


SAMPLE_ROWS = rows_by_spec()
COMMUTATIVE = sorted(t for t, (spec, _) in SAMPLE_ROWS.items() if spec.commutative)


def folded(spec: MergeSpec, rows: list[Row]) -> dict[Row, tuple[Any, ...]]:
    return {spec.key_of(row): comparable(row) for row in spec.fold(rows)}


def test_the_samples_feed_every_read_model() -> None:
    tables = {t for p in PROJECTORS.values() for t in p.tables} - {"errors", "dead_letters"}
    assert tables <= set(SAMPLE_ROWS)


@pytest.mark.parametrize("table", COMMUTATIVE)
@settings(max_examples=40)
@given(seed=st.integers(0, 2**32 - 1), repeats=st.integers(0, 30))
def test_any_order_and_any_redelivery_give_one_result(table: str, seed: int, repeats: int) -> None:
    spec, rows = SAMPLE_ROWS[table]
    rng = random.Random(seed)
    shuffled = rows + [rng.choice(rows) for _ in range(repeats)]
    rng.shuffle(shuffled)
    assert folded(spec, shuffled) == folded(spec, rows)


@pytest.mark.parametrize("table", COMMUTATIVE)
@settings(max_examples=40)
@given(seed=st.integers(0, 2**32 - 1))
def test_folding_in_batches_is_folding_at_once(table: str, seed: int) -> None:
    """What the projector does across batches (fold, then merge into the stored row)."""
    spec, rows = SAMPLE_ROWS[table]
    rng = random.Random(seed)
    shuffled = rows[:]
    rng.shuffle(shuffled)
    cut = sorted(rng.sample(range(len(shuffled) + 1), 3))
    stored: dict[Row, Row] = {}
    for batch in (shuffled[: cut[0]], shuffled[cut[0] : cut[1]], shuffled[cut[1] :]):
        for row in spec.fold(batch):
            key = spec.key_of(row)
            stored[key] = row if key not in stored else spec.merge(stored[key], row)
    assert {k: comparable(v) for k, v in stored.items()} == folded(spec, rows)


def test_merging_a_row_into_itself_changes_nothing() -> None:
    for spec, rows in SAMPLE_ROWS.values():
        for row in rows[:50]:
            assert comparable(spec.merge(row, row)) == comparable(row)


# -- the lifecycles the specs encode ----------------------------------------------------------
def _raised(alert_id: uuid.UUID, at: datetime, number: int, severity: Severity) -> AlertRaised:
    return AlertRaised(
        event_id=uuid.uuid5(alert_id, f"raised:{number}"),
        occurred_at=at,
        source={"service": "checkout"},
        alert_id=alert_id,
        rule="layer_rate",
        key="checkout/api",
        service="checkout",
        severity=severity,
        summary=f"notification {number}",
        value=float(10 + number),
        threshold=6.0,
        comparison=">",
        window_start=at - timedelta(minutes=1),
        window_end=at,
        starts_at=T0,
    )


def _resolved(alert_id: uuid.UUID, at: datetime) -> AlertResolved:
    return AlertResolved(
        event_id=uuid.uuid5(alert_id, "resolved"),
        occurred_at=at,
        source={"service": "checkout"},
        alert_id=alert_id,
        rule="layer_rate",
        key="checkout/api",
        service="checkout",
        starts_at=T0,
        resolved_at=at,
        duration_ms=int((at - T0).total_seconds() * 1000),
        value=1.0,
        threshold=6.0,
        reason="quiet",
    )


def _alert_row(events: list[AlertRaised | AlertResolved]) -> dict[str, Any]:
    rows = [row for e in events for spec, row in alert_rows(e) if spec is ALERTS]
    (merged,) = ALERTS.fold(rows)
    return dict(zip(ALERTS.names, comparable(merged), strict=True))


def test_an_alert_resolved_before_it_was_raised_is_resolved_with_the_raise_details() -> None:
    alert_id = uuid.uuid4()
    first = _raised(alert_id, T0, 1, Severity.MEDIUM)
    repeat = _raised(alert_id, T0 + timedelta(minutes=5), 2, Severity.HIGH)
    resolved = _resolved(alert_id, T0 + timedelta(minutes=12))
    row = _alert_row([resolved, repeat, first])
    assert row["status"] == "resolved"
    assert row["severity"] == "high"  # the highest of its notifications
    assert row["summary"] == "notification 2"  # the latest notification's
    assert row["peak_value"] == 12.0
    assert row["starts_at"] == T0
    assert row["resolved_at"] == T0 + timedelta(minutes=12)
    assert row["duration_ms"] == 12 * 60 * 1000
    assert row["last_notified_at"] == T0 + timedelta(minutes=5)
    assert row == _alert_row([first, repeat, resolved])


def test_a_firing_alert_stays_firing_until_resolved() -> None:
    alert_id = uuid.uuid4()
    row = _alert_row([_raised(alert_id, T0, 1, Severity.HIGH)])
    assert row["status"] == "firing"
    assert row["resolved_at"] is None


PlanEvent = CorrectionApproved | CorrectionStarted | CorrectionCompleted


def _plan_events(plan_id: uuid.UUID, at: datetime) -> list[PlanEvent]:
    execution_id = uuid.uuid5(plan_id, "execution")
    source = {"service": "orders"}
    return [
        CorrectionApproved(
            event_id=uuid.uuid5(plan_id, "approved"),
            occurred_at=at,
            source=source,
            plan_id=plan_id,
            decided_by="rule",
            decision_source="rule",
            reason="low risk",
        ),
        CorrectionStarted(
            event_id=uuid.uuid5(plan_id, "started"),
            occurred_at=at,  # the same millisecond as the approval
            source=source,
            execution_id=execution_id,
            plan_id=plan_id,
            actions=("a1",),
        ),
        CorrectionCompleted(
            event_id=uuid.uuid5(plan_id, "completed"),
            occurred_at=at + timedelta(seconds=30),
            source=source,
            execution_id=execution_id,
            plan_id=plan_id,
            status=ExecutionStatus.FAILED,
            started_at=at,
            validation={"passed": False},
            metrics={"duration_ms": 30_000, "errors_before": 5, "errors_after": 5},
        ),
    ]


@given(order=st.permutations(range(3)))
def test_a_plans_status_follows_its_lifecycle_whatever_the_order(order: list[int]) -> None:
    plan_id = uuid.UUID(int=7)
    events = _plan_events(plan_id, T0)
    by_table: dict[str, list[Row]] = defaultdict(list)
    for index in order:
        for spec, row in correction_rows(events[index]):
            by_table[spec.table].append(row)
    (plan,) = PLANS.fold(by_table["correction_plans"])
    (execution,) = EXECUTIONS.fold(by_table["correction_executions"])
    plan_row = dict(zip(PLANS.names, plan, strict=True))
    execution_row = dict(zip(EXECUTIONS.names, execution, strict=True))
    assert plan_row["status"] == "failed"
    assert plan_row["decision"] == "approved"
    assert plan_row["strategy"] is None  # CorrectionPlanned not read yet
    assert execution_row["execution_status"] == "failed"
    assert execution_row["started_at"] == T0
    assert execution_row["completed_at"] == T0 + timedelta(seconds=30)


def test_within_one_millisecond_the_later_lifecycle_step_wins() -> None:
    plan_id = uuid.UUID(int=8)
    approved, started, _completed = _plan_events(plan_id, T0)
    rows = [row for e in (started, approved) for spec, row in correction_rows(e) if spec is PLANS]
    (plan,) = PLANS.fold(rows)
    assert dict(zip(PLANS.names, plan, strict=True))["status"] == "in_progress"


# -- the rules themselves ---------------------------------------------------------------------
STAMP = Stamp(at="at", id="event_id")
TOY = MergeSpec(
    "toy",
    (
        Column("id", Rule.KEY),
        Column("low", Rule.MIN),
        Column("high", Rule.MAX),
        Column("flag", Rule.ANY),
        Column("state", Rule.RANKED, ranks=("new", "open", "closed")),
        Column("label", Rule.LATEST, STAMP),
        Column("first_label", Rule.EARLIEST, STAMP),
        Column("at", Rule.LATEST, STAMP),
        Column("event_id", Rule.LATEST, STAMP),
    ),
)


def _toy(**values: Any) -> Row:
    return TOY.row(id=1, **values)


def test_each_rule() -> None:
    a = _toy(low=3, high=3, flag=False, state="open", label="a", first_label="a", at=2, event_id=5)
    b = _toy(low=1, high=9, flag=True, state="new", label="b", first_label="b", at=1, event_id=9)
    merged = dict(zip(TOY.names, TOY.merge(a, b), strict=True))
    assert merged == {
        "id": 1,
        "low": 1,
        "high": 9,
        "flag": True,
        "state": "open",
        "label": "a",  # a's stamp (2, 5) is later than b's (1, 9)
        "first_label": "b",
        "at": 2,
        "event_id": 5,
    }


def test_a_row_without_a_contribution_of_a_kind_takes_any() -> None:
    a = _toy(low=None, label=None, at=None, event_id=None)
    b = _toy(low=4, label="b", at=1, event_id=1)
    merged = dict(zip(TOY.names, TOY.merge(a, b), strict=True))
    assert (merged["low"], merged["label"]) == (4, "b")
    merged = dict(zip(TOY.names, TOY.merge(b, a), strict=True))
    assert (merged["low"], merged["label"]) == (4, "b")


def test_specs_refuse_what_they_cannot_merge() -> None:
    with pytest.raises(ValueError, match="needs a stamp"):
        MergeSpec("bad", (Column("id", Rule.KEY), Column("x", Rule.LATEST)))
    with pytest.raises(ValueError, match="stamp column"):
        MergeSpec("bad", (Column("id", Rule.KEY), Column("x", Rule.LATEST, STAMP)))
    with pytest.raises(ValueError, match="ranks"):
        MergeSpec("bad", (Column("id", Rule.KEY), Column("x", Rule.RANKED)))
    with pytest.raises(ValueError, match="no key"):
        MergeSpec("bad", (Column("x", Rule.MAX),))
    with pytest.raises(ValueError, match="no column"):
        GROUPS.row(nonsense=1)


def test_the_sql_half_names_every_merged_column_once() -> None:
    for spec, _rows in SAMPLE_ROWS.values():
        text = spec.set_clause().as_string(None)
        for column in spec.columns:
            assignment = f'"{column.name}" = '
            assert text.count(assignment) == (0 if column.rule is Rule.KEY else 1), column
