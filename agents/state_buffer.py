"""Faust tables written behind: in memory at once, to their changelogs once per batch.

A detection event touches its service's and its group's state; writing each change to the
changelog as it happens costs a serialisation and a send per key per event (most of a worker's
time). Here a batch of events updates the in-memory tables, each key changed in the batch is
serialised and sent once when the batch ends, and the batch's input is acknowledged only after
those writes (and the batch's outputs) are delivered — so a committed offset never runs ahead of
the state and signals derived from it (at-least-once, as with per-event writes).

Each write names the partition it belongs to (the partition of the input event that made it),
as Faust's own table writes do, so recovery after a rebalance restores the key where its input
partition went.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from faust.serializers import codecs

# (topic, key, value, partition or None for the key's) -> resolved when the broker has it
Send = Callable[[str, bytes | None, bytes | None, int | None], Awaitable["asyncio.Future[Any]"]]

_DELETED = object()

log = logging.getLogger(__name__)


class BufferedTable:
    """One Faust table with write-behind changelog writes (see module docstring)."""

    def __init__(self, table: Any, value_codec: str) -> None:
        self.table = table
        self.value_codec = value_codec
        self._dirty: dict[str, tuple[int, Any]] = {}

    def get(self, key: str) -> Any:
        return self.table.data.get(key)

    def set(self, key: str, value: Any, partition: int) -> None:
        self.table.data[key] = value
        self._dirty[key] = (partition, value)

    def delete(self, key: str, partition: int) -> None:
        self.table.data.pop(key, None)
        self._dirty[key] = (partition, _DELETED)

    def items(self) -> Iterator[tuple[str, Any]]:
        return iter(list(self.table.data.items()))

    @property
    def pending(self) -> int:
        return len(self._dirty)

    def drain(self) -> list[tuple[str, bytes, bytes | None, int]]:
        """The changelog records for every key changed since the last drain (then forgotten)."""
        topic = self.table.changelog_topic.get_topic_name()
        records = [
            (
                topic,
                key.encode(),
                None if value is _DELETED else codecs.dumps(self.value_codec, value),
                partition,
            )
            for key, (partition, value) in self._dirty.items()
        ]
        self._dirty.clear()
        return records


class Deliveries:
    """The records sent since the last batch boundary, awaited before the batch is acked."""

    def __init__(
        self, send: Send, on_failure: Callable[[BaseException], Awaitable[Any]] | None = None
    ) -> None:
        self._send = send
        self._on_failure = on_failure
        self._pending: list[asyncio.Future[Any]] = []
        self.sent = 0

    async def send(
        self, topic: str, key: bytes | None, value: bytes | None, partition: int | None = None
    ) -> None:
        self._pending.append(await self._send(topic, key, value, partition))
        self.sent += 1

    async def settle(self, tables: list[BufferedTable]) -> int:
        """Write every table's changed keys, then wait until the broker has every record sent
        since the last settle. A failed delivery calls `on_failure` (the worker stops: the
        batch is not acked, so its events are processed again after a restart), then raises."""
        written = 0
        try:
            for table in tables:
                for topic, key, value, partition in table.drain():
                    await self.send(topic, key, value, partition)
                    written += 1
            pending, self._pending = self._pending, []
            if pending:
                await asyncio.gather(*pending)
        except Exception as exc:
            log.exception("records of a batch were not delivered; stopping")
            if self._on_failure is not None:
                await self._on_failure(exc)
            raise
        return written
