"""errorstream ingest: error objects from a file (or stdin) onto error.detected, at their own time.

A thin edge over streams/ingest.py (read, validate, sanitise: the SDK's `sanitize_report`) and
streams/producer.py (`EventPublisher`: idempotent, murmur2-keyed by service). Each event keeps
its record's ``occurred_at`` as its event time and as its Kafka record timestamp, so the agents
treat a day of history as that day.

Idempotence: a record with an ``id`` becomes the event ``uuid5(INGEST_NAMESPACE, id)``, and
its record carries that id in the ``errorstream-ingest-id`` header. Before publishing such a
record, ingest reads back the ids already on error.detected (`IngestLedger`: the headers of
the records at or after the earliest event time it has to check, found with Kafka's
offsets-for-times index, read once per run and only as far back as needed) and skips those.
So ingesting a file twice publishes nothing the second time, and the agents, projections and
every downstream topic see each record once — which matters: the detection agent skips
offsets it applied, not event ids, so a re-published event would be counted into its group
and windows a second time. (Two ingests of one file *at the same time* can both publish a
record: the ledger proves what was published, it does not lock. Nor does it find a record
re-ingested with an occurred_at moved more than an hour later than the first time.)
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Final

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from errorstream.config import Settings, settings
from errorstream.schemas.enums import Layer
from errorstream.schemas.models import epoch_millis
from errorstream.streams.ingest import (
    FORMATS,
    MAX_FUTURE,
    Ingested,
    RecordDefaults,
    Rejected,
    ingest_event,
    records_of,
)
from errorstream.streams.producer import DeliveryCallback, EventPublisher
from errorstream.streams.redaction import DEFAULT_REDACTOR
from errorstream.streams.topics import ERROR_DETECTED

INGEST_HEADER: Final = "errorstream-ingest-id"
SKEW_MS: Final = int(MAX_FUTURE.total_seconds() * 1000)  # record timestamps may run ahead

EXAMPLES = """\
input (JSON Lines; "message" (or "exception_type") and a service (or --service) are
required; "occurred_at" defaults to now; unknown fields are kept in context.inbound):
  {"id": "inc-17/1", "occurred_at": "2024-05-02T10:11:12Z", "service": "checkout",
   "layer": "api", "severity": "high", "message": "payment declined",
   "exception_type": "PaymentError", "stack_trace": "Traceback ...", "tags": ["eu"]}

examples:
  errorstream ingest errors.jsonl                       # as fast as the broker takes it
  errorstream ingest errors.jsonl --rate 200            # 200 events/s
  zcat day.jsonl.gz | errorstream ingest -              # from stdin
  errorstream ingest app.log --format lines --service billing --layer core

Every bad line is reported on stderr with its number and reason; the run goes on. The
summary (read, published, already published, rejected by reason) ends on stderr. Records
with an "id" are published once: ingesting the same file again publishes nothing new.
exit status: 0 all published, 1 some line rejected or not delivered, 2 usage error.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="publish error objects from a JSON Lines or log file to error.detected",
        description=(
            "Read error objects (JSON Lines) or plain log lines, validate and redact them "
            "exactly as the SDK does, and publish each as ErrorDetected at its own occurred_at."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", nargs="?", default="-", help="input file; - or none: stdin")
    parser.add_argument("--format", choices=FORMATS, default="jsonl", help="default jsonl")
    parser.add_argument("--service", help="service of records that name none (required for lines)")
    parser.add_argument(
        "--layer",
        choices=[layer.value for layer in Layer],
        default=Layer.SERVICE.value,
        help="layer of records that name none (default service)",
    )
    parser.add_argument(
        "--environment", default="production", help="environment of records that name none"
    )
    parser.add_argument("--rate", type=float, metavar="N", help="at most N events per second")
    parser.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="progress bar on stderr (auto: when stderr is a terminal)",
    )
    parser.set_defaults(handler=handle)


# --------------------------------------------------------------------------------------
# Input.
# --------------------------------------------------------------------------------------


