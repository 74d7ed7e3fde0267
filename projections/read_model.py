"""The shape every read-model projector shares: events → rows of merged tables.

A read-model projector names the event types it accepts and turns each event into rows of its
tables (a pure function, `rows`); the base folds a batch per table and merges it into
PostgreSQL with each table's `MergeSpec`, so the result does not depend on the order or the
number of deliveries. Anything else on its topics is refused and dead-lettered.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any, ClassVar

import psycopg
from psycopg.types.json import Jsonb
from pydantic import BaseModel

from errorstream.projections.bulk import write_merged
from errorstream.projections.merge import MergeSpec, Row
from errorstream.projections.runtime import Consumed, ProjectionRejected, Projector
from errorstream.schemas.models import Event
from errorstream.streams.sanitize import storable_text

Contribution = tuple[MergeSpec, Row]


class ReadModelProjector(Projector):
    accepts: ClassVar[tuple[type[Event], ...]]
    specs: ClassVar[tuple[MergeSpec, ...]]  # tables, written in this order

    def check(self, event: Event) -> None:
        """Refuse events of other types, and events whose rows cannot be built (so one odd
        event is a dead letter, not a worker restarting on the same batch forever)."""
        if not isinstance(event, self.accepts):
            raise ProjectionRejected(
                "unexpected_event",
                f"{event.event_type} does not belong to the {self.name} projection "
                f"(it takes {', '.join(t.__name__ for t in self.accepts)})",
            )
        try:
            for _spec, _row in self.rows(event):
                pass
        except Exception as exc:
            raise ProjectionRejected("unprojectable", f"{type(exc).__name__}: {exc}") from exc

    @abstractmethod
    def rows(self, event: Event) -> Iterable[Contribution]:
        """The rows one event contributes (pure: the same event always gives the same rows)."""

    def apply(self, cursor: psycopg.Cursor[Any], batch: Sequence[Consumed]) -> None:
        pending: dict[str, list[Row]] = {spec.table: [] for spec in self.specs}
        for consumed in batch:
            for spec, row in self.rows(consumed.event):
                pending[spec.table].append(tuple(storable(value) for value in row))
        for spec in self.specs:
            write_merged(cursor, spec, pending[spec.table])
        self.after_write(cursor, pending)

    def after_write(self, cursor: psycopg.Cursor[Any], written: Mapping[str, list[Row]]) -> None:
        """Statements that derive columns from what the batch wrote (counts from side tables)."""


# -- value conversions shared by the read models -------------------------------------------
def storable(value: Any) -> Any:
    """The value as PostgreSQL can store it: NUL characters and lone surrogates (which text and
    JSONB cannot hold) replaced by U+FFFD, and NaN or infinity inside JSON (which JSON cannot
    hold) as null, so an event never becomes a dead letter for one character of a message."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, Jsonb):
        return Jsonb(_storable_json(value.obj))
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value


def _storable_json(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or infinity
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {_storable_json(k): _storable_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable_json(item) for item in value]
    return value


def text(value: Enum | None) -> str | None:
    """An enum's symbol (the column holds the wire symbol), or NULL."""
    return None if value is None else str(value.value)


def fraction(value: float | None) -> float | None:
    """A 0..1 score as numeric(4,3) keeps it."""
    return None if value is None else round(value, 3)


def json_of(value: BaseModel | Sequence[BaseModel] | Mapping[str, Any] | Sequence[Any]) -> Jsonb:
    """Open-ended event data as JSONB: models as their JSON form, tuples as arrays."""
    if isinstance(value, BaseModel):
        return Jsonb(value.model_dump(mode="json"))
    if isinstance(value, Mapping):
        return Jsonb(dict(value))
    return Jsonb(
        [item.model_dump(mode="json") if isinstance(item, BaseModel) else item for item in value]
    )
