"""Wire formats of errorstream events.

- Avro single-object encoding (the default): ``C3 01`` + the 8-byte CRC-64-AVRO fingerprint of
  the writer schema (little-endian) + the Avro binary body. ``schemas/`` is the registry: the
  writer schema is found by fingerprint among every version ever released, and the record is
  resolved into the current (reader) schema of its event type.
- Confluent wire format (when a Schema Registry is configured): ``00`` + 4-byte big-endian
  schema id + the Avro body; subjects follow the record-name strategy (``errorstream.<Type>``).

Both codecs decode both formats (`AvroCodec` reads Confluent framing when given a registry),
so topics can migrate from one to the other. Every decoding failure raises
:class:`DecodeError` and nothing else; consumers route it to ``error.deadletter``.
"""

from __future__ import annotations

import io
import json
import struct
import threading
from typing import TYPE_CHECKING, Any, Protocol

import fastavro
from fastavro.read import SchemaResolutionError
from pydantic import ValidationError

from errorstream.exceptions import ErrorStreamError
from errorstream.schemas.catalogue import (
    SchemaCatalogue,
    SchemaVersion,
    default_catalogue,
    make_version,
)
from errorstream.schemas.models import Event, event_model

if TYPE_CHECKING:
    from confluent_kafka.schema_registry import SchemaRegistryClient

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
CONFLUENT_MAGIC = 0
_CONFLUENT_HEADER = struct.Struct(">bI")

# Reason codes of DecodeError. All but `registry_unavailable` say the bytes themselves are bad.
REASON_CODES = (
    "not_bytes",  # not a bytes value at all
    "not_avro",  # neither framing's magic
    "truncated",  # shorter than its framing's header
    "unknown_schema",  # fingerprint / schema id of no known schema
    "no_schema_registry",  # Confluent framing, but no registry to look the id up in
    "unknown_event_type",  # a registered schema of a record that is not an errorstream event
    "incompatible_schema",  # writer schema cannot be resolved into the current reader schema
    "corrupt",  # the Avro body does not parse (or has trailing bytes)
    "invalid_event",  # parses, but breaks the model's rules
    "registry_unavailable",  # the Schema Registry could not be asked (transient)
)


class DecodeError(ErrorStreamError):
    """Bytes that are not a readable errorstream event; ``reason_code`` says why."""

    def __init__(self, reason_code: str, reason: str) -> None:
        super().__init__(f"{reason_code}: {reason}")
        self.reason_code = reason_code
        self.reason = reason

    @property
    def transient(self) -> bool:
        """True when retrying later may succeed (the registry was down), not the bytes' fault."""
        return self.reason_code == "registry_unavailable"


class EncodeError(ErrorStreamError):
    """An event that does not fit its own schema (a programming error, never input)."""


class Codec(Protocol):
    def encode(self, event: Event) -> bytes: ...

    def decode(self, data: bytes) -> Event: ...


def _to_record(event: Event) -> dict[str, Any]:
    return event.model_dump(mode="python")


