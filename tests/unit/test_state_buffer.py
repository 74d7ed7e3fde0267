"""Write-behind tables: one changelog record per changed key per batch, deliveries awaited.

The Faust side (real tables, recovery, rebalances) is exercised on the broker by
tests/integration/test_detection_runtime.py; here the bookkeeping itself.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from errorstream.agents.state_buffer import BufferedTable, Deliveries
from errorstream.agents.state_codecs import register_state


class Counter:
    def __init__(self, n: int) -> None:
        self.n = n

    def to_json(self) -> Any:
        return {"n": self.n}

    @classmethod
    def from_json(cls, data: Any) -> Counter:
        return cls(data["n"])


CODEC = register_state("test_state_buffer_counter", Counter)


def table(name: str = "counters") -> Any:
    return SimpleNamespace(
        data={}, changelog_topic=SimpleNamespace(get_topic_name=lambda: f"app-{name}-changelog")
    )


def test_a_key_changed_many_times_is_written_once_with_its_last_value() -> None:
    buffered = BufferedTable(table(), CODEC)
    state = Counter(0)
    for i in range(100):
        state.n = i
        buffered.set("svc", state, partition=2)
    assert buffered.get("svc") is state  # readers see the change at once
    assert buffered.pending == 1
    (record,) = buffered.drain()
    assert record == ("app-counters-changelog", b"svc", b'{"n":99}', 2)
    assert buffered.drain() == []  # forgotten once drained


def test_a_delete_is_a_tombstone_and_wins_over_an_earlier_set() -> None:
    buffered = BufferedTable(table(), CODEC)
    buffered.set("a", Counter(1), partition=0)
    buffered.set("b", Counter(2), partition=1)
    buffered.delete("a", partition=0)
    assert buffered.get("a") is None
    records = {key: (value, partition) for _, key, value, partition in buffered.drain()}
    assert records == {b"a": (None, 0), b"b": (b'{"n":2}', 1)}


def test_each_key_keeps_the_partition_of_its_last_write() -> None:
    buffered = BufferedTable(table(), CODEC)
    buffered.set("k", Counter(1), partition=0)
    buffered.set("k", Counter(2), partition=3)
    assert [r[3] for r in buffered.drain()] == [3]


def test_settle_writes_the_tables_then_waits_for_every_delivery() -> None:
    sent: list[tuple[str, bytes | None, bytes | None, int | None]] = []
    futures: list[asyncio.Future[Any]] = []

    async def produce(
        topic: str, key: bytes | None, value: bytes | None, partition: int | None
    ) -> asyncio.Future[Any]:
        sent.append((topic, key, value, partition))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        futures.append(future)
        return future

    async def scenario() -> tuple[bool, int]:
        deliveries = Deliveries(produce)
        buffered = BufferedTable(table(), CODEC)
        await deliveries.send("error.classified", b"k", b"v")
        buffered.set("svc", Counter(5), partition=1)
        settling = asyncio.ensure_future(deliveries.settle([buffered]))
        await asyncio.sleep(0)
        blocked = not settling.done()
        for future in futures:
            future.set_result(None)
        return blocked, await settling

    blocked, written = asyncio.run(scenario())
    assert blocked  # not done while a record is unacknowledged
    assert written == 1
    assert sent == [
        ("error.classified", b"k", b"v", None),
        ("app-counters-changelog", b"svc", b'{"n":5}', 1),
    ]


@pytest.mark.logs_errors
def test_a_failed_delivery_fails_the_batch_and_stops_the_worker() -> None:
    stopped: list[BaseException] = []

    async def stop(exc: BaseException) -> None:
        stopped.append(exc)

    async def produce(*_args: Any) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.set_exception(RuntimeError("broker said no"))
        return future

    async def scenario() -> None:
        deliveries = Deliveries(produce, on_failure=stop)
        await deliveries.send("t", None, b"v")
        await deliveries.settle([])

    with pytest.raises(RuntimeError, match="broker said no"):
        asyncio.run(scenario())
    assert [str(exc) for exc in stopped] == ["broker said no"]
