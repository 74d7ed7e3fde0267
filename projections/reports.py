"""`errorstream report`: what happened in a time window, read from the read models only.

A report is built in one read-only REPEATABLE READ transaction (every section sees the same
snapshot) from tables and views the analyst role may read, then written as JSON, CSV or a
self-contained HTML page (``report_html.py``). Windows are ``since < t <= until``; error-rate
buckets are aligned to UTC and closed on the right like the window: the bucket labelled 09:00
of an hourly trend counts 09:00 < t <= 10:00. Sections named "all time" come from
views that have no window (``mttr_by_service``, ``correction_success_rate``,
``alert_noise_by_rule``); ``--service`` narrows every section that has a service column
(``action_success`` and ``alert_noise`` have none and stay whole).

JSON (``format: "errorstream.report"``, ``version: 1``; times ISO 8601 UTC with ``Z``, durations
in seconds unless the key ends in ``_ms``; keys are only ever added, under a new version if one
is removed or changes meaning)::

    format, version, generated_at
    window         {since, until, bucket_seconds, service}     service: the --service filter or null
    totals         {errors, reports, groups, new_groups, services, critical_errors, regressions,
                    recurring_errors, late_errors, patterns, alerts_raised, alerts_resolved,
                    alerts_firing, escalations, corrections_planned, corrections_approved,
                    corrections_rejected, executions_completed, executions_failed, predictions}
    severity       [{severity, errors}]        low…emergency, then unclassified; zeros kept
    services       [{service, errors, reports, groups, critical_errors,
                     severity: {low, medium, high, critical, emergency, unclassified}}]
                                               most errors first
    trend          {bucket_seconds, buckets: [bucket start…],
                    series: [{service, errors: [count per bucket…]}]}   dense, zeros kept
    top_groups     [{group_id, service, layer, title, exception_type, category, type, severity,
                     status, errors, reports, first_in_window, last_in_window, occurrences,
                     first_seen, last_seen}]   by reports, errors, group id (the top_groups view)
    patterns       {by_type: [{pattern_type, patterns, occurrences}],
                    recent: [{pattern_id, pattern_type, service, layer, occurrence_count,
                              confidence, risk_level, window_start, window_end, detected_at,
                              description}]}    detected in the window, newest first
    alerts         [{alert_id, rule, key, service, layer, status, severity, summary, value,
                     peak_value, threshold, comparison, starts_at, last_notified_at,
                     resolved_at, duration_ms, notifications}]   firing at some time in the window
    corrections    {plans_by_status: [{status, count}], executions_by_status: [{status, count}]}
    predictions    [{prediction_id, service, model_id, model_version, confidence, timeframe,
                     predicted_count, max_probability, predicted_at, top_description}]
    all_time       {mttr: [{service, firing_alerts, resolved_alerts, mean_time_to_resolve_alert,
                            p50_time_to_resolve_alert, p90_time_to_resolve_alert,
                            max_time_to_resolve_alert, completed_corrections,
                            mean_time_to_correct, agent_resolutions,
                            mean_agent_time_to_resolve}],
                    action_success: [{action_type, executions, succeeded, failed, cancelled,
                                      success_rate, mean_duration}],
                    alert_noise: [{rule, alerts, firing, keys, notifications,
                                   alerts_per_1000_errors, mean_duration, flapping}]}

Lists are cut at ``--top`` rows (default 20); counts and totals always cover the whole window.

CSV: one long ("tidy") table, every fact of the JSON document one row, with the header
``section,item,service,time,metric,value``:

=================  ==============  ==========  ==============  ======================================
section            item            service     time            metrics
=================  ==============  ==========  ==============  ======================================
window                                                         since, until, bucket_seconds, service,
                                                               generated_at
totals                                                         every key of ``totals``
severity           severity                                    errors
service                            service                     errors, reports, groups,
                                                               critical_errors, severity.<severity>
trend                              service     bucket start    errors
top_group          group_id        service     last_in_window  rank and every other field
pattern_type       pattern_type                                patterns, occurrences
pattern            pattern_id      service     detected_at     every other field
alert              alert_id        service     starts_at       every other field
plan_status        status                                      count
execution_status   status                                      count
prediction         prediction_id   service     predicted_at    every other field
mttr               (all time)      service                     every other field
action_success     action_type                                 every other field (all time)
alert_noise        rule                                        every other field (all time)
=================  ==============  ==========  ==============  ======================================

``value`` is a number, ISO time, text, or empty for null. Rows come in the order above, within a
section in the JSON list's order, metrics in the order of the JSON keys.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from errorstream.projections.queries import (
    AlertSummary,
    Filters,
    PatternSummary,
    QueryError,
    TopGroup,
    format_duration,
    jsonable,
    list_alerts,
    top_groups,
)

FORMAT = "errorstream.report"
VERSION = 1
SEVERITIES = ("low", "medium", "high", "critical", "emergency", "unclassified")
BUCKET_CHOICES = tuple(
    timedelta(seconds=s) for s in (60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400)
)
MAX_BUCKETS = 2000
BUCKET_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)
_TICK = timedelta(microseconds=1)  # the resolution of timestamptz
CSV_COLUMNS = ("section", "item", "service", "time", "metric", "value")


# -- the report -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Totals:
    errors: int
    reports: int
    groups: int
    new_groups: int
    services: int
    critical_errors: int
    regressions: int
    recurring_errors: int
    late_errors: int
    patterns: int
    alerts_raised: int
    alerts_resolved: int
    alerts_firing: int
    escalations: int
    corrections_planned: int
    corrections_approved: int
    corrections_rejected: int
    executions_completed: int
    executions_failed: int
    predictions: int


@dataclass(frozen=True)
class ServiceBreakdown:
    service: str
    errors: int
    reports: int
    groups: int
    critical_errors: int
    severity: Mapping[str, int]


@dataclass(frozen=True)
class TrendSeries:
    service: str
    errors: tuple[int, ...]


@dataclass(frozen=True)
class Trend:
    bucket: timedelta
    buckets: tuple[datetime, ...]
    series: tuple[TrendSeries, ...]


@dataclass(frozen=True)
class PatternTypeCount:
    pattern_type: str
    patterns: int
    occurrences: int


@dataclass(frozen=True)
class StatusCount:
    status: str
    count: int


@dataclass(frozen=True)
class PredictionSummary:
    prediction_id: str
    service: str
    model_id: str
    model_version: int
    confidence: float
    timeframe: str
    predicted_count: int
    max_probability: float | None
    predicted_at: datetime
    top_description: str | None


@dataclass(frozen=True)
class ServiceMttr:
    service: str
    firing_alerts: int
    resolved_alerts: int
    mean_time_to_resolve_alert: timedelta | None
    p50_time_to_resolve_alert: timedelta | None
    p90_time_to_resolve_alert: timedelta | None
    max_time_to_resolve_alert: timedelta | None
    completed_corrections: int
    mean_time_to_correct: timedelta | None
    agent_resolutions: int
    mean_agent_time_to_resolve: timedelta | None


@dataclass(frozen=True)
class ActionSuccess:
    action_type: str
    executions: int
    succeeded: int
    failed: int
    cancelled: int
    success_rate: float | None
    mean_duration: timedelta | None


@dataclass(frozen=True)
class RuleNoise:
    rule: str
    alerts: int
    firing: int
    keys: int
    notifications: int
    alerts_per_1000_errors: float | None
    mean_duration: timedelta | None
    flapping: int


@dataclass(frozen=True)
class Report:
    generated_at: datetime
    since: datetime
    until: datetime
    bucket: timedelta
    service: str | None
    totals: Totals
    severity: tuple[tuple[str, int], ...]
    services: tuple[ServiceBreakdown, ...]
    trend: Trend
    top_groups: tuple[TopGroup, ...]
    pattern_types: tuple[PatternTypeCount, ...]
    patterns: tuple[PatternSummary, ...]
    alerts: tuple[AlertSummary, ...]
    plans_by_status: tuple[StatusCount, ...]
    executions_by_status: tuple[StatusCount, ...]
    predictions: tuple[PredictionSummary, ...]
    mttr: tuple[ServiceMttr, ...]
    action_success: tuple[ActionSuccess, ...]
    alert_noise: tuple[RuleNoise, ...]


# -- buckets ----------------------------------------------------------------------------------
def choose_bucket(length: timedelta, most: int = 48) -> timedelta:
    """The smallest of 1m, 5m, 15m, 1h, 6h, 1d, 7d that splits ``length`` into at most
    ``most`` buckets (a 24 h report is hourly)."""
    for bucket in BUCKET_CHOICES:
        if length / bucket <= most:
            return bucket
    return BUCKET_CHOICES[-1]


def bucket_start(instant: datetime, bucket: timedelta) -> datetime:
    """The label of the bucket holding ``instant``: buckets are aligned to UTC and closed on the
    right like the window (the 09:00 bucket holds 09:00 < t <= 10:00), so a window of whole
    buckets has exactly its buckets."""
    return BUCKET_ORIGIN + ((instant - BUCKET_ORIGIN - _TICK) // bucket) * bucket


def bucket_starts(since: datetime, until: datetime, bucket: timedelta) -> tuple[datetime, ...]:
    """Every bucket a time in ``since < t <= until`` can fall in, in order."""
    if bucket <= timedelta(0):
        raise QueryError("the bucket must be positive")
    first = bucket_start(since + _TICK, bucket)
    last = bucket_start(until, bucket)
    count = (last - first) // bucket + 1
    if count > MAX_BUCKETS:
        raise QueryError(
            f"{count} buckets of {format_duration(bucket)} are too many; use a wider --bucket"
        )
    return tuple(first + i * bucket for i in range(count))


def dense_trend(
    counts: Sequence[tuple[datetime, str, int]], buckets: Sequence[datetime], bucket: timedelta
) -> Trend:
    """Per-service series over every bucket (zeros where a service had no errors), the
    services with most errors first, ties by name."""
    index = {start: i for i, start in enumerate(buckets)}
    series: dict[str, list[int]] = {}
    for start, service, count in counts:
        row = series.setdefault(service, [0] * len(buckets))
        row[index[start]] += count
    ordered = sorted(series.items(), key=lambda item: (-sum(item[1]), item[0]))
    return Trend(bucket, tuple(buckets), tuple(TrendSeries(s, tuple(v)) for s, v in ordered))


# -- reading ----------------------------------------------------------------------------------
def build_report(
    conn: psycopg.Connection[Any],
    since: datetime,
    until: datetime,
    *,
    bucket: timedelta | None = None,
    service: str | None = None,
    top: int = 20,
    generated_at: datetime | None = None,
) -> Report:
    """The report of ``since < t <= until``; run it inside ``queries.read_snapshot``."""
    if since >= until:
        raise QueryError("the report window is empty")
    bucket = bucket or choose_bucket(until - since)
    buckets = bucket_starts(since, until, bucket)
    window = {"since": since, "until": until, "service": service, "bucket": bucket}
    one = _Reader(conn, window)

    totals = one.row(
        "SELECT count(*) AS errors, coalesce(sum(e.report_count), 0) AS reports,"
        " count(DISTINCT e.group_id) AS groups, count(DISTINCT e.source_service_id) AS services,"
        " count(*) FILTER (WHERE e.severity IN ('critical', 'emergency')) AS critical_errors,"
        " count(*) FILTER (WHERE e.regression) AS regressions,"
        " count(*) FILTER (WHERE e.is_recurring) AS recurring_errors,"
        " count(*) FILTER (WHERE e.late) AS late_errors"
        " FROM errors e WHERE " + _ERRORS_IN_WINDOW
    )
    totals |= one.row(
        "SELECT"
        " (SELECT count(*) FROM error_groups g WHERE g.first_seen > %(since)s"
        "   AND g.first_seen <= %(until)s"
        "   AND (%(service)s::text IS NULL OR g.service = %(service)s)) AS new_groups,"
        " (SELECT count(*) FROM error_patterns p WHERE " + _PATTERNS_IN_WINDOW + ") AS patterns,"
        " (SELECT count(*) FROM alerts a WHERE a.starts_at > %(since)s"
        "   AND a.starts_at <= %(until)s AND " + _ALERT_SERVICE + ") AS alerts_raised,"
        " (SELECT count(*) FROM alerts a WHERE a.resolved_at > %(since)s"
        "   AND a.resolved_at <= %(until)s AND " + _ALERT_SERVICE + ") AS alerts_resolved,"
        " (SELECT count(*) FROM alerts a WHERE a.status = 'firing'"
        "   AND a.starts_at <= %(until)s AND " + _ALERT_SERVICE + ") AS alerts_firing,"
        " (SELECT count(*) FROM escalations x WHERE x.escalated_at > %(since)s"
        "   AND x.escalated_at <= %(until)s"
        "   AND (%(service)s::text IS NULL OR x.service = %(service)s)) AS escalations,"
        " (SELECT count(*) FROM correction_plans p WHERE p.created_at > %(since)s"
        "   AND p.created_at <= %(until)s AND " + _PLAN_SERVICE + ") AS corrections_planned,"
        " (SELECT count(*) FROM correction_plans p WHERE p.decision = 'approved'"
        "   AND p.decided_at > %(since)s AND p.decided_at <= %(until)s"
        "   AND " + _PLAN_SERVICE + ") AS corrections_approved,"
        " (SELECT count(*) FROM correction_plans p WHERE p.decision = 'rejected'"
        "   AND p.decided_at > %(since)s AND p.decided_at <= %(until)s"
        "   AND " + _PLAN_SERVICE + ") AS corrections_rejected,"
        " (SELECT count(*) FROM correction_executions x WHERE x.execution_status = 'completed'"
        "   AND x.completed_at > %(since)s AND x.completed_at <= %(until)s"
        "   AND (%(service)s::text IS NULL OR x.service = %(service)s)) AS executions_completed,"
        " (SELECT count(*) FROM correction_executions x"
        "   WHERE x.execution_status IN ('failed', 'rolled_back')"
        "   AND x.completed_at > %(since)s AND x.completed_at <= %(until)s"
        "   AND (%(service)s::text IS NULL OR x.service = %(service)s)) AS executions_failed,"
        " (SELECT count(*) FROM predictions r WHERE " + _PREDICTIONS_IN_WINDOW + ") AS predictions"
    )

    by_service_severity = one.rows(
        "SELECT e.source_service_id AS service, coalesce(e.severity, 'unclassified') AS severity,"
        " count(*) AS errors FROM errors e WHERE " + _ERRORS_IN_WINDOW + " GROUP BY 1, 2"
    )
    severity_mix: dict[str, dict[str, int]] = {}
    for r in by_service_severity:
        severity_mix.setdefault(r["service"], dict.fromkeys(SEVERITIES, 0))[r["severity"]] = r[
            "errors"
        ]
    overall = dict.fromkeys(SEVERITIES, 0)
    for mix in severity_mix.values():
        for name, count in mix.items():
            overall[name] += count
    services = tuple(
        ServiceBreakdown(
            service=r["service"],
            errors=r["errors"],
            reports=r["reports"],
            groups=r["groups"],
            critical_errors=r["critical_errors"],
            severity=severity_mix.get(r["service"], dict.fromkeys(SEVERITIES, 0)),
        )
        for r in one.rows(
            "SELECT e.source_service_id AS service, count(*) AS errors,"
            " sum(e.report_count) AS reports, count(DISTINCT e.group_id) AS groups,"
            " count(*) FILTER (WHERE e.severity IN ('critical', 'emergency')) AS critical_errors"
            " FROM errors e WHERE " + _ERRORS_IN_WINDOW + " GROUP BY 1 ORDER BY 2 DESC, 1"
        )
    )

    counts = one.rows(
        "SELECT date_bin(%(bucket)s, e.occurred_at - %(tick)s, %(origin)s) AS bucket,"
        " e.source_service_id AS service, count(*) AS errors"
        " FROM errors e WHERE " + _ERRORS_IN_WINDOW + " GROUP BY 1, 2",
        origin=BUCKET_ORIGIN,
        tick=_TICK,
    )
    trend = dense_trend([(r["bucket"], r["service"], r["errors"]) for r in counts], buckets, bucket)

    filters = Filters(since=since, until=until, service=service)
    groups = top_groups(conn, filters, limit=top).rows
    pattern_types = tuple(
        PatternTypeCount(r["pattern_type"], r["patterns"], r["occurrences"])
        for r in one.rows(
            "SELECT p.pattern_type, count(*) AS patterns,"
            " sum(p.occurrence_count) AS occurrences FROM error_patterns p"
            " WHERE " + _PATTERNS_IN_WINDOW + " GROUP BY 1 ORDER BY 2 DESC, 1"
        )
    )
    patterns = tuple(
        PatternSummary(
            pattern_id=r["pattern_id"],
            pattern_type=r["pattern_type"],
            service=r["service"],
            layer=r["layer"],
            occurrence_count=r["occurrence_count"],
            confidence=float(r["confidence"]),
            risk_level=r["risk_level"],
            window_start=r["window_start"],
            window_end=r["window_end"],
            detected_at=r["detected_at"],
            description=r["description"],
        )
        for r in one.rows(
            "SELECT * FROM error_patterns p WHERE "
            + _PATTERNS_IN_WINDOW
            + " ORDER BY p.detected_at DESC, p.pattern_id LIMIT %(top)s",
            top=top,
        )
    )
    alerts = list_alerts(conn, filters, limit=top).rows
    plans = one.rows(
        "SELECT p.status, count(*) AS count FROM correction_plans p"
        " WHERE coalesce(p.created_at, p.status_at) > %(since)s"
        " AND coalesce(p.created_at, p.status_at) <= %(until)s AND "
        + _PLAN_SERVICE
        + " GROUP BY 1 ORDER BY 2 DESC, 1"
    )
    executions = one.rows(
        "SELECT x.execution_status AS status, count(*) AS count FROM correction_executions x"
        " WHERE coalesce(x.completed_at, x.started_at) > %(since)s"
        " AND coalesce(x.completed_at, x.started_at) <= %(until)s"
        " AND (%(service)s::text IS NULL OR x.service = %(service)s)"
        " GROUP BY 1 ORDER BY 2 DESC, 1"
    )
    predictions = tuple(
        PredictionSummary(
            prediction_id=str(r["id"]),
            service=r["service"],
            model_id=r["model_id"],
            model_version=r["model_version"],
            confidence=float(r["confidence"]),
            timeframe=r["timeframe"],
            predicted_count=r["predicted_count"],
            max_probability=_float(r["max_probability"]),
            predicted_at=r["predicted_at"],
            top_description=r["top_description"],
        )
        for r in one.rows(
            "SELECT r.*, (SELECT d.description FROM predicted_errors d"
            "   WHERE d.prediction_id = r.id ORDER BY d.probability DESC, d.position LIMIT 1)"
            "   AS top_description"
            " FROM predictions r WHERE "
            + _PREDICTIONS_IN_WINDOW
            + " ORDER BY r.predicted_at DESC, r.id LIMIT %(top)s",
            top=top,
        )
    )
    mttr = tuple(
        ServiceMttr(**r)
        for r in one.rows(
            "SELECT * FROM mttr_by_service m"
            " WHERE %(service)s::text IS NULL OR m.service = %(service)s ORDER BY m.service"
        )
    )
    action_success = tuple(
        ActionSuccess(**{**r, "success_rate": _float(r["success_rate"])})
        for r in one.rows("SELECT * FROM correction_success_rate ORDER BY action_type")
    )
    alert_noise = tuple(
        RuleNoise(**{**r, "alerts_per_1000_errors": _float(r["alerts_per_1000_errors"])})
        for r in one.rows("SELECT * FROM alert_noise_by_rule ORDER BY rule")
    )
    return Report(
        generated_at=generated_at or datetime.now(UTC),
        since=since,
        until=until,
        bucket=bucket,
        service=service,
        totals=Totals(**totals),
        severity=tuple(overall.items()),
        services=services,
        trend=trend,
        top_groups=groups,
        pattern_types=pattern_types,
        patterns=patterns,
        alerts=alerts,
        plans_by_status=tuple(StatusCount(r["status"], r["count"]) for r in plans),
        executions_by_status=tuple(StatusCount(r["status"], r["count"]) for r in executions),
        predictions=predictions,
        mttr=mttr,
        action_success=action_success,
        alert_noise=alert_noise,
    )


_ERRORS_IN_WINDOW = (
    "e.occurred_at > %(since)s AND e.occurred_at <= %(until)s"
    " AND (%(service)s::text IS NULL OR e.source_service_id = %(service)s)"
)
_PATTERNS_IN_WINDOW = (
    "p.detected_at > %(since)s AND p.detected_at <= %(until)s"
    " AND (%(service)s::text IS NULL OR p.service = %(service)s"
    "      OR %(service)s::text = ANY (p.services))"
)
_PREDICTIONS_IN_WINDOW = (
    "r.predicted_at > %(since)s AND r.predicted_at <= %(until)s"
    " AND (%(service)s::text IS NULL OR r.service = %(service)s)"
)
_ALERT_SERVICE = "(%(service)s::text IS NULL OR a.service = %(service)s)"
_PLAN_SERVICE = "(%(service)s::text IS NULL OR p.service = %(service)s)"


class _Reader:
    """Runs the report's fixed SQL with the window's named parameters."""

    def __init__(self, conn: psycopg.Connection[Any], window: Mapping[str, Any]) -> None:
        self.conn = conn
        self.window = window

    def rows(self, statement: str, **extra: Any) -> list[dict[str, Any]]:
        with self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(sql.SQL(statement), {**self.window, **extra})  # type: ignore[arg-type]
            return cur.fetchall()

    def row(self, statement: str) -> dict[str, Any]:
        (found,) = self.rows(statement)
        return {k: int(v) for k, v in found.items()}


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


# -- JSON and CSV -----------------------------------------------------------------------------
def report_document(report: Report) -> dict[str, Any]:
    """The report as the documented JSON document (plain JSON values)."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": report.generated_at,
        "window": {
            "since": report.since,
            "until": report.until,
            "bucket_seconds": int(report.bucket.total_seconds()),
            "service": report.service,
        },
        "totals": report.totals,
        "severity": [{"severity": name, "errors": count} for name, count in report.severity],
        "services": report.services,
        "trend": {
            "bucket_seconds": int(report.trend.bucket.total_seconds()),
            "buckets": report.trend.buckets,
            "series": report.trend.series,
        },
        "top_groups": report.top_groups,
        "patterns": {"by_type": report.pattern_types, "recent": report.patterns},
        "alerts": report.alerts,
        "corrections": {
            "plans_by_status": report.plans_by_status,
            "executions_by_status": report.executions_by_status,
        },
        "predictions": report.predictions,
        "all_time": {
            "mttr": report.mttr,
            "action_success": report.action_success,
            "alert_noise": report.alert_noise,
        },
    }
    result: dict[str, Any] = jsonable(document)
    return result


