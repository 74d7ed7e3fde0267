"""The pure parts of reports: buckets, the JSON document and CSV rows, SVG chart geometry, and
the HTML page being self-contained."""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from errorstream.projections import reports
from errorstream.projections.queries import AlertSummary, PatternSummary, QueryError, TopGroup
from errorstream.projections.report_html import (
    PALETTE,
    SEVERITY_COLOURS,
    Frame,
    axis_scale,
    axis_ticks,
    bar_chart,
    bar_lengths,
    fold_series,
    line_chart,
    render_html,
    series_points,
    stacked_bar_chart,
)
from errorstream.projections.reports import (
    CSV_COLUMNS,
    SEVERITIES,
    ActionSuccess,
    PatternTypeCount,
    PredictionSummary,
    Report,
    RuleNoise,
    ServiceBreakdown,
    ServiceMttr,
    StatusCount,
    Totals,
    TrendSeries,
    bucket_start,
    bucket_starts,
    choose_bucket,
    csv_rows,
    dense_trend,
    report_document,
    write_csv,
)

SVG = "{http://www.w3.org/2000/svg}"
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


# -- buckets ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("length", "bucket"),
    [
        (timedelta(minutes=30), timedelta(minutes=1)),
        (timedelta(hours=1), timedelta(minutes=5)),
        (timedelta(hours=24), timedelta(hours=1)),
        (timedelta(days=7), timedelta(hours=6)),
        (timedelta(days=30), timedelta(days=1)),
    ],
)
def test_the_bucket_keeps_a_chart_readable(length: timedelta, bucket: timedelta) -> None:
    assert choose_bucket(length) == bucket


@given(st.integers(min_value=1, max_value=48 * 7 * 86400))
def test_the_chosen_bucket_is_the_finest_that_fits(seconds: int) -> None:
    length = timedelta(seconds=seconds)
    bucket = choose_bucket(length)
    assert length / bucket <= 48
    finer = [b for b in reports.BUCKET_CHOICES if b < bucket]
    assert all(length / b > 48 for b in finer)


