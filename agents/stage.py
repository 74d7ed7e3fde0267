"""The loop every agent runs: decode, hand the event to a pure function, send what it returns.

A message that cannot be decoded, is not an event the stage expects, or makes the pure function
raise, becomes a DeadLettered event on error.deadletter with the reason and the original bytes;
the loop goes on. Nothing is lost and the worker never crashes on input.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import faust

from errorstream.agents.gaps import GapHealer
from errorstream.config import settings
from errorstream.metrics import StageMetrics
from errorstream.schemas.models import Event
from errorstream.schemas.serialization import AvroCodec, Codec, DecodeError
from errorstream.streams.deadletter import dead_letter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Emit:
    """An event a stage sends, and to which catalogue topic."""

    topic: str
    event: Event
    key: bytes | None = None


@dataclass(frozen=True)
class Origin:
    """Where the message being processed came from."""

    topic: str
    partition: int
    offset: int
    timestamp: datetime | None


Handler = Callable[[Event, Origin], Iterable[Emit]]
Sender = Callable[[str, bytes | None, bytes], Awaitable[Any]]


class _Assignment:
    """The next offset expected per partition within one consumer-group generation."""

    def __init__(self) -> None:
        self.next: dict[tuple[str, int], int] = {}
        self.generation: object = None

    def expect(self, tp: tuple[str, int], generation: object, offset: int) -> int | None:
        """The offset expected at `tp` before this message (None: first since a rebalance)."""
        if generation != self.generation:  # a rebalance: anchor every partition afresh
            self.next.clear()
            self.generation = generation
        expected = self.next.get(tp)
        self.next[tp] = offset + 1
        return expected


class Stage:
    """One agent's decode → handle → encode loop, with dead-lettering."""

    def __init__(
        self,
        name: str,
        handler: Handler,
        accepts: tuple[type[Event], ...],
        send: Sender,
        codec: Codec | None = None,
        deadletter_topic: str = "error.deadletter",
        healer: GapHealer | None = None,
    ) -> None:
        self.name = name
        self.handler = handler
        self.accepts = accepts
        self.send = send
        self.codec = codec or AvroCodec()
        self.deadletter_topic = deadletter_topic
        self.healer = healer
        self.processed = 0
        self.dead_lettered = 0
        self.metrics = StageMetrics(name, settings().topic_prefix)

    async def process(self, value: Any, key: bytes | None, origin: Origin) -> None:
        started = time.perf_counter()
        self.metrics.consumed(origin.topic)
        try:
            event = self.codec.decode(value)
            if not isinstance(event, self.accepts):
                raise DecodeError(
                    "unexpected_event", f"{self.name} does not take {event.event_type}"
                )
        except DecodeError as exc:
            await self._dead_letter(exc.reason_code, exc.reason, value, key, origin)
            return
        try:
            emits = list(self.handler(event, origin))
            payloads = [
                (emit.topic, emit.key or emit.event.partition_key, self.codec.encode(emit.event))
                for emit in emits
            ]
        except Exception as exc:  # a bug or an input the logic cannot take: keep it, go on
            log.exception(
                "%s failed on %s/%s@%s", self.name, origin.topic, origin.partition, origin.offset
            )
            await self._dead_letter(
                "processing_error", f"{type(exc).__name__}: {exc}", value, key, origin
            )
            return
        for topic, out_key, payload in payloads:
            await self.send(topic, out_key, payload)
        self.processed += 1
        self.metrics.handled(event, emits, started)

    async def _dead_letter(
        self, reason_code: str, reason: str, value: Any, key: bytes | None, origin: Origin
    ) -> None:
        self.dead_lettered += 1
        self.metrics.dead_lettered(reason_code)
        raw = value if isinstance(value, bytes) else repr(value).encode()
        letter = dead_letter(
            stage=self.name,
            reason_code=reason_code,
            reason=reason,
            topic=origin.topic,
            partition=origin.partition,
            offset=origin.offset,
            key=key,
            value=raw,
            timestamp=origin.timestamp,
        )
        await self.send(self.deadletter_topic, key, self.codec.encode(letter))

    async def run(self, stream: AsyncIterable[faust.EventT[Any]]) -> None:
        """One event at a time: Faust acks each when the next is asked for."""
        tracker = _Assignment()
        async for event in stream:  # type: ignore[attr-defined]
            await self._message(event.value, event.message, tracker)

    async def run_batches(
        self,
        stream: faust.StreamT[Any],
        size: int,
        within: float,
        end_batch: Callable[[], Awaitable[Any]],
    ) -> None:
        """Up to `size` events at a time (fewer after `within` seconds without more). After a
        batch, `end_batch` runs (write state, wait for deliveries); only then does Faust ack
        the batch's events, so offsets are committed behind everything derived from them."""
        tracker = _Assignment()
        batches = stream.take_events(size, within=within)  # type: ignore[attr-defined]
        async for events in batches:
            for event in events:
                await self._message(event.value, event.message, tracker)
            await end_batch()

    async def _message(self, value: Any, message: Any, tracker: _Assignment) -> None:
        tp = (message.topic, message.partition)
        expected = tracker.expect(tp, getattr(message, "generation_id", None), message.offset)
        if self.healer is not None:
            await self._heal(tp, expected, message.offset)
        timestamp = datetime.fromtimestamp(message.timestamp, UTC) if message.timestamp else None
        origin = Origin(message.topic, message.partition, message.offset, timestamp)
        await self.process(value, message.key, origin)

    async def _heal(self, tp: tuple[str, int], expected: int | None, offset: int) -> None:
        """Process records Faust skipped before `offset` (see agents/gaps.py)."""
        assert self.healer is not None
        if expected is None:
            expected = await self.healer.committed(*tp)
        if expected is None or offset <= expected:
            return
        skipped = await self.healer.fetch(tp[0], tp[1], expected, offset)
        log.warning(
            "%s: Faust skipped %s/%s offsets %s..%s; processing %d records read directly",
            self.name,
            tp[0],
            tp[1],
            expected,
            offset - 1,
            len(skipped),
        )
        for record in skipped:
            timestamp = (
                datetime.fromtimestamp(record.timestamp_ms / 1000, UTC)
                if record.timestamp_ms
                else None
            )
            origin = Origin(record.topic, record.partition, record.offset, timestamp)
            await self.process(record.value, record.key, origin)
