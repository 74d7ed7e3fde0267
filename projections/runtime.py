"""The projection runtime: Kafka → PostgreSQL read models, exactly once.

Each projector has its own confluent-kafka consumer (group ``<app_id>-projection-<name>``) and
its own database connection, on a thread of its own; one process can host several.

Commit order, per batch (this is what makes every event take effect exactly once):

1. decode the batch; what cannot be decoded or is refused by the projector is a dead letter;
2. dead letters are produced to ``error.deadletter`` and flushed (a crash after this point
   re-sends them with the same deterministic ids, which consumers de-duplicate);
3. one PostgreSQL transaction writes the projector's rows **and** the next offsets of every
   partition in the batch. Offsets are written compare-and-set against the position this
   consumer started from, so a consumer that lost its partitions in a rebalance (a zombie)
   cannot commit over the new owner;
4. Kafka's own committed offsets are never used: on assignment the consumer seeks to the
   offsets stored in PostgreSQL (or the beginning);
5. every `VERIFY_POSITIONS_EVERY` seconds a worker checks the stored offsets are still the ones
   it wrote. A rebuild (projections/replay.py) swaps in new tables with its own offsets; the
   worker's next commit is fenced by them, and this check re-seeks it even where no message
   arrives to commit.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

import psycopg
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Message, TopicPartition

from errorstream.config import Settings
from errorstream.exceptions import ErrorStreamError
from errorstream.metrics import observe_projection_batch
from errorstream.schemas.models import DeadLettered, Event
from errorstream.schemas.serialization import Codec, DecodeError
from errorstream.streams.deadletter import dead_letter
from errorstream.streams.producer import EventPublisher, codec_for
from errorstream.streams.topics import ERROR_DEADLETTER

log = logging.getLogger(__name__)


# Errors that mean "the database refuses these rows" (SQLSTATE classes 22 and 23), as opposed
# to errors of the moment (deadlocks, lost connections) or of the code.
ROW_REFUSALS = (psycopg.errors.DataError, psycopg.errors.IntegrityError)


# Seconds between checks that the stored offsets are still the ones this worker wrote.
VERIFY_POSITIONS_EVERY = 2.0


class ProjectionRejected(ErrorStreamError):
    """A projector refuses one event (it is dead-lettered, the projection goes on)."""

    def __init__(self, reason_code: str, reason: str) -> None:
        super().__init__(f"{reason_code}: {reason}")
        self.reason_code = reason_code
        self.reason = reason


class OffsetsFenced(ErrorStreamError):
    """Stored offsets moved under this consumer: another consumer owns the partition now."""


@dataclass(frozen=True)
class Consumed:
    """One decoded message and where it came from."""

    topic: str
    partition: int
    offset: int
    event: Event


class Projector(ABC):
    """Writes one read model. Subclasses say which topics they read and how a batch is written."""

    name: ClassVar[str]
    topics: ClassVar[tuple[str, ...]]  # catalogue names
    tables: ClassVar[tuple[str, ...]]  # tables it owns: checksums and rebuilds cover these

    def check(self, event: Event) -> None:  # noqa: B027  (optional hook)
        """Raise ProjectionRejected for an event this projector cannot take."""

    @abstractmethod
    def apply(self, cursor: psycopg.Cursor[Any], batch: Sequence[Consumed]) -> None:
        """Write the batch's rows inside the open transaction. Must be idempotent by event id."""


@dataclass
class ProjectionStats:
    batches: int = 0
    events: int = 0
    dead_lettered: int = 0
    last_batch_at: float = 0.0
    assigned: list[tuple[str, int]] = field(default_factory=list)


