"""The report as one self-contained HTML page: inline CSS and inline SVG charts drawn here.

Nothing is fetched when the page is opened — no scripts, fonts, images or stylesheets from
anywhere — so it renders offline, in a mail attachment, or in a headless browser. The charts are
plain SVG elements whose geometry is computed by the pure functions below (and tested): a line
chart of errors per bucket per service, stacked bars of the severity mix per service, and bars of
the top groups. Every mark carries ``data-*`` attributes with the value it draws.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any

from errorstream.projections.queries import format_duration
from errorstream.projections.reports import SEVERITIES, Report, TrendSeries

# Tableau 10: distinguishable, and legible for the common colour-vision deficiencies.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
SEVERITY_COLOURS = {
    "low": "#59a14f",
    "medium": "#edc948",
    "high": "#f28e2b",
    "critical": "#e15759",
    "emergency": "#8b1a1a",
    "unclassified": "#bab0ac",
}
MAX_SERIES = 8


# -- geometry ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Frame:
    """A chart's canvas and the plot area inside its margins."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float

    @property
    def x0(self) -> float:
        return self.left

    @property
    def x1(self) -> float:
        return self.width - self.right

    @property
    def y0(self) -> float:
        return self.top

    @property
    def y1(self) -> float:
        return self.height - self.bottom


def axis_scale(value: float, intervals: int = 5) -> tuple[float, float]:
    """(maximum, step) of a y axis for values up to ``value``: the step is 1, 2 or 5 times a
    power of ten (at least 1: counts are whole), at most ``intervals`` steps reach ``value``, and
    the maximum is the first step at or above it."""
    target = max(value / intervals, 1.0)
    power = 10 ** math.floor(math.log10(target))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= target * (1 - 1e-12))
    maximum = max(math.ceil(value / step - 1e-9), 1) * step
    return float(maximum), float(step)


def axis_ticks(maximum: float, step: float) -> list[float]:
    """Ticks from 0 to ``maximum`` every ``step``."""
    return [step * i for i in range(round(maximum / step) + 1)]


def series_points(
    values: Sequence[float], frame: Frame, maximum: float
) -> list[tuple[float, float]]:
    """Where each value of a series sits: evenly spaced across, 0 at the bottom, ``maximum`` at
    the top (one value sits in the middle)."""
    n = len(values)
    span = frame.x1 - frame.x0
    points = []
    for i, value in enumerate(values):
        x = frame.x0 + (span / 2 if n == 1 else span * i / (n - 1))
        y = frame.y1 - (frame.y1 - frame.y0) * (value / maximum)
        points.append((round(x, 2), round(y, 2)))
    return points


def bar_lengths(values: Sequence[float], length: float) -> list[float]:
    """Bar lengths proportional to the values; the largest spans ``length``."""
    top = max(values, default=0)
    return [0.0 if top <= 0 else round(length * v / top, 2) for v in values]


def fold_series(series: Sequence[TrendSeries], keep: int = MAX_SERIES) -> list[TrendSeries]:
    """The ``keep`` - 1 busiest series and the rest summed as "other" (all if they fit)."""
    if len(series) <= keep:
        return list(series)
    head, tail = list(series[: keep - 1]), series[keep - 1 :]
    other = tuple(sum(values) for values in zip(*(s.errors for s in tail), strict=True))
    return [*head, TrendSeries(f"other ({len(tail)} services)", other)]


def time_label(instant: datetime, span: timedelta) -> str:
    return instant.strftime("%H:%M" if span <= timedelta(days=1) else "%m-%d %H:%M")


def _fmt(value: float) -> str:
    return f"{value:g}" if value < 10_000 else f"{value:,.0f}"


