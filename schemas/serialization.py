"""Wire formats of errorstream events.

- Avro single-object encoding (the default): ``C3 01`` + the 8-byte CRC-64-AVRO fingerprint of
  the writer schema (little-endian) + the Avro binary body. ``schemas/`` is the registry: the
  writer schema is found by fingerprint among every version ever released, and the record is
  resolved into the current (reader) schema of its event type.
- Confluent wire format (when a Schema Registry is configured): ``00`` + 4-byte big-endian
  schema id + the Avro body; subjects follow the record-name strategy.

Decoding accepts both formats whatever the encoder writes, so topics can migrate. Every
decoding failure raises :class:`DecodeError`, which consumers route to ``error.deadletter``.
"""

from __future__ import annotations

import io
import json
import struct
import threading
from typing import TYPE_CHECKING, Any, Protocol

import fastavro
import fastavro.read
import fastavro.write
from pydantic import ValidationError

from errorstream.exceptions import ErrorStreamError
from errorstream.schemas.catalogue import SchemaCatalogue, SchemaVersion, default_catalogue, make_version
from errorstream.schemas.models import Event, event_model

if TYPE_CHECKING:
    from confluent_kafka.schema_registry import SchemaRegistryClient

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
CONFLUENT_MAGIC = 0


def _read_json(data: str, *_schemas: Any) -> Any:
    return json.loads(data)


def _write_json(data: Any, *_schema: Any) -> str:
    if isinstance(data, str):
        return data
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


# Open-ended JSON (error context) travels as an Avro string with logicalType "json".
fastavro.read.LOGICAL_READERS["string-json"] = _read_json
fastavro.write.LOGICAL_WRITERS["string-json"] = _write_json


class DecodeError(ErrorStreamError):
    """Bytes that are not a readable errorstream event; ``reason_code`` says why."""

    def __init__(self, reason_code: str, reason: str) -> None:
        super().__init__(f"{reason_code}: {reason}")
        self.reason_code = reason_code
        self.reason = reason


class EncodeError(ErrorStreamError):
    """An event that does not fit its own schema (a programming error, never input)."""


class Codec(Protocol):
    def encode(self, event: Event) -> bytes: ...

    def decode(self, data: bytes) -> Event: ...


def _to_record(event: Event) -> dict[str, Any]:
    return event.model_dump(mode="python")


class AvroCodec:
    """Avro single-object encoding against the schema catalogue."""

    def __init__(self, catalogue: SchemaCatalogue | None = None) -> None:
        self.catalogue = catalogue or default_catalogue()

    # -- encoding ---------------------------------------------------------------------------
    def encode(self, event: Event) -> bytes:
        writer = self.catalogue.reader(event.event_type)
        return SINGLE_OBJECT_MAGIC + writer.fingerprint + self._body(writer, _to_record(event))

    def _body(self, writer: SchemaVersion, record: dict[str, Any]) -> bytes:
        record["schema_version"] = writer.version
        buffer = io.BytesIO()
        try:
            fastavro.schemaless_writer(buffer, writer.parsed, record)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
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
        if data[:1] == bytes([CONFLUENT_MAGIC]) and len(data) >= 5:
            writer = self._confluent_writer(struct.unpack(">I", data[1:5])[0])
            return writer, self._read(writer, data, 5)
        raise DecodeError("not_avro", f"unknown magic bytes {data[:2].hex() or '(empty)'}")

    def _confluent_writer(self, schema_id: int) -> SchemaVersion:
        raise DecodeError(
            "no_schema_registry",
            f"Confluent-framed message (schema id {schema_id}) but no Schema Registry is configured",
        )

    def _read(self, writer: SchemaVersion, data: bytes, offset: int) -> dict[str, Any]:
        reader = self.catalogue.reader(writer.event_type)
        buffer = io.BytesIO(data)
        buffer.seek(offset)
        # Same schema: skip fastavro's resolution pass, which costs a third of the read.
        reader_schema = None if reader.fingerprint == writer.fingerprint else reader.parsed
        try:
            record = fastavro.schemaless_reader(buffer, writer.parsed, reader_schema)
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
            return event_model(event_type).model_validate(record)
        except ValidationError as exc:
            raise DecodeError("invalid_event", _validation_summary(event_type, exc)) from exc
        except KeyError as exc:
            raise DecodeError("unknown_event_type", f"no model for {event_type}") from exc


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
        super().__init__(catalogue)
        self.registry = registry
        self._ids: dict[str, int] = {}
        self._writers: dict[int, SchemaVersion] = {}
        self._lock = threading.Lock()

    def encode(self, event: Event) -> bytes:
        writer = self.catalogue.reader(event.event_type)
        schema_id = self._schema_id(writer)
        return struct.pack(">bI", CONFLUENT_MAGIC, schema_id) + self._body(writer, _to_record(event))

    def _schema_id(self, writer: SchemaVersion) -> int:
        from confluent_kafka.schema_registry import Schema

        schema_id = self._ids.get(writer.event_type)
        if schema_id is None:
            with self._lock:
                subject = f"errorstream.{writer.event_type}"
                schema_id = self.registry.register_schema(
                    subject, Schema(json.dumps(writer.schema), "AVRO")
                )
                self._ids[writer.event_type] = schema_id
                self._writers[schema_id] = writer
        return schema_id

    def _confluent_writer(self, schema_id: int) -> SchemaVersion:
        writer = self._writers.get(schema_id)
        if writer is not None:
            return writer
        try:
            registered = self.registry.get_schema(schema_id)
            schema = json.loads(registered.schema_str)
        except Exception as exc:
            raise DecodeError("unknown_schema", f"schema id {schema_id}: {exc}") from exc
        event_type = str(schema.get("name", "")).rsplit(".", 1)[-1]
        if event_type not in self.catalogue.event_types:
            raise DecodeError("unknown_event_type", f"schema id {schema_id} is {event_type!r}")
        try:
            candidate = make_version(event_type, -1, schema)
        except Exception as exc:
            raise DecodeError("unknown_schema", f"schema id {schema_id} unparsable: {exc}") from exc
        writer = self.catalogue.by_fingerprint(candidate.fingerprint) or candidate
        with self._lock:
            self._writers[schema_id] = writer
        return writer