class ProjectionWorker:
    """Runs one projector until stopped."""

    def __init__(
        self,
        settings: Settings,
        projector: Projector,
        *,
        codec: Codec | None = None,
        consumer_overrides: dict[str, Any] | None = None,
        group_id: str | None = None,
        search_path: str | None = None,
    ) -> None:
        """`group_id` and `search_path` let a rebuild run the same projector beside the live
        one: its own consumer group, and its tables and offsets in a shadow schema."""
        self.settings = settings
        self.projector = projector
        self._group_id = group_id
        self._search_path = search_path
        self.codec = codec or codec_for(settings)
        self.stats = ProjectionStats()
        self._stop = threading.Event()
        self._positions: dict[tuple[str, int], int | None] = {}
        self._consumer_overrides = consumer_overrides or {}
        self._conn: psycopg.Connection[Any] | None = None
        self._publisher: EventPublisher | None = None

    @property
    def group_id(self) -> str:
        return self._group_id or f"{self.settings.app_id}-projection-{self.projector.name}"

    def stop(self) -> None:
        self._stop.set()

    # -- lifecycle --------------------------------------------------------------------------
    def run(self) -> None:
        options = f"-c search_path={self._search_path}" if self._search_path else None
        self._conn = psycopg.connect(self.settings.dsn, autocommit=True, options=options)
        self._publisher = EventPublisher(self.settings, codec=self.codec)
        consumer = Consumer(
            {
                "bootstrap.servers": self.settings.bootstrap_servers,
                "group.id": self.group_id,
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                "partition.assignment.strategy": "range",
                "session.timeout.ms": self.settings.projection_session_timeout_ms,
                "heartbeat.interval.ms": max(
                    1000, self.settings.projection_session_timeout_ms // 5
                ),
                "fetch.max.bytes": 52428800,
                "log_level": 3,
                **self._consumer_overrides,
            }
        )
        topics = [self.settings.topic(t) for t in self.projector.topics]
        consumer.subscribe(topics, on_assign=self._on_assign, on_revoke=self._on_revoke)
        verified = time.monotonic()
        try:
            while not self._stop.is_set():
                messages = consumer.consume(
                    self.settings.projection_batch_size, self.settings.projection_batch_timeout
                )
                if messages:
                    self._process(consumer, messages)
                if time.monotonic() - verified >= VERIFY_POSITIONS_EVERY:
                    self._verify_positions(consumer)
                    verified = time.monotonic()
        finally:
            consumer.close()
            self._publisher.flush(10)
            self._conn.close()

    # -- assignment -------------------------------------------------------------------------
    def _stored_positions(self, partitions: Sequence[TopicPartition]) -> dict[tuple[str, int], int]:
        assert self._conn is not None
        with self._conn.cursor() as cur:
            cur.execute(
                "SELECT topic, partition, next_offset FROM projection_offsets WHERE projection = %s",
                (self.projector.name,),
            )
            stored = {(t, p): o for t, p, o in cur.fetchall()}
        return {
            (tp.topic, tp.partition): stored[(tp.topic, tp.partition)]
            for tp in partitions
            if (tp.topic, tp.partition) in stored
        }

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        stored = self._stored_positions(partitions)
        for tp in partitions:
            position = stored.get((tp.topic, tp.partition))
            self._positions[(tp.topic, tp.partition)] = position
            tp.offset = position if position is not None else OFFSET_BEGINNING
        self.stats.assigned = sorted(self._positions)
        consumer.assign(partitions)
        log.info("%s assigned %s", self.projector.name, self.stats.assigned)

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        for tp in partitions:
            self._positions.pop((tp.topic, tp.partition), None)
        self.stats.assigned = sorted(self._positions)
        consumer.unassign()

    def _reseek(self, consumer: Consumer) -> None:
        """After a fenced commit: forget local positions and seek to what PostgreSQL holds."""
        partitions = [TopicPartition(t, p) for t, p in self._positions]
        stored = self._stored_positions(partitions)
        for tp in partitions:
            position = stored.get((tp.topic, tp.partition))
            self._positions[(tp.topic, tp.partition)] = position
            tp.offset = position if position is not None else OFFSET_BEGINNING
            consumer.seek(tp)

    def _verify_positions(self, consumer: Consumer) -> None:
        """Stored offsets that differ from ours were moved by someone else — a rebuild swapped in
        behind us: re-seek now, not only when a commit is fenced, because a partition with no
        new messages would never commit and its events after the rebuilt offset would be
        missing from the new tables."""
        if not self._positions:
            return
        partitions = [TopicPartition(t, p) for t, p in self._positions]
        stored = self._stored_positions(partitions)
        if any(stored.get(key) != position for key, position in self._positions.items()):
            log.warning("%s: stored offsets moved under us; re-seeking", self.projector.name)
            self._reseek(consumer)

    # -- one batch --------------------------------------------------------------------------
    def _process(self, consumer: Consumer, messages: list[Message]) -> None:
        started = time.perf_counter()
        batch: list[Consumed] = []
        letters: list[DeadLettered] = []
        ends: dict[tuple[str, int], int] = {}
        for message in messages:
            error = message.error()
            if error is not None:
                if error.code() != KafkaError._PARTITION_EOF:
                    log.warning("%s: consumer error %s", self.projector.name, error)
                continue
            topic, partition, offset = _position(message)
            if (topic, partition) not in self._positions:
                continue  # revoked while the batch was in flight
            ends[(topic, partition)] = offset + 1
            try:
                value = message.value()
                if value is None:  # a compacted topic's tombstone
                    raise DecodeError("not_bytes", "a message without a value carries no event")
                event = self.codec.decode(value)
                self.projector.check(event)
            except (DecodeError, ProjectionRejected) as exc:
                letters.append(self._letter(message, exc.reason_code, exc.reason))
                continue
            batch.append(Consumed(topic, partition, offset, event))
        if not ends:
            return
        try:
            letters = self._write(batch, ends, messages, letters)
        except OffsetsFenced:
            log.warning("%s: offsets moved under us; re-seeking", self.projector.name)
            self._reseek(consumer)
            return
        self.stats.batches += 1
        self.stats.events += len(batch)
        self.stats.dead_lettered += len(letters)
        self.stats.last_batch_at = time.time()
        observe_projection_batch(
            self.projector.name, len(batch), (letter.reason_code for letter in letters), started
        )

    def _write(
        self,
        batch: list[Consumed],
        ends: dict[tuple[str, int], int],
        messages: list[Message],
        letters: list[DeadLettered],
    ) -> list[DeadLettered]:
        """Dead letters flushed, then rows + offsets in one transaction.

        A row the database refuses is found by trying each event alone, dead-lettered, and the
        batch is written without it. Only a refusal of the data itself (`ROW_REFUSALS`: a value
        out of range, a constraint violated) makes a poison event; anything else — a deadlock,
        a lost connection, a bug — may pass on a retry, so the worker restarts from its stored
        offsets instead of dead-lettering good events.
        """
        assert self._conn is not None
        by_position = {(m.topic(), m.partition(), m.offset()): m for m in messages}
        letters = list(letters)
        rejected: set[tuple[str, int, int]] = set()
        flushed = 0
        while True:
            good = [c for c in batch if (c.topic, c.partition, c.offset) not in rejected]
            self._flush_letters(letters[flushed:])
            flushed = len(letters)
            try:
                with self._conn.transaction(), self._conn.cursor() as cur:
                    self.projector.apply(cur, good)
                    self._store_offsets(cur, ends)
                break
            except OffsetsFenced:
                raise
            except ROW_REFUSALS as exc:
                poison = self._find_poison(good)
                if poison is None:
                    raise  # not a row's fault (database down, bug): let the worker restart
                key = (poison.topic, poison.partition, poison.offset)
                rejected.add(key)
                letters.append(
                    self._letter(
                        by_position[key], "projection_error", f"{type(exc).__name__}: {exc}"
                    )
                )
        return letters

    def _find_poison(self, batch: list[Consumed]) -> Consumed | None:
        """The first event whose rows fail on their own (each tried in a rolled-back savepoint)."""
        assert self._conn is not None
        for consumed in batch:
            try:
                with self._conn.transaction(force_rollback=True), self._conn.cursor() as cur:
                    self.projector.apply(cur, [consumed])
            except ROW_REFUSALS:
                return consumed
        return None

    def _store_offsets(self, cur: psycopg.Cursor[Any], ends: dict[tuple[str, int], int]) -> None:
        for (topic, partition), next_offset in sorted(ends.items()):
            expected = self._positions.get((topic, partition))
            if expected is None:
                cur.execute(
                    """INSERT INTO projection_offsets (projection, topic, partition, next_offset)
                       VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING""",
                    (self.projector.name, topic, partition, next_offset),
                )
            else:
                cur.execute(
                    """UPDATE projection_offsets SET next_offset = %s, updated_at = now()
                       WHERE projection = %s AND topic = %s AND partition = %s
                         AND next_offset = %s""",
                    (next_offset, self.projector.name, topic, partition, expected),
                )
            if cur.rowcount != 1:
                raise OffsetsFenced(f"{self.projector.name} {topic}[{partition}]")
        for position, next_offset in ends.items():
            self._positions[position] = next_offset

    def _letter(self, message: Message, reason_code: str, reason: str) -> DeadLettered:
        _kind, millis = message.timestamp()
        topic, partition, offset = _position(message)
        return dead_letter(
            stage=f"projection:{self.projector.name}",
            reason_code=reason_code,
            reason=reason,
            topic=topic,
            partition=partition,
            offset=offset,
            key=message.key(),
            value=message.value(),
            timestamp=datetime.fromtimestamp(millis / 1000, UTC) if millis > 0 else None,
        )

    def _flush_letters(self, letters: list[DeadLettered]) -> None:
        if not letters:
            return
        assert self._publisher is not None
        for letter in letters:
            self._publisher.publish(ERROR_DEADLETTER, letter, key=letter.original_key)
        if self._publisher.flush(30) != 0 or self._publisher.take_failures():
            raise ErrorStreamError("dead letters were not delivered; the batch will be retried")