@contextmanager
def open_input(path: str) -> Iterator[IO[bytes]]:
    """The named file, or stdin for ``-``, as bytes (every command reads bytes: bad UTF-8 is
    a reported line, not a crash)."""
    if path == "-":
        yield sys.stdin.buffer
        return
    with open(path, "rb") as stream:
        yield stream


def input_size(stream: IO[bytes]) -> int | None:
    """Bytes in a regular file (for the progress bar's share and ETA); None for a pipe."""
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


# --------------------------------------------------------------------------------------
# What is already on error.detected.
# --------------------------------------------------------------------------------------


class IngestLedger:
    """The ids ingest put on error.detected, read from record headers as far back as needed.

    Kafka's time index gives, per partition, the first offset whose record timestamp is at or
    after a time; every earlier record is older. Ingested records carry their event time as
    their timestamp, so the records an event time `t` could collide with all sit at or after
    the offset for `t` (less the accepted clock skew). The ledger reads that range once, and
    further back only when an earlier event time comes along.
    """

    def __init__(self, config: Settings) -> None:
        self.config = config
        self.topic = config.topic(ERROR_DETECTED)
        self.ids: set[bytes] = set()
        self.read_records = 0
        self._since_ms: int | None = None
        self._first_ms: int | None = None  # the first time covered from
        self.reads = 0
        self._low: dict[int, int] = {}  # per partition, the first offset read
        self._consumer: Consumer | None = None

    def published(self, event_id: uuid.UUID, at_ms: int) -> bool:
        since = max(0, at_ms - SKEW_MS)
        if self._since_ms is not None and since < self._since_ms:
            # Further back: at least double what is covered, so a file out of time order
            # costs a few reads, not one per new earliest record.
            since = max(0, min(since, self._since_ms - max(SKEW_MS, self._span())))
        self._cover(since)
        return event_id.bytes in self.ids

    def _span(self) -> int:
        assert self._since_ms is not None and self._first_ms is not None
        return self._first_ms - self._since_ms

    def add(self, event_id: uuid.UUID) -> None:
        self.ids.add(event_id.bytes)

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None

    def _cover(self, since_ms: int) -> None:
        if self._since_ms is not None and since_ms >= self._since_ms:
            return
        deadline = time.monotonic() + 30
        while True:
            try:
                ranges = self._ranges(since_ms)
                break
            except KafkaException as exc:  # a topic just created has no leader yet, say
                error = exc.args[0] if exc.args else None
                retriable = isinstance(error, KafkaError) and (
                    error.retriable() or error.code() == KafkaError.NOT_LEADER_FOR_PARTITION
                )
                if not retriable or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        self._since_ms = since_ms
        if self._first_ms is None:
            self._first_ms = since_ms
        self.reads += 1
        if ranges:
            self._read(self._consumer_once(), ranges)

    def _ranges(self, since_ms: int) -> dict[int, tuple[int, int]]:
        """Per partition, the offsets still to read: from `since_ms` up to what was read."""
        consumer = self._consumer_once()
        topics = consumer.list_topics(self.topic, timeout=10).topics
        partitions = sorted(topics[self.topic].partitions)
        found = consumer.offsets_for_times(
            [TopicPartition(self.topic, p, since_ms) for p in partitions], timeout=30
        )
        ranges: dict[int, tuple[int, int]] = {}
        lows: dict[int, int] = {}
        for tp in found:
            if tp.error is not None:
                raise KafkaException(tp.error)
            _low, high = consumer.get_watermark_offsets(
                TopicPartition(self.topic, tp.partition), timeout=10, cached=False
            )
            start = high if tp.offset < 0 else tp.offset
            end = self._low.get(tp.partition, high)
            if start < end:
                ranges[tp.partition] = (start, end)
            lows[tp.partition] = min(start, end)
        self._low.update(lows)  # only once every partition answered
        return ranges

    def _read(self, consumer: Consumer, ranges: dict[int, tuple[int, int]]) -> None:
        consumer.assign([TopicPartition(self.topic, p, start) for p, (start, _) in ranges.items()])
        open_ = {p: end for p, (_, end) in ranges.items()}
        header = INGEST_HEADER
        while open_:
            for message in consumer.consume(5000, 1.0):
                error = message.error()
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:
                        continue
                    raise RuntimeError(f"reading {self.topic}: {error}")
                partition, offset = message.partition(), message.offset()
                end = open_.get(partition) if partition is not None else None
                if partition is None or end is None or offset is None or offset >= end:
                    continue
                self.read_records += 1
                headers = message.headers() or []
                pairs = headers.items() if isinstance(headers, dict) else headers
                for name, value in pairs:
                    if name == header and isinstance(value, bytes):
                        self.ids.add(value)
                if offset + 1 >= end:
                    del open_[partition]
        consumer.unassign()

    def _consumer_once(self) -> Consumer:
        if self._consumer is None:
            self._consumer = Consumer(
                {
                    "bootstrap.servers": self.config.bootstrap_servers,
                    "group.id": f"errorstream-ingest-{uuid.uuid4().hex[:8]}",
                    "enable.auto.commit": False,
                    "enable.partition.eof": False,
                    "log_level": 2,  # an unreachable broker is one message at the end
                }
            )
        return self._consumer


