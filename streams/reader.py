"""Reading a topic directly (no consumer group): for `tail`, tests, checks and replays."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaError, TopicPartition

from errorstream.config import Settings


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int | None


def read_records(
    settings: Settings,
    topic: str,
    *,
    from_beginning: bool = True,
    until_idle: float | None = 2.0,
    max_records: int | None = None,
    timeout: float | None = None,
) -> Iterator[Record]:
    """Records of a catalogue topic, partition by partition in offset order as they arrive.

    Stops after `until_idle` seconds without a record, after `max_records`, or after `timeout`.
    """
    name = settings.topic(topic)
    consumer = Consumer(
        {
            "bootstrap.servers": settings.bootstrap_servers,
            "group.id": f"errorstream-reader-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            "log_level": 3,
        }
    )
    try:
        metadata = consumer.list_topics(name, timeout=10).topics[name]
        if metadata.error is not None:
            raise RuntimeError(f"topic {name}: {metadata.error}")
        start = OFFSET_BEGINNING if from_beginning else OFFSET_END
        consumer.assign([TopicPartition(name, p, start) for p in metadata.partitions])
        count = 0
        began = last = time.monotonic()
        while True:
            now = time.monotonic()
            if until_idle is not None and now - last >= until_idle:
                return
            if timeout is not None and now - began >= timeout:
                return
            messages = consumer.consume(1000, 0.2)
            for message in messages:
                error = message.error()
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:
                        continue
                    raise RuntimeError(f"reading {name}: {error}")
                last = time.monotonic()
                _kind, millis = message.timestamp()
                partition, offset = message.partition(), message.offset()
                assert partition is not None and offset is not None  # set on every record
                yield Record(
                    name,
                    partition,
                    offset,
                    message.key(),
                    message.value(),
                    millis if millis > 0 else None,
                )
                count += 1
                if max_records is not None and count >= max_records:
                    return
    finally:
        consumer.close()
