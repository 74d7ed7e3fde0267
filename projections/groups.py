"""Projector of `error_groups`, the issue list (like Sentry's), from error.classified.

Each ErrorClassified carries its group's state as the detection agent saw it after that error
(occurrences, first/last seen, status, regression). The row merges them order-independently:
counts and last-seen take the greatest, first-seen the least, `is_recurring` stays true once
true, and what describes the group (title, classification, status) comes from its latest error
by (occurred_at, error id). Regressions are counted from `error_group_regressions`, one row per
regressing error, so a redelivered event never counts twice.

A group is never marked resolved by an event (the agent resolves quiet groups silently and the
next error regresses them); the view `error_issues` shows groups quiet longer than
``errorstream.group_resolve_after`` as resolved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import psycopg

from errorstream.projections.merge import Column, MergeSpec, Row, Rule, Stamp
from errorstream.projections.read_model import Contribution, ReadModelProjector
from errorstream.schemas.enums import Severity
from errorstream.schemas.models import ErrorClassified, Event
from errorstream.streams.topics import ERROR_CLASSIFIED

SEVERITIES = tuple(s.value for s in Severity)
_LAST = Stamp(at="last_error_at", id="last_error_id")
_FIRST = Stamp(at="first_error_at", id="first_error_id")


def _latest(name: str) -> Column:
    return Column(name, Rule.LATEST, _LAST)


GROUPS = MergeSpec(
    "error_groups",
    (
        Column("group_id", Rule.KEY),
        _latest("service"),
        _latest("layer"),
        _latest("title"),
        _latest("message"),
        _latest("exception_type"),
        _latest("template"),
        _latest("grouping_method"),
        _latest("category"),
        _latest("type"),
        _latest("subtype"),
        _latest("severity"),
        Column("max_severity", Rule.RANKED, ranks=SEVERITIES),
        _latest("status"),
        Column("occurrences", Rule.MAX),
        Column("first_seen", Rule.MIN),
        Column("last_seen", Rule.MAX),
        Column("is_recurring", Rule.ANY),
        Column("first_error_id", Rule.EARLIEST, _FIRST),
        Column("first_error_at", Rule.EARLIEST, _FIRST),
        _latest("last_error_id"),
        _latest("last_error_at"),
    ),
)

REGRESSIONS = MergeSpec(
    "error_group_regressions",
    (
        Column("group_id", Rule.KEY),
        Column("error_id", Rule.KEY),
        Column("regressed_at", Rule.MIN),
    ),
)


def group_rows(event: ErrorClassified) -> list[Contribution]:
    error = event.error
    rows: list[Contribution] = [
        (
            GROUPS,
            GROUPS.row(
                group_id=event.group_id,
                service=event.source.service,
                layer=event.layer.value,
                title=event.template or error.message,
                message=error.message,
                exception_type=error.exception_type,
                template=event.template,
                grouping_method=event.grouping_method,
                category=event.category.value,
                type=event.type.value,
                subtype=event.subtype,
                severity=event.severity.value,
                max_severity=event.severity.value,
                status=event.group_status.value,
                occurrences=max(1, event.occurrences),  # the error itself is one
                first_seen=min(event.first_seen, event.occurred_at),
                last_seen=max(event.last_seen, event.occurred_at),
                is_recurring=event.is_recurring,
                first_error_id=event.error_id,
                first_error_at=event.occurred_at,
                last_error_id=event.error_id,
                last_error_at=event.occurred_at,
            ),
        )
    ]
    if event.regression:
        rows.append(
            (
                REGRESSIONS,
                REGRESSIONS.row(
                    group_id=event.group_id, error_id=event.error_id, regressed_at=event.occurred_at
                ),
            )
        )
    return rows


class ErrorGroupsProjector(ReadModelProjector):
    name: ClassVar[str] = "error_groups"
    topics: ClassVar[tuple[str, ...]] = (ERROR_CLASSIFIED,)
    tables: ClassVar[tuple[str, ...]] = ("error_groups", "error_group_regressions")
    accepts: ClassVar[tuple[type[Event], ...]] = (ErrorClassified,)
    specs: ClassVar[tuple[MergeSpec, ...]] = (GROUPS, REGRESSIONS)

    def rows(self, event: Event) -> Iterable[Contribution]:
        assert isinstance(event, ErrorClassified)
        return group_rows(event)

    def after_write(self, cursor: psycopg.Cursor[Any], written: Mapping[str, list[Row]]) -> None:
        regressed = sorted(
            {REGRESSIONS.value(row, "group_id") for row in written["error_group_regressions"]}
        )
        if not regressed:
            return
        cursor.execute(
            """UPDATE error_groups g
                  SET regressions = r.regressions, last_regressed_at = r.last_regressed_at
                 FROM (SELECT group_id, count(*) AS regressions,
                              max(regressed_at) AS last_regressed_at
                         FROM error_group_regressions
                        WHERE group_id = ANY(%s)
                        GROUP BY group_id) r
                WHERE g.group_id = r.group_id""",
            (regressed,),
        )
