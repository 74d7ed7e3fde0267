"""Both wire formats: every event type round-trips, and bad bytes raise only DecodeError.

Events are drawn by a hypothesis strategy built from each event model (its fields, types and
constraints), so a new event type is covered the moment its model exists.
"""

from __future__ import annotations

import io
import json
import struct
import types
import typing
import uuid
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import fastavro
import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from errorstream.schemas.catalogue import (
    default_catalogue,
    numeric_bounds,
    unwrap_annotation,
)
from errorstream.schemas.enums import Layer
from errorstream.schemas.models import (
    ErrorDetails,
    ErrorDetected,
    Event,
    EventSource,
    to_millis_precision,
)
from errorstream.schemas.serialization import (
    REASON_CODES,
    SINGLE_OBJECT_MAGIC,
    AvroCodec,
    ConfluentCodec,
    DecodeError,
    EncodeError,
)

CATALOGUE = default_catalogue()
EVENT_TYPES = CATALOGUE.event_types
FINGERPRINTS = sorted({v.fingerprint for v in CATALOGUE.all_versions()})

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


# -- a strategy for any model -----------------------------------------------------------------
def strategy(annotation: Any, metadata: Any = ()) -> st.SearchStrategy[Any]:
    """Values pydantic accepts for a field of this annotation (with its constraints)."""
    annotation, constraints = unwrap_annotation(annotation, metadata)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return st.none() | strategy(inner[0], constraints)
    if origin is typing.Literal:
        return st.sampled_from(args)
    if annotation is bool:
        return st.booleans()
    lower, upper = numeric_bounds(constraints)
    if annotation is int:
        return st.integers(
            -(2**63) if lower is None else int(lower), 2**63 - 1 if upper is None else int(upper)
        )
    if annotation is float:
        bounded = lower is not None or upper is not None
        return st.floats(lower, upper, allow_nan=False, allow_infinity=not bounded)
    if annotation is str:
        min_size = max((getattr(c, "min_length", 0) or 0 for c in constraints), default=0)
        max_size = min((getattr(c, "max_length", None) or 20 for c in constraints), default=20)
        return st.text(
            st.characters(blacklist_categories=("Cs",)),
            min_size=min_size,
            max_size=max(max_size, min_size),
        )
    if annotation is bytes:
        return st.binary(max_size=32)
    if annotation is uuid.UUID:
        return st.uuids()
    if annotation is datetime:
        return st.datetimes(datetime(1900, 1, 1), datetime(2200, 1, 1), timezones=st.just(UTC)).map(
            to_millis_precision
        )
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return st.sampled_from(list(annotation))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_strategy(annotation)
    if origin in (tuple, list):
        return st.lists(strategy(args[0]), max_size=3).map(tuple)
    if origin is dict and args[1] is Any:
        return st.dictionaries(TEXT, JSON_VALUES, max_size=4)
    if origin is dict:
        return st.dictionaries(TEXT, strategy(args[1]), max_size=3)
    raise TypeError(f"no strategy for {annotation!r}")


def model_strategy(model: type[BaseModel]) -> st.SearchStrategy[Any]:
    fields = {
        name: strategy(info.annotation, info.metadata) for name, info in model.model_fields.items()
    }
    if issubclass(model, Event):
        fields["schema_version"] = st.just(
            CATALOGUE.reader(model.model_fields["event_type"].default).version
        )
    return st.fixed_dictionaries(fields).map(model.model_validate)


EVENTS = {t: model_strategy(Event.registry[t]) for t in EVENT_TYPES}
ANY_EVENT = st.sampled_from(EVENT_TYPES).flatmap(EVENTS.__getitem__)


def registry() -> SchemaRegistryClient:
    return SchemaRegistryClient.new_client({"url": "mock://errorstream-tests"})


REGISTRY = registry()
SINGLE = AvroCodec(registry=REGISTRY)
CONFLUENT = ConfluentCodec(REGISTRY)
BARE = AvroCodec()
UNREGISTERED = AvroCodec(registry=registry())  # a registry nothing was registered in


def decodes_or_rejects(codec: AvroCodec, data: bytes) -> Event | DecodeError:
    """Decode; a DecodeError is an answer, any other exception fails the test."""
    try:
        return codec.decode(data)
    except DecodeError as exc:
        assert exc.reason_code in REASON_CODES
        assert exc.reason
        return exc


