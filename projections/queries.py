"""The analyst's typed questions to the read models: errors, groups, alerts, pending corrections.

Every function takes an open psycopg connection and reads only tables and views the analyst role
may read (``0004_roles.sql``), with parameterised SQL. Lists are pages in a fixed order with
keyset pagination: a page ends with a ``PageCursor`` holding the sort key of its last row, and the
next page starts strictly after that key — so rows inserted meanwhile never shift a page, and
reading every page yields every row once. The cursor also pins the window end (``until``) the
first page was read with, so a relative window (``--since 1h``) pages through the same hour.

Time windows are half-open on the left, ``since < t <= until``, as the ``top_groups`` view's.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import MISSING, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from errorstream.exceptions import ErrorStreamError

T = TypeVar("T")
KeyValue = int | str | datetime

DEFAULT_LIMIT = 50
MAX_LIMIT = 10_000


class QueryError(ErrorStreamError):
    """A question the read models cannot answer as asked (bad duration, cursor, filter)."""


# -- durations and times ----------------------------------------------------------------------
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+)([smhdw])")


def parse_duration(text: str) -> timedelta:
    """``15m``, ``1h``, ``7d``, ``1h30m`` (units s, m, h, d, w) as a positive timedelta."""
    compact = text.strip().lower()
    parts = _DURATION.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise QueryError(f"not a duration: {text!r} (use e.g. 15m, 1h, 7d, 1h30m)")
    seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise QueryError(f"a duration must be positive: {text!r}")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest ``parse_duration`` spelling of a whole number of seconds (``1h30m``)."""
    seconds = int(value.total_seconds())
    if seconds <= 0 or value != timedelta(seconds=seconds):
        raise QueryError(f"not a positive whole number of seconds: {value}")
    out = []
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNITS[unit]
        if seconds >= size:
            out.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(out)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 time; a time without an offset is UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(f"not a time: {text!r} (use ISO 8601, e.g. 2026-11-26T09:00Z)") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def resolve_window(
    since: str | None, until: str | None, now: datetime
) -> tuple[datetime | None, datetime]:
    """(start, end) of ``--since``/``--until``: each a duration or an ISO time.

    ``until`` defaults to ``now``; a duration there means that long before ``now``. A duration
    in ``since`` is counted back from the end, so ``--since 1h --until 2026-11-26T10:00`` is the
    hour before ten.
    """
    end = now if until in (None, "", "now") else _instant_or_ago(str(until), now)
    start = None if since in (None, "") else _instant_or_ago(str(since), end)
    if start is not None and start >= end:
        raise QueryError(f"the window is empty: since {start.isoformat()} >= {end.isoformat()}")
    return start, end


def _instant_or_ago(text: str, reference: datetime) -> datetime:
    if _DURATION.match(text.strip().lower()):
        return reference - parse_duration(text)
    try:
        return parse_instant(text)
    except QueryError:
        raise QueryError(
            f"not a duration (15m, 1h, 7d) or an ISO 8601 time (2026-11-26T09:00Z): {text!r}"
        ) from None


# -- cursors ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PageCursor:
    """Where the next page of a query starts: after ``key``, in the window ending ``until``."""

    query: str
    key: tuple[KeyValue, ...]
    until: datetime | None = None

    def encode(self) -> str:
        body = {
            "v": 1,
            "q": self.query,
            "k": [_tagged(v) for v in self.key],
            "u": self.until.isoformat() if self.until else None,
        }
        raw = json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, query: str | None = None) -> PageCursor:
        """The cursor ``encode`` wrote; one of another query (``query`` given) is refused."""
        try:
            raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
            body = json.loads(raw)
            cursor = cls(
                query=str(body["q"]),
                key=tuple(_untagged(v) for v in body["k"]),
                until=datetime.fromisoformat(body["u"]) if body.get("u") else None,
            )
            if body.get("v") != 1 or not cursor.key:
                raise ValueError("unknown cursor version")
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise QueryError(f"not a cursor of errorstream: {text!r} ({exc})") from None
        if query is not None and cursor.query != query:
            raise QueryError(f"this cursor pages {cursor.query!r}, not {query!r}")
        return cursor