@given(
    instant=st.datetimes(
        min_value=datetime(2001, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
    bucket=st.sampled_from(reports.BUCKET_CHOICES),
)
def test_buckets_are_aligned_to_utc(instant: datetime, bucket: timedelta) -> None:
    start = bucket_start(instant, bucket)
    assert start < instant <= start + bucket
    if bucket <= timedelta(days=1):
        midnight = instant.replace(hour=0, minute=0, second=0, microsecond=0)
        assert (start - midnight) % bucket == timedelta(0)  # 1 h buckets start on the hour


@given(
    since=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
    length=st.integers(min_value=1, max_value=30 * 86400).map(lambda s: timedelta(seconds=s)),
    offsets=st.lists(st.floats(min_value=0, max_value=1, exclude_min=True), max_size=20),
)
def test_every_time_in_the_window_has_its_bucket(
    since: datetime, length: timedelta, offsets: list[float]
) -> None:
    until = since + length
    bucket = choose_bucket(length)
    starts = bucket_starts(since, until, bucket)
    assert all(b - a == bucket for a, b in itertools.pairwise(starts))
    assert starts[0] <= since < starts[0] + bucket
    assert starts[-1] < until <= starts[-1] + bucket
    for offset in offsets:
        instant = min(since + length * offset, until)
        if instant > since:
            assert bucket_start(instant, bucket) in starts


def test_too_many_buckets_are_refused() -> None:
    with pytest.raises(QueryError, match="too many"):
        bucket_starts(T0, T0 + timedelta(days=30), timedelta(minutes=1))


def test_the_trend_is_dense_and_busiest_first() -> None:
    buckets = bucket_starts(T0, T0 + timedelta(hours=3), timedelta(hours=1))
    trend = dense_trend(
        [(T0, "b", 2), (T0 + timedelta(hours=2), "b", 1), (T0 + timedelta(hours=1), "a", 5)],
        buckets,
        timedelta(hours=1),
    )
    assert trend.buckets == (T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    assert trend.series == (TrendSeries("a", (0, 5, 0)), TrendSeries("b", (2, 0, 1)))


# -- a report ---------------------------------------------------------------------------------
def make_report(title: str = "KeyError: <*>") -> Report:
    buckets = bucket_starts(T0, T0 + timedelta(hours=3), timedelta(hours=1))
    trend = dense_trend(
        [(T0, "checkout", 4), (T0 + timedelta(hours=1), "checkout", 6), (T0, "orders", 3)],
        buckets,
        timedelta(hours=1),
    )
    group = TopGroup(
        group_id="g1",
        service="checkout",
        layer="core",
        title=title,
        exception_type="KeyError",
        category="logic",
        type="exception",
        severity="high",
        status="ongoing",
        errors=10,
        reports=12,
        first_in_window=T0,
        last_in_window=T0 + timedelta(hours=1),
        occurrences=40,
        first_seen=T0 - timedelta(days=1),
        last_seen=T0 + timedelta(hours=1),
    )
    pattern = PatternSummary(
        uuid.UUID(int=7), "burst", "checkout", "core", 9, 0.8, "high", T0, T0, T0, "9 in 60 s"
    )
    alert = AlertSummary(
        alert_id=uuid.UUID(int=9),
        rule="layer_rate",
        key="checkout/core",
        service="checkout",
        layer="core",
        status="resolved",
        severity="high",
        summary="checkout: 9 errors",
        value=9.0,
        peak_value=12.0,
        threshold=6.0,
        comparison=">",
        starts_at=T0,
        last_notified_at=T0,
        resolved_at=T0 + timedelta(minutes=5),
        duration_ms=300_000,
        notifications=2,
    )
    return Report(
        generated_at=T0 + timedelta(hours=3),
        since=T0,
        until=T0 + timedelta(hours=3),
        bucket=timedelta(hours=1),
        service=None,
        totals=Totals(*range(1, 21)),
        severity=tuple((s, i) for i, s in enumerate(SEVERITIES)),
        services=(
            ServiceBreakdown("checkout", 10, 12, 1, 2, {"high": 8, "critical": 2}),
            ServiceBreakdown("orders", 3, 3, 1, 0, {"low": 3}),
        ),
        trend=trend,
        top_groups=(group,),
        pattern_types=(PatternTypeCount("burst", 1, 9),),
        patterns=(pattern,),
        alerts=(alert,),
        plans_by_status=(StatusCount("planned", 2),),
        executions_by_status=(StatusCount("completed", 1),),
        predictions=(
            PredictionSummary(
                "p1", "checkout", "rate", 1, 0.6, "1h", 2, 0.4, T0, "timeouts likely"
            ),
        ),
        mttr=(
            ServiceMttr("checkout", 0, 1, timedelta(minutes=5), None, None, None, 1, None, 0, None),
        ),
        action_success=(ActionSuccess("restart", 4, 3, 1, 0, 0.75, timedelta(seconds=30)),),
        alert_noise=(RuleNoise("layer_rate", 1, 0, 1, 2, 3.5, timedelta(minutes=5), 0),),
    )


def test_the_json_document_has_the_documented_keys() -> None:
    document = report_document(make_report())
    assert list(document) == [
        "format",
        "version",
        "generated_at",
        "window",
        "totals",
        "severity",
        "services",
        "trend",
        "top_groups",
        "patterns",
        "alerts",
        "corrections",
        "predictions",
        "all_time",
    ]
    documented = reports.__doc__ or ""
    nested = [
        document["window"],
        document["totals"],
        document["services"][0],
        document["trend"],
        document["top_groups"][0],
        document["patterns"]["by_type"][0],
        document["patterns"]["recent"][0],
        document["alerts"][0],
        document["corrections"],
        document["predictions"][0],
        *(document["all_time"][k][0] for k in ("mttr", "action_success", "alert_noise")),
    ]
    for key in [*document, *(k for part in nested for k in part)]:
        assert re.search(rf"\b{re.escape(key)}\b", documented), f"{key} is not documented"
    assert document["window"]["since"] == "2026-11-26T09:00:00Z"
    assert document["trend"]["buckets"][1] == "2026-11-26T10:00:00Z"
    assert document["all_time"]["mttr"][0]["mean_time_to_resolve_alert"] == 300.0
    assert document["alerts"][0]["duration_ms"] == 300_000


def test_the_csv_is_one_long_table_of_the_documents_facts() -> None:
    document = report_document(make_report())
    text = write_csv(document)
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert all(len(row) == len(CSV_COLUMNS) for row in rows)
    body = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]
    sections = list(dict.fromkeys(r["section"] for r in body))
    assert sections == [
        "window",
        "totals",
        "severity",
        "service",
        "trend",
        "top_group",
        "pattern_type",
        "pattern",
        "alert",
        "plan_status",
        "execution_status",
        "prediction",
        "mttr",
        "action_success",
        "alert_noise",
    ]
    totals = {r["metric"]: int(r["value"]) for r in body if r["section"] == "totals"}
    assert totals == document["totals"]
    trend = [r for r in body if r["section"] == "trend"]
    assert len(trend) == len(document["trend"]["buckets"]) * len(document["trend"]["series"])
    assert sum(int(r["value"]) for r in trend) == 13
    assert {(r["service"], r["time"], r["value"]) for r in trend} >= {
        ("checkout", "2026-11-26T10:00:00Z", "6"),
        ("orders", "2026-11-26T11:00:00Z", "0"),
    }
    group = {r["metric"]: r["value"] for r in body if r["section"] == "top_group"}
    assert group["rank"] == "1" and group["title"] == "KeyError: <*>"
    assert "group_id" not in group  # it is the row's item
    nulls = [
        r for r in body if r["section"] == "mttr" and r["metric"] == "p50_time_to_resolve_alert"
    ]
    assert nulls[0]["value"] == ""


def test_csv_rows_count_every_scalar_of_each_list_entry() -> None:
    document = report_document(make_report())
    alert_rows = [r for r in csv_rows(document) if r[0] == "alert"]
    # all fields but the row's item (alert_id), service and time (starts_at)
    assert len(alert_rows) == len(document["alerts"][0]) - 3


# -- SVG geometry -----------------------------------------------------------------------------
@given(st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_an_axis_is_tight_with_round_steps(value: float) -> None:
    maximum, step = axis_scale(value)
    assert maximum >= value and maximum - step < max(value, 1e-9)  # no empty step on top
    assert step >= 1
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m) for m in (1, 2, 5))
    ticks = axis_ticks(maximum, step)
    assert ticks[0] == 0 and math.isclose(ticks[-1], maximum) and 2 <= len(ticks) <= 6


@pytest.mark.parametrize(
    ("value", "maximum", "step"),
    [(0, 1, 1), (1, 1, 1), (7, 8, 2), (10, 10, 2), (28, 30, 10), (189, 200, 50)],
)
def test_axes_people_would_draw(value: float, maximum: float, step: float) -> None:
    assert axis_scale(value) == (maximum, step)


FRAME = Frame(1000, 340, 56, 230, 20, 40)


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=200))
def test_series_points_stay_in_the_plot_and_keep_order(values: list[int]) -> None:
    maximum, _ = axis_scale(max(values))
    points = series_points(values, FRAME, maximum)
    xs = [x for x, _ in points]
    assert all(FRAME.x0 <= x <= FRAME.x1 for x in xs)
    assert all(a < b for a, b in itertools.pairwise(xs))
    assert all(FRAME.y0 - 0.01 <= y <= FRAME.y1 + 0.01 for _, y in points)
    for (va, (_, ya)), (vb, (_, yb)) in zip(
        zip(values, points, strict=True), zip(values[1:], points[1:], strict=True), strict=False
    ):
        assert (va < vb) == (ya > yb) or va == vb


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_the_line_chart_draws_one_line_per_service_over_every_bucket() -> None:
    buckets = bucket_starts(T0, T0 + timedelta(hours=3), timedelta(hours=1))
    series = [TrendSeries("checkout", (0, 5, 10)), TrendSeries("orders", (2, 2, 2))]
    root = _parse(line_chart(buckets, series, timedelta(hours=1)))
    lines = root.findall(f"{SVG}polyline")
    assert [line.get("data-series") for line in lines] == ["checkout", "orders"]
    points = [
        [tuple(map(float, p.split(","))) for p in (line.get("points") or "").split()]
        for line in lines
    ]
    assert [len(p) for p in points] == [3, 3]
    (a, b, c), (d, e, f) = points
    frame = FRAME
    assert a == (frame.x0, frame.y1) and c == (frame.x1, frame.y0)  # 0 at bottom, 10 at top
    assert b[1] == pytest.approx((frame.y0 + frame.y1) / 2)
    assert d[1] == e[1] == f[1] == pytest.approx(frame.y1 - (frame.y1 - frame.y0) * 0.2)
    assert lines[0].get("stroke") == PALETTE[0] and lines[1].get("stroke") == PALETTE[1]
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "09:00" in labels and "checkout" in labels and "10" in labels


