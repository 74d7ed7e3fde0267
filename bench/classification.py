#!/usr/bin/env python3
"""Classification benchmark: accuracy per field and throughput of the rules and the text model.

usage: .venv/bin/python bench/classification.py [--repeats N] [--json OUT]

Accuracy is per field (category, type, severity, layer) on the labelled set, whole and
holdout split, rules only. Throughput is records/s of `classify` over the labelled set (the
rulebook compiled beforehand; best of N passes, so a busy machine shows its quiet moments),
of `explain`, and of `classify` with a text model attached; the model's `learn` and
`predict` rates are measured on the train split and the holdout. `run()` returns the figures
for other benchmark code; `--json` writes them.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from errorstream.agents.classification import (
    ErrorCategory,
    ErrorFacts,
    ErrorType,
    classify,
    default_rulebook,
    explain,
)
from errorstream.agents.text_model import TextModel

DATA = (
    pathlib.Path(__file__).resolve().parents[1] / "tests" / "data" / "classification_labelled.jsonl"
)
FIELDS = ("category", "type", "severity", "layer")


def load() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]


def facts_of(record: dict[str, Any]) -> ErrorFacts:
    return ErrorFacts(
        message=record["message"],
        exception_type=record.get("exception_type"),
        error_code=record.get("error_code"),
        stack_trace=record.get("stack_trace"),
        service=record.get("service", ""),
        source_topic=record.get("source_topic"),
    )


def accuracy(records: Sequence[dict[str, Any]]) -> dict[str, float]:
    hits = dict.fromkeys(FIELDS, 0)
    for record in records:
        result = classify(facts_of(record))
        got = {
            "category": result.category,
            "type": result.type,
            "severity": result.severity,
            "layer": result.layer,
        }
        for name in FIELDS:
            hits[name] += got[name] == record["expected"][name]
    return {name: hits[name] / len(records) for name in FIELDS}


def rate(items: Sequence[Any], step: Callable[[Any], object], repeats: int) -> float:
    """Items per second of `step`, best of `repeats` passes."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for item in items:
            step(item)
        best = min(best, time.perf_counter() - start)
    return len(items) / best


def run(repeats: int = 5) -> dict[str, Any]:
    records = load()
    train = [r for r in records if r["split"] == "train"]
    holdout = [r for r in records if r["split"] == "holdout"]
    facts = [facts_of(r) for r in records]
    default_rulebook()  # compile outside the timed loops

    def learn_all(_: object) -> None:
        model = TextModel()
        for record in train:
            expected = record["expected"]
            model.learn(
                facts_of(record),
                ErrorCategory(expected["category"]),
                ErrorType(expected["type"]),
            )

    model = TextModel()
    for record in train:
        expected = record["expected"]
        model.learn(
            facts_of(record), ErrorCategory(expected["category"]), ErrorType(expected["type"])
        )
    holdout_facts = [facts_of(r) for r in holdout]
    return {
        "records": len(records),
        "holdout": len(holdout),
        "accuracy_whole": accuracy(records),
        "accuracy_holdout": accuracy(holdout),
        "classify_per_s": rate(facts, classify, repeats),
        "explain_per_s": rate(facts, explain, repeats),
        "classify_with_model_per_s": rate(facts, lambda f: classify(f, model), repeats),
        "model_learn_per_s": len(train) * rate([None], learn_all, repeats),
        "model_predict_per_s": rate(holdout_facts, model.predict, repeats),
        "model_snapshot_bytes": len(model.snapshot()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=pathlib.Path)
    args = parser.parse_args(argv)
    figures = run(args.repeats)
    print(f"| field | whole ({figures['records']}) | holdout ({figures['holdout']}) |")
    print("| --- | --- | --- |")
    for name in FIELDS:
        whole, held = figures["accuracy_whole"][name], figures["accuracy_holdout"][name]
        print(f"| {name} | {whole:.3f} | {held:.3f} |")
    print()
    for key in (
        "classify_per_s",
        "explain_per_s",
        "classify_with_model_per_s",
        "model_learn_per_s",
        "model_predict_per_s",
    ):
        print(f"{key}: {figures[key]:,.0f}")
    print(f"model_snapshot_bytes: {figures['model_snapshot_bytes']:,}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
