"""`errorstream redact`: the SDK's and ingest's redaction on files, and reports without secrets."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from errorstream.cli import main
from errorstream.config import Settings, load_settings
from errorstream.streams.ingest import ErrorRecord, error_record
from errorstream.streams.redaction import DEFAULT_REDACTOR
from errorstream.streams.sdk import Reporter

DATA = Path(__file__).resolve().parent.parent / "data"
CORPUS = [json.loads(line) for line in (DATA / "redaction_corpus.jsonl").read_text().splitlines()]


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    stdin: bytes | None = None,
) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(["redact", *args])
    out, err = capsys.readouterr()
    return code, out, err


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def corpus_records() -> list[dict[str, Any]]:
    """Every corpus secret in an error object: text as message and trace, values as context."""
    records: list[dict[str, Any]] = []
    for case in CORPUS:
        if case["kind"] == "text":
            records.append(
                {"id": case["id"], "service": "corpus", "message": case["input"]}
                | {"stack_trace": case["input"], "description": case["input"]}
            )
        else:
            records.append(
                {"id": case["id"], "service": "corpus", "message": "see context"}
                | {"context": case["input"], "extra_field": case["input"]}
            )
    return records


# -- the SDK's redaction, exactly ----------------------------------------------------------------


class PaymentError(RuntimeError):
    pass


def _settle(order_id: int, password: str, card: str) -> None:
    raise PaymentError(f"charge failed for order {order_id}: token=tok_9fJ2kLmN8pQ7rS6t")


@pytest.fixture
def unreachable() -> Settings:
    return load_settings(kafka_bootstrap_servers="127.0.0.1:1", topic_prefix="unit.")


def sdk_reports(reporter: Reporter) -> list[tuple[dict[str, Any], Any]]:
    """(the capture as an ingest record, what the SDK publishes for it) for varied reports."""
    made = []
    password, card = "hunter2" * 2, "4111 1111 1111 1111"  # the trace shows this call's line
    try:
        _settle(8812, password, card)
    except PaymentError as exc:
        made.append(
            reporter.capture(
                exc,
                context={"customer": {"email": "ann@example.com", "api_key": "k-123456789"}},
                tags={"region": "eu", "session_id": "s3cr3t-sess-42"},
                description="Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
                user_id="ann@example.com",
            )
        )
    made.append(reporter.capture("login failed for bob@example.com password=Pa55word!x"))
    made.append(
        reporter.capture(
            "x" * 20_000 + " api_key=AKIAIOSFODNN7EXAMPLE",
            severity="high",
            fingerprint="huge",
            context={"deep": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}}},
        )
    )
    out = []
    for capture in made:
        record = capture.details().model_dump(mode="json") | {
            "service": capture.service,
            "layer": capture.layer.value,
        }
        out.append((record, reporter.event(capture).error))
    return out


def test_redact_prints_what_the_sdk_publishes_for_the_same_report(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    unreachable: Settings,
) -> None:
    reporter = Reporter(unreachable, service="checkout", capture_locals=True, flush_timeout=0)
    try:
        pairs = sdk_reports(reporter)
    finally:
        reporter.close(0)
    path = write_jsonl(tmp_path / "sdk.jsonl", [record for record, _ in pairs])
    code, out, _ = run(capsys, monkeypatch, str(path))
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(pairs)
    for line, (_, published) in zip(lines, pairs, strict=True):
        found = error_record(json.loads(line), line=1)
        assert isinstance(found, ErrorRecord)
        assert found.details == published
    assert "hunter2hunter2" not in out and "ann@example.com" not in out
    assert "tok_9fJ2kLmN8pQ7rS6t" not in out and "AKIAIOSFODNN7EXAMPLE" not in out


# -- secrets never in the report ------------------------------------------------------------------


def test_every_corpus_secret_is_gone_from_the_output_and_never_in_the_report(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "corpus.jsonl", corpus_records())
    code, out, _ = run(capsys, monkeypatch, str(path))
    assert code == 0
    code, report, _ = run(capsys, monkeypatch, str(path), "--report", "--check")
    assert code == 1
    reports = [json.loads(line) for line in report.splitlines()]
    assert len(reports) == len(CORPUS)
    for case, line, found in zip(CORPUS, out.splitlines(), reports, strict=True):
        stored = json.loads(line)
        for name in ("id", "service", "layer", "environment"):  # given by the test, not input
            stored.pop(name)
        for secret in case["must_redact"]:
            assert secret not in json.dumps(stored, ensure_ascii=False), case["id"]
            assert secret not in json.dumps(found), case["id"]
        assert bool(found["redacted"]) == bool(case["must_redact"]), case["id"]
        for finding in found["redacted"]:
            assert set(finding) <= {"rule", "path", "start", "end"}


def test_text_is_redacted_as_one_document_and_the_report_points_at_lines_and_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key_body = "MIIEowIBAAKCAQEA7bq9fakefakefakefakefakefakefake0123456789abcdef"
    text = (
        "starting\n"
        "user bob@example.com logged in\n"
        "-----BEGIN RSA PRIVATE KEY-----\n"
        f"{key_body}\n"
        "-----END RSA PRIVATE KEY-----\n"
        "done password=hunter2hunter2\n"
    )
    code, out, _ = run(capsys, monkeypatch, "--format", "text", stdin=text.encode())
    assert code == 0
    assert out == DEFAULT_REDACTOR.redact_text(text).value
    assert key_body not in out and "bob@example.com" not in out and "hunter2hunter2" not in out
    assert out.startswith("starting\n") and out.endswith("\n")

    code, report, _ = run(
        capsys, monkeypatch, "-", "--format", "text", "--report", "--check", stdin=text.encode()
    )
    assert code == 1
    findings = [json.loads(line) for line in report.splitlines()]
    assert [f["rule"] for f in findings] == ["email", "private_key", "key_value"]
    lines = text.split("\n")
    for f in findings:
        assert text[f["start"] : f["end"]] in text
        assert lines[f["line"] - 1][f["column"] - 1 :].startswith(text[f["start"] : f["end"]][:10])
    assert key_body not in report and "hunter2" not in report and "bob@" not in report


def test_check_passes_clean_input_and_the_exit_status_says_what_happened(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean = write_jsonl(tmp_path / "clean.jsonl", [{"message": "disk full", "service": "s"}])
    assert run(capsys, monkeypatch, str(clean), "--check")[0] == 0
    dirty = write_jsonl(tmp_path / "dirty.jsonl", [{"message": "password=abcdef123456"}])
    assert run(capsys, monkeypatch, str(dirty))[0] == 0
    assert run(capsys, monkeypatch, str(dirty), "--check")[0] == 1
    code, out, err = run(
        capsys, monkeypatch, stdin=b'{"message": "fine"}\n{"message": "password=x\n\xff\n'
    )
    assert code == 2
    results = [json.loads(line) for line in out.splitlines()]
    assert [r.get("error", {}).get("reason_code") for r in results] == [
        None,
        "invalid_json",
        "not_utf8",
    ]
    assert "line 2: invalid_json" in err and "line 3: not_utf8" in err


def test_only_data_on_stdout_and_a_missing_file_is_a_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, out, err = run(capsys, monkeypatch, str(tmp_path / "absent.jsonl"))
    assert code == 2 and out == "" and "absent.jsonl" in err


secret_values = st.sampled_from(
    [v for case in CORPUS for v in case["must_redact"] if len(v) >= 8 and "\n" not in v]
)


@given(secret=secret_values, key=st.sampled_from(["password", "api_key", "note", "token"]))
def test_a_report_never_holds_the_secret_wherever_it_sits(secret: str, key: str) -> None:
    from errorstream.cli.redact import redact_records

    config = load_settings()
    records = [
        {"message": f"{key}={secret}", "service": "s"},
        {"message": "m", "context": {key: secret, "list": [secret]}},
        {"message": "m", key: secret},
        {"message": "m", "frames": [{"function": "f", "vars": {key: secret}}]},
    ]
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    for _, report, _ in redact_records(io.BytesIO(data), config):
        assert secret not in json.dumps(report)
