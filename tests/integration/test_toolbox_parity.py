"""The toolbox says what the system does: fed the same input, `classify` prints what the running
detection agent emits, and `redact` prints what the SDK publishes and what ingest stores."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from errorstream.cli.classify import classify_stream
from errorstream.config import Settings, load_settings
from errorstream.schemas.models import ErrorClassified, ErrorDetected, Event
from errorstream.schemas.serialization import AvroCodec
from errorstream.streams.ingest import ErrorRecord, error_record, event_id_for
from errorstream.streams.reader import read_records
from errorstream.streams.sanitize import sanitize_report
from errorstream.streams.sdk import Capture, Reporter

from .conftest import WORKER_READY, Process

DATA = Path(__file__).resolve().parent.parent / "data"
LABELLED = DATA / "classification_labelled.jsonl"
CORPUS = [json.loads(line) for line in (DATA / "redaction_corpus.jsonl").read_text().splitlines()]
CODEC = AvroCodec()


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "errorstream", *args],
        env={**os.environ, **settings.as_environment()},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def read_until(
    settings: Settings, topic: str, wanted: set[Any], timeout: float = 300
) -> list[Event]:
    deadline = time.monotonic() + timeout
    while True:
        found = [
            CODEC.decode(r.value)
            for r in read_records(settings, topic, until_idle=2.0)
            if r.value is not None
        ]
        ids = {getattr(e, "error_id", e.event_id) for e in found}
        if wanted <= ids or time.monotonic() > deadline:
            assert wanted <= ids, f"{len(wanted - ids)} of {len(wanted)} missing on {topic}"
            return found


@pytest.fixture(scope="module")
def worker(env: Settings, spawn_module: Callable[..., Process]) -> Iterator[Process]:
    process = spawn_module(
        env, "worker", extra_env={"ERRORSTREAM_DETECTION__IDLE_TIMEOUT_S": "3600"}
    )
    process.wait_for(WORKER_READY, 180)
    yield process
    process.stop()


# -- classify ------------------------------------------------------------------------------------


def verdict(event: ErrorClassified) -> dict[str, Any]:
    """The agent's event in the fields `classify` prints."""
    return {
        "service": event.source.service,
        "category": event.category.value,
        "type": event.type.value,
        "subtype": event.subtype,
        "severity": event.severity.value,
        "computed_severity": event.computed_severity.value,
        "layer": event.layer.value,
        "confidence": event.confidence,
        "retryable": event.retryable,
        "evidence": [
            {"field": e.field, "rule_id": e.rule_id, "detail": e.detail} for e in event.evidence
        ],
        "group_id": event.group_id,
        "grouping_method": event.grouping_method,
    }


def test_classify_prints_what_the_detection_agent_emits_for_the_same_file(
    env: Settings, worker: Process
) -> None:
    records = [json.loads(line) for line in LABELLED.read_text().splitlines()]
    done = cli(env, "ingest", str(LABELLED))
    assert done.returncode == 0, done.stderr
    wanted = {event_id_for(r["id"]) for r in records}
    emitted = {
        e.error_id: e
        for e in read_until(env, "error.classified", wanted)
        if isinstance(e, ErrorClassified)
    }
    with LABELLED.open("rb") as stream:
        printed = list(classify_stream(stream, env))
    assert len(printed) == len(records)
    differences = []
    for out in printed:
        agent = verdict(emitted[event_id_for(out["id"])])
        mine = {name: out[name] for name in agent}
        if mine != agent:
            differences.append((out["id"], mine, agent))
    assert not differences, differences[:3]
    # and the command itself, reading the file as a user would
    command = cli(env, "classify", str(LABELLED))
    assert command.returncode == 0, command.stderr
    lines = [json.loads(line) for line in command.stdout.splitlines()]
    assert [{k: v for k, v in line.items() if k != "event_id"} for line in lines] == [
        {k: v for k, v in out.items() if k != "event_id"} for out in printed
    ]


# -- redact --------------------------------------------------------------------------------------


class SettlementError(RuntimeError):
    pass