# (section, path in the document, item key, service key, time key)
_CSV_LISTS: tuple[tuple[str, tuple[str, ...], str | None, str | None, str | None], ...] = (
    ("top_group", ("top_groups",), "group_id", "service", "last_in_window"),
    ("pattern_type", ("patterns", "by_type"), "pattern_type", None, None),
    ("pattern", ("patterns", "recent"), "pattern_id", "service", "detected_at"),
    ("alert", ("alerts",), "alert_id", "service", "starts_at"),
    ("plan_status", ("corrections", "plans_by_status"), "status", None, None),
    ("execution_status", ("corrections", "executions_by_status"), "status", None, None),
    ("prediction", ("predictions",), "prediction_id", "service", "predicted_at"),
    ("mttr", ("all_time", "mttr"), None, "service", None),
    ("action_success", ("all_time", "action_success"), "action_type", None, None),
    ("alert_noise", ("all_time", "alert_noise"), "rule", None, None),
)


def csv_rows(document: Mapping[str, Any]) -> Iterator[tuple[str, str, str, str, str, Any]]:
    """The JSON document's facts as (section, item, service, time, metric, value) rows."""
    window = document["window"]
    for metric in ("since", "until", "bucket_seconds", "service"):
        yield ("window", "", "", "", metric, window[metric])
    yield ("window", "", "", "", "generated_at", document["generated_at"])
    for metric, value in document["totals"].items():
        yield ("totals", "", "", "", metric, value)
    for entry in document["severity"]:
        yield ("severity", entry["severity"], "", "", "errors", entry["errors"])
    for entry in document["services"]:
        for metric in ("errors", "reports", "groups", "critical_errors"):
            yield ("service", "", entry["service"], "", metric, entry[metric])
        for name, count in entry["severity"].items():
            yield ("service", "", entry["service"], "", f"severity.{name}", count)
    buckets = document["trend"]["buckets"]
    for series in document["trend"]["series"]:
        for start, count in zip(buckets, series["errors"], strict=True):
            yield ("trend", "", series["service"], start, "errors", count)
    for section, path, item_key, service_key, time_key in _CSV_LISTS:
        entries: Any = document
        for part in path:
            entries = entries[part]
        for rank, entry in enumerate(entries, start=1):
            item = "" if item_key is None else str(entry[item_key])
            service = "" if service_key is None else entry[service_key] or ""
            time = "" if time_key is None else entry[time_key] or ""
            if section == "top_group":
                yield (section, item, service, time, "rank", rank)
            for metric, value in entry.items():
                if metric not in (item_key, service_key, time_key):
                    yield (section, item, service, time, metric, value)


def write_csv(document: Mapping[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in csv_rows(document):
        *head, value = row
        writer.writerow([*head, "" if value is None else value])
    return out.getvalue()