def _svg(frame: Frame, title: str, body: Sequence[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{frame.width:g}" '
        f'height="{frame.height:g}" viewBox="0 0 {frame.width:g} {frame.height:g}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _empty(frame: Frame, title: str, note: str) -> str:
    return _svg(
        frame,
        title,
        [
            f'<text class="empty" x="{frame.width / 2:g}" y="{frame.height / 2:g}" '
            f'text-anchor="middle">{escape(note)}</text>'
        ],
    )


def _legend(entries: Sequence[tuple[str, str]], x: float, y: float, step: float = 18) -> list[str]:
    out = []
    for i, (label, colour) in enumerate(entries):
        top = y + i * step
        out.append(
            f'<rect x="{x:g}" y="{top - 10:g}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 18:g}" y="{top:g}" class="legend">{escape(label)}</text>'
        )
    return out


# -- charts -----------------------------------------------------------------------------------
def line_chart(
    buckets: Sequence[datetime],
    series: Sequence[TrendSeries],
    bucket: timedelta,
    *,
    width: float = 1000,
    height: float = 340,
) -> str:
    """Errors per bucket, one line per service, with a y axis, time labels and a legend."""
    title = f"Errors per {format_duration(bucket)} by service"
    frame = Frame(width, height, left=56, right=230, top=20, bottom=40)
    if not buckets or not series or not any(any(s.errors) for s in series):
        return _empty(frame, title, "no errors in this window")
    maximum, step = axis_scale(max(max(s.errors) for s in series))
    body = []
    for tick in axis_ticks(maximum, step):
        y = frame.y1 - (frame.y1 - frame.y0) * tick / maximum
        body.append(
            f'<line class="grid" x1="{frame.x0:g}" x2="{frame.x1:g}" y1="{y:.2f}" y2="{y:.2f}"/>'
            f'<text class="tick" x="{frame.x0 - 6:g}" y="{y + 4:.2f}" '
            f'text-anchor="end">{_fmt(tick)}</text>'
        )
    span = buckets[-1] - buckets[0] + bucket
    labels = 6 if len(buckets) > 6 else len(buckets)
    positions = series_points([0.0] * len(buckets), frame, 1.0)
    for k in range(labels):
        i = round(k * (len(buckets) - 1) / max(labels - 1, 1))
        body.append(
            f'<text class="tick" x="{positions[i][0]:g}" y="{frame.y1 + 18:g}" '
            f'text-anchor="middle">{escape(time_label(buckets[i], span))}</text>'
        )
    body.append(
        f'<line class="axis" x1="{frame.x0:g}" x2="{frame.x1:g}" '
        f'y1="{frame.y1:g}" y2="{frame.y1:g}"/>'
    )
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        points = series_points(s.errors, frame, maximum)
        text = " ".join(f"{x:g},{y:g}" for x, y in points)
        body.append(
            f'<polyline class="series" data-series="{escape(s.service)}" '
            f'data-values="{",".join(map(str, s.errors))}" fill="none" stroke="{colour}" '
            f'stroke-width="2.5" stroke-linejoin="round" points="{text}"/>'
        )
        if len(points) <= 60:
            body.extend(
                f'<circle cx="{x:g}" cy="{y:g}" r="2.5" fill="{colour}"/>' for x, y in points
            )
    body.extend(
        _legend(
            [(s.service, PALETTE[i % len(PALETTE)]) for i, s in enumerate(series)],
            frame.x1 + 20,
            frame.y0 + 12,
        )
    )
    return _svg(frame, title, body)


def stacked_bar_chart(
    rows: Sequence[tuple[str, Sequence[tuple[str, int]]]],
    colours: Mapping[str, str],
    *,
    title: str,
    width: float = 1000,
    row_height: float = 26,
) -> str:
    """Horizontal bars, one per row, each split into its parts in ``colours``' order; the
    longest row spans the plot."""
    frame = Frame(width, 40 + row_height * max(len(rows), 1) + 30, 200, 90, 30, 30)
    if not rows or not any(count for _, parts in rows for _, count in parts):
        return _empty(frame, title, "no errors in this window")
    totals = [sum(count for _, count in parts) for _, parts in rows]
    lengths = bar_lengths(totals, frame.x1 - frame.x0)
    body = _legend_row(list(colours.items()), frame.x0, 16)
    for r, ((label, parts), total, length) in enumerate(zip(rows, totals, lengths, strict=True)):
        y = frame.y0 + r * row_height
        body.append(
            f'<text class="label" x="{frame.x0 - 8:g}" y="{y + row_height * 0.65:g}" '
            f'text-anchor="end">{escape(_clip(label, 28))}</text>'
        )
        x = frame.x0
        for key, count in parts:
            if count <= 0:
                continue
            segment = round(length * count / total, 2)
            body.append(
                f'<rect class="segment" data-row="{escape(label)}" data-key="{escape(key)}" '
                f'data-value="{count}" x="{x:.2f}" y="{y + 3:g}" width="{segment:.2f}" '
                f'height="{row_height - 6:g}" fill="{colours.get(key, "#999")}">'
                f"<title>{escape(f'{label}: {key} {count}')}</title></rect>"
            )
            x += segment
        body.append(
            f'<text class="value" x="{frame.x0 + length + 6:.2f}" '
            f'y="{y + row_height * 0.65:g}">{total:,}</text>'
        )
    return _svg(frame, title, body)


def bar_chart(
    rows: Sequence[tuple[str, int]],
    *,
    title: str,
    colour: str = PALETTE[0],
    width: float = 1000,
    row_height: float = 26,
) -> str:
    """Horizontal bars of ``rows``' values, in the given order; the largest spans the plot."""
    frame = Frame(width, 20 + row_height * max(len(rows), 1) + 20, 380, 90, 10, 20)
    if not rows or not any(v for _, v in rows):
        return _empty(frame, title, "no groups in this window")
    lengths = bar_lengths([v for _, v in rows], frame.x1 - frame.x0)
    body = []
    for r, ((label, value), length) in enumerate(zip(rows, lengths, strict=True)):
        y = frame.y0 + r * row_height
        body.append(
            f'<text class="label" x="{frame.x0 - 8:g}" y="{y + row_height * 0.65:g}" '
            f'text-anchor="end">{escape(_clip(label, 52))}<title>{escape(label)}</title></text>'
            f'<rect class="bar" data-label="{escape(label)}" data-value="{value}" '
            f'x="{frame.x0:g}" y="{y + 3:g}" width="{length:.2f}" height="{row_height - 6:g}" '
            f'fill="{colour}"/>'
            f'<text class="value" x="{frame.x0 + length + 6:.2f}" '
            f'y="{y + row_height * 0.65:g}">{value:,}</text>'
        )
    return _svg(frame, title, body)


def _legend_row(entries: Sequence[tuple[str, str]], x: float, y: float) -> list[str]:
    out = []
    for label, colour in entries:
        out.append(
            f'<rect x="{x:g}" y="{y - 10:g}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16:g}" y="{y:g}" class="legend">{escape(label)}</text>'
        )
        x += 24 + 7.5 * len(label)
    return out


def _clip(text: str, most: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1] + "…"


# -- the page ---------------------------------------------------------------------------------
_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330;
       margin: 0; background: #f5f6f8; }
main { max-width: 1060px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; }
.meta { color: #5b6473; margin: 0 0 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; }
.card { background: #fff; border-radius: 8px; padding: 10px 12px; box-shadow: 0 1px 2px #0002; }
.card b { display: block; font-size: 22px; }
.card span { color: #5b6473; font-size: 12px; }
.chart { background: #fff; border-radius: 8px; padding: 8px; box-shadow: 0 1px 2px #0002;
         overflow-x: auto; }
svg text { font: 12px system-ui, sans-serif; fill: #333; }
svg .grid { stroke: #e3e6eb; } svg .axis { stroke: #888; }
svg .empty { fill: #888; font-size: 14px; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px;
        box-shadow: 0 1px 2px #0002; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eceef2;
         vertical-align: top; }
th { background: #eef1f5; font-weight: 600; white-space: nowrap; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.none { color: #888; font-style: italic; }
footer { color: #8a919c; margin-top: 32px; font-size: 12px; }
"""


def _cell(value: Any) -> str:
    if value is None:
        return "<td></td>"
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, int | float):
        return f'<td class="n">{_fmt(round(value, 3)) if isinstance(value, float) else value}</td>'
    if isinstance(value, datetime):
        return f"<td>{value.strftime('%Y-%m-%d %H:%M:%S')}</td>"
    if isinstance(value, timedelta):
        return f'<td class="n">{_duration_text(value)}</td>'
    return f"<td>{escape(_clip(str(value), 90))}</td>"


def _duration_text(value: timedelta) -> str:
    seconds = value.total_seconds()
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], empty: str) -> str:
    if not rows:
        return f'<p class="none">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: Report) -> str:
    """The whole page."""
    scope = f" — service {report.service}" if report.service else ""
    window = (
        f"{report.since.strftime('%Y-%m-%d %H:%M')} → {report.until.strftime('%Y-%m-%d %H:%M')}"
        f" UTC{scope}"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>errorstream report {escape(window)}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        "<h1>errorstream report</h1>",
        f'<p class="meta">{escape(window)} · generated '
        f"{report.generated_at.strftime('%Y-%m-%d %H:%M:%S')} UTC</p>",
        _cards(report),
        *_charts(report),
        *_tables(report),
        "<footer>errorstream · from the PostgreSQL read models · "
        f"buckets of {escape(format_duration(report.bucket))}, UTC</footer>",
        "</main></body></html>",
    ]
    return "\n".join(p for p in parts if p)


def _cards(report: Report) -> str:
    t = report.totals
    cards = [
        ("errors", t.errors),
        ("reports", t.reports),
        ("groups", t.groups),
        ("new groups", t.new_groups),
        ("services", t.services),
        ("critical", t.critical_errors),
        ("regressions", t.regressions),
        ("patterns", t.patterns),
        ("alerts raised", t.alerts_raised),
        ("alerts firing", t.alerts_firing),
        ("escalations", t.escalations),
        ("predictions", t.predictions),
    ]
    inner = "".join(
        f"<div class='card'><b>{value:,}</b><span>{escape(name)}</span></div>"
        for name, value in cards
    )
    return f'<div class="cards">{inner}</div>'


def _charts(report: Report) -> list[str]:
    mix_rows = [
        (s.service, [(name, s.severity.get(name, 0)) for name in SEVERITIES])
        for s in report.services[:15]
    ]
    if len(report.services) > 1:
        mix_rows.insert(0, ("all services", list(report.severity)))
    rate = line_chart(report.trend.buckets, fold_series(report.trend.series), report.trend.bucket)
    mix = stacked_bar_chart(mix_rows, SEVERITY_COLOURS, title="Errors by severity")
    top = bar_chart(
        [(f"{g.service}: {g.title}", g.reports) for g in report.top_groups[:15]],
        title="Reports per group in the window",
    )
    return [
        "<h2>Error rate</h2>",
        f'<div class="chart" id="error-rate">{rate}</div>',
        "<h2>Severity mix</h2>",
        f'<div class="chart" id="severity-mix">{mix}</div>',
        "<h2>Top groups</h2>",
        f'<div class="chart" id="top-groups">{top}</div>',
    ]


def _tables(report: Report) -> list[str]:
    groups = [
        (
            g.service,
            g.title,
            g.severity,
            g.status,
            g.errors,
            g.reports,
            g.last_in_window,
            g.occurrences,
        )
        for g in report.top_groups
    ]
    pattern_types = [(p.pattern_type, p.patterns, p.occurrences) for p in report.pattern_types]
    patterns = [
        (
            p.detected_at,
            p.pattern_type,
            p.service,
            p.occurrence_count,
            p.risk_level,
            p.confidence,
            p.description,
        )
        for p in report.patterns
    ]
    alerts = [
        (
            a.starts_at,
            a.rule,
            a.service,
            a.severity,
            a.status,
            a.peak_value,
            a.threshold,
            a.notifications,
            _alert_duration(a.duration_ms),
        )
        for a in report.alerts
    ]
    mttr = [
        (
            m.service,
            m.firing_alerts,
            m.resolved_alerts,
            m.mean_time_to_resolve_alert,
            m.p50_time_to_resolve_alert,
            m.p90_time_to_resolve_alert,
            m.completed_corrections,
            m.mean_time_to_correct,
        )
        for m in report.mttr
    ]
    actions = [
        (a.action_type, a.executions, a.succeeded, a.failed, a.success_rate)
        for a in report.action_success
    ]
    predictions = [
        (
            p.predicted_at,
            p.service,
            f"{p.model_id} v{p.model_version}",
            p.confidence,
            p.predicted_count,
            p.max_probability,
            p.top_description,
        )
        for p in report.predictions
    ]
    noise = [
        (n.rule, n.alerts, n.firing, n.notifications, n.alerts_per_1000_errors, n.flapping)
        for n in report.alert_noise
    ]
    return [
        _table(
            ["service", "title", "severity", "status", "errors", "reports", "last", "all time"],
            groups,
            "no groups in this window",
        ),
        "<h2>Patterns</h2>",
        _table(["type", "patterns", "errors"], pattern_types, "no patterns in this window"),
        _table(
            ["detected", "type", "service", "errors", "risk", "confidence", "description"],
            patterns,
            "",
        )
        if patterns
        else "",
        "<h2>Alerts</h2>",
        _table(
            [
                "started",
                "rule",
                "service",
                "severity",
                "status",
                "peak",
                "threshold",
                "notified",
                "firing for",
            ],
            alerts,
            "no alerts fired in this window",
        ),
        "<h2>Time to resolve (all time)</h2>",
        _table(
            ["service", "firing", "resolved", "mean", "p50", "p90", "corrections", "to correct"],
            mttr,
            "nothing resolved yet",
        ),
        "<h2>Corrections</h2>",
        _table(
            ["plans by status", "count"],
            [(s.status, s.count) for s in report.plans_by_status],
            "no corrections planned in this window",
        ),
        _table(
            ["executions by status", "count"],
            [(s.status, s.count) for s in report.executions_by_status],
            "no corrections ran in this window",
        ),
        _table(
            ["action type (all time)", "executions", "succeeded", "failed", "success rate"],
            actions,
            "no correction outcomes yet",
        ),
        "<h2>Predictions</h2>",
        _table(
            ["predicted", "service", "model", "confidence", "errors", "max p", "top prediction"],
            predictions,
            "no predictions in this window",
        ),
        "<h2>Alert noise by rule (all time)</h2>",
        _table(
            ["rule", "alerts", "firing", "notifications", "per 1,000 errors", "flapping"],
            noise,
            "no alerts yet",
        ),
    ]


def _alert_duration(duration_ms: int | None) -> timedelta | None:
    return None if duration_ms is None else timedelta(milliseconds=duration_ms)