def _settle(order_id: int, password: str) -> None:
    raise SettlementError(f"settlement {order_id} refused, session_id=sess_{order_id}_9f8e7d6c5b")


def _capture(reporter: Reporter, order: int, secret: str) -> Capture:
    """One captured exception; its frames' locals are this function's and _settle's."""
    try:
        _settle(order, secret)
    except SettlementError as exc:
        return reporter.capture(
            exc,
            context={"payer": {"email": f"p{order}@example.com", "cvv": "123"}},
            tags=["payments", "card:4111111111111111"],
            description=f"Authorization: Bearer tok{order}.abcdefghijklmnop.qrstu",
        )
    raise AssertionError("unreachable")


def sdk_records(settings: Settings) -> list[tuple[dict[str, Any], Any]]:
    """(a report as an ingest record, the report the SDK publishes), from real captures."""
    offline = load_settings(
        kafka_bootstrap_servers="127.0.0.1:1", topic_prefix=settings.topic_prefix
    )
    reporter = Reporter(offline, service="sdk-svc", capture_locals=True, flush_timeout=0)
    try:
        captures = [_capture(reporter, order, "hunter2" * 2) for order in range(3)]
        captures.append(reporter.capture("export for carol@example.com failed", severity="low"))
    finally:
        reporter.close(0)
    out = []
    for n, capture in enumerate(captures):
        record = capture.details().model_dump(mode="json") | {
            "id": f"sdk-{n}",
            "service": capture.service,
            "layer": capture.layer.value,
            "occurred_at": capture.occurred_at.isoformat(),
        }
        out.append((record, reporter.event(capture).error))
    return out


def corpus_records() -> list[dict[str, Any]]:
    records = []
    for case in CORPUS:
        record: dict[str, Any] = {"id": f"corpus-{case['id']}", "service": "corpus-svc"}
        if case["kind"] == "text":
            record |= {"message": case["input"], "stack_trace": case["input"]}
        else:
            record |= {"message": "context attached", "context": case["input"]}
        records.append(record)
    return records


def test_redact_prints_what_the_sdk_publishes_and_what_ingest_stores(
    env: Settings, tmp_path: Path
) -> None:
    pairs = sdk_records(env)
    records = [record for record, _ in pairs] + corpus_records()
    path = tmp_path / "reports.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))

    redacted = cli(env, "redact", str(path))
    assert redacted.returncode == 0, redacted.stderr
    printed: dict[str, ErrorRecord] = {}
    for line in redacted.stdout.splitlines():
        found = error_record(json.loads(line), line=1)
        assert isinstance(found, ErrorRecord) and found.record_id is not None
        printed[found.record_id] = found
    assert len(printed) == len(records)

    for record, published in pairs:  # the SDK
        assert printed[record["id"]].details == published

    ingested = cli(env, "ingest", str(path))  # ingest, on the broker
    assert ingested.returncode == 0, ingested.stderr
    wanted = {event_id_for(r["id"]) for r in records}
    stored = {
        e.event_id: e
        for e in read_until(env, "error.detected", wanted)
        if isinstance(e, ErrorDetected)
    }
    for record in records:
        event = stored[event_id_for(record["id"])]
        assert event.error == printed[record["id"]].details, record["id"]

    report = cli(env, "redact", str(path), "--report", "--check")
    assert report.returncode == 1
    sdk_secrets = ["hunter2hunter2", "p0@example.com", "4111111111111111", "carol@example.com"]
    secrets_of = {f"corpus-{case['id']}": case["must_redact"] for case in CORPUS}
    for line in redacted.stdout.splitlines():
        content = json.loads(line)
        secrets = secrets_of.get(content["id"], sdk_secrets)
        for given in ("id", "service", "layer", "environment", "occurred_at"):  # not input
            content.pop(given, None)
        for secret in secrets:
            assert secret not in json.dumps(content, ensure_ascii=False), line
    for secret in [*sdk_secrets, *(s for case in CORPUS for s in case["must_redact"])]:
        assert secret not in report.stdout and secret not in report.stderr
    # what redact printed is a fixed point: sanitising it again changes nothing
    for found in printed.values():
        assert sanitize_report(found.details).details == found.details
