"""errorstream tail: what flows on a topic, decoded — like `kcat -C`, for errorstream's events.

A thin edge over streams/reader.py (`read_records`) and the codec the agents use (both wire
formats: Avro single-object, and Confluent framing when a Schema Registry is configured).
Every record prints as one JSON object — where it sits (topic, partition, offset, timestamp,
key) and the event, envelope and payload — or as a table row. Bytes are base64, so a dead
letter's original bytes come out whole. A record that does not decode prints with its
reason and its bytes; tail never stops on one.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Final

from confluent_kafka import KafkaException

from errorstream.config import settings
from errorstream.schemas.models import (
    AlertRaised,
    AlertResolved,
    DeadLettered,
    ErrorClassified,
    ErrorDetected,
    Event,
    PatternDetected,
)
from errorstream.schemas.serialization import Codec, DecodeError
from errorstream.streams.producer import codec_for
from errorstream.streams.reader import Record, read_records
from errorstream.streams.topics import BY_NAME

EXAMPLES = """\
examples:
  errorstream tail error.classified                         # follow new events (Ctrl-C ends)
  errorstream tail error.classified --from-beginning --until-idle 2 > classified.jsonl
  errorstream tail error.deadletter --from-beginning --max 10 --format table
  errorstream tail pattern.detected --from-beginning --until-idle 5 | jq .event.description

Each JSON line is {"topic", "partition", "offset", "timestamp", "key", "event": {...}};
bytes (keys that are not UTF-8, a dead letter's original_key/original_value) are base64.
A record that cannot be decoded has "error": {"reason_code", "reason"} and "value" (base64).
"""

FORMATS: Final = ("json", "table")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "tail",
        help="print the events of a topic, decoded (JSON lines or a table)",
        description=(
            "Decode the records of an errorstream topic (either wire format) and print each as "
            "one JSON object (envelope and payload) or a table row."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("topic", help="catalogue name, e.g. error.classified (see `topics`)")
    parser.add_argument(
        "--from-beginning", action="store_true", help="read from the start, not only new events"
    )
    parser.add_argument(
        "--until-idle",
        type=float,
        metavar="SECONDS",
        help="stop after no record arrived for this long (default: follow until Ctrl-C)",
    )
    parser.add_argument("--max", type=int, metavar="N", help="stop after N records")
    parser.add_argument("--format", choices=FORMATS, default="json", help="default json")
    parser.set_defaults(handler=handle)


# --------------------------------------------------------------------------------------
# One record as JSON.
# --------------------------------------------------------------------------------------


def plain(value: object) -> object:
    """A model dump as JSON values: bytes base64, times ISO-8601, UUIDs and enums as text."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _key(key: bytes | None) -> str | None:
    if key is None:
        return None
    try:
        return key.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(key).decode("ascii")


def _timestamp(millis: int | None) -> str | None:
    if millis is None:
        return None
    moment = datetime.fromtimestamp(millis / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def record_json(record: Record, codec: Codec, topic: str) -> tuple[dict[str, Any], Event | None]:
    """A record as printed, and its event (None when it does not decode)."""
    out: dict[str, Any] = {
        "topic": topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp": _timestamp(record.timestamp_ms),
        "key": _key(record.key),
    }
    if record.value is None:
        out["error"] = {"reason_code": "tombstone", "reason": "the record has no value"}
        return out, None
    try:
        event = codec.decode(record.value)
    except DecodeError as exc:
        out["error"] = {"reason_code": exc.reason_code, "reason": exc.reason}
        out["value"] = base64.b64encode(record.value).decode("ascii")
        return out, None
    out["event"] = plain(event.model_dump(mode="python"))
    return out, event


# --------------------------------------------------------------------------------------
# One record as a table row.
# --------------------------------------------------------------------------------------

COLUMNS: Final = (("at", 11), ("occurred_at", 24), ("event_type", 16), ("service", 16))


def summary(event: Event | None, out: Mapping[str, Any]) -> str:
    """What a person scanning the stream wants to read about an event, in one line."""
    if event is None:
        error = out.get("error", {})
        return f"undecodable: {error.get('reason_code')}: {error.get('reason')}"
    if isinstance(event, ErrorClassified):
        return (
            f"{event.category.value}/{event.type.value} {event.severity.value} "
            f"group {event.group_id} x{event.occurrences}: {event.error.message}"
        )
    if isinstance(event, ErrorDetected):
        kind = f"{event.error.exception_type}: " if event.error.exception_type else ""
        return f"{event.source.layer.value} {kind}{event.error.message}"
    if isinstance(event, DeadLettered):
        size = len(event.original_value or b"")
        return (
            f"{event.stage}: {event.reason_code}: {event.reason} "
            f"({event.original_topic}/{event.original_partition}@{event.original_offset}, "
            f"{size} bytes)"
        )
    if isinstance(event, PatternDetected):
        return f"{event.pattern_type.value} x{event.occurrence_count}: {event.description}"
    if isinstance(event, AlertRaised):
        return f"{event.rule} {event.severity.value}: {event.summary}"
    if isinstance(event, AlertResolved):
        return f"{event.rule} resolved: {event.reason}"
    return str(event.event_id)


def _cell(text: object, width: int) -> str:
    value = "" if text is None else str(text).replace("\n", " ")
    return value[: width - 1] + "…" if len(value) > width else value.ljust(width)


def json_line(value: object) -> str:
    """One JSON line; text the terminal encoding cannot take (lone surrogates) is escaped."""
    line = json.dumps(value, ensure_ascii=False)
    try:
        line.encode(sys.stdout.encoding or "utf-8")
    except UnicodeEncodeError:
        line = json.dumps(value)
    return line


def table_row(out: Mapping[str, Any], event: Event | None) -> str:
    at = f"{out['partition']}:{out['offset']}"
    occurred = plain(event.occurred_at) if event is not None else out.get("timestamp")
    kind = event.event_type if event is not None else "?"
    service = event.source.service if event is not None else out.get("key")
    cells = [_cell(v, w) for v, (_, w) in zip((at, occurred, kind, service), COLUMNS, strict=True)]
    line = " | ".join([*cells, summary(event, out).replace("\n", " ")])
    return line[:400]


def table_header() -> str:
    names = [name.ljust(width) for name, width in COLUMNS]
    head = " | ".join([*names, "summary"])
    return f"{head}\n{'-' * len(head)}"


# --------------------------------------------------------------------------------------
# The command.
# --------------------------------------------------------------------------------------


def handle(args: argparse.Namespace) -> int:
    if args.topic not in BY_NAME:
        names = ", ".join(sorted(BY_NAME))
        print(f"errorstream tail: no topic {args.topic!r}; one of: {names}", file=sys.stderr)
        return 2
    config = settings()
    codec = codec_for(config)
    table = args.format == "table"
    count = 0
    if table:
        print(table_header(), flush=True)
    try:
        for record in read_records(
            config,
            args.topic,
            from_beginning=args.from_beginning,
            until_idle=args.until_idle,
            max_records=args.max,
        ):
            out, event = record_json(record, codec, args.topic)
            if table:
                print(table_row(out, event), flush=True)
            else:
                print(json_line(out), flush=True)
            count += 1
    except (RuntimeError, KafkaException) as exc:
        print(f"errorstream tail: Kafka at {config.bootstrap_servers}: {exc}", file=sys.stderr)
        return 1
    print(f"tail: {count:,} records from {config.topic(args.topic)}", file=sys.stderr)
    return 0
