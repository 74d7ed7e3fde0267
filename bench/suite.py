#!/usr/bin/env python3
"""`make bench`: every benchmark against the local Kafka and PostgreSQL, each figure beside a
baseline measured in the same run on the same machine.

Writes bench/results/<date>.json (<date>-quick.json with --quick; the JSON is rewritten after
each benchmark, so an interrupted run keeps what it measured) and prints a Markdown table.
Sections: ingest, detection, grouping, classification, noise, projection, toolbox, memory
(bench/<section>.py, each runnable on its own). --quick shrinks every size for a run of a few minutes; the default sizes are the
ones the README reports. Progress goes to stderr.
usage: bench/suite.py [--quick] [--only SECTION ...] [--out DIR] [--loghub DIR] [--table JSON]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import classification
import detection
import grouping
import ingest
import memory
import noise
import projection
import toolbox
from harness import ROOT, log, machine

from errorstream.config import Settings, load_settings

SECTIONS = (
    "ingest",
    "detection",
    "grouping",
    "classification",
    "noise",
    "projection",
    "toolbox",
    "memory",
)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_grouping(quick: bool, loghub: str | None) -> dict[str, Any]:
    try:
        return grouping.run(loghub, repeats=1 if quick else 3)
    except FileNotFoundError as exc:
        return {"benchmark": "grouping", "skipped": str(exc)}


# -- the table ----------------------------------------------------------------------------------
def _n(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value / 2**20:,.0f} MB"


def _s(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _x(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(benchmark, errorstream, baseline, ratio) rows of whatever was measured."""
    out: list[tuple[str, str, str, str]] = []
    ingest_ = results.get("ingest")
    if ingest_ and "error" not in ingest_:
        out.append(
            (
                f"ingest: `EventPublisher.publish` ({ingest_['events']:,} events, "
                f"{ingest_['event_bytes']} B)",
                f"{_n(ingest_['publisher_events_per_s'])} events/s",
                f"raw confluent-kafka producer, same bytes: {_n(ingest_['raw_events_per_s'])}/s",
                _x(ingest_["publisher_ratio"], 3),
            )
        )
        out.append(
            (
                f"ingest: `report_error` SDK ({ingest_['reports']:,} exceptions, "
                f"{ingest_['report_bytes']} B)",
                f"{_n(ingest_['sdk_reports_per_s'])} reports/s",
                f"raw producer of the SDK's bytes: {_n(ingest_['sdk_raw_events_per_s'])}/s",
                _x(ingest_["sdk_ratio"], 3),
            )
        )
    det = results.get("detection")
    if det and "error" not in det:
        out.append(
            (
                f"detection: 1 Faust worker, all agents ({det['backlog']:,}-error backlog)",
                f"{_n(det['detection']['events_per_s'])} events/s",
                f"Faust pass-through agent: {_n(det['passthrough']['events_per_s'])} events/s",
                _x(det["ratio"]),
            )
        )
        for phase in det.get("latency", []):
            ours = phase["detection"]["pattern_detected"]
            theirs = phase["passthrough"]["forwarded"]
            ratio = ours["p99_s"] / theirs["p99_s"] if ours["p99_s"] and theirs["p99_s"] else None
            out.append(
                (
                    f"latency at {phase['share']:.0%} of max ({_n(phase['rate'])}/s): "
                    f"occurred_at -> PatternDetected ({ours['count']} patterns)",
                    f"p50 {_s(ours['p50_s'])}, p99 {_s(ours['p99_s'])}, max {_s(ours['max_s'])}",
                    f"pass-through hop: p50 {_s(theirs['p50_s'])}, p99 {_s(theirs['p99_s'])}, "
                    f"max {_s(theirs['max_s'])}",
                    f"p99 {_x(ratio)}",
                )
            )
    group = results.get("grouping")
    if group and "average" in group and "drain3" in group["average"]:
        ours, theirs = group["average"]["errorstream"], group["average"]["drain3"]
        out.append(
            (
                f"grouping: Loghub-2k, {len(group['datasets'])} datasets (average)",
                f"GA {ours['ga']:.3f}, {_n(ours['lines_per_s'])} lines/s",
                f"drain3: GA {theirs['ga']:.3f}, {_n(theirs['lines_per_s'])} lines/s",
                f"GA {_x(group['average']['ga_ratio'])}, "
                f"speed {_x(group['average']['speed_ratio'])}",
            )
        )
    cls = results.get("classification")
    if cls and "error" not in cls:
        whole, held = cls["accuracy_whole"], cls["accuracy_holdout"]
        out.append(
            (
                f"classification: labelled set ({cls['records']} errors; holdout "
                f"{cls['holdout']}), rules",
                "accuracy category/type/severity/layer: whole "
                + "/".join(f"{whole[f]:.3f}" for f in classification.FIELDS)
                + ", holdout "
                + "/".join(f"{held[f]:.3f}" for f in classification.FIELDS),
                f"{_n(cls['classify_per_s'])} records/s (rules), "
                f"{_n(cls['classify_with_model_per_s'])}/s with the text model",
                "",
            )
        )
    alerts = results.get("noise")
    if alerts and "error" not in alerts:
        per = alerts["per_1000_errors"]
        out.append(
            (
                f"alert noise: {alerts['errors']:,} workload errors over {alerts['hours']} h "
                f"({alerts['groups']:,} groups), per 1,000 errors",
                f"{per['alerts']:g} alerts + {per['escalations']:g} escalations "
                f"({per['patterns']:g} patterns)",
                f"a page per error: 1,000; per severe error: {per['per_severe_error']:g}; "
                f"per new group: {per['per_group']:g}",
                f"1 page per {alerts['reduction_vs_per_error']:g} errors",
            )
        )
    proj = results.get("projection")
    if proj and "error" not in proj:
        for name, figures in sorted(proj.get("projectors", {}).items()):
            if figures["messages"] < 10_000 or figures["events_per_s"] is None:
                continue  # a few batches: no rate worth printing (all are in the JSON)
            out.append(
                (
                    f"projection: {name} ({figures['messages']:,} events)",
                    f"{_n(figures['events_per_s'])} rows written/s",
                    f"plain COPY of {figures['copy']['rows']:,} of its rows: "
                    f"{_n(figures['copy']['rows_per_s'])} rows/s",
                    _x(figures["ratio"]),
                )
            )
        replay = proj.get("replay")
        if replay:
            out.append(
                (
                    f"replay: rebuild errors from {replay['events']:,} events",
                    f"{_n(replay['events_per_s'])} events/s, rebuilt in "
                    f"{replay['rebuild_seconds']:,.0f} s",
                    f"plain COPY of {replay['copy']['rows']:,} rebuilt rows: "
                    f"{_n(replay['copy']['rows_per_s'])} rows/s",
                    _x(replay["ratio"]),
                )
            )
    tools = results.get("toolbox")
    if tools and "error" not in tools:
        out.append(
            (
                f"toolbox: `errorstream ingest` ({tools['records']:,} JSON lines, "
                f"{tools['record_bytes']} B)",
                f"{_n(tools['ingest_events_per_s'])} events/s",
                f"raw producer of the same records: {_n(tools['raw_events_per_s'])}/s",
                _x(tools["ingest_ratio"], 3),
            )
        )
        out.append(
            (
                "toolbox: `errorstream classify` / `redact` (offline)",
                f"{_n(tools['classify_records_per_s'])} / {_n(tools['redact_records_per_s'])} "
                "records/s",
                f"parsing the JSON lines alone: {_n(tools['parse_only_records_per_s'])}/s",
                _x(tools["classify_ratio"], 3),
            )
        )
    mem = results.get("memory")
    if mem and "error" not in mem:
        state = mem["state"]
        steady = mem["steady"]
        growth = steady["growth"]
        flat = "flat" if growth is not None and abs(growth) < 0.05 else "NOT flat"
        out.append(
            (
                f"memory: worker with {state['groups']:,} groups, {state['services']:,} "
                f"services, {state['service_layers']:,} service x layers",
                f"peak RSS {_mb(mem['peak_rss_bytes'])}; {steady['seconds'] / 60:.0f} min at "
                f"{_n(steady['rate'])}/s: {_mb(steady['rss_start_bytes'])} -> "
                f"{_mb(steady['rss_end_bytes'])} ({growth:+.1%}, {flat})",
                f"pass-through peak RSS {_mb(mem['passthrough_peak_rss_bytes'])}",
                _x(mem["peak_ratio"]),
            )
        )
    for name in SECTIONS:
        if results.get(name, {}).get("skipped"):
            out.append((name, "skipped: " + results[name]["skipped"], "", ""))
        if results.get(name, {}).get("error"):
            out.append((name, "failed: " + results[name]["error"].splitlines()[-1], "", ""))
    return out