# --------------------------------------------------------------------------------------
# Progress and the summary.
# --------------------------------------------------------------------------------------


@dataclass
class Tally:
    read: int = 0
    published: int = 0
    delivered: int = 0
    already_published: int = 0
    truncated: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)

    def summary(self, source: str) -> str:
        lines = [
            f"ingest: {self.read:,} records read from {source}: {self.delivered:,} published, "
            f"{self.already_published:,} already published (skipped), "
            f"{sum(self.rejected.values()):,} rejected"
        ]
        if self.rejected:
            reasons = ", ".join(f"{reason} {n:,}" for reason, n in self.rejected.most_common())
            lines.append(f"  rejected: {reasons}")
        if self.failed:
            reasons = ", ".join(f"{reason} {n:,}" for reason, n in self.failed.most_common())
            lines.append(f"  not delivered: {reasons}")
        if self.truncated:
            lines.append(f"  cut to the report limits (published): {self.truncated:,}")
        return "\n".join(lines)


class Progress:
    """A one-line progress bar on stderr: published, rate, share of the input and ETA."""

    WIDTH: Final = 24

    def __init__(self, enabled: bool, total_bytes: int | None) -> None:
        self.enabled = enabled
        self.total = total_bytes
        self.started = time.monotonic()
        self.shown_at = 0.0
        self.visible = False

    def update(self, tally: Tally, stream: IO[bytes], *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.shown_at < 0.2:
            return
        self.shown_at = now
        position = _position(stream) if self.total else None
        elapsed = max(now - self.started, 1e-6)
        rate = tally.published / elapsed
        text = f"{tally.published:,} published  {rate:,.0f}/s"
        if self.total and position is not None:
            share = min(1.0, position / self.total)
            filled = int(share * self.WIDTH)
            eta = elapsed * (1 - share) / share if share > 0 else 0.0
            text = (
                f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:4.0%}  {text}  "
                f"ETA {int(eta) // 60}:{int(eta) % 60:02d}"
            )
        if tally.rejected:
            text += f"  {sum(tally.rejected.values()):,} rejected"
        sys.stderr.write(f"\r{text}\x1b[K")
        sys.stderr.flush()
        self.visible = True

    def clear(self) -> None:
        if self.visible:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self.visible = False


def say(progress: Progress, message: str) -> None:
    """A message on stderr that does not get mixed into the progress bar."""
    progress.clear()
    print(message, file=sys.stderr)


# --------------------------------------------------------------------------------------
# The run.
# --------------------------------------------------------------------------------------