def _position(message: Message) -> tuple[str, int, int]:
    """Where a consumed message is (a message without an error always has all three)."""
    topic, partition, offset = message.topic(), message.partition(), message.offset()
    assert topic is not None and partition is not None and offset is not None
    return topic, partition, offset


class ProjectionHost:
    """Several projection workers in one process, one thread each."""

    def __init__(self, settings: Settings, projectors: Sequence[Projector]) -> None:
        self.workers = [ProjectionWorker(settings, p) for p in projectors]
        self._threads: list[threading.Thread] = []
        self.failures: list[BaseException] = []

    def start(self) -> None:
        for worker in self.workers:
            thread = threading.Thread(
                target=self._run,
                args=(worker,),
                name=f"projection-{worker.projector.name}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def _run(self, worker: ProjectionWorker) -> None:
        # A worker that fails (database down) restarts after a pause; offsets are safe in PG.
        while not worker._stop.is_set():
            try:
                worker.run()
            except Exception as exc:
                self.failures.append(exc)
                log.exception("projection %s failed; restarting in 2s", worker.projector.name)
                worker._stop.wait(2.0)

    def stop(self, timeout: float = 30.0) -> None:
        for worker in self.workers:
            worker.stop()
        for thread in self._threads:
            thread.join(timeout)

    def alive(self) -> bool:
        return all(t.is_alive() for t in self._threads)
