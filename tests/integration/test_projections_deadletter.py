"""Bad input on a projection's topic lands on error.deadletter, and the projector keeps up.

Between good alerts, the alerts topic gets: bytes that are not Avro, an AlertRaised written with
a schema of the producer's own that is not compatible with errorstream's (single-object framing:
its fingerprint is unknown; Confluent framing: the registry knows it, but it cannot be resolved
into the reader schema), an event of another type, and an AlertRaised the database refuses. Each
becomes a DeadLettered naming the projection and the reason, with the original bytes; every good
alert, before and after them, is projected; the dead_letters read model shows them too.
"""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections.abc import Callable, Iterator

import fastavro
import psycopg
import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

from errorstream.config import Settings
from errorstream.projections.alerts import AlertsProjector
from errorstream.projections.runtime import ProjectionWorker
from errorstream.projections.samples import SampleSpec, sample_events
from errorstream.schemas.catalogue import make_version
from errorstream.schemas.models import AlertRaised, DeadLettered, PatternDetected
from errorstream.schemas.serialization import SINGLE_OBJECT_MAGIC, AvroCodec, ConfluentCodec
from errorstream.streams.producer import EventPublisher
from errorstream.streams.topics import ERROR_DEADLETTER

from .conftest import PROJECTORS_READY, Process, Servers, isolated
from .read_models import records_now, wait_projected

ALERTS = "alert.raised"
# What a producer with its own idea of an AlertRaised might write: same name, other fields.
FOREIGN_ALERT = {
    "type": "record",
    "name": "AlertRaised",
    "namespace": "errorstream",
    "fields": [
        {"name": "alert_id", "type": "string"},
        {"name": "rule", "type": "int"},
        {"name": "firing", "type": "boolean"},
    ],
}
FOREIGN_RECORD = {"alert_id": "a-1", "rule": 7, "firing": True}


def foreign_body() -> bytes:
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(FOREIGN_ALERT), FOREIGN_RECORD)
    return buffer.getvalue()


def good_alerts(seed: int) -> list[AlertRaised]:
    alerts = [e for _, e in sample_events(SampleSpec(seed=seed, errors=600))]
    return [e for e in alerts if isinstance(e, AlertRaised)]


def letters(settings: Settings, codec: AvroCodec) -> list[DeadLettered]:
    out = []
    for record in records_now(settings, ERROR_DEADLETTER):
        assert record.value is not None
        letter = codec.decode(record.value)
        assert isinstance(letter, DeadLettered)
        out.append(letter)
    return out


def alert_ids(settings: Settings) -> set[object]:
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        return {row[0] for row in conn.execute("SELECT alert_id FROM alerts")}


def test_bad_input_is_dead_lettered_and_the_projection_goes_on(
    env: Settings, spawn: Callable[..., Process]
) -> None:
    codec = AvroCodec()
    projector = spawn(env, "project")
    projector.wait_for(PROJECTORS_READY, 60)
    before, after = good_alerts(51), good_alerts(52)
    pattern = next(
        e for _, e in sample_events(SampleSpec(errors=300)) if isinstance(e, PatternDetected)
    )
    refused = before[0].model_copy(  # a new alert whose rule is too long for its column
        update={"event_id": uuid.UUID(int=99), "alert_id": uuid.UUID(int=98), "rule": "r" * 300}
    )
    bad = {
        "not_avro": b"plain text: checkout failed",
        "unknown_schema": SINGLE_OBJECT_MAGIC
        + make_version("AlertRaised", -1, FOREIGN_ALERT).fingerprint
        + foreign_body(),
        "unexpected_event": codec.encode(pattern),
        "projection_error": codec.encode(refused),
    }
    publisher = EventPublisher(env)
    for event in before:
        publisher.publish(ALERTS, event)
    for payload in bad.values():  # on one partition, between good alerts
        publisher.publish_bytes(ALERTS, payload, key=b"checkout")
    for event in after:
        publisher.publish(ALERTS, event)
    assert publisher.flush(30) == 0

    wait_projected(env, ["alerts"], timeout=60)
    assert alert_ids(env) == {e.alert_id for e in before + after}, projector.output()[-5000:]

    mine = [letter for letter in letters(env, codec) if letter.stage == "projection:alerts"]
    assert sorted(letter.reason_code for letter in mine) == sorted(bad), projector.output()[-5000:]
    for letter in mine:
        assert letter.original_value == bad[letter.reason_code]
        assert letter.original_topic == env.topic(ALERTS)
    refused_letter = next(letter for letter in mine if letter.reason_code == "projection_error")
    assert "StringDataRightTruncation" in refused_letter.reason

    wait_projected(env, ["dead_letters"], timeout=60)
    with psycopg.connect(env.dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT reason_code, original_value, original_size FROM dead_letters "
            "WHERE stage = 'projection:alerts'"
        ).fetchall()
    assert {code: (bytes(value), size) for code, value, size in rows} == {
        code: (payload, len(payload)) for code, payload in bad.items()
    }
    projector.stop()


@pytest.fixture
def registry_env(servers: Servers) -> Iterator[Settings]:
    with isolated(servers) as settings:
        yield settings


def test_an_incompatible_registered_schema_is_dead_lettered(registry_env: Settings) -> None:
    """Confluent framing: the registry knows the producer's schema; it does not resolve."""
    settings = registry_env
    registry = SchemaRegistryClient.new_client({"url": "mock://projection-deadletters"})
    codec = ConfluentCodec(registry)
    foreign_id = registry.register_schema(
        "errorstream.AlertRaised-foreign", Schema(json.dumps(FOREIGN_ALERT), "AVRO")
    )
    incompatible = b"\x00" + foreign_id.to_bytes(4, "big") + foreign_body()
    before, after = good_alerts(53), good_alerts(54)
    publisher = EventPublisher(settings, codec=codec)
    for event in before:
        publisher.publish(ALERTS, event)
    publisher.publish_bytes(ALERTS, incompatible, key=b"checkout")
    for event in after:
        publisher.publish(ALERTS, event)
    assert publisher.flush(30) == 0

    worker = ProjectionWorker(settings, AlertsProjector(), codec=codec)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        wait_projected(settings, ["alerts"], timeout=60)
    finally:
        worker.stop()
        thread.join(30)
    assert alert_ids(settings) == {e.alert_id for e in before + after}
    (letter,) = [
        codec.decode(r.value)
        for r in records_now(settings, ERROR_DEADLETTER)
        if r.value is not None
    ]
    assert isinstance(letter, DeadLettered)
    assert (letter.stage, letter.reason_code) == ("projection:alerts", "incompatible_schema")
    assert letter.original_value == incompatible
    assert worker.stats.dead_lettered == 1