def markdown(report: dict[str, Any]) -> str:
    info = report["machine"]
    lines = [
        f"errorstream benchmarks, {report['started_at'][:10]} "
        f"({'quick' if report['quick'] else 'full'} run, {report['duration_s'] / 60:.1f} min)",
        f"machine: {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM; Python "
        f"{info['python']}, Kafka {info['kafka']}, PostgreSQL {info['postgres']}, librdkafka "
        f"{info['librdkafka']}, faust {info['faust']}; load average at start "
        f"{report['load_average']['start']}, end {report['load_average']['end']}",
        "",
        "| benchmark | errorstream | baseline (same run) | ratio |",
        "| --- | --- | --- | ---: |",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows(report["results"])]
    loads = [
        f"{name} {r['load_average']['start'][0]} -> {r['load_average']['end'][0]}"
        for name, r in report["results"].items()
        if r.get("load_average")
    ]
    if loads:
        lines += [
            "",
            f"1-minute load average around each benchmark ({info['cores']} cores): "
            + ", ".join(loads),
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes")
    parser.add_argument("--only", action="append", choices=SECTIONS, help="repeatable")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--loghub", default=None, help="Loghub-2k folder (grouping)")
    parser.add_argument(
        "--table", type=Path, metavar="JSON", help="print the table of an earlier run and exit"
    )
    args = parser.parse_args(argv)
    if args.table is not None:
        print(markdown(json.loads(args.table.read_text())))
        return 0
    base: Settings = load_settings()
    chosen = args.only or list(SECTIONS)
    started = datetime.now(UTC)
    clock = time.monotonic()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{started:%Y-%m-%d}{'-quick' if args.quick else ''}.json"
    report: dict[str, Any] = {
        "started_at": started.isoformat(timespec="seconds"),
        "quick": args.quick,
        "sections": chosen,
        "machine": machine(base),
        "load_average": {"start": _load(), "end": None},
        "results": {},
        "duration_s": 0.0,
    }
    if args.only and path.exists():  # a partial run updates that day's figures
        earlier = json.loads(path.read_text())
        if earlier.get("quick") == args.quick:
            report["results"] = earlier.get("results", {})
            report["merged_from"] = earlier.get("started_at")
    runners: dict[str, Callable[[], dict[str, Any]]] = {
        "ingest": lambda: ingest.run(base, args.quick),
        "detection": lambda: detection.run(base, args.quick),
        "grouping": lambda: run_grouping(args.quick, args.loghub),
        "classification": lambda: classification.run(repeats=1 if args.quick else 5),
        "noise": lambda: noise.run(errors=5_000 if args.quick else 20_000),
        "projection": lambda: projection.run(base, args.quick),
        "toolbox": lambda: toolbox.run(base, args.quick),
        "memory": lambda: memory.run(base, args.quick, rate=steady_rate(report)),
    }
    for name in chosen:
        log(f"{name}: starting")
        section_clock = time.monotonic()
        load_before = _load()
        measured_at = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            report["results"][name] = runners[name]()
        except Exception:
            report["results"][name] = {"benchmark": name, "error": traceback.format_exc()}
            log(f"{name}: failed\n{traceback.format_exc()}")
        report["results"][name]["seconds"] = time.monotonic() - section_clock
        report["results"][name]["measured_at"] = measured_at
        # The machine may be shared: each section says how busy it was around it.
        report["results"][name]["load_average"] = {"start": load_before, "end": _load()}
        report["duration_s"] = time.monotonic() - clock
        report["load_average"]["end"] = _load()
        path.write_text(json.dumps(report, indent=2, default=str) + "\n")
        log(f"{name}: done in {report['results'][name]['seconds']:.0f}s")
    print(markdown(report))
    print(f"\nfull figures: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 1 if any("error" in r for r in report["results"].values()) else 0


def steady_rate(report: dict[str, Any]) -> float:
    """The memory run's pace: a quarter of the detection rate measured (100/s without one)."""
    found = report["results"].get("detection", {}).get("detection", {}).get("events_per_s")
    return max(20.0, min(500.0, 0.25 * found)) if found else 100.0


if __name__ == "__main__":
    sys.exit(main())