class Pacer:
    """At most `rate` events per second, measured from the start (bursts do not build up)."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.started = time.monotonic()
        self.sent = 0

    def wait(self, publisher: EventPublisher) -> None:
        if not self.interval:
            return
        self.sent += 1
        due = self.started + self.sent * self.interval
        while (delay := due - time.monotonic()) > 0:
            publisher.producer.poll(min(delay, 0.05))  # serve deliveries while waiting


def handle(args: argparse.Namespace) -> int:
    if args.format == "lines" and not args.service:
        print("errorstream ingest: --format lines needs --service", file=sys.stderr)
        return 2
    if args.rate is not None and args.rate <= 0:
        print("errorstream ingest: --rate must be positive", file=sys.stderr)
        return 2
    config = settings()
    defaults = RecordDefaults(args.service, Layer(args.layer), args.environment)
    try:
        with open_input(args.file) as stream:
            tally = ingest(config, stream, args.format, defaults, args.rate, args.progress)
    except OSError as exc:
        print(f"errorstream ingest: {exc}", file=sys.stderr)
        return 2
    except (KafkaException, RuntimeError) as exc:  # the broker, not the input
        print(f"errorstream ingest: Kafka at {config.bootstrap_servers}: {exc}", file=sys.stderr)
        return 1
    print(tally.summary("stdin" if args.file == "-" else args.file), file=sys.stderr)
    return 1 if tally.rejected or tally.failed else 0


def ingest(
    config: Settings,
    stream: IO[bytes],
    fmt: str,
    defaults: RecordDefaults,
    rate: float | None = None,
    progress_mode: str = "auto",
) -> Tally:
    """Publish every good record of `stream`; report the others on stderr as they come."""
    tally = Tally()
    total = input_size(stream)
    show = progress_mode == "always" or (progress_mode == "auto" and sys.stderr.isatty())
    progress = Progress(show, total)
    publisher = EventPublisher(config, None, **{"client.id": "errorstream-ingest", "log_level": 2})
    ledger = IngestLedger(config)
    pacer = Pacer(rate)
    limits = config.limits

    def delivered(error: KafkaError | None, _message: Message) -> None:
        if error is None:
            tally.delivered += 1
        else:
            tally.failed[error.name()] += 1

    try:
        for item in records_of(stream, fmt, defaults):
            tally.read += 1
            if isinstance(item, Rejected):
                tally.rejected[item.reason_code] += 1
                say(progress, f"line {item.line}: {item.reason_code}: {item.reason}")
                continue
            made = ingest_event(
                item,
                recorded_at=datetime.now(UTC),
                limits=limits,
                redactor=DEFAULT_REDACTOR,
            )
            if isinstance(made, Rejected):
                tally.rejected[made.reason_code] += 1
                say(progress, f"line {made.line}: {made.reason_code}: {made.reason}")
                continue
            if not _publish(publisher, ledger, made, delivered):
                tally.already_published += 1
                continue
            tally.published += 1
            if made.truncated:
                tally.truncated += 1
                say(progress, f"line {made.line}: truncated {', '.join(made.truncated)}")
            pacer.wait(publisher)
            progress.update(tally, stream)
        progress.update(tally, stream, force=True)
        left = publisher.flush(60)
        if left:
            tally.failed["not_delivered_in_60s"] += left
    finally:
        progress.clear()
        ledger.close()
    return tally


def _publish(
    publisher: EventPublisher,
    ledger: IngestLedger,
    made: Ingested,
    on_delivery: DeliveryCallback,
) -> bool:
    """Publish one event; False when its id proves it was published before (skipped)."""
    event = made.event
    at_ms = epoch_millis(event.occurred_at)
    headers: list[tuple[str, bytes]] = []
    if made.record_id is not None:
        if ledger.published(event.event_id, at_ms):
            return False
        ledger.add(event.event_id)
        headers.append((INGEST_HEADER, event.event_id.bytes))
    publisher.publish(
        ERROR_DETECTED,
        event,
        on_delivery=on_delivery,
        timestamp_ms=at_ms,
        headers=headers,
    )
    return True


def _position(stream: IO[bytes]) -> int | None:
    try:
        return stream.tell()
    except (OSError, ValueError):
        return None
