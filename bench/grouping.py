#!/usr/bin/env python3
"""Grouping benchmark: errorstream's template miner against drain3 on Loghub-2k samples.

usage: .venv/bin/python bench/grouping.py [--loghub DIR] [--repeats N] [--json OUT]

For each labelled dataset it measures grouping accuracy (GA, the share of lines whose
predicted group is exactly one true template's lines) and throughput (lines/s of the
learning loop in this one process, best of N fresh runs; loading and masking setup are
outside the timed loop) for both miners in the same run, interleaved so both see the
same machine load, and prints a Markdown table. `run(loghub_dir)` returns the figures
for other benchmark code; `--json` writes them.

drain3 runs with its default TemplateMinerConfig (sim_th 0.4, depth 4, max_children
100) plus the masking instructions of drain3's example drain3.ini for hex ids,
IPv4 addresses, hex sequences, 0x hex numbers and integers (its example "executed cmd"
rule is left out: it fits one dataset only).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import pathlib
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from errorstream.agents.templates import TemplateMiner, grouping_accuracy

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_LOGHUB = HERE.parent.parent / "shared" / "data" / "loghub"

# drain3's example masking (drain3.ini in its repository), minus the dataset-specific rule.
DRAIN3_MASKING = [
    (r"((?<=[^A-Za-z0-9])|^)(([0-9a-f]{2,}:){3,}([0-9a-f]{2,}))((?=[^A-Za-z0-9])|$)", "ID"),
    (r"((?<=[^A-Za-z0-9])|^)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})((?=[^A-Za-z0-9])|$)", "IP"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9a-f]{6,} ?){3,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9A-F]{4} ?){4,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)(0x[a-f0-9A-F]+)((?=[^A-Za-z0-9])|$)", "HEX"),
    (r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+)((?=[^A-Za-z0-9])|$)", "NUM"),
]

Grouper = Callable[[Sequence[str]], list[str]]


def loghub_dir(explicit: str | None = None) -> pathlib.Path:
    """--loghub, else $ERRORSTREAM_LOGHUB_DIR, else ../shared/data/loghub from the repo."""
    chosen = explicit or os.environ.get("ERRORSTREAM_LOGHUB_DIR")
    return pathlib.Path(chosen).resolve() if chosen else DEFAULT_LOGHUB


def load_dataset(directory: pathlib.Path, name: str) -> tuple[list[str], list[str]]:
    """(messages, true templates) of one Loghub-2k dataset."""
    path = directory / name / f"{name}_2k.log_structured_corrected.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [row["Content"] for row in rows], [row["EventTemplate"] for row in rows]


def datasets(directory: pathlib.Path) -> list[str]:
    return sorted(
        p.name
        for p in directory.iterdir()
        if p.is_dir() and (p / f"{p.name}_2k.log_structured_corrected.csv").is_file()
    )


def errorstream_groups(messages: Sequence[str]) -> list[str]:
    """Each line's final group: ids resolved through merges, as `mine-templates` prints."""
    miner = TemplateMiner()
    assigned = [miner.add(message).cluster_id for message in messages]
    return [miner.resolve(cluster_id) or cluster_id for cluster_id in assigned]


def drain3_grouper() -> tuple[Grouper, dict[str, Any]] | None:
    """drain3 as configured for the comparison, or None if it is not installed."""
    try:
        from drain3 import TemplateMiner as Drain3Miner
        from drain3.masking import MaskingInstruction
        from drain3.template_miner_config import TemplateMinerConfig
    except ImportError:
        return None
    logging.getLogger("drain3").setLevel(logging.WARNING)

    def config() -> Any:
        settings = TemplateMinerConfig()
        settings.masking_instructions = [
            MaskingInstruction(pattern, name) for pattern, name in DRAIN3_MASKING
        ]
        return settings

    def groups(messages: Sequence[str]) -> list[str]:
        miner = Drain3Miner(config=config())
        return [str(miner.add_log_message(message)["cluster_id"]) for message in messages]

    settings = config()
    try:
        from importlib.metadata import version

        drain3_version = version("drain3")
    except Exception:  # metadata missing in odd installs; the figure is informative only
        drain3_version = "unknown"
    described = {
        "version": drain3_version,
        "sim_th": settings.drain_sim_th,
        "depth": settings.drain_depth,
        "max_children": settings.drain_max_children,
        "masking": [name for _, name in DRAIN3_MASKING],
    }
    return groups, described


def _timed(grouper: Grouper, messages: Sequence[str]) -> tuple[list[str], float]:
    started = time.perf_counter()
    groups = grouper(messages)
    return groups, len(messages) / max(time.perf_counter() - started, 1e-9)


