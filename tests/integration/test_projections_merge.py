"""The SQL half of every MergeSpec agrees with its Python half, on the real tables.

Each table's rows from a sample stream are written in random order and random batches through
`write_merged` (Python fold per batch, ON CONFLICT merge across batches); the result must be
row for row what folding all rows at once in Python gives. And every valid event of every type
is projected without the database refusing it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from errorstream.config import Settings
from errorstream.projections.bulk import write_merged
from errorstream.projections.catalogue import PROJECTORS
from errorstream.projections.checksum import stable_session, table_checksum
from errorstream.projections.merge import MergeSpec, Row
from errorstream.projections.read_model import ReadModelProjector, storable
from errorstream.projections.runtime import Consumed
from errorstream.projections.samples import SampleSpec, sample_events

from ..unit.test_serialization import EVENTS

READ_MODELS = [p() for p in PROJECTORS.values() if isinstance(p(), ReadModelProjector)]


def sample_rows() -> dict[str, tuple[MergeSpec, list[Row]]]:
    by_topic = {topic: p for p in READ_MODELS for topic in p.topics}
    out: dict[str, tuple[MergeSpec, list[Row]]] = {}
    for topic, event in sample_events(SampleSpec(seed=5, errors=800)):
        projector = by_topic.get(topic)
        if projector is None:
            continue
        for spec, row in projector.rows(event):  # type: ignore[attr-defined]
            out.setdefault(spec.table, (spec, []))[1].append(tuple(storable(v) for v in row))
    return out


SAMPLES = sample_rows()
COMMUTATIVE = sorted(t for t, (spec, _) in SAMPLES.items() if spec.commutative)


@pytest.fixture
def conn(env: Settings) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(env.dsn, autocommit=True) as connection:
        stable_session(connection)
        yield connection


def _write(conn: psycopg.Connection[Any], spec: MergeSpec, rows: list[Row], schema: str) -> None:
    conn.execute(sql.SQL("SET search_path = {}").format(sql.Identifier(schema)))
    with conn.transaction(), conn.cursor() as cur:
        write_merged(cur, spec, rows)


@pytest.mark.parametrize("table", COMMUTATIVE)
def test_sql_merge_in_random_batches_equals_the_python_fold(
    conn: psycopg.Connection[Any], table: str
) -> None:
    spec, rows = SAMPLES[table]
    conn.execute("DROP SCHEMA IF EXISTS expected CASCADE")
    conn.execute("CREATE SCHEMA expected")
    conn.execute(
        sql.SQL("CREATE TABLE expected.{t} (LIKE public.{t} INCLUDING ALL)").format(
            t=sql.Identifier(table)
        )
    )
    conn.execute(sql.SQL("TRUNCATE public.{}").format(sql.Identifier(table)))
    rng = random.Random(table)
    shuffled = rows + rng.sample(rows, min(len(rows), 25))  # and some redelivered
    rng.shuffle(shuffled)
    start = 0
    while start < len(shuffled):
        size = rng.choice((1, 2, 7, 50))
        _write(conn, spec, shuffled[start : start + size], "public")
        start += size
    _write(conn, spec, rows, "expected")  # folded in one go
    conn.execute("RESET search_path")
    merged = table_checksum(conn, table, "public")
    expected = table_checksum(conn, table, "expected")
    assert merged.rows == len({spec.key_of(r) for r in rows})
    assert merged == expected


@pytest.mark.parametrize("projector", READ_MODELS, ids=lambda p: p.name)
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_valid_event_is_stored_without_refusal(
    conn: psycopg.Connection[Any], projector: ReadModelProjector, data: st.DataObject
) -> None:
    model = data.draw(st.sampled_from(projector.accepts))
    event = data.draw(EVENTS[model.__name__])
    with conn.transaction(force_rollback=True), conn.cursor() as cur:
        projector.apply(cur, [Consumed("t", 0, 0, event), Consumed("t", 0, 1, event)])
        for table in {spec.table for spec, _ in projector.rows(event)}:
            row = cur.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()
            assert row is not None and row[0] >= 1
