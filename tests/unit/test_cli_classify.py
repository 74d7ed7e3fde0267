"""`errorstream classify`: the detection agent's pass on a file, one verdict per line, no Kafka."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from errorstream.agents.classification import classify
from errorstream.agents.detection import Detector, MemoryStore, Position, facts_of, frames_of
from errorstream.cli import main
from errorstream.cli.classify import classify_stream
from errorstream.config import load_settings
from errorstream.streams.ingest import ErrorRecord, Ingested, error_record, ingest_event
from errorstream.streams.sanitize import sanitize_report

DATA = Path(__file__).resolve().parent.parent / "data"
LABELLED = DATA / "classification_labelled.jsonl"


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    stdin: bytes | None = None,
) -> tuple[int, list[dict[str, Any]], str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(["classify", *args])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_one_verdict_per_record_in_order_and_unreadable_lines_get_an_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = (
        b'{"id": "a", "service": "db", "message": "deadlock detected", "error_code": "40P01"}\n'
        b"\n"
        b"{not json\n"
        b'{"id": "c", "message": "Connection refused", "exception_type": '
        b'"ConnectionRefusedError", "layer": "infrastructure"}\n'
        b'{"service": "x"}\n'
    )
    code, out, err = run(capsys, monkeypatch, stdin=data)
    assert code == 1
    assert [o["line"] for o in out] == [1, 3, 4, 5]
    assert out[1]["error"]["reason_code"] == "invalid_json"
    assert out[3]["error"]["reason_code"] == "missing_message"
    assert "line 3: invalid_json" in err and "line 5: missing_message" in err
    first, third = out[0], out[2]
    assert (first["id"], first["type"], first["category"]) == ("a", "database", "system")
    assert third["service"] == "unknown" and third["layer"] == "infrastructure"
    for verdict in (first, third):
        assert set(verdict) >= {
            "category",
            "type",
            "severity",
            "layer",
            "confidence",
            "evidence",
            "group_id",
        }
        assert {e["field"] for e in verdict["evidence"]} >= {"category", "type", "severity"}


def test_the_verdicts_are_the_agents_pass_over_the_ingested_events() -> None:
    """classify = ingest's mapping and sanitising, then the agent's Detector, record by record."""
    config = load_settings()
    raw = LABELLED.read_bytes()
    outputs = list(classify_stream(io.BytesIO(raw), config))
    detector = Detector(MemoryStore())
    expected = []
    for number, line in enumerate(raw.decode().splitlines(), 1):
        found = error_record(json.loads(line), line=number)
        assert isinstance(found, ErrorRecord)
        made = ingest_event(found, recorded_at=found.occurred_at or _now(), limits=config.limits)
        assert isinstance(made, Ingested)
        classified = detector.on_error(made.event, Position("t", 0, number)).classified
        expected.append(
            (
                classified.category.value,
                classified.type.value,
                classified.severity.value,
                classified.layer.value,
                classified.confidence,
                classified.group_id,
                [(e.field, e.rule_id, e.detail) for e in classified.evidence],
            )
        )
    got = [
        (
            o["category"],
            o["type"],
            o["severity"],
            o["layer"],
            o["confidence"],
            o["group_id"],
            [(e["field"], e["rule_id"], e["detail"]) for e in o["evidence"]],
        )
        for o in outputs
    ]
    assert got == expected


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_the_first_error_of_a_group_gets_the_classifiers_own_verdict_and_its_group_shares_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    trace = 'Traceback (most recent call last):\n  File "/srv/app/db.py", line 9, in q\n    x()\n'
    records = [
        {"service": "s", "exception_type": "AppError", "stack_trace": trace, "message": m}
        for m in ("connection timed out", "permission denied for table t")
    ]
    path = tmp_path / "group.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    code, out, _ = run(capsys, monkeypatch, str(path), "--explain")
    assert code == 0
    assert out[0]["group_id"] == out[1]["group_id"]  # one stack: one group
    first = error_record(records[0], line=1)
    assert isinstance(first, ErrorRecord)
    details = sanitize_report(first.details).details
    frames, _ = frames_of(details)
    made = ingest_event(first, recorded_at=_now())
    assert isinstance(made, Ingested)
    own = classify(facts_of(made.event, details, frames))
    for verdict in out:  # the agent classifies a group once and keeps it for its members
        assert (verdict["category"], verdict["type"]) == (own.category.value, own.type.value)
    second_alone = out[1]["explanation"]["own_verdict"]
    assert second_alone["type"] != out[1]["type"]  # what --explain shows is this record's own


def test_explain_lists_the_rules_tried_and_the_deciding_rules_among_those_matched(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b'{"message": "No space left on device", "service": "s", "exception_type": "OSError"}\n'
    code, out, _ = run(capsys, monkeypatch, "-", "--explain", stdin=data)
    assert code == 0
    explanation = out[0]["explanation"]
    matched = {m["rule"] for m in explanation["matched"]}
    assert explanation["tried"] == len(explanation["matched"]) + len(explanation["not_matched"])
    assert not matched & set(explanation["not_matched"])
    for evidence in out[0]["evidence"]:
        if evidence["field"] in ("category", "type"):
            assert evidence["rule_id"] in matched
    assert explanation["own_verdict"]["type"] == out[0]["type"] == "resource_exhaustion"


def test_log_lines_classify_too(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log = DATA / "ingest" / "app.log"
    code, out, _ = run(capsys, monkeypatch, str(log), "--format", "lines", "--service", "billing")
    assert code == 0
    assert [o["line"] for o in out] == [1, 2, 9, 10, 17]
    assert out[-1]["subtype"] == "disk_full" and out[-1]["severity"] == "critical"
    assert all(o["service"] == "billing" for o in out)


def test_no_file_argument_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, monkeypatch, stdin=b'{"message": "timeout", "service": "s"}\n')
    assert code == 0 and len(out) == 1 and out[0]["line"] == 1
