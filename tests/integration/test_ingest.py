"""`errorstream ingest` on the real broker, through a running worker.

Six hours of history ingested in seconds is detected at its own event time (one burst, where
the file has it; no burst from the ingest's own speed); `tail` reads the classified events back
in order; a second ingest of the same file publishes nothing and the worker emits no new
ErrorClassified; a file of malformed lines publishes every good line and reports every bad one.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from errorstream.config import Settings
from errorstream.schemas.enums import PatternType
from errorstream.schemas.models import ErrorClassified, ErrorDetected, Event, PatternDetected
from errorstream.schemas.serialization import AvroCodec
from errorstream.streams.ingest import event_id_for
from errorstream.streams.reader import read_records

from .conftest import WORKER_READY, Process

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"
SIX_HOURS = DATA / "six_hours.jsonl"
MALFORMED = DATA / "malformed.jsonl"
RECORDS = [json.loads(line) for line in SIX_HOURS.read_text().splitlines()]
SERVICES = {r["service"] for r in RECORDS}
CODEC = AvroCodec()


def cli(
    settings: Settings, *args: str, stdin: bytes | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`errorstream ARGS` as a child process with these settings; stdout and stderr apart."""
    done = subprocess.run(
        [sys.executable, "-m", "errorstream", *args],
        env={**os.environ, **settings.as_environment()},
        input=stdin,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def events(settings: Settings, topic: str, until_idle: float = 3.0) -> list[Event]:
    return [
        CODEC.decode(r.value)
        for r in read_records(settings, topic, until_idle=until_idle)
        if r.value is not None
    ]


def wait_for_ids(
    settings: Settings, topic: str, wanted: set[Any], timeout: float = 240
) -> list[Event]:
    """Every record of `topic` once all `wanted` event ids (or error ids) are among them."""
    deadline = time.monotonic() + timeout
    while True:
        found = events(settings, topic, until_idle=2.0)
        ids = {getattr(e, "error_id", e.event_id) for e in found}
        if wanted <= ids or time.monotonic() > deadline:
            assert wanted <= ids, f"{len(wanted - ids)} of {len(wanted)} never arrived on {topic}"
            return found


def summary_counts(stderr: str) -> dict[str, int]:
    match = re.search(
        r"([\d,]+) records read from .*?: ([\d,]+) published, ([\d,]+) already published "
        r"\(skipped\), ([\d,]+) rejected",
        stderr,
    )
    assert match is not None, stderr
    read, published, already, rejected = (int(g.replace(",", "")) for g in match.groups())
    return {"read": read, "published": published, "already": already, "rejected": rejected}


@pytest.fixture(scope="module")
def worker(env: Settings, spawn_module: Callable[..., Process]) -> Iterator[Process]:
    process = spawn_module(
        env, "worker", extra_env={"ERRORSTREAM_DETECTION__IDLE_TIMEOUT_S": "3600"}
    )
    process.wait_for(WORKER_READY, 180)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def first_ingest(env: Settings, worker: Process) -> dict[str, Any]:
    done = cli(env, "ingest", str(SIX_HOURS))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # data only on stdout: ingest has none
    wanted = {event_id_for(r["id"]) for r in RECORDS}
    classified = [
        e
        for e in wait_for_ids(env, "error.classified", wanted)
        if isinstance(e, ErrorClassified) and e.source.service in SERVICES
    ]
    return {"stderr": done.stderr, "classified": classified}


def test_six_hours_of_history_is_published_and_classified_at_its_own_event_time(
    first_ingest: dict[str, Any],
) -> None:
    assert summary_counts(first_ingest["stderr"]) == {
        "read": len(RECORDS),
        "published": len(RECORDS),
        "already": 0,
        "rejected": 0,
    }
    classified: list[ErrorClassified] = first_ingest["classified"]
    assert len(classified) == len(RECORDS)
    by_id = {e.error_id: e for e in classified}
    for record in RECORDS:
        event = by_id[event_id_for(record["id"])]
        assert event.occurred_at == datetime.fromisoformat(record["occurred_at"])
        assert event.source.service == record["service"]
        assert not event.late
    card_holders = [e for e in classified if "card_number" in e.error.context]
    assert card_holders and all(
        e.error.context["card_number"] == "[REDACTED:sensitive_key]" for e in card_holders
    )


def test_windowed_detection_finds_the_burst_inside_the_file_at_the_files_times(
    env: Settings, first_ingest: dict[str, Any]
) -> None:
    bursts = [
        e
        for e in events(env, "pattern.detected")
        if isinstance(e, PatternDetected)
        and e.pattern_type is PatternType.BURST
        and e.service in SERVICES
    ]
    # 160-odd errors arrived within seconds; by arrival time that is one long burst per
    # service. By event time there is exactly one: the payments timeouts at 03:00.
    assert [b.service for b in bursts] == ["payments"]
    burst_records = [r for r in RECORDS if r["id"].startswith("payments-burst-")]
    first = datetime.fromisoformat(burst_records[0]["occurred_at"])
    last = datetime.fromisoformat(burst_records[-1]["occurred_at"])
    (burst,) = bursts
    fifth = datetime.fromisoformat(burst_records[4]["occurred_at"])
    # it fires on the fifth error of the minute, at that error's own event time
    assert first - timedelta(minutes=1) <= burst.window_start <= first
    assert burst.window_end == fifth <= last
    members = {event_id_for(r["id"]) for r in burst_records}
    assert set(burst.error_ids) <= members and len(burst.error_ids) >= 5


def test_tail_reads_the_classified_events_back_in_order(
    env: Settings, first_ingest: dict[str, Any]
) -> None:
    done = cli(env, "tail", "error.classified", "--from-beginning", "--until-idle", "3")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    ours = [line for line in lines if line["event"]["source"]["service"] in SERVICES]
    assert len(ours) == len(RECORDS)
    offsets: dict[int, list[int]] = defaultdict(list)
    for line in lines:
        assert (
            line["topic"] == "error.classified" and line["event"]["event_type"] == "ErrorClassified"
        )
        offsets[line["partition"]].append(line["offset"])
    for seen in offsets.values():
        assert seen == sorted(seen)
    for service in SERVICES:
        in_file = [str(event_id_for(r["id"])) for r in RECORDS if r["service"] == service]
        in_tail = [
            line["event"]["error_id"]
            for line in ours
            if line["event"]["source"]["service"] == service
        ]
        assert in_tail == in_file  # one service, one partition: event-time order kept
        times = [line["event"]["occurred_at"] for line in ours if line["key"] == service]
        assert times == sorted(times)

    head = cli(
        env, "tail", "error.classified", "--from-beginning", "--max", "3", "--format", "table"
    )
    assert head.returncode == 0, head.stderr
    rows = head.stdout.splitlines()
    assert rows[0].startswith("at ") and "summary" in rows[0] and len(rows) == 2 + 3


def test_ingesting_the_same_file_again_publishes_nothing_and_adds_no_classified_event(
    env: Settings, first_ingest: dict[str, Any]
) -> None:
    def ours(topic: str) -> Counter[str]:
        return Counter(
            str(e.event_id)
            for e in events(env, topic, until_idle=4.0)
            if e.source.service in SERVICES
        )

    detected_before = ours("error.detected")
    assert sum(detected_before.values()) == len(RECORDS)
    again = cli(env, "ingest", str(SIX_HOURS))
    assert again.returncode == 0, again.stderr
    assert summary_counts(again.stderr) == {
        "read": len(RECORDS),
        "published": 0,
        "already": len(RECORDS),
        "rejected": 0,
    }
    backwards = cli(
        env, "ingest", "-", stdin="".join(reversed(SIX_HOURS.read_text().splitlines(True))).encode()
    )
    assert backwards.returncode == 0, backwards.stderr  # the ledger reads further back as needed
    assert summary_counts(backwards.stderr)["already"] == len(RECORDS)
    time.sleep(5)  # were anything published, the worker would have classified it by now
    assert ours("error.detected") == detected_before
    classified = ours("error.classified")
    assert sum(classified.values()) == len(RECORDS)  # records, not just distinct ids
    assert set(classified.values()) == {1}


def test_a_file_of_malformed_lines_publishes_every_good_line_and_reports_every_bad_one(
    env: Settings, worker: Process
) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_data", DATA / "make_data.py")
    assert spec is not None and spec.loader is not None
    make_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_data)
    lines: list[tuple[bytes, str | None]] = make_data.MALFORMED
    bad = {n: reason for n, (line, reason) in enumerate(lines, 1) if reason is not None}
    good = {
        n: json.loads(line)["id"]
        for n, (line, reason) in enumerate(lines, 1)
        if reason is None and line.strip()
    }

    done = cli(env, "ingest", str(MALFORMED), "--progress", "always")
    assert done.returncode == 1  # something was rejected
    assert "ETA" in done.stderr  # the progress bar, forced on
    messages = re.sub(r"\r[^\r\n]*?\x1b\[K", "", done.stderr)  # the bar's redraws
    reported = {
        int(m.group(1)): m.group(2)
        for m in re.finditer(r"^line (\d+): ([a-z0-9_]+): ", messages, re.MULTILINE)
    }
    assert reported == bad
    truncated = re.findall(r"^line (\d+): truncated (.+)$", messages, re.MULTILINE)
    assert truncated == [("5", "message, stack_trace")]
    assert summary_counts(messages) == {
        "read": len(bad) + len(good),
        "published": len(good),
        "already": 0,
        "rejected": len(bad),
    }
    for reason, count in Counter(bad.values()).items():
        assert re.search(rf"rejected: .*\b{reason} {count}\b", messages)

    wanted = {event_id_for(i) for i in good.values()}
    published = [
        e
        for e in wait_for_ids(env, "error.detected", wanted)
        if isinstance(e, ErrorDetected) and e.source.service == "ledger"
    ]
    assert Counter(e.event_id for e in published) == Counter(wanted)  # each good line once
    by_id = {e.event_id: e for e in published}
    huge = by_id[event_id_for("m-05")].error
    assert set(huge.truncated) == {"message", "stack_trace"} and "[truncated" in huge.message
    keyed = by_id[event_id_for("m-15")].error
    assert keyed.context["inbound"]["api_key"] == "[REDACTED:sensitive_key]"
    assert "sk_live" not in done.stderr and "sk_live" not in done.stdout
    every = {n for n, (line, _) in enumerate(lines, 1) if line.strip()}
    assert set(reported) | set(good) == every  # nothing lost, nothing unexplained

    # the same bytes on stdin: the same reports, and nothing published twice
    again = cli(env, "ingest", "-", stdin=MALFORMED.read_bytes())
    assert again.returncode == 1
    assert summary_counts(again.stderr)["already"] == len(good)
    assert {
        int(m.group(1))
        for m in re.finditer(r"^line (\d+): [a-z0-9_]+: ", again.stderr, re.MULTILINE)
    } == set(bad)


def test_plain_log_lines_are_ingested_with_their_own_times_paced_by_rate(env: Settings) -> None:
    done = cli(
        env, "ingest", str(DATA / "app.log"), "--format", "lines", "--service", "billing-log",
        "--layer", "core", "--rate", "20",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert summary_counts(done.stderr)["published"] == 5
    found = [
        e
        for e in events(env, "error.detected")
        if isinstance(e, ErrorDetected) and e.source.service == "billing-log"
    ]
    assert len(found) == 5
    assert all(e.occurred_at.date().isoformat() == "2024-03-04" for e in found)
    assert all(e.source.layer.value == "core" for e in found)
    assert all("hunter2hunter2" not in e.error.message for e in found)
    missing = cli(env, "ingest", str(DATA / "app.log"), "--format", "lines")
    assert missing.returncode == 2 and "--service" in missing.stderr
