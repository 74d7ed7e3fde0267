"""Helpers of the read-model tests: publish a sample stream, wait for projections to consume it,
and project it again, uninterrupted, into a database of its own for reference checksums."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence

import psycopg

from errorstream.config import Settings
from errorstream.projections.catalogue import PROJECTORS, projectors_named, read_model_tables
from errorstream.projections.checksum import TableChecksum, checksums
from errorstream.projections.migrations import migrate
from errorstream.projections.replay import Partition, reached, watermarks
from errorstream.projections.runtime import ProjectionHost
from errorstream.schemas.models import Event
from errorstream.streams.producer import EventPublisher
from errorstream.streams.reader import Record, read_records

from .conftest import Servers, _database_url


def publish(settings: Settings, events: Iterable[tuple[str, Event]]) -> int:
    publisher = EventPublisher(settings)
    count = 0
    for topic, event in events:
        publisher.publish(topic, event)
        count += 1
    assert publisher.flush(60) == 0
    return count


def stored_offsets(settings: Settings, projection: str) -> dict[Partition, int]:
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT topic, partition, next_offset FROM projection_offsets WHERE projection = %s",
            (projection,),
        ).fetchall()
    return {(topic, partition): offset for topic, partition, offset in rows}


def wait_projected(
    settings: Settings, names: Sequence[str] | None = None, timeout: float = 180.0
) -> None:
    """Until every projection has consumed everything its topics hold now."""
    deadline = time.monotonic() + timeout
    for name in names or sorted(PROJECTORS):
        marks = watermarks(settings, PROJECTORS[name]().topics)
        while not reached(marks, stored_offsets(settings, name)):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{name} did not catch up: {marks} vs {stored_offsets(settings, name)}"
                )
            time.sleep(0.3)


def table_checksums(settings: Settings) -> dict[str, TableChecksum]:
    return {c.table: c for c in checksums(settings.dsn, read_model_tables())}


@contextlib.contextmanager
def reference_database(servers: Servers, settings: Settings) -> Iterator[Settings]:
    """The same topics projected, uninterrupted, into a fresh database (own consumer groups)."""
    tag = uuid.uuid4().hex[:8]
    database = f"errorstream_reference_{tag}"
    with psycopg.connect(servers.admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    reference = settings.model_copy(
        update={
            "database_url": _database_url(servers.admin_dsn, database),
            "app_id": f"{settings.app_id}-reference-{tag}",
        }
    )
    try:
        migrate(reference.dsn)
        yield reference
    finally:
        with psycopg.connect(servers.admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def reference_checksums(servers: Servers, settings: Settings) -> dict[str, TableChecksum]:
    with reference_database(servers, settings) as reference:
        host = ProjectionHost(reference, projectors_named())
        host.start()
        try:
            wait_projected(reference)
        finally:
            host.stop()
        assert not host.failures, host.failures
        return table_checksums(reference)


def records_now(settings: Settings, topic: str) -> list[Record]:
    """Every record a topic holds now: read up to the high watermarks taken first (an idle
    timeout alone can end a read early on a busy machine)."""
    marks = watermarks(settings, [topic])
    expected = sum(high - low for low, high in marks.values())
    records: list[Record] = []
    if expected == 0:
        return records
    for record in read_records(settings, topic, until_idle=30.0, timeout=120.0):
        if record.offset < marks[(record.topic, record.partition)][1]:
            records.append(record)
        if len(records) == expected:
            break
    assert len(records) == expected, f"read {len(records)} of {expected} records of {topic}"
    return records
