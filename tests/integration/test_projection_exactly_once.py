"""Crash the projector with kill -9 at random points; every event must land exactly once."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from errorstream.config import Settings
from errorstream.streams.producer import EventPublisher
from errorstream.streams.topics import ERROR_DETECTED
from errorstream.workload import WorkloadSpec, generate

from .conftest import Process, Servers, isolated

AUDIT = Path(__file__).with_name("audit_projector.py")
EVENTS = 12_000
KILLS = 8


@pytest.fixture
def small_batches(servers: Servers) -> Iterator[Settings]:
    with isolated(
        servers, projection_batch_size=150, projection_session_timeout_ms=6000
    ) as settings:
        with psycopg.connect(settings.dsn, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE projection_audit (topic text, partition int, kafka_offset bigint, "
                "event_id uuid)"
            )
        yield settings


def audit_counts(dsn: str) -> tuple[int, int]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*), count(DISTINCT (topic, partition, kafka_offset)) "
            "FROM projection_audit"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def test_kill_9_mid_batch_never_loses_or_duplicates(
    small_batches: Settings, spawn: Callable[..., Process]
) -> None:
    settings = small_batches
    publisher = EventPublisher(settings)
    for event in generate(
        WorkloadSpec(seed=5, errors=EVENTS, bursts=0, cascades=0, degradations=0)
    ):
        publisher.publish(ERROR_DETECTED, event)
    assert publisher.flush(60) == 0

    rng = random.Random(2026)
    progress = []
    for _ in range(KILLS):
        process = spawn(settings, script=AUDIT)
        process.wait_for("audit assigned", 60)
        time.sleep(rng.uniform(0.8, 3.0))
        process.kill()  # SIGKILL: no cleanup, possibly inside a transaction
        progress.append(audit_counts(settings.dsn))
    total, distinct = progress[-1]
    assert total == distinct, f"duplicates after kills: {progress}"

    final = spawn(settings, script=AUDIT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and audit_counts(settings.dsn)[0] < EVENTS:
        time.sleep(0.5)
    time.sleep(2)  # anything extra would show up now
    final.stop()
    total, distinct = audit_counts(settings.dsn)
    assert (total, distinct) == (EVENTS, EVENTS), progress
    # The kills really landed mid-stream: progress was partial and grew between kills.
    assert 0 < progress[0][0] < EVENTS
    assert len({count for count, _ in progress}) > 1
