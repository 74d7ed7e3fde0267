"""Replay: every projection rebuilt and swapped in while serving; agents re-derived under a fresh id.

The rebuild test runs the live projectors, an analyst querying every table and view in a loop,
and `errorstream replay --all` while more events arrive. Afterwards the querying thread has seen
no error, the rebuilt tables carry their views and grants, the live projectors carried on from
the rebuilt offsets (fenced by the compare-and-set), and every table's checksum equals the
same topics projected without interruption into another database.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from confluent_kafka import ConsumerGroupTopicPartitions
from confluent_kafka.admin import AdminClient

from errorstream.config import Settings
from errorstream.projections.alerts import AlertsProjector
from errorstream.projections.catalogue import PROJECTORS, projectors_named, read_model_tables
from errorstream.projections.groups import ErrorGroupsProjector
from errorstream.projections.replay import Rebuild, watermarks
from errorstream.projections.runtime import ProjectionHost, Projector
from errorstream.projections.samples import SampleSpec, sample_events
from errorstream.streams.topics import ERROR_CLASSIFIED, ERROR_DETECTED
from errorstream.workload import WorkloadSpec, generate

from .conftest import PROJECTORS_READY, WORKER_READY, Process, Servers, isolated
from .read_models import (
    publish,
    records_now,
    reference_checksums,
    table_checksums,
    wait_projected,
)

VIEWS = (
    "pending_error_analysis",
    "error_reports_summary",
    "error_issues",
    "top_groups_1h",
    "top_groups_24h",
    "mttr_by_service",
    "correction_success_rate",
    "alert_noise_by_rule",
    "error_pattern_members",
)


@pytest.fixture
def analyst(env: Settings) -> Iterator[str]:
    """A login role in errorstream_analyst; its DSN."""
    name = f"analyst_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(env.dsn, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN IN ROLE errorstream_analyst")
    info = psycopg.conninfo.conninfo_to_dict(env.dsn)
    info["user"] = name
    try:
        yield psycopg.conninfo.make_conninfo(**info)
    finally:
        with psycopg.connect(env.dsn, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (name,),
            )
            conn.execute(f"DROP ROLE IF EXISTS {name}")


class Reader(threading.Thread):
    """Queries every read-model table and view in a loop, as an analyst would."""

    def __init__(self, dsn: str) -> None:
        super().__init__(daemon=True)
        self.dsn = dsn
        self.stop = threading.Event()
        self.queries = 0
        self.errors: list[str] = []
        tables = [t for t in read_model_tables() if t != "dead_letters"]
        self.statements = [f"SELECT count(*) FROM {t}" for t in tables] + [
            f"SELECT * FROM {v} LIMIT 50" for v in VIEWS
        ]
        self.statements.append("SELECT count(*), max(reason) FROM dead_letters")
        self.statements.append("SELECT * FROM top_groups(interval '100 days', now(), 5)")

    def run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stop.is_set():
                for statement in self.statements:
                    try:
                        conn.execute(statement).fetchall()
                        self.queries += 1
                    except psycopg.Error as exc:
                        self.errors.append(f"{statement}: {exc}")


CATALOGUE_SHAPE = {
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
    "FROM pg_constraint WHERE connamespace = 'public'::regnamespace",
    "grants": "SELECT table_name, grantee, privilege_type FROM information_schema.table_privileges "
    "WHERE table_schema = 'public'",
    "column grants": "SELECT table_name, column_name, grantee, privilege_type "
    "FROM information_schema.column_privileges WHERE table_schema = 'public' "
    "AND grantee LIKE 'errorstream%'",
    "views": "SELECT viewname, definition FROM pg_views WHERE schemaname = 'public'",
    "owners": "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'",
}


def catalogue_shape(settings: Settings) -> dict[str, set[tuple[Any, ...]]]:
    """Indexes, constraints, grants, views and owners of the public schema."""
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        return {
            name: {tuple(row) for row in conn.execute(query).fetchall()}
            for name, query in CATALOGUE_SHAPE.items()
        }


def test_every_projection_rebuilds_while_queries_keep_answering(
    env: Settings, servers: Servers, analyst: str, spawn: Callable[..., Process]
) -> None:
    publish(env, sample_events(SampleSpec(seed=31, errors=3000)))
    live = spawn(env, "project")
    live.wait_for(PROJECTORS_READY, 60)
    wait_projected(env)
    before = table_checksums(env)
    shape = catalogue_shape(env)

    reader = Reader(analyst)
    reader.start()
    replay = spawn(env, "replay", "--all", "--batch-size", "400", "--lock-timeout-ms", "500")
    time.sleep(2.0)
    publish(env, sample_events(SampleSpec(seed=32, errors=1500)))  # arrives during the rebuild
    deadline = time.monotonic() + 300
    while replay.popen.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    queries_during = reader.queries
    assert replay.popen.returncode == 0, replay.output()[-3000:]
    output = replay.output()
    for name in PROJECTORS:
        assert f"{name}: rebuilt from" in output
    assert "events/s" in output and "done" in output  # the progress bar's rate and end

    publish(env, sample_events(SampleSpec(seed=33, errors=300)))  # after every swap
    wait_projected(env)
    time.sleep(1.0)
    reader.stop.set()
    reader.join(30)

    assert reader.errors == []
    assert queries_during > 100
    assert "Traceback" not in live.output()  # the live projectors never failed
    with psycopg.connect(env.dsn, autocommit=True) as conn:
        leftovers = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'errorstream_re%'"
        ).fetchall()
        views = {row[0] for row in conn.execute("SELECT viewname FROM pg_views")}
    assert leftovers == []
    assert set(VIEWS) <= views
    after_shape = catalogue_shape(env)
    for aspect, rows in shape.items():  # same names, definitions, grants and owners
        assert after_shape[aspect] == rows, aspect
    with (  # the grants came along
        psycopg.connect(analyst, autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("SELECT original_value FROM dead_letters")
    after = table_checksums(env)
    assert after["errors"].rows > before["errors"].rows
    assert after == reference_checksums(servers, env)
    live.stop()


class SwapAfterTheLiveMovesOn(Rebuild):
    """A rebuild whose live projector consumes more events between the rebuild's last batch
    and the swap, so the swap moves the stored offsets back under the live projector."""

    def __init__(self, settings: Settings, projector: Projector, more: list[Any]) -> None:
        super().__init__(settings, projector)
        self.more = more

    def _swap(self, conn: psycopg.Connection[Any]) -> None:
        publish(self.settings, self.more)
        wait_projected(self.settings, [self.name])  # by the live projector, into the old tables
        super()._swap(conn)


def test_the_live_projector_is_fenced_by_the_swap_and_carries_on(
    fresh: Settings, servers: Servers, caplog: pytest.LogCaptureFixture
) -> None:
    waves = [list(sample_events(SampleSpec(seed=seed, errors=400))) for seed in (81, 82, 83, 84)]
    publish(fresh, waves[0])
    host = ProjectionHost(fresh, projectors_named(["alerts", "error_groups"]))
    host.start()
    try:
        wait_projected(fresh, ["alerts", "error_groups"])
        SwapAfterTheLiveMovesOn(fresh, AlertsProjector(), waves[1]).run()
        SwapAfterTheLiveMovesOn(fresh, ErrorGroupsProjector(), waves[2]).run()
        # No new message arrives to be fenced on: the live projectors notice the moved offsets
        # on their own, go back, and re-apply what the new tables lack.
        wait_projected(fresh, ["alerts", "error_groups"])
        idle, idle_reference = table_checksums(fresh), reference_checksums(servers, fresh)
        publish(fresh, waves[3])
        wait_projected(fresh, ["alerts", "error_groups"])
    finally:
        host.stop()
    assert not host.failures
    assert caplog.text.count("offsets moved under us; re-seeking") >= 2  # both were moved back
    live, reference = table_checksums(fresh), reference_checksums(servers, fresh)
    for table in ("alerts", "alert_notifications", "error_groups", "error_group_regressions"):
        assert idle[table] == idle_reference[table], table
        assert live[table] == reference[table], table


def test_checksum_command_prints_what_the_tables_hold(
    env: Settings, spawn: Callable[..., Process]
) -> None:
    checker = spawn(env, "checksum", "--projection", "alerts", "--projection", "corrections")
    assert checker.popen.wait(60) == 0
    lines = [line.split() for line in checker.output().splitlines() if line.strip()]
    sums = table_checksums(env)
    printed = {table: (int(rows), digest) for _name, table, rows, digest in lines}
    assert set(printed) == {
        "alerts",
        "alert_notifications",
        "correction_plans",
        "correction_executions",
    }
    for table, (rows, digest) in printed.items():
        assert (rows, digest) == (sums[table].rows, sums[table].digest)


@pytest.fixture
def fresh(servers: Servers) -> Iterator[Settings]:
    with isolated(servers) as settings:
        yield settings


def _committed(settings: Settings, group: str) -> dict[tuple[str, int], int]:
    admin = AdminClient({"bootstrap.servers": settings.bootstrap_servers})
    result = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[
        group
    ].result()
    return {(tp.topic, tp.partition): tp.offset for tp in result.topic_partitions or []}


def test_agents_rederive_their_state_under_a_fresh_app_id(
    fresh: Settings, spawn: Callable[..., Process]
) -> None:
    worker = spawn(fresh, "worker")
    worker.wait_for(WORKER_READY, 120)
    events = list(generate(WorkloadSpec(seed=41, errors=200)))
    publish(fresh, ((ERROR_DETECTED, e) for e in events))

    def classified() -> dict[Any, list[bytes]]:
        copies: dict[Any, list[bytes]] = {}
        for record in records_now(fresh, ERROR_CLASSIFIED):
            assert record.value is not None
            copies.setdefault(record.value, []).append(record.value)
        return copies

    deadline = time.monotonic() + 120
    while len(classified()) < len(events) and time.monotonic() < deadline:
        time.sleep(1.0)
    worker.stop()
    first = sum(len(v) for v in classified().values())
    assert first >= len(events)

    again = f"{fresh.app_id}-again"
    replay = spawn(fresh, "replay", "--agents", "--app-id", again, "--timeout", "300")
    assert replay.popen.wait(360) == 0, replay.output()[-3000:]
    assert f"ERRORSTREAM_APP_ID={again}" in replay.output()

    committed = _committed(fresh, again)
    for (topic, partition), (low, high) in watermarks(fresh, [ERROR_DETECTED]).items():
        if high > low:
            assert committed.get((topic, partition), -1) >= high
    # The re-derived classifications are the same events, byte for byte: every distinct
    # payload was already there, and each now appears (at least) twice.
    copies = classified()
    assert len(copies) == len({e.event_id for e in events})
    once = [payload for payload, seen in copies.items() if len(seen) < 2]
    assert once == [], f"{len(once)} of {len(copies)} classifications were not re-derived"