class AvroCodec:
    """Avro single-object encoding against the schema catalogue.

    With a ``registry`` it also reads Confluent-framed messages (ids looked up once, cached).
    """

    def __init__(
        self,
        catalogue: SchemaCatalogue | None = None,
        registry: SchemaRegistryClient | None = None,
    ) -> None:
        self.catalogue = catalogue or default_catalogue()
        self.registry = registry
        self._writers: dict[int, SchemaVersion] = {}
        self._lock = threading.Lock()

    # -- encoding ---------------------------------------------------------------------------
    def encode(self, event: Event) -> bytes:
        writer = self.catalogue.reader(event.event_type)
        return SINGLE_OBJECT_MAGIC + writer.fingerprint + self._body(writer, _to_record(event))

    def _body(self, writer: SchemaVersion, record: dict[str, Any]) -> bytes:
        record["schema_version"] = writer.version
        buffer = io.BytesIO()
        try:
            fastavro.schemaless_writer(buffer, writer.parsed, record)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            raise EncodeError(f"{writer.event_type} does not fit its schema: {exc}") from exc
        return buffer.getvalue()

    # -- decoding ---------------------------------------------------------------------------
    def decode(self, data: bytes) -> Event:
        writer, record = self.decode_record(data)
        return self.to_event(writer.event_type, record)

    def decode_record(self, data: bytes) -> tuple[SchemaVersion, dict[str, Any]]:
        """The record, resolved into the current schema of its event type."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise DecodeError("not_bytes", f"expected bytes, got {type(data).__name__}")
        data = bytes(data)
        if data[:2] == SINGLE_OBJECT_MAGIC:
            if len(data) < 10:
                raise DecodeError("truncated", f"{len(data)} bytes is shorter than the header")
            writer = self.catalogue.by_fingerprint(data[2:10])
            if writer is None:
                raise DecodeError("unknown_schema", f"no schema has fingerprint {data[2:10].hex()}")
            return writer, self._read(writer, data, 10)
        if data[:1] == bytes([CONFLUENT_MAGIC]):
            if len(data) < _CONFLUENT_HEADER.size:
                raise DecodeError("truncated", f"{len(data)} bytes is shorter than the header")
            writer = self._confluent_writer(_CONFLUENT_HEADER.unpack_from(data)[1])
            return writer, self._read(writer, data, _CONFLUENT_HEADER.size)
        raise DecodeError("not_avro", f"unknown magic bytes {data[:2].hex() or '(empty)'}")

    def _confluent_writer(self, schema_id: int) -> SchemaVersion:
        writer = self._writers.get(schema_id)
        if writer is not None:
            return writer
        if self.registry is None:
            raise DecodeError(
                "no_schema_registry",
                f"Confluent-framed message (schema id {schema_id}) but no Schema Registry is "
                "configured",
            )
        writer = self._registered_writer(self.registry, schema_id)
        with self._lock:
            self._writers[schema_id] = writer
        return writer

    def _registered_writer(self, registry: SchemaRegistryClient, schema_id: int) -> SchemaVersion:
        from confluent_kafka.schema_registry.error import SchemaRegistryError

        try:
            registered = registry.get_schema(schema_id)
        except SchemaRegistryError as exc:
            if exc.http_status_code == 404:
                raise DecodeError("unknown_schema", f"schema id {schema_id}: {exc}") from exc
            raise DecodeError("registry_unavailable", f"schema id {schema_id}: {exc}") from exc
        except Exception as exc:  # connection refused, timeouts: the registry, not the bytes
            raise DecodeError("registry_unavailable", f"schema id {schema_id}: {exc!r}") from exc
        try:
            schema = json.loads(registered.schema_str or "")
            event_type = str(schema.get("name", "")).rsplit(".", 1)[-1]
        except (ValueError, AttributeError) as exc:
            raise DecodeError("unknown_schema", f"schema id {schema_id} unparsable: {exc}") from exc
        if event_type not in self.catalogue.event_types:
            raise DecodeError("unknown_event_type", f"schema id {schema_id} is {event_type!r}")
        try:
            candidate = make_version(event_type, -1, schema)
        except Exception as exc:
            raise DecodeError("unknown_schema", f"schema id {schema_id} unparsable: {exc}") from exc
        # A schema errorstream released: use the catalogue's (numbered) version of it.
        return self.catalogue.by_fingerprint(candidate.fingerprint) or candidate

    def _read(self, writer: SchemaVersion, data: bytes, offset: int) -> dict[str, Any]:
        reader = self.catalogue.reader(writer.event_type)
        buffer = io.BytesIO(data)
        buffer.seek(offset)
        # Same schema: skip fastavro's resolution pass, which costs a third of the read.
        reader_schema = None if reader.schema is writer.schema else reader.parsed
        try:
            record = fastavro.schemaless_reader(buffer, writer.parsed, reader_schema)
        except SchemaResolutionError as exc:
            raise DecodeError(
                "incompatible_schema", f"{writer.event_type} v{writer.version}: {exc}"
            ) from exc
        except Exception as exc:  # fastavro raises many types on corrupt input
            raise DecodeError("corrupt", f"{writer.event_type} body unreadable: {exc!r}") from exc
        if buffer.tell() != len(data):
            raise DecodeError(
                "corrupt", f"{len(data) - buffer.tell()} trailing bytes after a {writer.event_type}"
            )
        if not isinstance(record, dict):
            raise DecodeError("corrupt", "body is not a record")
        return record

    @staticmethod
    def to_event(event_type: str, record: dict[str, Any]) -> Event:
        try:
            model = event_model(event_type)
        except KeyError as exc:
            raise DecodeError("unknown_event_type", f"no model for {event_type}") from exc
        try:
            return model.model_validate(record)
        except ValidationError as exc:
            raise DecodeError("invalid_event", _validation_summary(event_type, exc)) from exc
        except Exception as exc:  # a validator tripping over a value it never expected
            raise DecodeError("invalid_event", f"{event_type}: {exc!r}") from exc


def _validation_summary(event_type: str, exc: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:5]
    )
    return f"{event_type} fails validation: {problems}"


class ConfluentCodec(AvroCodec):
    """Confluent wire format with a Schema Registry; reads single-object encoding too."""

    def __init__(
        self, registry: SchemaRegistryClient, catalogue: SchemaCatalogue | None = None
    ) -> None:
        super().__init__(catalogue, registry)
        self._ids: dict[str, int] = {}

    def encode(self, event: Event) -> bytes:
        writer = self.catalogue.reader(event.event_type)
        schema_id = self._schema_id(writer)
        return _CONFLUENT_HEADER.pack(CONFLUENT_MAGIC, schema_id) + self._body(
            writer, _to_record(event)
        )

    def _schema_id(self, writer: SchemaVersion) -> int:
        from confluent_kafka.schema_registry import Schema

        schema_id = self._ids.get(writer.event_type)
        if schema_id is None:
            assert self.registry is not None
            with self._lock:
                subject = f"errorstream.{writer.event_type}"
                schema_id = self.registry.register_schema(
                    subject, Schema(json.dumps(writer.schema), "AVRO")
                )
                self._ids[writer.event_type] = schema_id
                self._writers[schema_id] = writer
        return schema_id