def test_an_empty_window_says_so_instead_of_drawing() -> None:
    root = _parse(line_chart((), [], timedelta(hours=1)))
    assert root.find(f"{SVG}polyline") is None
    assert "no errors" in "".join(root.itertext())


def test_stacked_bars_split_each_row_by_severity_and_scale_to_the_longest() -> None:
    rows = [("all", [("low", 6), ("high", 2)]), ("checkout", [("low", 2), ("high", 2)])]
    root = _parse(stacked_bar_chart(rows, SEVERITY_COLOURS, title="mix"))
    segments = root.findall(f"{SVG}rect[@class='segment']")
    widths: dict[str, float] = {}
    for s in segments:
        widths[s.get("data-row") or ""] = widths.get(s.get("data-row") or "", 0) + float(
            s.get("width") or 0
        )
        assert s.get("fill") == SEVERITY_COLOURS[s.get("data-key") or ""]
    plot = 1000 - 200 - 90
    assert widths["all"] == pytest.approx(plot, abs=0.05)
    assert widths["checkout"] == pytest.approx(plot / 2, abs=0.05)
    low, high = segments[:2]
    assert float(low.get("width") or 0) == pytest.approx(3 * float(high.get("width") or 0), 0.01)
    assert float(high.get("x") or 0) == pytest.approx(
        float(low.get("x") or 0) + float(low.get("width") or 0), abs=0.01
    )


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30))
def test_bar_lengths_are_proportional(values: list[int]) -> None:
    lengths = bar_lengths(values, 500)
    if max(values) == 0:
        assert set(lengths) == {0.0}
        return
    assert max(lengths) == 500
    for v, length in zip(values, lengths, strict=True):
        assert length == pytest.approx(500 * v / max(values), abs=0.01)


