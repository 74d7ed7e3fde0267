"""`errorstream tail` on the real broker: both wire formats, dead letters, garbage, limits."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from errorstream.cli.tail import record_json
from errorstream.config import Settings
from errorstream.schemas.enums import Layer
from errorstream.schemas.models import ErrorDetails, ErrorDetected, EventSource
from errorstream.schemas.serialization import AvroCodec, ConfluentCodec
from errorstream.streams.deadletter import dead_letter
from errorstream.streams.producer import EventPublisher
from errorstream.streams.reader import read_records

from .conftest import Servers, isolated

T0 = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)
GARBAGE = bytes(range(256))[::-1]
REGISTRY = SchemaRegistryClient.new_client({"url": "mock://tail-tests"})


def detected(i: int, service: str = "tail-svc") -> ErrorDetected:
    return ErrorDetected(
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"tail:{service}:{i}"),
        occurred_at=T0 + timedelta(seconds=i),
        source=EventSource(service=service, layer=Layer.CORE),
        error=ErrorDetails(message=f"failure {i}", exception_type="RuntimeError"),
    )


def tail(settings: Settings, *args: str, timeout: float = 120) -> tuple[int, list[str], str]:
    done = subprocess.run(
        [sys.executable, "-m", "errorstream", "tail", *args],
        env={**os.environ, **settings.as_environment()},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return done.returncode, done.stdout.splitlines(), done.stderr


@pytest.fixture(scope="module")
def topics(servers: Servers) -> Iterator[dict[str, object]]:
    """error.detected: 4 single-object events, 2 Confluent-framed, 1 garbage record;
    error.deadletter: a dead letter of the garbage, keeping its bytes."""
    with isolated(servers, topic_partitions=1) as settings:
        publisher = EventPublisher(settings, AvroCodec())
        single = [detected(i) for i in range(4)]
        for event in single:
            publisher.publish("error.detected", event)
        confluent = ConfluentCodec(REGISTRY)
        framed = [detected(10 + i) for i in range(2)]
        for event in framed:
            publisher.publish_bytes(
                "error.detected", confluent.encode(event), key=event.partition_key
            )
        publisher.publish_bytes("error.detected", GARBAGE, key=b"garbage-key\xff")
        letter = dead_letter(
            stage="detection",
            reason_code="not_avro",
            reason="unknown magic bytes ff fe",
            topic=settings.topic("error.detected"),
            partition=0,
            offset=6,
            key=b"garbage-key\xff",
            value=GARBAGE,
            timestamp=T0,
        )
        publisher.publish("error.deadletter", letter)
        assert publisher.flush(30) == 0 and not publisher.take_failures()
        yield {"settings": settings, "single": single, "framed": framed, "letter": letter}


def test_every_record_prints_as_one_json_object_with_envelope_and_payload(
    topics: dict[str, object],
) -> None:
    settings = topics["settings"]
    assert isinstance(settings, Settings)
    code, lines, err = tail(settings, "error.detected", "--from-beginning", "--until-idle", "3")
    assert code == 0, err
    printed = [json.loads(line) for line in lines]
    assert [p["offset"] for p in printed] == list(range(7))
    single = topics["single"]
    assert isinstance(single, list)
    for line, event in zip(printed[:4], single, strict=True):
        assert line["topic"] == "error.detected" and line["key"] == "tail-svc"
        assert line["event"]["event_id"] == str(event.event_id)
        assert line["event"]["occurred_at"] == event.occurred_at.isoformat(
            timespec="milliseconds"
        ).replace("+00:00", "Z")
        assert line["event"]["source"]["layer"] == "core"
        assert line["event"]["error"]["message"] == event.error.message
    # without a registry the Confluent-framed records say so, keeping their bytes
    for line in printed[4:6]:
        assert line["error"]["reason_code"] == "no_schema_registry"
        assert base64.b64decode(line["value"])[:1] == b"\x00"
    garbage = printed[6]
    assert garbage["error"]["reason_code"] == "not_avro"
    assert base64.b64decode(garbage["value"]) == GARBAGE
    assert base64.b64decode(garbage["key"]) == b"garbage-key\xff"  # not UTF-8: base64


def test_with_a_schema_registry_both_wire_formats_decode(topics: dict[str, object]) -> None:
    settings = topics["settings"]
    assert isinstance(settings, Settings)
    codec = ConfluentCodec(REGISTRY)  # what codec_for gives when a registry is configured
    records = list(read_records(settings, "error.detected", until_idle=2.0))
    decoded = [record_json(r, codec, "error.detected") for r in records]
    events = [event for _, event in decoded]
    single, framed = topics["single"], topics["framed"]
    assert isinstance(single, list) and isinstance(framed, list)
    assert events[:6] == [*single, *framed]
    assert events[6] is None and decoded[6][0]["error"]["reason_code"] == "not_avro"


def test_a_dead_letter_shows_its_reason_and_the_original_bytes(
    topics: dict[str, object],
) -> None:
    settings = topics["settings"]
    assert isinstance(settings, Settings)
    code, lines, err = tail(settings, "error.deadletter", "--from-beginning", "--until-idle", "2")
    assert code == 0, err
    (line,) = [json.loads(text) for text in lines]
    event = line["event"]
    assert event["event_type"] == "DeadLettered"
    assert (event["reason_code"], event["stage"]) == ("not_avro", "detection")
    assert base64.b64decode(event["original_value"]) == GARBAGE
    assert base64.b64decode(event["original_key"]) == b"garbage-key\xff"
    code, rows, _ = tail(
        settings, "error.deadletter", "--from-beginning", "--until-idle", "2", "--format", "table"
    )
    assert code == 0
    assert "not_avro: unknown magic bytes ff fe" in rows[2] and "256 bytes" in rows[2]


def test_max_stops_after_n_records_and_an_unknown_topic_is_a_usage_error(
    topics: dict[str, object],
) -> None:
    settings = topics["settings"]
    assert isinstance(settings, Settings)
    code, lines, _ = tail(settings, "error.detected", "--from-beginning", "--max", "2")
    assert code == 0 and [json.loads(line)["offset"] for line in lines] == [0, 1]
    code, lines, err = tail(settings, "error.nope", "--from-beginning", "--max", "1")
    assert code == 2 and not lines and "error.classified" in err


def test_without_from_beginning_only_new_events_are_printed(topics: dict[str, object]) -> None:
    settings = topics["settings"]
    assert isinstance(settings, Settings)
    process = subprocess.Popen(
        [sys.executable, "-m", "errorstream", "tail", "error.detected", "--max", "1"],
        env={**os.environ, **settings.as_environment()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    publisher = EventPublisher(settings, AvroCodec())
    fresh = []
    try:
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            event = detected(100 + len(fresh), service="fresh")
            publisher.publish("error.detected", event)
            publisher.flush(10)
            fresh.append(str(event.event_id))
            time.sleep(0.5)
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    (line,) = [json.loads(text) for text in out.splitlines()]
    assert line["event"]["event_id"] in fresh  # tail started at the end: nothing older
