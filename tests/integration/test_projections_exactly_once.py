"""Kill -9 the real projectors at random points, many times: every event takes effect once.

A sample stream of every event type (with redeliveries and out-of-order lifecycles) is
projected by all read-model projectors in one process, which is killed mid-stream again and
again. Afterwards (a) the audit rows written in the projectors' own transactions hold every
consumed message exactly once, (b) every table holds exactly the entities the events name, and
(c) every table's checksum equals that of the same topics projected without interruption into
another database.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from errorstream.config import Settings
from errorstream.projections.catalogue import PROJECTORS
from errorstream.projections.replay import watermarks
from errorstream.projections.samples import SampleSpec, expected_rows, sample_events

from .audited_projectors import AUDIT_TABLE
from .conftest import Process, Servers, isolated
from .read_models import publish, reference_checksums, table_checksums, wait_projected

SCRIPT = Path(__file__).with_name("audited_projectors.py")
KILLS = 7


@pytest.fixture
def small_batches(servers: Servers) -> Iterator[Settings]:
    with isolated(
        servers, projection_batch_size=120, projection_session_timeout_ms=6000
    ) as settings:
        with psycopg.connect(settings.dsn, autocommit=True) as conn:
            conn.execute(AUDIT_TABLE)
        yield settings


def audit(dsn: str) -> dict[str, tuple[int, int]]:
    """Per projection: (audit rows, distinct messages)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT projection, count(*), count(DISTINCT (topic, partition, kafka_offset)) "
            "FROM projection_audit GROUP BY projection"
        ).fetchall()
    return {name: (int(total), int(distinct)) for name, total, distinct in rows}


def test_kill_9_mid_batch_leaves_every_read_model_exact(
    small_batches: Settings, servers: Servers, spawn: Callable[..., Process]
) -> None:
    settings = small_batches
    events = list(sample_events(SampleSpec(seed=23, errors=5000)))
    publish(settings, events)

    rng = random.Random(2027)
    progress = []
    for _ in range(KILLS):
        process = spawn(settings, script=SCRIPT)
        process.wait_for("audited projectors assigned", 90)
        time.sleep(rng.uniform(0.5, 3.0))
        process.kill()  # SIGKILL: no cleanup, likely inside some projector's transaction
        progress.append(audit(settings.dsn))
        for name, (total, distinct) in progress[-1].items():
            assert total == distinct, f"{name} applied a message twice after a kill: {progress}"

    final = spawn(settings, script=SCRIPT)
    final.wait_for("audited projectors running", 60)
    wait_projected(settings, timeout=300)
    final.stop()

    # (a) every consumed message applied exactly once, by every projection
    applied = audit(settings.dsn)
    for name, factory in PROJECTORS.items():
        marks = watermarks(settings, factory().topics)
        messages = sum(high - low for low, high in marks.values())
        assert applied.get(name, (0, 0)) == (messages, messages), (name, progress)
    # the kills really landed mid-stream: progress was partial and grew between kills
    errors_progress = [p.get("errors", (0, 0))[0] for p in progress]
    assert errors_progress[0] < applied["errors"][0]
    assert len(set(errors_progress)) > 1

    # nothing was refused (a crash is not a reason to dead-letter anything)
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        letters = conn.execute("SELECT stage, reason_code, reason FROM dead_letters").fetchall()
    assert letters == []

    # (b) exactly the entities the events name
    live = table_checksums(settings)
    for table, rows in expected_rows(events).items():
        assert live[table].rows == rows, table

    # (c) byte-identical to an uninterrupted projection of the same topics
    assert live == reference_checksums(servers, settings)