def _tagged(value: KeyValue) -> list[Any]:
    if isinstance(value, datetime):
        return ["t", value.isoformat()]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise QueryError(f"cannot page by {value!r}")
    return ["i", value] if isinstance(value, int) else ["s", value]


def _untagged(item: Any) -> KeyValue:
    tag, value = item
    if tag == "t":
        instant = datetime.fromisoformat(value)
        if instant.tzinfo is None:
            raise ValueError("cursor time without offset")
        return instant
    if tag == "i" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if tag == "s" and isinstance(value, str):
        return value
    raise ValueError(f"bad cursor key {item!r}")


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: tuple[T, ...]
    next_cursor: PageCursor | None = None


# -- filters ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    """What to narrow a question to; each query says which of these it understands.

    ``status`` is a group's current status (new/ongoing/resolved/regressed, from the
    ``error_issues`` view) for errors and groups, and firing/resolved for alerts.
    """

    since: datetime | None = None
    until: datetime | None = None
    service: str | None = None
    layer: str | None = None
    category: str | None = None
    type: str | None = None
    severity: str | None = None
    status: str | None = None
    group_id: str | None = None
    rule: str | None = None

    def only(self, query: str, *allowed: str) -> None:
        extra = [
            f.name
            for f in fields(self)
            if f.name not in (*allowed, "since", "until") and getattr(self, f.name) is not None
        ]
        if extra:
            raise QueryError(f"{query} cannot be filtered by {', '.join(extra)}")


class _Where:
    """AND-ed conditions from fixed SQL text with %s placeholders, and their parameters."""

    def __init__(self) -> None:
        self.parts: list[sql.Composable] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> None:
        self.parts.append(sql.SQL(clause))  # clause is code, never input: input is a param
        self.params.extend(params)

    def when(self, value: Any, clause: str) -> None:
        if value is not None:
            self.add(clause, value)

    def composed(self) -> sql.Composed | sql.SQL:
        return sql.SQL(" AND ").join(self.parts) if self.parts else sql.SQL("TRUE")


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"--limit must be between 1 and {MAX_LIMIT}, not {limit}")
    return limit


def _rows(
    conn: psycopg.Connection[Any], query: sql.Composed | sql.SQL, params: Sequence[Any]
) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return cur.fetchall()


def _value(raw: Any) -> Any:
    if isinstance(raw, Decimal):
        return float(raw)
    if isinstance(raw, list):
        return tuple(_value(v) for v in raw)
    return raw


def _build(cls: type[T], row: Mapping[str, Any]) -> T:
    """A result dataclass from a row with a column per field (fields with defaults optional)."""
    values = {
        f.name: _value(row[f.name])
        for f in fields(cls)  # type: ignore[arg-type]
        if f.name in row or (f.default is MISSING and f.default_factory is MISSING)
    }
    return cls(**values)


def _page(
    query: str,
    rows: list[dict[str, Any]],
    build: type[T],
    limit: int,
    key: Iterable[str],
    until: datetime | None,
) -> Page[T]:
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = None
    if more:
        last = rows[-1]
        cursor = PageCursor(query, tuple(_key_value(last[k]) for k in key), until)
    return Page(tuple(_build(build, r) for r in rows), cursor)


def _key_value(raw: Any) -> KeyValue:
    if isinstance(raw, uuid.UUID):
        return str(raw)
    if isinstance(raw, datetime | int | str):
        return raw
    raise QueryError(f"cannot page by {raw!r}")


def _after(cursor: PageCursor | None, query: str, size: int) -> tuple[KeyValue, ...] | None:
    if cursor is None:
        return None
    if cursor.query != query or len(cursor.key) != size:
        raise QueryError(f"this cursor does not page {query}")
    return cursor.key


# -- results ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ErrorSummary:
    id: uuid.UUID
    occurred_at: datetime
    service: str
    layer: str | None
    category: str | None
    type: str | None
    severity: str | None
    exception_type: str | None
    message: str
    group_id: str | None
    report_count: int
    regression: bool
    is_recurring: bool


@dataclass(frozen=True)
class GroupSummary:
    group_id: str
    service: str
    layer: str
    title: str
    exception_type: str | None
    category: str
    type: str
    severity: str
    max_severity: str
    status: str  # current: resolved once quiet for errorstream.group_resolve_after
    occurrences: int
    first_seen: datetime
    last_seen: datetime
    regressions: int
    is_recurring: bool


@dataclass(frozen=True)
class TopGroup:
    group_id: str
    service: str
    layer: str
    title: str
    exception_type: str | None
    category: str
    type: str
    severity: str
    status: str
    errors: int  # in the window
    reports: int  # in the window, counting coalesced repeats
    first_in_window: datetime
    last_in_window: datetime
    occurrences: int  # all time
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True)
class PatternSummary:
    pattern_id: uuid.UUID
    pattern_type: str
    service: str | None
    layer: str | None
    occurrence_count: int
    confidence: float
    risk_level: str
    window_start: datetime
    window_end: datetime
    detected_at: datetime
    description: str


@dataclass(frozen=True)
class AlertSummary:
    alert_id: uuid.UUID
    rule: str
    key: str
    service: str | None
    layer: str | None
    status: str
    severity: str | None
    summary: str | None
    value: float | None
    peak_value: float | None
    threshold: float | None
    comparison: str | None
    starts_at: datetime
    last_notified_at: datetime | None
    resolved_at: datetime | None
    duration_ms: int | None
    notifications: int


@dataclass(frozen=True)
class AnalysisSummary:
    id: uuid.UUID
    created_at: datetime
    analysis_method: str
    primary_cause: str
    primary_cause_category: str
    overall_impact: str
    confidence: float
    correction_required: bool


@dataclass(frozen=True)
class CorrectionSummary:
    id: uuid.UUID
    status: str
    strategy: str | None
    automation_level: str | None
    risk_level: str | None
    decision: str | None
    decided_by: str | None
    created_at: datetime | None
    status_at: datetime


@dataclass(frozen=True)
class PendingCorrection:
    id: uuid.UUID
    created_at: datetime
    service: str | None
    group_id: str | None
    group_title: str | None
    error_id: uuid.UUID | None
    analysis_id: uuid.UUID | None
    strategy: str | None
    automation_level: str | None
    risk_level: str | None
    risk_score: float | None
    confidence: float | None
    authorization_level: str | None
    approvers: tuple[str, ...] | None
    approval_required: bool | None
    action_types: tuple[str, ...]
    estimated_duration_ms: int | None


@dataclass(frozen=True)
class Classification:
    """How the error was classified and grouped, and the evidence the classifier gave."""

    category: str | None
    type: str | None
    subtype: str | None
    severity: str | None
    reported_severity: str | None
    computed_severity: str | None
    confidence: float | None
    grouping_method: str | None
    template: str | None
    is_recurring: bool
    regression: bool
    late: bool
    classified_at: datetime | None
    evidence: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class ErrorDetail:
    id: uuid.UUID
    occurred_at: datetime
    detected_at: datetime | None
    service: str
    component: str | None
    layer: str | None
    environment: str | None
    host: str | None
    service_version: str | None
    message: str
    description: str | None
    error_code: str | None
    exception_type: str | None
    stack_trace: str | None
    frames: tuple[Mapping[str, Any], ...]
    context: Mapping[str, Any]
    tags: tuple[str, ...]
    report_count: int
    correlation_id: str | None
    workflow_id: str | None
    task_id: str | None
    agent_id: str | None
    user_id: str | None
    classification: Classification
    group: GroupSummary | None
    patterns: tuple[PatternSummary, ...] = field(default=())
    alerts: tuple[AlertSummary, ...] = field(default=())
    analyses: tuple[AnalysisSummary, ...] = field(default=())
    corrections: tuple[CorrectionSummary, ...] = field(default=())


# -- queries ----------------------------------------------------------------------------------
_ERROR_FILTERS = ("service", "layer", "category", "type", "severity", "status", "group_id")


def list_errors(
    conn: psycopg.Connection[Any],
    filters: Filters = Filters(),
    limit: int = DEFAULT_LIMIT,
    after: PageCursor | None = None,
) -> Page[ErrorSummary]:
    """Errors, newest first (occurred_at, then id, descending)."""
    filters.only("errors", *_ERROR_FILTERS)
    where = _Where()
    where.when(filters.since, "e.occurred_at > %s")
    where.when(filters.until, "e.occurred_at <= %s")
    where.when(filters.service, "e.source_service_id = %s")
    where.when(filters.layer, "e.layer = %s")
    where.when(filters.category, "e.category = %s")
    where.when(filters.type, "e.type = %s")
    where.when(filters.severity, "e.severity = %s")
    where.when(filters.group_id, "e.group_id = %s")
    where.when(filters.status, "g.current_status = %s")
    key = _after(after, "errors", 2)
    if key is not None:
        where.add("(e.occurred_at, e.id) < (%s, %s::uuid)", *key)
    join = sql.SQL("LEFT JOIN error_issues g ON g.group_id = e.group_id" if filters.status else "")
    query = sql.SQL(
        "SELECT e.id, e.occurred_at, e.source_service_id AS service, e.layer, e.category, "
        "e.type, e.severity, e.exception_type, e.message, e.group_id, e.report_count, "
        "e.regression, e.is_recurring "
        "FROM errors e {join} WHERE {where} "
        "ORDER BY e.occurred_at DESC, e.id DESC LIMIT %s"
    ).format(join=join, where=where.composed())
    rows = _rows(conn, query, [*where.params, _limit(limit) + 1])
    return _page("errors", rows, ErrorSummary, limit, ("occurred_at", "id"), filters.until)


def show_error(conn: psycopg.Connection[Any], error_id: uuid.UUID | str) -> ErrorDetail | None:
    """One error with its classification, group, patterns, alerts, analyses and corrections."""
    try:
        ident = error_id if isinstance(error_id, uuid.UUID) else uuid.UUID(str(error_id))
    except ValueError:
        raise QueryError(f"not an error id (a UUID): {error_id!r}") from None
    found = _rows(conn, sql.SQL("SELECT e.* FROM errors e WHERE e.id = %s"), [ident])
    if not found:
        return None
    row = found[0]
    group = None
    if row["group_id"] is not None:
        groups = _rows(conn, sql.SQL(_GROUP_SELECT + " WHERE g.group_id = %s"), [row["group_id"]])
        group = _build(GroupSummary, groups[0]) if groups else None
    patterns = _rows(
        conn,
        sql.SQL(
            "SELECT * FROM error_patterns p WHERE %s = ANY (p.error_ids) "
            "ORDER BY p.detected_at, p.pattern_id"
        ),
        [ident],
    )
    alerts = _rows(
        conn,
        sql.SQL(
            "SELECT * FROM alerts a WHERE %s = ANY (a.sample_error_ids) "
            "OR (%s::text = ANY (a.group_ids) AND a.starts_at <= %s "
            "    AND coalesce(a.resolved_at, 'infinity') >= %s) "
            "ORDER BY a.starts_at, a.alert_id"
        ),
        [str(ident), row["group_id"], row["occurred_at"], row["occurred_at"]],
    )
    analyses = _rows(
        conn,
        sql.SQL(
            "SELECT * FROM error_analysis a WHERE a.error_id = %s "
            "OR (a.group_id IS NOT NULL AND a.group_id = %s) ORDER BY a.created_at, a.id"
        ),
        [ident, row["group_id"]],
    )
    corrections = _rows(
        conn,
        sql.SQL(
            "SELECT * FROM correction_plans p WHERE p.error_id = %s "
            "OR (p.group_id IS NOT NULL AND p.group_id = %s) "
            "ORDER BY coalesce(p.created_at, p.status_at), p.id"
        ),
        [ident, row["group_id"]],
    )
    return ErrorDetail(
        id=row["id"],
        occurred_at=row["occurred_at"],
        detected_at=row["detected_at"],
        service=row["source_service_id"],
        component=row["source_component_id"],
        layer=row["layer"],
        environment=row["environment"],
        host=row["host"],
        service_version=row["service_version"],
        message=row["message"],
        description=row["description"],
        error_code=row["error_code"],
        exception_type=row["exception_type"],
        stack_trace=row["stack_trace"],
        frames=tuple(row["frames"] or ()),
        context=row["context"] or {},
        tags=tuple(row["tags"] or ()),
        report_count=row["report_count"],
        correlation_id=row["correlation_id"],
        workflow_id=row["workflow_id"],
        task_id=row["task_id"],
        agent_id=row["agent_id"],
        user_id=row["user_id"],
        # Evidence is read when the read model carries it (an `evidence` column).
        classification=_build(Classification, {**row, "evidence": row.get("evidence") or []}),
        group=group,
        patterns=tuple(_build(PatternSummary, r) for r in patterns),
        alerts=tuple(_build(AlertSummary, r) for r in alerts),
        analyses=tuple(_build(AnalysisSummary, r) for r in analyses),
        corrections=tuple(_build(CorrectionSummary, r) for r in corrections),
    )


_GROUP_SELECT = (
    "SELECT g.group_id, g.service, g.layer, g.title, g.exception_type, g.category, g.type, "
    "g.severity, g.max_severity, g.current_status AS status, g.occurrences, g.first_seen, "
    "g.last_seen, g.regressions, g.is_recurring FROM error_issues g"
)


def top_groups(
    conn: psycopg.Connection[Any],
    filters: Filters,
    limit: int = 20,
    after: PageCursor | None = None,
) -> Page[TopGroup]:
    """Groups with the most errors in the window (by reports, then errors, then group id —
    the ``top_groups`` view's order); service, layer, category, type and severity narrow the
    errors counted, status the groups shown."""
    filters.only("groups top", *_ERROR_FILTERS)
    if filters.since is None or filters.until is None:
        raise QueryError("groups top needs a window (--since)")
    counted = _Where()
    counted.add("e.occurred_at > %s", filters.since)
    counted.add("e.occurred_at <= %s", filters.until)
    counted.add("e.group_id IS NOT NULL")
    counted.when(filters.service, "e.source_service_id = %s")
    counted.when(filters.layer, "e.layer = %s")
    counted.when(filters.category, "e.category = %s")
    counted.when(filters.type, "e.type = %s")
    counted.when(filters.severity, "e.severity = %s")
    counted.when(filters.group_id, "e.group_id = %s")
    shown = _Where()
    shown.when(filters.status, "g.current_status = %s")
    key = _after(after, "groups top", 3)
    if key is not None:
        reports, errors, group_id = key
        if not (isinstance(reports, int) and isinstance(errors, int)):
            raise QueryError("this cursor does not page groups top")
        shown.add("(-w.reports, -w.errors, g.group_id) > (%s, %s, %s)", -reports, -errors, group_id)
    query = sql.SQL(
        "WITH w AS ("
        " SELECT e.group_id, count(*) AS errors, sum(e.report_count)::bigint AS reports,"
        "        min(e.occurred_at) AS first_in_window, max(e.occurred_at) AS last_in_window"
        "   FROM errors e WHERE {counted} GROUP BY e.group_id) "
        "SELECT g.group_id, g.service, g.layer, g.title, g.exception_type, g.category, g.type, "
        "g.severity, g.current_status AS status, w.errors, w.reports, w.first_in_window, "
        "w.last_in_window, g.occurrences, g.first_seen, g.last_seen "
        "FROM w JOIN error_issues g ON g.group_id = w.group_id WHERE {shown} "
        "ORDER BY w.reports DESC, w.errors DESC, g.group_id LIMIT %s"
    ).format(counted=counted.composed(), shown=shown.composed())
    rows = _rows(conn, query, [*counted.params, *shown.params, _limit(limit) + 1])
    return _page(
        "groups top", rows, TopGroup, limit, ("reports", "errors", "group_id"), filters.until
    )


def list_alerts(
    conn: psycopg.Connection[Any],
    filters: Filters = Filters(),
    limit: int = DEFAULT_LIMIT,
    after: PageCursor | None = None,
) -> Page[AlertSummary]:
    """Alerts, latest start first; a window keeps the alerts that fired at some time in it."""
    filters.only("alerts", "service", "layer", "severity", "status", "rule")
    where = _Where()
    where.when(filters.until, "a.starts_at <= %s")
    where.when(filters.since, "coalesce(a.resolved_at, 'infinity') > %s")
    where.when(filters.service, "a.service = %s")
    where.when(filters.layer, "a.layer = %s")
    where.when(filters.severity, "a.severity = %s")
    where.when(filters.status, "a.status = %s")
    where.when(filters.rule, "a.rule = %s")
    key = _after(after, "alerts", 2)
    if key is not None:
        where.add("(a.starts_at, a.alert_id) < (%s, %s::uuid)", *key)
    query = sql.SQL(
        "SELECT a.* FROM alerts a WHERE {where} ORDER BY a.starts_at DESC, a.alert_id DESC LIMIT %s"
    ).format(where=where.composed())
    rows = _rows(conn, query, [*where.params, _limit(limit) + 1])
    return _page("alerts", rows, AlertSummary, limit, ("starts_at", "alert_id"), filters.until)


def pending_corrections(
    conn: psycopg.Connection[Any],
    filters: Filters = Filters(),
    limit: int = DEFAULT_LIMIT,
    after: PageCursor | None = None,
) -> Page[PendingCorrection]:
    """Correction plans awaiting a decision (planned, neither approved nor rejected), oldest
    first — the approval queue."""
    filters.only("corrections pending", "service", "group_id")
    where = _Where()
    where.add("p.status = 'planned'")
    where.add("p.decision IS NULL")
    where.when(filters.since, "p.queued_at > %s")
    where.when(filters.until, "p.queued_at <= %s")
    where.when(filters.service, "p.service = %s")
    where.when(filters.group_id, "p.group_id = %s")
    key = _after(after, "corrections pending", 2)
    if key is not None:
        where.add("(p.queued_at, p.id) > (%s, %s::uuid)", *key)
    query = sql.SQL(
        "SELECT p.id, p.queued_at AS created_at, p.queued_at, p.service, p.group_id, "
        "g.title AS group_title, p.error_id, p.analysis_id, p.strategy, p.automation_level, "
        "p.risk_level, p.risk_score, p.confidence, p.authorization_level, p.approvers, "
        "p.approval_required, p.estimated_duration_ms, "
        "ARRAY(SELECT act ->> 'type' FROM jsonb_array_elements(coalesce(p.actions, '[]')) "
        "      WITH ORDINALITY AS a(act, n) ORDER BY n) AS action_types "
        "FROM (SELECT c.*, coalesce(c.created_at, c.status_at) AS queued_at "
        "        FROM correction_plans c) p "
        "LEFT JOIN error_groups g ON g.group_id = p.group_id "
        "WHERE {where} ORDER BY p.queued_at, p.id LIMIT %s"
    ).format(where=where.composed())
    rows = _rows(conn, query, [*where.params, _limit(limit) + 1])
    return _page(
        "corrections pending", rows, PendingCorrection, limit, ("queued_at", "id"), filters.until
    )


@contextmanager
def read_snapshot(conn: psycopg.Connection[Any]) -> Iterator[psycopg.Connection[Any]]:
    """One read-only REPEATABLE READ transaction, so every query in it sees the same rows."""
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    with conn.transaction():
        yield conn


# -- output -----------------------------------------------------------------------------------
def jsonable(value: Any) -> Any:
    """A result (dataclass, tuple, time, UUID, …) as plain JSON values; times as ISO 8601."""
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