# -- round trips ------------------------------------------------------------------------------
@pytest.mark.parametrize("event_type", EVENT_TYPES)
@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_event_round_trips_through_both_wire_formats(
    event_type: str, data: st.DataObject
) -> None:
    event = data.draw(EVENTS[event_type])
    single, confluent = SINGLE.encode(event), CONFLUENT.encode(event)
    assert single[:2] == SINGLE_OBJECT_MAGIC
    assert confluent[:1] == b"\x00"
    assert single[10:] == confluent[5:]  # one Avro body, two framings
    for codec in (SINGLE, CONFLUENT):
        assert codec.decode(single) == event
        assert codec.decode(confluent) == event
    assert BARE.decode(single) == event


def test_the_schema_registry_holds_each_type_under_its_record_name() -> None:
    client = registry()
    codec = ConfluentCodec(client)
    event = ErrorDetected(
        event_id=uuid.uuid4(),
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        source=EventSource(service="orders"),
        error=ErrorDetails(message="boom"),
    )
    payload = codec.encode(event)
    registered = client.get_latest_version("errorstream.ErrorDetected")
    assert struct.unpack(">I", payload[1:5])[0] == registered.schema_id
    # a second codec (another process) reads it from the registry alone
    assert ConfluentCodec(client).decode(payload) == event


def test_a_newer_producers_unknown_enum_symbol_reads_as_the_default() -> None:
    """A producer on a later schema (Layer gained "edge") and a consumer built before it."""
    client = registry()
    future = json.loads(json.dumps(CATALOGUE.reader("ErrorDetected").schema))
    future["fields"][5]["type"]["fields"][1]["type"]["symbols"].append("edge")
    schema_id = client.register_schema(
        "errorstream.ErrorDetected", Schema(json.dumps(future), "AVRO")
    )
    body = io.BytesIO()
    fastavro.schemaless_writer(
        body,
        fastavro.parse_schema(future),
        {
            "event_id": str(uuid.uuid4()),
            "occurred_at": 0,
            "recorded_at": 0,
            "source": {"service": "cdn", "layer": "edge"},
            "error": {"message": "edge node down"},
        },
    )
    event = ConfluentCodec(client).decode(struct.pack(">bI", 0, schema_id) + body.getvalue())
    assert event.source.layer is Layer.SERVICE


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")
def test_an_event_that_does_not_fit_its_schema_is_an_encode_error() -> None:
    broken = ErrorDetected.model_construct(
        event_id=uuid.uuid4(),
        event_type="ErrorDetected",
        schema_version=1,
        occurred_at="yesterday",
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        source=EventSource(service="orders"),
        correlation_id=None,
        causation_id=None,
        error=ErrorDetails(message="boom"),
    )
    with pytest.raises(EncodeError):
        SINGLE.encode(broken)


# -- bad bytes --------------------------------------------------------------------------------
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_decode_error(data: bytes) -> None:
    for codec in (SINGLE, CONFLUENT, BARE):
        decodes_or_rejects(codec, data)


@given(st.sampled_from(FINGERPRINTS), st.binary(max_size=300))
def test_a_known_fingerprint_on_a_random_body_raises_only_decode_error(
    fingerprint: bytes, body: bytes
) -> None:
    decodes_or_rejects(SINGLE, SINGLE_OBJECT_MAGIC + fingerprint + body)


@given(ANY_EVENT, st.data())
def test_a_truncated_event_is_a_decode_error(event: Event, data: st.DataObject) -> None:
    for payload in (SINGLE.encode(event), CONFLUENT.encode(event)):
        cut = data.draw(st.integers(0, len(payload) - 1))
        with pytest.raises(DecodeError) as caught:
            SINGLE.decode(payload[:cut])
        assert caught.value.reason_code in {"truncated", "corrupt", "not_avro"}


@given(ANY_EVENT, st.data())
def test_a_flipped_byte_raises_only_decode_error(event: Event, data: st.DataObject) -> None:
    for payload in (SINGLE.encode(event), CONFLUENT.encode(event)):
        position = data.draw(st.integers(0, len(payload) - 1))
        mask = data.draw(st.integers(1, 255))
        flipped = bytearray(payload)
        flipped[position] ^= mask
        decodes_or_rejects(CONFLUENT, bytes(flipped))


