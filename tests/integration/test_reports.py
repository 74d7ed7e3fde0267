"""`errorstream report` on the real pipeline, run as a member of the analyst role: the JSON agrees
with the read models (and its trend buckets with the published events), the CSV holds exactly
the JSON's facts, and the HTML page renders in headless Chromium, offline, with its charts
visible in the screenshot (kept as an artifact; its path is printed)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from errorstream.config import Settings
from errorstream.projections.queries import Filters, jsonable, top_groups
from errorstream.projections.report_html import PALETTE, SEVERITY_COLOURS
from errorstream.projections.reports import CSV_COLUMNS, bucket_start, csv_rows

from .conftest import Process
from .test_queries import Loaded, analyst_login, load_workload, rows

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def loaded(env: Settings, spawn_module: Callable[..., Process]) -> Iterator[Loaded]:
    errors, start, end, pending, decided = load_workload(env, spawn_module, seed=71)
    for dsn in analyst_login(env):
        yield Loaded(env, errors, start, end, tuple(pending), decided, dsn)


def window(loaded: Loaded) -> list[str]:
    return [
        "--since",
        (loaded.start - timedelta(minutes=5)).isoformat(),
        "--until",
        (loaded.end + timedelta(minutes=5)).isoformat(),
    ]


def report(loaded: Loaded, out: Path, *args: str) -> Path:
    """`errorstream report ARGS --out OUT` with the analyst's login as DATABASE_URL."""
    env = {**os.environ, **loaded.settings.as_environment(), "DATABASE_URL": loaded.analyst_dsn}
    done = subprocess.run(
        [sys.executable, "-m", "errorstream", "report", *args, "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"written to {out}" in done.stderr
    return out


@pytest.fixture(scope="module")
def document(loaded: Loaded, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("report") / "report.json"
    result: dict[str, Any] = json.loads(report(loaded, out, *window(loaded)).read_text())
    return result


def test_the_json_report_agrees_with_the_read_models(loaded: Loaded, document: Any) -> None:
    dsn = loaded.analyst_dsn
    totals = document["totals"]
    assert document["format"] == "errorstream.report" and document["version"] == 1
    assert totals["errors"] == len(loaded.errors) == totals["reports"]
    ((groups, services, critical),) = rows(
        dsn,
        "SELECT count(DISTINCT group_id), count(DISTINCT source_service_id), "
        "count(*) FILTER (WHERE severity IN ('critical', 'emergency')) FROM errors",
    )
    assert (totals["groups"], totals["services"], totals["critical_errors"]) == (
        groups,
        services,
        critical,
    )
    ((patterns, firing),) = rows(
        dsn,
        "SELECT (SELECT count(*) FROM error_patterns), "
        "(SELECT count(*) FROM alerts WHERE status = 'firing')",
    )
    assert (totals["patterns"], totals["alerts_firing"]) == (patterns, firing)
    assert totals["alerts_firing"] >= 1 and totals["alerts_raised"] >= 2

    severity = dict(rows(dsn, "SELECT severity, count(*) FROM errors GROUP BY 1"))
    assert {s["severity"]: s["errors"] for s in document["severity"] if s["errors"]} == severity
    assert sum(s["errors"] for s in document["services"]) == totals["errors"]

    # The trend counts what the published events say, in buckets closed on the right.
    bucket = timedelta(seconds=document["trend"]["bucket_seconds"])
    assert bucket == timedelta(minutes=5)
    expected = Counter(
        (e.source.service, jsonable(bucket_start(e.occurred_at, bucket))) for e in loaded.errors
    )
    buckets = document["trend"]["buckets"]
    counted = Counter(
        {
            (series["service"], start): n
            for series in document["trend"]["series"]
            for start, n in zip(buckets, series["errors"], strict=True)
            if n
        }
    )
    assert counted == expected

    with psycopg.connect(dsn, autocommit=True) as conn:
        since = loaded.start - timedelta(minutes=5)
        until = loaded.end + timedelta(minutes=5)
        top = top_groups(conn, Filters(since=since, until=until), limit=20).rows
    assert document["top_groups"] == jsonable(list(top))
    assert any(a["status"] == "firing" for a in document["alerts"])
    plans = {p["status"]: p["count"] for p in document["corrections"]["plans_by_status"]}
    assert plans == {"planned": len(loaded.pending_plans), "approved": 1}
    (prediction,) = document["predictions"]
    assert prediction["top_description"] == "timeouts likely within the hour"
    mttr_services = {r[0] for r in rows(dsn, "SELECT service FROM mttr_by_service")}
    assert {m["service"] for m in document["all_time"]["mttr"]} == mttr_services


def test_the_csv_report_holds_the_jsons_facts(
    loaded: Loaded, document: Any, tmp_path: Path
) -> None:
    text = report(loaded, tmp_path / "report.csv", *window(loaded), "--format", "csv").read_text()
    table = list(csv.reader(io.StringIO(text)))
    assert tuple(table[0]) == CSV_COLUMNS
    as_csv = [tuple(r) for r in table[1:] if r[4] != "generated_at"]
    from_json = [
        tuple("" if v is None else str(v) for v in row)
        for row in csv_rows(document)
        if row[4] != "generated_at"
    ]
    assert as_csv == from_json
    trend = [r for r in table[1:] if r[0] == "trend"]
    assert sum(int(r[5]) for r in trend) == len(loaded.errors)


def test_a_report_of_one_service(loaded: Loaded, tmp_path: Path) -> None:
    service = loaded.errors[0].source.service
    out = report(loaded, tmp_path / "one.json", *window(loaded), "--service", service)
    one = json.loads(out.read_text())
    assert one["window"]["service"] == service
    assert one["totals"]["errors"] == sum(e.source.service == service for e in loaded.errors)
    assert [s["service"] for s in one["services"]] == [service]
    assert all(g["service"] == service for g in one["top_groups"])


# -- the HTML page in a real browser ----------------------------------------------------------
def chromium() -> Path:
    """Debian's chromium; installed here when missing and we may (root), else the test skips."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0:
        pytest.skip(
            "headless Chromium is needed: /usr/bin/chromium is missing and installing it needs "
            "root (apt-get install -y chromium)"
        )

    def apt(*args: str) -> int:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        done = subprocess.run(["apt-get", *args], env=env, capture_output=True, check=False)
        return done.returncode

    if apt("install", "-y", "chromium") != 0:
        apt("update")
        apt("install", "-y", "chromium")
    if not CHROMIUM.exists():
        pytest.skip("apt-get install -y chromium failed (no package source reachable?)")
    return CHROMIUM


def png_pixels(data: bytes) -> tuple[int, int, list[bytes], int]:
    """(width, height, rows, bytes per pixel) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, chunks, header = 8, [], b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    size = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * size
    previous = bytearray(stride)
    out = []
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if kind == 1:  # Sub
            for i in range(size, stride):
                line[i] = (line[i] + line[i - size]) & 255
        elif kind == 2:  # Up
            for i in range(stride):
                line[i] = (line[i] + previous[i]) & 255
        elif kind == 3:  # Average
            for i in range(stride):
                left = line[i - size] if i >= size else 0
                line[i] = (line[i] + (left + previous[i]) // 2) & 255
        elif kind == 4:  # Paeth
            for i in range(stride):
                left = line[i - size] if i >= size else 0
                up = previous[i]
                corner = previous[i - size] if i >= size else 0
                guess = left + up - corner
                a, b, c = abs(guess - left), abs(guess - up), abs(guess - corner)
                line[i] = (
                    line[i] + (left if a <= b and a <= c else up if b <= c else corner)
                ) & 255
        out.append(bytes(line))
        previous = line
    return width, height, out, size


def colour_counts(rows_: list[bytes], size: int) -> Counter[tuple[int, int, int]]:
    counts: Counter[tuple[int, int, int]] = Counter()
    for line in rows_:
        for i in range(0, len(line), size):
            counts[(line[i], line[i + 1], line[i + 2])] += 1
    return counts


def near(counts: Counter[tuple[int, int, int]], hex_colour: str, tolerance: int = 6) -> int:
    target = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return sum(
        n
        for colour, n in counts.items()
        if all(abs(a - b) <= tolerance for a, b in zip(colour, target, strict=True))
    )


def test_the_html_report_renders_offline_in_chromium_with_its_charts(
    loaded: Loaded,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    browser = chromium()
    folder = tmp_path_factory.mktemp("report-html")
    page = report(loaded, folder / "report.html", *window(loaded), "--format", "html")
    png = folder / "report.png"
    done = subprocess.run(
        [
            str(browser),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={folder / 'profile'}",
            f"--screenshot={png}",
            "--window-size=1400,2000",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0 and png.exists(), done.stderr[-2000:]
    keep = os.environ.get("ERRORSTREAM_ARTIFACTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(keep) / "report.png")
        shutil.copy(page, Path(keep) / "report.html")
    with capsys.disabled():
        print(f"\nHTML report screenshot: {png} (page: {page})")

    width, height, pixels, size = png_pixels(png.read_bytes())
    assert (width, height) == (1400, 2000)
    counts = colour_counts(pixels, size)
    assert len(counts) > 200, "the page is (nearly) one colour"
    _, share = counts.most_common(1)[0]
    assert share < 0.9 * width * height
    assert near(counts, PALETTE[0]) > 3000, "top-group bars and the busiest service's line"
    # colours only the error-rate lines use (the others are severities' too)
    lines = [c for c in (PALETTE[3], PALETTE[6], PALETTE[7]) if near(counts, c) > 40]
    assert len(lines) >= 2, "several services' error-rate lines"
    severities = [s for s, c in SEVERITY_COLOURS.items() if near(counts, c) > 300]
    assert len(severities) >= 2, f"severity mix bars: {severities}"
