"""Healing offset gaps that Faust leaves in a stream.

Around a rebalance, faust-streaming can skip records of a partition and still acknowledge them
(it takes a jump in offsets for a compacted-away range and acks the "gap"), so their offsets
are committed and the events are silently lost. errorstream's event topics are never compacted
and never transactional: a jump in offsets inside one partition is always a skip. The healer
notices it — an offset beyond the next one expected, or beyond the group's committed offset
for the first record after an assignment — reads the skipped records directly from Kafka and
hands them to the stage before the record that revealed the gap, so every event is processed,
in order. Re-processing is harmless: derived ids are deterministic and agent state ignores an
offset it already applied.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaError, TopicPartition

log = logging.getLogger(__name__)

MAX_HEAL = 100_000


@dataclass(frozen=True)
class SkippedRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int | None


class GapHealer:
    """Reads committed offsets and skipped records with a plain consumer, off the event loop."""

    def __init__(self, bootstrap_servers: str, group_id: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.group_id = group_id
        self.healed = 0
        self._consumer: Consumer | None = None

    def _client(self) -> Consumer:
        if self._consumer is None:
            # Same group id, never subscribed: reads the group's committed offsets without
            # joining it, and fetches by assignment.
            self._consumer = Consumer(
                {
                    "bootstrap.servers": self.bootstrap_servers,
                    "group.id": self.group_id,
                    "enable.auto.commit": False,
                    "enable.auto.offset.store": False,
                    "log_level": 3,
                }
            )
        return self._consumer

    async def _off_loop(self, call: Callable[[], object]) -> object:
        return await asyncio.get_running_loop().run_in_executor(None, call)

    async def committed(self, topic: str, partition: int) -> int | None:
        def read() -> int | None:
            found = self._client().committed([TopicPartition(topic, partition)], timeout=10)
            offset = found[0].offset if found else -1
            return offset if offset >= 0 else None

        return await self._off_loop(read)  # type: ignore[return-value]

    async def fetch(self, topic: str, partition: int, start: int, end: int) -> list[SkippedRecord]:
        """Records with offsets in [start, end) of one partition."""
        end = min(end, start + MAX_HEAL)

        def read() -> list[SkippedRecord]:
            client = self._client()
            client.assign([TopicPartition(topic, partition, start)])
            records: list[SkippedRecord] = []
            try:
                idle = 0
                while idle < 20:
                    messages = client.consume(500, 0.5)
                    if not messages:
                        idle += 1
                        continue
                    for message in messages:
                        error = message.error()
                        if error is not None:
                            if error.code() == KafkaError._PARTITION_EOF:
                                idle = 20
                            continue
                        offset = message.offset()
                        assert offset is not None  # set on every record
                        if offset >= end:
                            return records
                        _kind, millis = message.timestamp()
                        records.append(
                            SkippedRecord(
                                topic,
                                partition,
                                offset,
                                message.key(),
                                message.value(),
                                millis if millis > 0 else None,
                            )
                        )
                    if records and records[-1].offset >= end - 1:
                        return records
            finally:
                client.unassign()
            return records

        records = await self._off_loop(read)
        assert isinstance(records, list)
        self.healed += len(records)
        return records
