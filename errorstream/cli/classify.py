"""errorstream classify: dry-run the classifier on your own samples, without Kafka.

Each record goes the way it would go in production: streams/ingest.py reads and sanitises it
into the ErrorDetected `ingest` would publish, and the detection agent's own pass
(`agents.detection.Detector` over a `MemoryStore`, the agent's configuration from the
settings) classifies and groups it. So the output equals the agent's ErrorClassified for the
same input in the same order — group ids, and the per-group classification the agent keeps,
included. Only what the agent learns from Kafka is absent: operator corrections and the text
model (give a snapshot with ``--model``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from errorstream.cli.ingest import open_input
from errorstream.cli.tail import json_line
from errorstream.config import Settings, settings
from errorstream.schemas.enums import Layer
from errorstream.schemas.models import ErrorClassified, ErrorDetected
from errorstream.streams.ingest import (
    FORMATS,
    RecordDefaults,
    Rejected,
    ingest_event,
    records_of,
)
from errorstream.streams.sanitize import sanitize_report

if TYPE_CHECKING:  # the agents' modules load river (seconds): only when classify runs
    from errorstream.agents.classification import Classification
    from errorstream.agents.text_model import TextModel

POSITION_TOPIC: Final = "classify"
UNKNOWN_SERVICE: Final = RecordDefaults("unknown")

EXAMPLES = """\
examples:
  errorstream classify samples.jsonl
  echo '{"message": "connection refused", "exception_type": "ConnectionRefusedError",
         "service": "checkout"}' | errorstream classify
  errorstream classify samples.jsonl --explain | jq '.explanation.matched'
  errorstream classify app.log --format lines --service billing

One JSON line out per record in, in order:
  {"line": 1, "id": ..., "event_id": ..., "service": ..., "category": "external",
   "type": "network", "subtype": ..., "severity": "high", "computed_severity": "high",
   "layer": "service", "confidence": 0.9, "retryable": true,
   "evidence": [{"field": "type", "rule_id": "...", "detail": "..."}],
   "group_id": ..., "grouping_method": "stack"}