@given(ANY_EVENT, st.binary(min_size=8, max_size=8))
def test_an_unknown_fingerprint_is_an_unknown_schema(event: Event, fingerprint: bytes) -> None:
    payload = SINGLE.encode(event)
    if fingerprint in FINGERPRINTS:
        return
    with pytest.raises(DecodeError) as caught:
        SINGLE.decode(payload[:2] + fingerprint + payload[10:])
    assert caught.value.reason_code == "unknown_schema"


@given(ANY_EVENT, st.binary(min_size=2, max_size=2))
def test_wrong_magic_is_not_avro(event: Event, magic: bytes) -> None:
    if magic == SINGLE_OBJECT_MAGIC or magic[0] == 0:
        return
    with pytest.raises(DecodeError) as caught:
        CONFLUENT.decode(magic + SINGLE.encode(event)[2:])
    assert caught.value.reason_code == "not_avro"


@given(ANY_EVENT, st.integers(10_000, 2**31 - 1))
def test_a_schema_id_unknown_to_the_registry_is_an_unknown_schema(
    event: Event, schema_id: int
) -> None:
    payload = struct.pack(">bI", 0, schema_id) + CONFLUENT.encode(event)[5:]
    with pytest.raises(DecodeError) as caught:
        UNREGISTERED.decode(payload)
    assert caught.value.reason_code == "unknown_schema"


def test_confluent_framing_without_a_registry() -> None:
    payload = CONFLUENT.encode(
        ErrorDetected(
            event_id=uuid.uuid4(),
            occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
            source=EventSource(service="orders"),
            error=ErrorDetails(message="boom"),
        )
    )
    with pytest.raises(DecodeError) as caught:
        BARE.decode(payload)
    assert caught.value.reason_code == "no_schema_registry"


@pytest.mark.parametrize(
    "value, reason_code",
    [
        (None, "not_bytes"),
        ("text", "not_bytes"),
        (b"", "not_avro"),
        (b"{}", "not_avro"),
        (SINGLE_OBJECT_MAGIC + b"\x01", "truncated"),
        (b"\x00\x00\x01", "truncated"),
    ],
)
def test_reason_codes_of_framing_problems(value: Any, reason_code: str) -> None:
    with pytest.raises(DecodeError) as caught:
        SINGLE.decode(value)
    assert caught.value.reason_code == reason_code
    assert not caught.value.transient


def test_valid_avro_that_breaks_the_model_is_an_invalid_event() -> None:
    writer = CATALOGUE.reader("ErrorDetected")
    body = io.BytesIO()
    fastavro.schemaless_writer(
        body,
        writer.parsed,
        {
            "event_id": str(uuid.uuid4()),
            "occurred_at": 0,
            "recorded_at": 0,
            "source": {"service": ""},  # a service name is required
            "error": {"message": "nameless", "count": 0},  # and a count is at least 1
        },
    )
    with pytest.raises(DecodeError) as caught:
        SINGLE.decode(SINGLE_OBJECT_MAGIC + writer.fingerprint + body.getvalue())
    assert caught.value.reason_code == "invalid_event"
    assert "source.service" in caught.value.reason
    assert "error.count" in caught.value.reason


def test_a_registered_schema_that_is_not_an_event() -> None:
    client = registry()
    other = {
        "type": "record",
        "name": "Invoice",
        "namespace": "billing",
        "fields": [{"name": "total", "type": "long"}],
    }
    schema_id = client.register_schema("billing.Invoice", Schema(json.dumps(other), "AVRO"))
    with pytest.raises(DecodeError) as caught:
        AvroCodec(registry=client).decode(struct.pack(">bI", 0, schema_id) + b"\x02")
    assert caught.value.reason_code == "unknown_event_type"


class UnreachableRegistry:
    """Stands in for a Schema Registry that is down (connection refused, 5xx)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def get_schema(self, schema_id: int) -> Schema:
        raise self.error


@pytest.mark.parametrize(
    "error",
    [ConnectionError("refused"), SchemaRegistryError(503, 50301, "unavailable")],
    ids=["connection", "http-503"],
)
def test_an_unreachable_registry_is_a_transient_decode_error(error: Exception) -> None:
    codec = AvroCodec(registry=UnreachableRegistry(error))  # type: ignore[arg-type]
    with pytest.raises(DecodeError) as caught:
        codec.decode(struct.pack(">bI", 0, 7) + b"\x00")
    assert caught.value.reason_code == "registry_unavailable"
    assert caught.value.transient
