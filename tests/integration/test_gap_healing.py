"""A stage given a stream with skipped offsets processes the skipped records anyway, in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from errorstream.agents.gaps import GapHealer
from errorstream.agents.stage import Emit, Origin, Stage
from errorstream.config import Settings
from errorstream.schemas.models import ErrorDetected, Event
from errorstream.streams.producer import EventPublisher
from errorstream.streams.reader import Record, read_records
from errorstream.streams.topics import ERROR_DETECTED
from errorstream.workload import WorkloadSpec, generate


@dataclass
class FakeMessage:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    timestamp: float | None
    generation_id: int


@dataclass
class FakeEvent:
    message: FakeMessage
    value: bytes | None


async def stream_of(records: list[Record], generation: int = 1) -> AsyncIterator[FakeEvent]:
    for record in records:
        yield FakeEvent(
            FakeMessage(
                record.topic,
                record.partition,
                record.offset,
                record.key,
                (record.timestamp_ms or 0) / 1000,
                generation,
            ),
            record.value,
        )


def test_skipped_offsets_are_read_back_and_processed_in_order(env: Settings) -> None:
    publisher = EventPublisher(env)
    events = list(generate(WorkloadSpec(seed=9, errors=60)))
    for event in events:
        publisher.publish(ERROR_DETECTED, event, key=b"one-partition")
    assert publisher.flush(30) == 0
    records = sorted(read_records(env, ERROR_DETECTED, until_idle=2.0), key=lambda r: r.offset)
    assert len(records) == len(events)
    partition = records[0].partition

    seen: list[int] = []

    def handle(event: Event, origin: Origin) -> list[Emit]:
        assert isinstance(event, ErrorDetected)
        seen.append(origin.offset)
        return []

    async def no_send(_topic: str, _key: bytes | None, _value: bytes) -> Any:
        return None

    healer = GapHealer(env.bootstrap_servers, f"{env.app_id}-gap-test")
    stage = Stage("gap-test", handle, (ErrorDetected,), no_send, healer=healer)
    # Faust's failure mode: records 10-14 and 40 vanish from the stream.
    holes = {10, 11, 12, 13, 14, 40}
    delivered = [r for r in records if r.offset not in holes]
    asyncio.run(stage.run(stream_of(delivered)))  # type: ignore[arg-type]
    assert seen == [r.offset for r in records]
    assert healer.healed == len(holes)
    assert all(r.partition == partition for r in records)


def test_a_new_assignment_resumes_from_the_committed_offset(env: Settings) -> None:
    """The first record after a rebalance beyond the group's committed offset is a gap too."""
    from confluent_kafka import Consumer, TopicPartition

    publisher = EventPublisher(env)
    for event in generate(WorkloadSpec(seed=10, errors=30)):
        publisher.publish(ERROR_DETECTED, event, key=b"another-partition")
    assert publisher.flush(30) == 0
    records = sorted(
        (
            r
            for r in read_records(env, ERROR_DETECTED, until_idle=2.0)
            if r.key == b"another-partition"
        ),
        key=lambda r: r.offset,
    )
    group = f"{env.app_id}-committed-test"
    committer = Consumer(
        {"bootstrap.servers": env.bootstrap_servers, "group.id": group, "log_level": 3}
    )
    start = records[5].offset
    committer.commit(
        offsets=[TopicPartition(records[0].topic, records[0].partition, start)], asynchronous=False
    )
    committer.close()

    seen: list[int] = []

    def handle(_event: Event, origin: Origin) -> list[Emit]:
        seen.append(origin.offset)
        return []

    async def no_send(_topic: str, _key: bytes | None, _value: bytes) -> Any:
        return None

    stage = Stage(
        "assign-test",
        handle,
        (ErrorDetected,),
        no_send,
        healer=GapHealer(env.bootstrap_servers, group),
    )
    asyncio.run(stage.run(stream_of(records[9:], generation=7)))  # type: ignore[arg-type]
    assert seen == [r.offset for r in records[5:]]