A record that cannot be read: {"line": 7, "error": {"reason_code": ..., "reason": ...}}.
--explain adds "explanation": the signals raised, the rules that matched and how many were
tried (the full list of the rules not matched is under "not_matched").
exit status: 0, or 1 when some record could not be read.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "classify",
        help="classify error objects (JSON Lines) offline, as the detection agent would",
        description=(
            "Classify each record with the detection agent's own pass (sanitise, frames, "
            "facts, rules) and print category, type, severity, layer, confidence and evidence."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", nargs="?", default="-", help="input file; - or none: stdin")
    parser.add_argument("--explain", action="store_true", help="add the rules tried")
    parser.add_argument("--format", choices=FORMATS, default="jsonl", help="default jsonl")
    parser.add_argument(
        "--service", default=None, help="service of records that name none (default: unknown)"
    )
    parser.add_argument(
        "--layer",
        choices=[layer.value for layer in Layer],
        default=Layer.SERVICE.value,
        help="layer of records that name none (default service)",
    )
    parser.add_argument(
        "--model", type=Path, metavar="SNAPSHOT", help="a text-model snapshot to consult"
    )
    parser.set_defaults(handler=handle)


class OfflineClassifier:
    """The detection pass over a memory store: one per input, fed records in order."""

    def __init__(self, config: Settings, model: TextModel | None = None) -> None:
        from errorstream.agents.detection import DetectionConfig, Detector, MemoryStore

        self.config = DetectionConfig(rules=config.detection, limits=config.limits, model=model)
        self.detector = Detector(MemoryStore(), self.config)
        self.limits = config.limits

    def classify(self, event: ErrorDetected, line: int) -> ErrorClassified:
        from errorstream.agents.detection import Position

        outcome = self.detector.on_error(event, Position(POSITION_TOPIC, 0, line))
        return outcome.classified

    def explain(self, event: ErrorDetected) -> dict[str, Any]:
        """The classifier's reasoning on this record's own facts."""
        from errorstream.agents.classification import explain
        from errorstream.agents.detection import facts_of, frames_of

        details = sanitize_report(
            event.error, limits=self.config.limits, redactor=self.config.redactor
        ).details
        frames, _ = frames_of(details)
        explanation = explain(facts_of(event, details, frames), self.config.model)
        matched = [
            {"rule": t.rule_id, "stage": t.stage.name.lower(), "detail": t.detail}
            for t in explanation.trials
            if t.matched
        ]
        return {
            "signals": [s.value for s in explanation.signals],
            "tried": len(explanation.trials),
            "matched": matched,
            "not_matched": [t.rule_id for t in explanation.trials if not t.matched],
            "own_verdict": _verdict(explanation.classification),
        }


def _verdict(classification: Classification) -> dict[str, Any]:
    return {
        "category": classification.category.value,
        "type": classification.type.value,
        "severity": classification.severity.value,
        "layer": classification.layer.value,
        "confidence": classification.confidence,
    }


def classified_json(
    line: int, record_id: str | None, classified: ErrorClassified
) -> dict[str, Any]:
    """The fields of the agent's ErrorClassified a person dry-running rules looks at."""
    out: dict[str, Any] = {"line": line}
    if record_id is not None:
        out["id"] = record_id
    out.update(
        {
            "event_id": str(classified.error_id),
            "service": classified.source.service,
            "category": classified.category.value,
            "type": classified.type.value,
            "subtype": classified.subtype,
            "severity": classified.severity.value,
            "computed_severity": classified.computed_severity.value,
            "layer": classified.layer.value,
            "confidence": classified.confidence,
            "retryable": classified.retryable,
            "evidence": [
                {"field": e.field, "rule_id": e.rule_id, "detail": e.detail}
                for e in classified.evidence
            ],
            "group_id": classified.group_id,
            "grouping_method": classified.grouping_method,
        }
    )
    return out


def classify_stream(
    stream: IO[bytes],
    config: Settings,
    *,
    fmt: str = "jsonl",
    defaults: RecordDefaults = UNKNOWN_SERVICE,
    explain_rules: bool = False,
    model: TextModel | None = None,
) -> Iterator[dict[str, Any]]:
    """One output object per input record, in order."""
    classifier = OfflineClassifier(config, model)
    for item in records_of(stream, fmt, defaults):
        made = (
            item
            if isinstance(item, Rejected)
            else ingest_event(item, recorded_at=datetime.now(UTC), limits=config.limits)
        )
        if isinstance(made, Rejected):
            yield {
                "line": made.line,
                "error": {"reason_code": made.reason_code, "reason": made.reason},
            }
            continue
        out = classified_json(made.line, made.record_id, classifier.classify(made.event, made.line))
        if explain_rules:
            out["explanation"] = classifier.explain(made.event)
        yield out


def handle(args: argparse.Namespace) -> int:
    config = settings()
    model = None
    try:
        if args.model is not None:
            from errorstream.agents.text_model import TextModel

            model = TextModel.restore(args.model.read_bytes())
        defaults = RecordDefaults(args.service or "unknown", Layer(args.layer))
        unreadable = 0
        with open_input(args.file) as stream:
            for out in classify_stream(
                stream,
                config,
                fmt=args.format,
                defaults=defaults,
                explain_rules=args.explain,
                model=model,
            ):
                if "error" in out:
                    unreadable += 1
                    error = out["error"]
                    print(
                        f"line {out['line']}: {error['reason_code']}: {error['reason']}",
                        file=sys.stderr,
                    )
                print(json_line(out))
    except (OSError, ValueError) as exc:
        print(f"errorstream classify: {exc}", file=sys.stderr)
        return 2
    return 1 if unreadable else 0
