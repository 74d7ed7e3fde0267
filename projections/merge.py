"""Merging the rows that several events (or several deliveries of one event) make of one entity.

A read model must come out the same whatever order its events arrive in and however often each
is delivered: a rebuild reads the topics in another interleaving than the live projector did,
and an alert's `resolved` may be read before its `raised`. Every column of a merged table has a
rule, and every rule is commutative, associative and idempotent, so one answer comes out of any
order. A `MergeSpec` is that definition, written once: `fold` merges a batch's rows in Python
(one row per key, so one upsert statement per table) and `set_clause` is the same merge in the
upsert's ``ON CONFLICT DO UPDATE``; tests check the two halves agree.

``REPLACE`` is the one order-dependent rule: the later row in offset order wins. It is meant for
compacted configuration topics, whose single partition *is* the order and whose compaction keeps
exactly the last value per key, so a rebuild after compaction still agrees with the live table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from psycopg import sql

Row = tuple[Any, ...]


class Rule(Enum):
    KEY = "key"  # part of the primary key
    MIN = "min"  # smallest non-null (LEAST): first seen, started at
    MAX = "max"  # largest non-null (GREATEST): last seen, counters an agent keeps
    ANY = "any"  # true once any contribution says so (OR)
    RANKED = "ranked"  # the value ranked highest in `ranks` (status precedence)
    LATEST = "latest"  # the value of the contribution with the greatest stamp
    EARLIEST = "earliest"  # the value of the contribution with the smallest stamp
    REPLACE = "replace"  # the later row in offset order (compacted configuration topics only)


@dataclass(frozen=True)
class Stamp:
    """Orders the contributions of one kind of event to a row.

    Compared as the tuple (``at``, rank of ``ranked`` in ``ranks``, ``id``); ``id`` is the
    contributing event's id (a total order among equal times) and is NULL in a row that has no
    such contribution yet, which any contribution then beats.
    """

    at: str
    id: str
    ranked: str | None = None
    ranks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Column:
    name: str
    rule: Rule
    stamp: Stamp | None = None  # LATEST and EARLIEST
    ranks: tuple[str, ...] = ()  # RANKED: lowest first
    # What a row that lacks this column's contribution holds: NULL, or the column's SQL default
    # where it is NOT NULL (a row is inserted whole, so the SQL default never applies).
    default: Any = None


@dataclass(frozen=True)
class MergeSpec:
    """How one table's rows merge: its columns (in COPY order) with their rules."""

    table: str
    columns: tuple[Column, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {c.name: i for i, c in enumerate(self.columns)}
        object.__setattr__(self, "_index", index)
        for column in self.columns:
            if column.rule in (Rule.LATEST, Rule.EARLIEST):
                stamp = column.stamp
                if stamp is None:
                    raise ValueError(
                        f"{self.table}.{column.name}: {column.rule.value} needs a stamp"
                    )
                for part in (stamp.at, stamp.id, stamp.ranked):
                    if part is not None and part not in index:
                        raise ValueError(f"{self.table}.{column.name}: stamp column {part} missing")
            if column.rule is Rule.RANKED and not column.ranks:
                raise ValueError(f"{self.table}.{column.name}: ranked needs ranks")
        if not self.key:
            raise ValueError(f"{self.table}: no key column")

    # -- description --------------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.rule is Rule.KEY)

    @property
    def commutative(self) -> bool:
        return all(c.rule is not Rule.REPLACE for c in self.columns)

    def row(self, **values: Any) -> Row:
        """A row from keyword values; columns not given hold their default (no contribution)."""
        unknown = set(values) - set(self._index)
        if unknown:
            raise ValueError(f"{self.table} has no column(s) {sorted(unknown)}")
        return tuple(values.get(c.name, c.default) for c in self.columns)

    def value(self, row: Row, name: str) -> Any:
        return row[self._index[name]]

    def key_of(self, row: Row) -> Row:
        return tuple(row[self._index[name]] for name in self.key)

    # -- Python half ----------------------------------------------------------------------------
    def merge(self, old: Row, new: Row) -> Row:
        """The row after `new` is merged into `old` (the same as ``set_clause`` does in SQL)."""
        out = []
        for i, column in enumerate(self.columns):
            a, b = old[i], new[i]
            rule = column.rule
            if rule is Rule.KEY:
                value = a
            elif rule is Rule.MIN:
                value = b if a is None else a if b is None else min(a, b)
            elif rule is Rule.MAX:
                value = b if a is None else a if b is None else max(a, b)
            elif rule is Rule.ANY:
                value = bool(a) or bool(b)
            elif rule is Rule.RANKED:
                value = b if _rank(column.ranks, b) > _rank(column.ranks, a) else a
            elif rule is Rule.REPLACE:
                value = b
            else:
                assert column.stamp is not None
                old_stamp, new_stamp = (
                    self._stamp(column.stamp, old),
                    self._stamp(column.stamp, new),
                )
                if old_stamp is None:
                    take_new = True
                elif new_stamp is None:
                    take_new = False
                elif rule is Rule.LATEST:
                    take_new = new_stamp > old_stamp
                else:
                    take_new = new_stamp < old_stamp
                value = b if take_new else a
            out.append(value)
        return tuple(out)

    def fold(self, rows: Iterable[Row]) -> list[Row]:
        """One merged row per key, in the order keys first appear."""
        merged: dict[Row, Row] = {}
        for row in rows:
            key = self.key_of(row)
            current = merged.get(key)
            merged[key] = row if current is None else self.merge(current, row)
        return list(merged.values())

    def _stamp(self, stamp: Stamp, row: Row) -> tuple[Any, ...] | None:
        ident = row[self._index[stamp.id]]
        if ident is None:
            return None
        rank = _rank(stamp.ranks, row[self._index[stamp.ranked]]) if stamp.ranked else 0
        return (row[self._index[stamp.at]], rank, ident)

    # -- SQL half -------------------------------------------------------------------------------
    def set_clause(self) -> sql.Composable:
        """``col = <merge of the stored row and EXCLUDED>, ...`` for every non-key column."""
        table = sql.Identifier(self.table)
        excluded = sql.Identifier("excluded")
        parts = []
        for column in self.columns:
            if column.rule is Rule.KEY:
                continue
            name = sql.Identifier(column.name)
            old = sql.SQL("{}.{}").format(table, name)
            new = sql.SQL("{}.{}").format(excluded, name)
            expression: sql.Composable
            if column.rule is Rule.MIN:
                expression = sql.SQL("LEAST({}, {})").format(old, new)
            elif column.rule is Rule.MAX:
                expression = sql.SQL("GREATEST({}, {})").format(old, new)
            elif column.rule is Rule.ANY:
                expression = sql.SQL("(coalesce({}, false) OR coalesce({}, false))").format(
                    old, new
                )
            elif column.rule is Rule.RANKED:
                expression = sql.SQL("CASE WHEN {} > {} THEN {} ELSE {} END").format(
                    _rank_sql(column.ranks, new), _rank_sql(column.ranks, old), new, old
                )
            elif column.rule is Rule.REPLACE:
                expression = new
            else:
                assert column.stamp is not None
                expression = sql.SQL(
                    "CASE WHEN {old_id} IS NULL OR ({new_id} IS NOT NULL AND {new_stamp} {op} "
                    "{old_stamp}) THEN {new} ELSE {old} END"
                ).format(
                    old_id=sql.SQL("{}.{}").format(table, sql.Identifier(column.stamp.id)),
                    new_id=sql.SQL("{}.{}").format(excluded, sql.Identifier(column.stamp.id)),
                    new_stamp=_stamp_sql(column.stamp, excluded),
                    old_stamp=_stamp_sql(column.stamp, table),
                    op=sql.SQL(">" if column.rule is Rule.LATEST else "<"),
                    new=new,
                    old=old,
                )
            parts.append(sql.SQL("{} = {}").format(name, expression))
        return sql.SQL(", ").join(parts)


def _rank(ranks: Sequence[str], value: Any) -> int:
    """1-based position in `ranks`; 0 for NULL or a value not ranked."""
    try:
        return ranks.index(value) + 1
    except ValueError:
        return 0


def _rank_sql(ranks: Sequence[str], value: sql.Composable) -> sql.Composable:
    return sql.SQL("coalesce(array_position({}::text[], {}::text), 0)").format(
        sql.Literal(list(ranks)), value
    )


def _stamp_sql(stamp: Stamp, relation: sql.Identifier) -> sql.Composable:
    def part(name: str) -> sql.Composable:
        return sql.SQL("{}.{}").format(relation, sql.Identifier(name))

    rank = _rank_sql(stamp.ranks, part(stamp.ranked)) if stamp.ranked else sql.SQL("0")
    return sql.SQL("ROW({}, {}, {})").format(part(stamp.at), rank, part(stamp.id))


def single_event(table: str, key: Sequence[str], columns: Sequence[str], *, at: str) -> MergeSpec:
    """A table whose rows each come from one event: the latest by (`at`, event_id) wins.

    Redeliveries carry the same event id and content; a re-derived event with another id
    (a changed agent replayed) replaces the row only if it is later.
    """
    stamp = Stamp(at=at, id="event_id")
    return MergeSpec(
        table,
        (
            *(Column(name, Rule.KEY) for name in key),
            *(Column(name, Rule.LATEST, stamp) for name in columns if name not in key),
        ),
    )


def replaced(table: str, key: Sequence[str], columns: Sequence[str]) -> MergeSpec:
    """A table fed by a compacted topic: the last version in offset order wins."""
    return MergeSpec(
        table,
        (
            *(Column(name, Rule.KEY) for name in key),
            *(Column(name, Rule.REPLACE) for name in columns if name not in key),
        ),
    )
