"""Faust codecs for agent state: compact JSON on the changelog, Python objects in memory.

The in-memory table holds the state objects themselves (no parsing on read); only a write
serialises, and only recovery parses.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any, Protocol, TypeVar

from faust.serializers import codecs

T = TypeVar("T", bound="JsonState")


class JsonState(Protocol):
    def to_json(self) -> Any: ...

    @classmethod
    def from_json(cls: type[T], data: Any) -> T: ...


class StateCodec(codecs.Codec):
    """Serialises one state class through its to_json/from_json."""

    def __init__(self, kind: type[JsonState], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kind = kind

    def _dumps(self, obj: Any) -> bytes:
        return json.dumps(obj.to_json(), separators=(",", ":")).encode()

    def _loads(self, s: bytes) -> Any:
        return self.kind.from_json(json.loads(s))


class TextCodec(codecs.Codec):
    """str keys that stay str after recovery (faust's raw codec would return bytes)."""

    def _dumps(self, obj: Any) -> bytes:
        return str(obj).encode()

    def _loads(self, s: bytes) -> Any:
        return s.decode()


class IntCodec(codecs.Codec):
    def _dumps(self, obj: Any) -> bytes:
        return str(int(obj)).encode()

    def _loads(self, s: bytes) -> Any:
        return int(s)


def register_state(name: str, kind: type[JsonState]) -> str:
    codecs.register(name, StateCodec(kind))
    return name


def serialized_as(codec: str) -> type:
    """A key/value *type* for faust tables that makes them use `codec`.

    Faust picks a table's serializers from its key and value types, and builds the changelog
    topic from them as soon as the table is registered; setting serializers afterwards is too
    late for recovery. This shim says "serialize with `codec`, and take what it returns as is".
    """

    class Serialized:
        _options = SimpleNamespace(serializer=codec)

        @classmethod
        def from_data(cls, data: Any, preferred_type: Any = None) -> Any:
            return data

    Serialized.__name__ = f"Serialized[{codec}]"
    return Serialized


codecs.register("errorstream_text", TextCodec())
codecs.register("errorstream_int", IntCodec())


def state_table(app: Any, name: str, codec: str, partitions: int) -> Any:
    """A Faust table of state objects: str keys, values through `codec`, no default."""
    return app.Table(
        name,
        default=None,
        partitions=partitions,
        key_type=serialized_as("errorstream_text"),
        value_type=serialized_as(codec),
    )