def test_the_bar_chart_shows_each_group_with_its_value() -> None:
    root = _parse(bar_chart([("a: KeyError", 30), ("b: Timeout", 15)], title="top"))
    bars = root.findall(f"{SVG}rect[@class='bar']")
    assert [b.get("data-value") for b in bars] == ["30", "15"]
    assert float(bars[0].get("width") or 0) == 2 * float(bars[1].get("width") or 0)


def test_many_services_fold_into_other() -> None:
    series = [TrendSeries(f"s{i}", (i, 1)) for i in range(12, 0, -1)]
    folded = fold_series(series, keep=8)
    assert len(folded) == 8
    assert folded[-1].service.startswith("other (5")
    assert folded[-1].errors == (sum(range(1, 6)), 5)


# -- the page ---------------------------------------------------------------------------------
def test_the_html_page_is_self_contained_and_escapes_what_it_shows() -> None:
    page = render_html(make_report(title="<script>alert(1)</script> & KeyError"))
    assert page.startswith("<!DOCTYPE html>")
    for needle in ("<script", "<link", " src=", "@import", "url("):
        assert needle not in page.lower()
    assert re.findall(r"https?://[^\"' ]+", page) == ["http://www.w3.org/2000/svg"] * 3
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; KeyError" in page
    svgs = re.findall(r"<svg .*?</svg>", page, flags=re.S)
    assert len(svgs) == 3
    for svg in svgs:
        ET.fromstring(svg)  # well-formed
    assert 'id="error-rate"' in page and 'id="severity-mix"' in page and 'id="top-groups"' in page
