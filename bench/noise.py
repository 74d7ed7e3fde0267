"""Alert noise: how many notifications 1,000 errors cause, before and after grouping and dedup.

Runs the detection pass (the same pure code the worker runs) over the seeded realistic workload
and counts, per 1,000 errors:

- `per_error`: a naive alerter that notifies on every error (the baseline);
- `per_severe_error`: one that notifies on every error classified high or worse;
- `per_group`: one notification per new error group (what grouping alone gives, like Sentry's
  "new issue" mail);
- `alerts`: errorstream's AlertRaised (rate thresholds, one per firing episode, repeats
  suppressed) and `escalations`: EscalationRaised (pages routed by policy);
- `patterns`: PatternDetected episodes (informational, not pages).

    .venv/bin/python bench/noise.py [--errors N] [--seed S] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from errorstream.agents.detection import Detector, MemoryStore, Position
from errorstream.schemas.enums import Severity
from errorstream.schemas.models import (
    AlertRaised,
    ErrorClassified,
    EscalationRaised,
    PatternDetected,
)
from errorstream.workload import WorkloadSpec, generate


def run(errors: int = 20_000, seed: int = 7, hours: int = 6) -> dict[str, Any]:
    from datetime import timedelta

    spec = WorkloadSpec(
        seed=seed,
        errors=errors,
        duration=timedelta(hours=hours),
        bursts=hours * 2,
        cascades=hours,
        degradations=hours,
    )
    detector = Detector(MemoryStore())
    counts: Counter[str] = Counter()
    groups: set[str] = set()
    alert_ids: set[object] = set()
    for offset, event in enumerate(generate(spec)):
        outcome = detector.on_error(event, Position("error.detected", 0, offset))
        for derived in outcome.events:
            if isinstance(derived, ErrorClassified):
                counts["errors"] += 1
                groups.add(derived.group_id)
                if derived.severity.rank >= Severity.HIGH.rank:
                    counts["severe"] += 1
            elif isinstance(derived, AlertRaised):
                alert_ids.add(derived.alert_id)
                counts["alert_notifications"] += 1
            elif isinstance(derived, EscalationRaised):
                counts["escalations"] += 1
            elif isinstance(derived, PatternDetected):
                counts["patterns"] += 1
    total = counts["errors"]

    def per_thousand(value: float) -> float:
        return round(1000 * value / total, 2) if total else 0.0

    return {
        "errors": total,
        "hours": hours,
        "per_1000_errors": {
            "per_error": per_thousand(total),
            "per_severe_error": per_thousand(counts["severe"]),
            "per_group": per_thousand(len(groups)),
            "alerts": per_thousand(len(alert_ids)),
            "alert_notifications": per_thousand(counts["alert_notifications"]),
            "escalations": per_thousand(counts["escalations"]),
            "patterns": per_thousand(counts["patterns"]),
        },
        "groups": len(groups),
        "reduction_vs_per_error": round(total / max(1, len(alert_ids) + counts["escalations"]), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--errors", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hours", type=int, default=6)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.errors, args.seed, args.hours)
    print("| notifications per 1,000 errors | count |")
    print("| --- | --- |")
    for name, value in result["per_1000_errors"].items():
        print(f"| {name} | {value} |")
    print(
        f"\n{result['errors']} errors in {result['groups']} groups over {result['hours']} h; "
        f"pages (alerts + escalations) are 1 per {result['reduction_vs_per_error']} errors"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
