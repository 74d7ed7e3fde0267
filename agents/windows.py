"""Explicit event-time windows: bucketed counters and bounded rings, O(1) per event.

Faust's windowed tables and `on_window_close` are avoided (known bugs); instead state holds
these small structures, serialisable as plain JSON, and rules ask them for sums over any
window ending at a moment. Buckets older than the rules' horizon are pruned on every add.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Buckets:
    """Sparse counters per time bucket: {bucket index: value}, index = at_ms // bucket_ms."""

    bucket_ms: int
    values: dict[int, float] = field(default_factory=dict)

    def add(self, at_ms: int, amount: float = 1.0) -> None:
        index = at_ms // self.bucket_ms
        self.values[index] = self.values.get(index, 0.0) + amount

    def total(self, start_ms: int, end_ms: int) -> float:
        """Sum of buckets whose start lies in [start_ms, end_ms)."""
        first = -(-start_ms // self.bucket_ms)  # ceil: buckets fully after start
        last = (end_ms - 1) // self.bucket_ms
        if last - first > len(self.values):
            return sum(v for i, v in self.values.items() if first <= i <= last)
        return sum(self.values.get(i, 0.0) for i in range(first, last + 1))

    def trailing(self, end_ms: int, span_ms: int) -> float:
        """Sum over the `span_ms` ending with the bucket that holds `end_ms`."""
        last = end_ms // self.bucket_ms
        count = max(1, span_ms // self.bucket_ms)
        if count > len(self.values):
            return sum(v for i, v in self.values.items() if last - count < i <= last)
        return sum(self.values.get(i, 0.0) for i in range(last - count + 1, last + 1))

    def prune(self, before_ms: int) -> None:
        floor = before_ms // self.bucket_ms
        stale = [i for i in self.values if i < floor]
        for index in stale:
            del self.values[index]

    def to_json(self) -> list[Any]:
        return [self.bucket_ms, [[i, v] for i, v in sorted(self.values.items())]]

    @classmethod
    def from_json(cls, data: list[Any]) -> Buckets:
        bucket_ms, pairs = data
        return cls(int(bucket_ms), {int(i): float(v) for i, v in pairs})


@dataclass(slots=True)
class Ring:
    """The last `size` entries, oldest first."""

    size: int
    entries: list[Any] = field(default_factory=list)

    def push(self, entry: Any) -> None:
        self.entries.append(entry)
        if len(self.entries) > self.size:
            del self.entries[: len(self.entries) - self.size]

    def since(self, start_ms: int, at: int = 0) -> list[Any]:
        """Entries whose element `at` (a timestamp) is at or after `start_ms`."""
        return [e for e in self.entries if e[at] >= start_ms]

    def __iter__(self) -> Any:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def to_json(self) -> list[Any]:
        return [self.size, self.entries]

    @classmethod
    def from_json(cls, data: list[Any]) -> Ring:
        size, entries = data
        return cls(int(size), [list(e) if isinstance(e, list) else e for e in entries])


def window_start(at_ms: int, window_ms: int) -> int:
    return at_ms - at_ms % window_ms


def count_within(times: Iterable[int], start_ms: int, end_ms: int) -> int:
    return sum(1 for t in times if start_ms <= t <= end_ms)
