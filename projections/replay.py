"""Rebuilding a projection from its topics in a shadow schema, then swapping it in atomically.

Order of a rebuild (`Rebuild.run`), and why:

1. Take the projection's rebuild lock (a session advisory lock): one rebuild per projection.
2. Create schema ``errorstream_rebuild_<projection>`` holding empty copies of the projection's
   tables — same columns, defaults, CHECK constraints and keys under the same names — and a
   ``projection_offsets`` of its own. Tables with foreign keys pointing at them are refused
   (a swapped table would leave those keys on the retired one).
3. Run the projector on it: its own consumer group, the earliest offsets, and a connection whose
   ``search_path`` is only the shadow schema (a projector that touched any other table would
   fail here, not corrupt the live one). It runs until it has consumed everything the topics
   held when the rebuild began. Meanwhile the live tables keep serving and the live projector
   keeps writing them.
4. Build the secondary indexes (same names, same definitions), ANALYZE, and catch up with what
   arrived in the meantime; then stop the rebuild's projector.
5. Swap, in one transaction (short ``lock_timeout``, retried until `swap_timeout`): lock the
   live tables and the projection's offsets; drop the views that depend on the tables,
   remembering their definitions, owners, options, comments and grants; move the live tables
   into a retired schema and the rebuilt ones into ``public``; give them the live tables'
   owner, comments and grants (columns' too); recreate the views; replace the projection's
   stored offsets with the rebuild's; drop both schemas.
6. The live projector's next commit finds its stored offsets changed (compare-and-set) and is
   fenced: it rolls back, seeks to the rebuilt offsets and carries on into the new tables.
   Prepared statements are re-planned by PostgreSQL after the swap's DDL.

Readers never see an error: a query waits at most one lock_timeout for the swap.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient
from psycopg import sql

from errorstream.config import Settings
from errorstream.exceptions import ErrorStreamError
from errorstream.projections.runtime import ProjectionWorker, Projector

log = logging.getLogger(__name__)

LIVE_SCHEMA = "public"
SHADOW_PREFIX = "errorstream_rebuild_"
RETIRED_PREFIX = "errorstream_retired_"
_LOCK_CLASS = 0x6573  # advisory lock namespace of rebuilds ("es")

ProgressCallback = Callable[[int, int], None]  # (events done, events to do)


class ReplayError(ErrorStreamError):
    pass


@dataclass(frozen=True)
class RebuildReport:
    projection: str
    events: int  # messages consumed by the rebuild (offsets it advanced)
    seconds: float
    swap_seconds: float
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def shadow_schema(projection: str) -> str:
    return f"{SHADOW_PREFIX}{projection}"


# -- topics ---------------------------------------------------------------------------------
Partition = tuple[str, int]


def watermarks(settings: Settings, topics: Sequence[str]) -> dict[Partition, tuple[int, int]]:
    """(low, high) offsets of every partition of the catalogue `topics`."""
    consumer = Consumer(
        {
            "bootstrap.servers": settings.bootstrap_servers,
            "group.id": f"{settings.app_id}-watermarks",
            "enable.auto.commit": False,
            "log_level": 3,
        }
    )
    try:
        marks: dict[Partition, tuple[int, int]] = {}
        for catalogue_name in topics:
            name = settings.topic(catalogue_name)
            metadata = consumer.list_topics(name, timeout=10).topics[name]
            if metadata.error is not None:
                raise ReplayError(f"topic {name}: {metadata.error}")
            for partition in sorted(metadata.partitions):
                low, high = consumer.get_watermark_offsets(
                    TopicPartition(name, partition), timeout=10
                )
                marks[(name, partition)] = (int(low), int(high))
        return marks
    finally:
        consumer.close()


def consumed(marks: dict[Partition, tuple[int, int]], stored: dict[Partition, int]) -> int:
    """How many of the messages below the high watermarks the stored offsets are past."""
    total = 0
    for partition, (low, high) in marks.items():
        position = stored.get(partition)
        if position is not None:
            total += max(0, min(position, high) - low)
    return total


def reached(marks: dict[Partition, tuple[int, int]], stored: dict[Partition, int]) -> bool:
    return all(high <= low or stored.get(p, low) >= high for p, (low, high) in marks.items())


# -- the catalogue: what a table and its dependants look like ---------------------------------
def _ident(*parts: str) -> sql.Composable:
    return sql.Identifier(*parts)


@dataclass(frozen=True)
class Grant:
    privilege: str
    grantee: str | None  # None: PUBLIC
    column: str | None = None
    grantable: bool = False

    def statement(self, relation: sql.Composable) -> sql.Composed:
        what: sql.Composable = sql.SQL(self.privilege)
        if self.column is not None:
            what = sql.SQL("{} ({})").format(what, _ident(self.column))
        return sql.SQL("GRANT {} ON TABLE {} TO {}{}").format(
            what,
            relation,
            sql.SQL("PUBLIC") if self.grantee is None else _ident(self.grantee),
            sql.SQL(" WITH GRANT OPTION" if self.grantable else ""),
        )


def grants_of(conn: psycopg.Connection[Any], schema: str, name: str) -> list[Grant]:
    """The privileges granted on a relation and on its columns (the owner's own excepted)."""
    rows = conn.execute(
        """SELECT NULL::name, a.privilege_type, a.grantee, a.is_grantable, c.relowner
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
                  aclexplode(c.relacl) a
            WHERE n.nspname = %(schema)s AND c.relname = %(name)s
           UNION ALL
           SELECT t.attname, a.privilege_type, a.grantee, a.is_grantable, c.relowner
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_attribute t ON t.attrelid = c.oid AND t.attnum > 0 AND NOT t.attisdropped,
                  aclexplode(t.attacl) a
            WHERE n.nspname = %(schema)s AND c.relname = %(name)s
            ORDER BY 1 NULLS FIRST, 2, 3""",
        {"schema": schema, "name": name},
    ).fetchall()
    roles = dict(conn.execute("SELECT oid, rolname FROM pg_roles").fetchall())
    return [
        Grant(privilege, None if grantee == 0 else str(roles[grantee]), column, bool(grantable))
        for column, privilege, grantee, grantable, owner in rows
        if grantee != owner
    ]


def _apply_grants(
    conn: psycopg.Connection[Any], grants: Sequence[Grant], relation: sql.Composable
) -> None:
    for grant in grants:
        conn.execute(grant.statement(relation))


@dataclass(frozen=True)
class ViewDefinition:
    schema: str
    name: str
    definition: str
    owner: str
    options: list[str]
    comment: str | None
    grants: list[Grant]


def dependent_views(conn: psycopg.Connection[Any], tables: Sequence[str]) -> list[ViewDefinition]:
    """Every view that reads the tables, directly or through other views, in creation order."""
    rows = conn.execute(
        """WITH RECURSIVE dependants(oid, depth) AS (
               SELECT r.ev_class, 1
                 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
                WHERE d.classid = 'pg_rewrite'::regclass
                  AND d.refclassid = 'pg_class'::regclass
                  AND d.refobjid = ANY (%s::regclass[])
                  AND r.ev_class <> d.refobjid
               UNION
               SELECT r.ev_class, dependants.depth + 1
                 FROM dependants
                 JOIN pg_depend d ON d.refobjid = dependants.oid
                                 AND d.refclassid = 'pg_class'::regclass
                                 AND d.classid = 'pg_rewrite'::regclass
                 JOIN pg_rewrite r ON r.oid = d.objid
                WHERE r.ev_class <> dependants.oid)
           SELECT n.nspname, c.relname, c.relkind, pg_get_viewdef(c.oid),
                  pg_get_userbyid(c.relowner), coalesce(c.reloptions, '{}'),
                  obj_description(c.oid, 'pg_class'), max(d.depth) AS depth
             FROM dependants d JOIN pg_class c ON c.oid = d.oid
             JOIN pg_namespace n ON n.oid = c.relnamespace
            GROUP BY c.oid, n.nspname, c.relname, c.relkind
            ORDER BY depth, n.nspname, c.relname""",
        ([f"{LIVE_SCHEMA}.{t}" for t in tables],),
    ).fetchall()
    views = []
    for schema, name, kind, definition, owner, options, comment, _depth in rows:
        if kind != "v":
            raise ReplayError(
                f"{schema}.{name} (relkind {kind}) depends on the tables; only "
                "plain views can be carried over a swap"
            )
        views.append(
            ViewDefinition(
                schema,
                name,
                definition.strip().rstrip(";"),
                owner,
                list(options),
                comment,
                grants_of(conn, schema, name),
            )
        )
    return views


def _create_view(conn: psycopg.Connection[Any], view: ViewDefinition) -> None:
    relation = _ident(view.schema, view.name)
    options: sql.Composable = sql.SQL("")
    if view.options:
        options = sql.SQL(" WITH ({})").format(sql.SQL(", ").join(sql.SQL(o) for o in view.options))
    conn.execute(
        sql.SQL("CREATE VIEW {}{} AS ").format(relation, options).as_string(conn).encode()
        + view.definition.encode()
    )
    conn.execute(sql.SQL("ALTER VIEW {} OWNER TO {}").format(relation, _ident(view.owner)))
    if view.comment is not None:
        conn.execute(sql.SQL("COMMENT ON VIEW {} IS {}").format(relation, view.comment))
    _apply_grants(conn, view.grants, relation)


# -- the rebuild ------------------------------------------------------------------------------
class Rebuild:
    """One projection's rebuild; `run` does it all and returns what it did."""

    def __init__(
        self,
        settings: Settings,
        projector: Projector,
        *,
        batch_size: int | None = None,
        on_progress: ProgressCallback | None = None,
        lock_timeout_ms: int = 2000,
        swap_timeout: float = 300.0,
        poll_interval: float = 0.25,
    ) -> None:
        self.settings = (
            settings.model_copy(update={"projection_batch_size": batch_size})
            if batch_size
            else settings
        )
        self.projector = projector
        self.name = projector.name
        self.shadow = shadow_schema(projector.name)
        self.on_progress = on_progress
        self.lock_timeout_ms = lock_timeout_ms
        self.swap_timeout = swap_timeout
        self.poll_interval = poll_interval
        self.group_id = f"{settings.app_id}-rebuild-{projector.name}-{uuid.uuid4().hex[:8]}"

    def run(self) -> RebuildReport:
        started = time.monotonic()
        with psycopg.connect(self.settings.dsn, autocommit=True) as conn:
            locked = conn.execute(
                "SELECT pg_try_advisory_lock(%s, hashtext(%s))", (_LOCK_CLASS, self.name)
            ).fetchone()
            if not (locked and locked[0]):
                raise ReplayError(f"a rebuild of {self.name} is already running")
            try:
                self._prepare(conn)
                events = self._load(conn)
                swap_started = time.monotonic()
                self._swap(conn)
                swap_seconds = time.monotonic() - swap_started
                rows = {
                    table: int(
                        conn.execute(
                            sql.SQL("SELECT count(*) FROM {}").format(_ident(LIVE_SCHEMA, table))
                        ).fetchone()[0]  # type: ignore[index]
                    )
                    for table in self.projector.tables
                }
            except BaseException:
                self._drop_shadow(conn)
                raise
            finally:
                conn.execute(
                    "SELECT pg_advisory_unlock(%s, hashtext(%s))", (_LOCK_CLASS, self.name)
                )
        self._forget_group()
        return RebuildReport(self.name, events, time.monotonic() - started, swap_seconds, rows)

    # -- 2. the shadow schema -----------------------------------------------------------------
    def _prepare(self, conn: psycopg.Connection[Any]) -> None:
        shadow = _ident(self.shadow)
        self._drop_shadow(conn)
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(shadow))
        for table in self.projector.tables:
            live = _ident(LIVE_SCHEMA, table)
            if conn.execute("SELECT to_regclass(%s)", (f"{LIVE_SCHEMA}.{table}",)).fetchone() in (
                None,
                (None,),
            ):
                raise ReplayError(f"{LIVE_SCHEMA}.{table} does not exist: run errorstream migrate")
            referencing = conn.execute(
                "SELECT conname, conrelid::regclass::text FROM pg_constraint "
                "WHERE confrelid = %s::regclass",
                (f"{LIVE_SCHEMA}.{table}",),
            ).fetchall()
            if referencing:
                raise ReplayError(
                    f"foreign keys point at {table} ({referencing}); a swap cannot carry them"
                )
            conn.execute(
                sql.SQL(
                    "CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                    "INCLUDING GENERATED INCLUDING IDENTITY INCLUDING STORAGE "
                    "INCLUDING COMMENTS INCLUDING COMPRESSION)"
                ).format(_ident(self.shadow, table), live)
            )
            keys = conn.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'x') "
                "ORDER BY contype, conname",
                (f"{LIVE_SCHEMA}.{table}",),
            ).fetchall()
            for name, definition in keys:
                conn.execute(
                    sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ")
                    .format(_ident(self.shadow, table), _ident(name))
                    .as_string(conn)
                    .encode()
                    + definition.encode()
                )
            comment = conn.execute(
                "SELECT obj_description(%s::regclass, 'pg_class')", (f"{LIVE_SCHEMA}.{table}",)
            ).fetchone()
            if comment and comment[0] is not None:
                conn.execute(
                    sql.SQL("COMMENT ON TABLE {} IS {}").format(
                        _ident(self.shadow, table), comment[0]
                    )
                )
        conn.execute(
            sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(
                _ident(self.shadow, "projection_offsets"),
                _ident(LIVE_SCHEMA, "projection_offsets"),
            )
        )

    def _drop_shadow(self, conn: psycopg.Connection[Any]) -> None:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(_ident(self.shadow)))

    def _indexes(self, conn: psycopg.Connection[Any]) -> None:
        """The live tables' other indexes, on the shadow tables, under the same names."""
        conn.execute("SET search_path = pg_catalog")  # index definitions name schemas
        try:
            for table in self.projector.tables:
                rows = conn.execute(
                    """SELECT pg_get_indexdef(i.indexrelid), format('%%I.%%I', %s::text, %s::text),
                              format('%%I.%%I', %s::text, %s::text)
                         FROM pg_index i
                        WHERE i.indrelid = %s::regclass
                          AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                                           WHERE k.conindid = i.indexrelid
                                             AND k.conrelid = i.indrelid)
                        ORDER BY i.indexrelid""",
                    (LIVE_SCHEMA, table, self.shadow, table, f"{LIVE_SCHEMA}.{table}"),
                ).fetchall()
                for definition, live, shadow in rows:
                    marker = f" ON {live} USING "
                    if marker not in definition:
                        raise ReplayError(f"cannot copy index: {definition}")
                    conn.execute(definition.replace(marker, f" ON {shadow} USING ", 1).encode())
                conn.execute(sql.SQL("ANALYZE {}").format(_ident(self.shadow, table)))
        finally:
            conn.execute("RESET search_path")

    # -- 3 and 4. loading ---------------------------------------------------------------------
    def _stored(self, conn: psycopg.Connection[Any]) -> dict[Partition, int]:
        rows = conn.execute(
            sql.SQL("SELECT topic, partition, next_offset FROM {} WHERE projection = %s").format(
                _ident(self.shadow, "projection_offsets")
            ),
            (self.name,),
        ).fetchall()
        return {(topic, partition): offset for topic, partition, offset in rows}

    def _load(self, conn: psycopg.Connection[Any]) -> int:
        worker = ProjectionWorker(
            self.settings, self.projector, group_id=self.group_id, search_path=self.shadow
        )
        failure: list[BaseException] = []

        def run() -> None:
            try:
                worker.run()
            except BaseException as exc:
                failure.append(exc)

        thread = threading.Thread(target=run, name=f"rebuild-{self.name}", daemon=True)
        thread.start()
        try:
            marks = watermarks(self.settings, self.projector.topics)
            self._wait(conn, marks, thread, failure)
            self._indexes(conn)
            marks = watermarks(self.settings, self.projector.topics)  # what came meanwhile
            self._wait(conn, marks, thread, failure)
            # As far as the live projector, too, so the swap rarely moves offsets back under it
            # (when it does, the live projector re-seeks: see runtime.py).
            live = {p: (0, offset) for p, offset in self._live_offsets(conn).items()}
            self._wait(conn, live, thread, failure, report=False)
        finally:
            worker.stop()
            thread.join(60)
        if failure:
            raise ReplayError(f"the rebuild's projector failed: {failure[0]!r}") from failure[0]
        return consumed(marks, self._stored(conn))

    def _live_offsets(self, conn: psycopg.Connection[Any]) -> dict[Partition, int]:
        rows = conn.execute(
            sql.SQL("SELECT topic, partition, next_offset FROM {} WHERE projection = %s").format(
                _ident(LIVE_SCHEMA, "projection_offsets")
            ),
            (self.name,),
        ).fetchall()
        return {(topic, partition): offset for topic, partition, offset in rows}

    def _wait(
        self,
        conn: psycopg.Connection[Any],
        marks: dict[Partition, tuple[int, int]],
        thread: threading.Thread,
        failure: list[BaseException],
        *,
        report: bool = True,
    ) -> None:
        total = sum(max(0, high - low) for low, high in marks.values())
        while True:
            stored = self._stored(conn)
            if report and self.on_progress is not None:
                self.on_progress(consumed(marks, stored), total)
            if reached(marks, stored):
                return
            if failure or not thread.is_alive():
                raise ReplayError(
                    f"the rebuild's projector stopped: {failure[0]!r}"
                    if failure
                    else "the rebuild's projector stopped"
                )
            time.sleep(self.poll_interval)

    # -- 5. the swap --------------------------------------------------------------------------
    def _swap(self, conn: psycopg.Connection[Any]) -> None:
        deadline = time.monotonic() + self.swap_timeout
        while True:
            try:
                with conn.transaction():
                    conn.execute(f"SET LOCAL lock_timeout = {int(self.lock_timeout_ms)}".encode())
                    conn.execute(sql.SQL("SET LOCAL search_path = {}").format(_ident(LIVE_SCHEMA)))
                    self._swap_in(conn)
                return
            except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected) as exc:
                if time.monotonic() > deadline:
                    raise ReplayError(
                        f"could not lock {', '.join(self.projector.tables)} for the swap within "
                        f"{self.swap_timeout:.0f}s: {exc}"
                    ) from exc
                log.info("swap of %s waits for readers/writers: %s", self.name, exc)
                time.sleep(0.2)

    def _swap_in(self, conn: psycopg.Connection[Any]) -> None:
        tables = self.projector.tables
        conn.execute(
            sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
                sql.SQL(", ").join(_ident(LIVE_SCHEMA, t) for t in tables)
            )
        )
        conn.execute(
            "SELECT 1 FROM projection_offsets WHERE projection = %s FOR UPDATE", (self.name,)
        )
        views = dependent_views(conn, tables)
        grants = {t: grants_of(conn, LIVE_SCHEMA, t) for t in tables}
        owners = dict(
            conn.execute(
                "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c "
                "WHERE c.oid = ANY (%s::regclass[])",
                ([f"{LIVE_SCHEMA}.{t}" for t in tables],),
            ).fetchall()
        )
        for view in reversed(views):
            conn.execute(sql.SQL("DROP VIEW {}").format(_ident(view.schema, view.name)))
        retired = _ident(f"{RETIRED_PREFIX}{self.name}")
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(retired))
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(retired))
        for table in tables:
            conn.execute(
                sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(_ident(LIVE_SCHEMA, table), retired)
            )
            conn.execute(
                sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(
                    _ident(self.shadow, table), _ident(LIVE_SCHEMA)
                )
            )
            relation = _ident(LIVE_SCHEMA, table)
            conn.execute(
                sql.SQL("ALTER TABLE {} OWNER TO {}").format(relation, _ident(owners[table]))
            )
            _apply_grants(conn, grants[table], relation)
        for view in views:
            _create_view(conn, view)
        conn.execute("DELETE FROM projection_offsets WHERE projection = %s", (self.name,))
        conn.execute(
            sql.SQL(
                "INSERT INTO projection_offsets (projection, topic, partition, next_offset, "
                "updated_at) SELECT projection, topic, partition, next_offset, updated_at "
                "FROM {} WHERE projection = %s"
            ).format(_ident(self.shadow, "projection_offsets")),
            (self.name,),
        )
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(retired))
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(_ident(self.shadow)))

    def _forget_group(self) -> None:
        """The rebuild's consumer group served its purpose (offsets live in PostgreSQL)."""
        try:
            admin = AdminClient({"bootstrap.servers": self.settings.bootstrap_servers})
            for future in admin.delete_consumer_groups(
                [self.group_id], request_timeout=10
            ).values():
                future.result()
        except Exception as exc:  # the group expires on its own
            log.info("could not delete consumer group %s: %s", self.group_id, exc)
