"""Roles: the analyst reads the read models and nothing else; the writer runs projectors.

Logs in as members of the roles the migrations create and tries what each must and must not be
able to do. Also: migrations of two databases at once both succeed although the roles are
cluster-wide (the second finds them existing, or being created).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from psycopg import sql

from errorstream.config import Settings
from errorstream.projections.catalogue import projectors_named, read_model_tables
from errorstream.projections.migrations import MIGRATIONS_DIR, migrate
from errorstream.projections.runtime import ProjectionWorker
from errorstream.projections.samples import SampleSpec, sample_events

from .conftest import Servers, _database_url
from .read_models import publish, wait_projected

READ_MODEL_VIEWS = (
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


def login(env: Settings, group: str) -> Iterator[str]:
    name = f"{group.rsplit('_', maxsplit=1)[-1]}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(env.dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN IN ROLE {}").format(
                sql.Identifier(name), sql.Identifier(group)
            )
        )
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
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


@pytest.fixture
def analyst(env: Settings) -> Iterator[str]:
    yield from login(env, "errorstream_analyst")


@pytest.fixture
def writer(env: Settings) -> Iterator[str]:
    yield from login(env, "errorstream_writer")


def denied(dsn: str, statement: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        try:
            conn.execute(statement.encode())
        except psycopg.errors.InsufficientPrivilege:
            return True
    return False


def test_the_analyst_reads_every_read_model_and_view(env: Settings, analyst: str) -> None:
    with psycopg.connect(analyst, autocommit=True) as conn:
        for table in read_model_tables():
            columns = "event_id, reason" if table == "dead_letters" else "*"
            conn.execute(f"SELECT {columns} FROM {table} LIMIT 1").fetchall()
        for view in READ_MODEL_VIEWS:
            conn.execute(f"SELECT * FROM {view} LIMIT 1").fetchall()
        conn.execute("SELECT * FROM top_groups(interval '7 days')").fetchall()


def test_the_analyst_reads_nothing_else(env: Settings, analyst: str) -> None:
    with psycopg.connect(env.dsn, autocommit=True) as conn:
        relations = {
            name
            for (name,) in conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'p', 'f')"
            )
        }
    others = relations - set(read_model_tables()) - set(READ_MODEL_VIEWS)
    assert {"projection_offsets", "schema_migrations"} <= others
    for relation in sorted(others):
        assert denied(analyst, f"SELECT * FROM {relation} LIMIT 1"), relation
    assert denied(analyst, "SELECT original_value FROM dead_letters")
    assert denied(analyst, "SELECT original_key FROM dead_letters")
    assert denied(analyst, "SELECT * FROM dead_letters")


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO alert_thresholds (id, event_id, scope, metric, threshold_value, "
        "comparison_operator, severity, updated_at) "
        "VALUES ('x', gen_random_uuid(), 'a', 'm', 1, '>', 'low', now())",
        "UPDATE error_groups SET status = 'resolved'",
        "DELETE FROM errors",
        "TRUNCATE alerts",
        "UPDATE projection_offsets SET next_offset = 0",
        "CREATE TABLE public.notes (x int)",
        "CREATE TEMP TABLE scratch (x int)",
        "CREATE SCHEMA mine",
        "CREATE VIEW public.mine AS SELECT 1",
        "ALTER TABLE errors ADD COLUMN note text",
        "DROP VIEW pending_error_analysis",
        "DROP TABLE errors",
        "CREATE INDEX ON errors (message)",
        "GRANT SELECT ON projection_offsets TO PUBLIC",
        "COMMENT ON TABLE errors IS 'mine'",
    ],
)
def test_the_analyst_writes_nothing_and_defines_nothing(analyst: str, statement: str) -> None:
    with (
        psycopg.connect(analyst, autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(statement.encode())


def test_the_writer_runs_a_projector_but_defines_nothing(env: Settings, writer: str) -> None:
    as_writer = env.model_copy(update={"database_url": writer})
    events = [(t, e) for t, e in sample_events(SampleSpec(seed=61, errors=200))]
    publish(env, events)
    projectors = projectors_named(["alerts", "error_groups", "corrections"])
    workers = [ProjectionWorker(as_writer, p) for p in projectors]
    threads = [threading.Thread(target=w.run, daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    try:
        wait_projected(env, [p.name for p in projectors], timeout=60)
    finally:
        for worker in workers:
            worker.stop()
        for thread in threads:
            thread.join(30)
    assert all(w.stats.events > 0 and w.stats.dead_lettered == 0 for w in workers)
    for statement in (
        "DROP TABLE alerts",
        "ALTER TABLE alerts ADD COLUMN note text",
        "CREATE TABLE public.notes (x int)",
        "SELECT * FROM schema_migrations",
        "TRUNCATE alerts",
    ):
        assert denied(writer, statement), statement


def test_creating_a_role_races_safely(servers: Servers) -> None:
    """The migration's role-creating block, run by several databases' migrations at once."""
    text = (MIGRATIONS_DIR / "0004_roles.sql").read_text()
    block = text[text.index("DO $$") : text.index("$$;") + 3]
    assert "CREATE ROLE errorstream_writer NOLOGIN" in block
    role = f"racer_{uuid.uuid4().hex[:8]}"
    statement = block.replace("errorstream_writer", role)
    start = threading.Barrier(4)

    def create() -> None:
        with psycopg.connect(servers.admin_dsn, autocommit=True) as conn:
            start.wait()
            conn.execute(statement.encode())

    try:
        with ThreadPoolExecutor(4) as pool:
            for future in [pool.submit(create) for _ in range(4)]:
                future.result()
        with psycopg.connect(servers.admin_dsn, autocommit=True) as conn:
            assert conn.execute(
                "SELECT count(*) FROM pg_roles WHERE rolname = %s", (role,)
            ).fetchone() == (1,)
    finally:
        with psycopg.connect(servers.admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_two_databases_migrate_at_once_though_roles_are_cluster_wide(servers: Servers) -> None:
    names = [f"errorstream_test_roles_{uuid.uuid4().hex[:8]}" for _ in range(3)]
    with psycopg.connect(servers.admin_dsn, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with ThreadPoolExecutor(len(names)) as pool:
            applied = list(pool.map(lambda n: migrate(_database_url(servers.admin_dsn, n)), names))
        assert all(len(a) == len(applied[0]) > 0 for a in applied)
        for name in names:
            with psycopg.connect(_database_url(servers.admin_dsn, name)) as conn:
                granted = conn.execute(
                    "SELECT has_table_privilege('errorstream_analyst', 'errors', 'SELECT'), "
                    "has_table_privilege('errorstream_analyst', 'projection_offsets', 'SELECT')"
                ).fetchone()
            assert granted == (True, False)
    finally:
        with psycopg.connect(servers.admin_dsn, autocommit=True) as conn:
            for name in names:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
