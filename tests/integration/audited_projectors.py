"""Every real projector, each also appending one audit row per message it applies.

Run as a script by test_projections_exactly_once.py (the approach of audit_projector.py, on the
real read models). The real projectors are idempotent, so their tables alone would hide a batch
applied twice; the audit rows, written in the same transaction as the rows and the offsets, do
not: a message applied twice shows as a duplicate, one never applied as a gap.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

import psycopg

from errorstream.config import load_settings
from errorstream.projections.catalogue import PROJECTORS
from errorstream.projections.runtime import Consumed, ProjectionHost, Projector

AUDIT_TABLE = """CREATE TABLE IF NOT EXISTS projection_audit (
    projection text, topic text, partition int, kafka_offset bigint, event_id uuid)"""


def audited(cls: type[Projector]) -> Projector:
    class Audited(cls):  # type: ignore[valid-type, misc]
        def apply(self, cursor: psycopg.Cursor[Any], batch: Sequence[Consumed]) -> None:
            super().apply(cursor, batch)
            cursor.executemany(
                "INSERT INTO projection_audit (projection, topic, partition, kafka_offset, "
                "event_id) VALUES (%s, %s, %s, %s, %s)",
                [(self.name, c.topic, c.partition, c.offset, c.event.event_id) for c in batch],
            )
            time.sleep(0.03)  # widen the window in which a kill lands inside the transaction

    Audited.__name__ = f"Audited{cls.__name__}"
    return Audited()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    host = ProjectionHost(load_settings(), [audited(f) for f in PROJECTORS.values()])  # type: ignore[arg-type]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    host.start()
    print("audited projectors running", flush=True)
    while not stop.is_set() and not all(w.stats.assigned for w in host.workers):
        stop.wait(0.1)
    print("audited projectors assigned", flush=True)
    stop.wait()
    host.stop()
    sys.exit(0)