def run(loghub: pathlib.Path | str | None = None, repeats: int = 5) -> dict[str, Any]:
    """GA and lines/s of errorstream and drain3 on every dataset under `loghub`."""
    directory = loghub_dir(None if loghub is None else str(loghub))
    names = datasets(directory)
    if not names:
        raise FileNotFoundError(f"no Loghub-2k datasets under {directory}")
    drain3 = drain3_grouper()
    contenders: dict[str, Grouper] = {"errorstream": errorstream_groups}
    if drain3 is not None:
        contenders["drain3"] = drain3[0]
    results: dict[str, Any] = {}
    for name in names:
        messages, truth = load_dataset(directory, name)
        rates: dict[str, float] = dict.fromkeys(contenders, 0.0)
        accuracy: dict[str, float] = {}
        for _ in range(max(repeats, 1)):
            for contender, grouper in contenders.items():  # interleaved: same load for both
                groups, rate = _timed(grouper, messages)
                rates[contender] = max(rates[contender], rate)
                accuracy[contender] = grouping_accuracy(truth, groups)
        entry: dict[str, Any] = {"lines": len(messages)}
        for contender in contenders:
            entry[contender] = {"ga": accuracy[contender], "lines_per_s": rates[contender]}
        if drain3 is not None:
            entry["ga_ratio"] = _ratio(accuracy["errorstream"], accuracy["drain3"])
            entry["speed_ratio"] = _ratio(rates["errorstream"], rates["drain3"])
        results[name] = entry
    average: dict[str, Any] = {}
    for contender in contenders:
        seconds = sum(r["lines"] / r[contender]["lines_per_s"] for r in results.values())
        average[contender] = {
            "ga": sum(r[contender]["ga"] for r in results.values()) / len(results),
            "lines_per_s": sum(r["lines"] for r in results.values()) / seconds,
        }
    if drain3 is not None:
        average["ga_ratio"] = _ratio(average["errorstream"]["ga"], average["drain3"]["ga"])
        average["speed_ratio"] = _ratio(
            average["errorstream"]["lines_per_s"], average["drain3"]["lines_per_s"]
        )
    return {
        "benchmark": "grouping",
        "loghub_dir": str(directory),
        "repeats": repeats,
        "python": sys.version.split()[0],
        "drain3": drain3[1] if drain3 is not None else None,
        "datasets": results,
        "average": average,
    }


def _ratio(ours: float, theirs: float) -> float | None:
    return ours / theirs if theirs else None


def markdown(figures: dict[str, Any]) -> str:
    """The figures as a Markdown table, one row per dataset and one for the average."""
    with_drain3 = figures["drain3"] is not None
    header = "| dataset | lines | GA errorstream | lines/s errorstream |"
    rule = "| --- | ---: | ---: | ---: |"
    if with_drain3:
        header += " GA drain3 | lines/s drain3 | GA ratio | speed ratio |"
        rule += " ---: | ---: | ---: | ---: |"
    rows = [header, rule]
    entries = [*figures["datasets"].items(), ("**average**", figures["average"])]
    for name, entry in entries:
        lines = entry.get("lines", sum(d["lines"] for d in figures["datasets"].values()))
        ours = entry["errorstream"]
        row = f"| {name} | {lines} | {ours['ga']:.4f} | {ours['lines_per_s']:,.0f} |"
        if with_drain3:
            theirs = entry["drain3"]
            row += (
                f" {theirs['ga']:.4f} | {theirs['lines_per_s']:,.0f} |"
                f" {entry['ga_ratio']:.3f} | {entry['speed_ratio']:.2f}x |"
            )
        rows.append(row)
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loghub", help=f"Loghub-2k samples (default: {DEFAULT_LOGHUB})")
    parser.add_argument("--repeats", type=int, default=5, help="runs per miner and dataset")
    parser.add_argument("--json", metavar="OUT", help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    try:
        figures = run(loghub_dir(args.loghub), repeats=args.repeats)
    except FileNotFoundError as error:
        print(f"grouping benchmark: {error}", file=sys.stderr)
        return 1
    print(markdown(figures))
    if figures["drain3"] is None:
        print("\n(drain3 is not installed: errorstream only)", file=sys.stderr)
    else:
        drain3 = figures["drain3"]
        print(
            f"\ndrain3 {drain3['version']}: default config (sim_th {drain3['sim_th']}, depth "
            f"{drain3['depth']}), masking {', '.join(drain3['masking'])}; "
            f"best of {figures['repeats']} runs each, one process."
        )
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
