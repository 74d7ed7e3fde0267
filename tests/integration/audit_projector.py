"""A projector that is NOT idempotent on its own: it appends one row per event it applies.

Run as a script by test_projection_exactly_once.py. If the runtime ever applied a batch twice
(rows committed without their offsets, or offsets without their rows), the audit table would
show duplicates or gaps; only the rows-and-offsets-in-one-transaction guarantee keeps it exact.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any, ClassVar

import psycopg

from errorstream.config import load_settings
from errorstream.projections.runtime import Consumed, ProjectionWorker, Projector
from errorstream.streams.topics import ERROR_DETECTED


class AuditProjector(Projector):
    name: ClassVar[str] = "audit"
    topics: ClassVar[tuple[str, ...]] = (ERROR_DETECTED,)
    tables: ClassVar[tuple[str, ...]] = ("projection_audit",)

    def apply(self, cursor: psycopg.Cursor[Any], batch: Sequence[Consumed]) -> None:
        cursor.executemany(
            "INSERT INTO projection_audit (topic, partition, kafka_offset, event_id) "
            "VALUES (%s, %s, %s, %s)",
            [(c.topic, c.partition, c.offset, c.event.event_id) for c in batch],
        )
        time.sleep(0.02)  # widen the window in which a kill lands inside the transaction


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    worker = ProjectionWorker(load_settings(), AuditProjector())
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    print("audit projector running", flush=True)
    worker.run()
    sys.exit(0)
