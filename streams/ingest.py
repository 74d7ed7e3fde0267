"""Error objects from files: JSON Lines and plain log lines, as the ErrorDetected events they are.

The pure half of `errorstream ingest`, `classify` and `redact`: one mapping from a line of a
file to an error report, so all three commands read a file identically, and the report is
made safe by `sanitize_report` exactly as the SDK edge and the detection agent do it.

A JSON Lines record is an object with any of these fields (only ``message`` is required; a
service comes from the record or from ``--service``)::

    {"id": "INC-4711/17", "occurred_at": "2024-05-02T10:11:12.345Z",
     "service": "checkout", "layer": "api", "environment": "production",
     "host": "web-3", "version": "2024.05.2", "correlation_id": "req-91",
     "message": "payment declined", "exception_type": "PaymentError", "error_code": "E402",
     "description": "...", "severity": "high",
     "stack_trace": "Traceback (most recent call last): ..."  (or a list of frames),
     "frames": [{"module": "pay", "function": "charge", "filename": "pay.py",
                 "lineno": 7, "in_app": true, "vars": {"amount": "12"}}],
     "context": {...}, "tags": ["region:eu"], "fingerprint": "...", "count": 1,
     "component": "...", "workflow_id": "...", "task_id": "...", "agent_id": "...",
     "user_id": "..."}

``occurred_at`` (or ``timestamp``) is ISO-8601, or epoch seconds or milliseconds; it is the
event time the agents go by, so a day of history is treated as that day. Fields errorstream
has no place for are kept under ``context.inbound``. An ``id`` makes the event id
deterministic (`event_id_for`), which is what makes ingesting a file twice harmless.

Plain log lines (`log_records`) become records too: a leading timestamp and level word are
read off the line, and lines that continue a record (a traceback, ``Caused by:``, indented
lines, or any line without a timestamp once the log has shown it has them) join its
``stack_trace``.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any, Final

from pydantic import ValidationError

from errorstream.schemas.enums import Layer, Severity
from errorstream.schemas.models import (
    ErrorDetails,
    ErrorDetected,
    EventSource,
    StackFrame,
    to_millis_precision,
)
from errorstream.streams.adapters import _severity as severity_word
from errorstream.streams.redaction import DEFAULT_REDACTOR, Finding, Redactor
from errorstream.streams.sanitize import DEFAULT_LIMITS, ReportLimits, sanitize_report

__all__ = [
    "INGEST_NAMESPACE",
    "MAX_LINE_BYTES",
    "ErrorRecord",
    "Ingested",
    "RecordDefaults",
    "Rejected",
    "decode_line",
    "error_record",
    "event_id_for",
    "ingest_event",
    "log_records",
    "read_lines",
    "record_json",
    "records_of",
]

# Event ids of records with an ``id``: uuid5(INGEST_NAMESPACE, id). Never change it: it is what
# makes a second ingest of a file recognisable.
INGEST_NAMESPACE: Final = uuid.UUID("0b5e3f0c-7d1a-5c2e-9f4b-1a6d2c8e4f70")
# A line longer than this is rejected unread (the reader skips to the next newline); fields
# within it are cut to the report limits like any other report.
MAX_LINE_BYTES: Final = 16 * 2**20
# An event time further ahead than this is refused: it would move the agents' watermark past
# every real error and make them all late (Kafka 4 refuses such record timestamps too).
MAX_FUTURE: Final = timedelta(hours=1)
MAX_SERVICE_CHARS: Final = 255

# Rejection reasons, as the summary counts them.
REASONS: Final = (
    "line_too_long",  # longer than MAX_LINE_BYTES
    "not_utf8",  # bytes that are not UTF-8 text (binary garbage)
    "invalid_json",  # not JSON
    "not_object",  # JSON, but not an object
    "missing_message",  # no message, or an empty one
    "missing_service",  # no service in the record and no --service
    "bad_timestamp",  # occurred_at unreadable, before 1970 or in the future
    "invalid_field",  # a field of the wrong type or out of range (layer, severity, count, ...)
)

_TEXT_FIELDS: Final = (
    "exception_type",
    "error_code",
    "description",
    "fingerprint",
    "component",
    "workflow_id",
    "task_id",
    "agent_id",
    "user_id",
)
_KNOWN: Final = frozenset(
    {
        "id",
        "occurred_at",
        "timestamp",
        "service",
        "layer",
        "environment",
        "host",
        "version",
        "release",
        "correlation_id",
        "message",
        "stack_trace",
        "frames",
        "severity",
        "context",
        "tags",
        "count",
        "truncated",
        *_TEXT_FIELDS,
    }
)
_FRAME_FIELDS: Final = {
    "module": "module",
    "function": "function",
    "func": "function",
    "method": "function",
    "filename": "filename",
    "file": "filename",
    "abs_path": "filename",
    "lineno": "lineno",
    "line": "lineno",
    "in_app": "in_app",
    "vars": "vars",
    "locals": "vars",
}


@dataclass(frozen=True, slots=True)
class Rejected:
    """A line that cannot become an error report, and why (it is reported, never published)."""

    line: int
    reason_code: str
    reason: str


@dataclass(frozen=True, slots=True)
class RecordDefaults:
    """What a record that does not say gets: ``--service``, ``--layer``."""

    service: str | None = None
    layer: Layer = Layer.SERVICE
    environment: str = "production"


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """One record read and validated, its report not yet sanitised."""

    line: int
    details: ErrorDetails
    service: str | None
    layer: Layer
    environment: str = "production"
    occurred_at: datetime | None = None  # None: the record gave none (ingest uses now)
    record_id: str | None = None
    host: str | None = None
    version: str | None = None
    correlation_id: str | None = None

    @property
    def event_id(self) -> uuid.UUID | None:
        """The deterministic event id of a record with an ``id``; None without one."""
        return event_id_for(self.record_id) if self.record_id is not None else None


@dataclass(frozen=True, slots=True)
class Ingested:
    """A record as the event ingest publishes, with what sanitising redacted and cut."""

    line: int
    event: ErrorDetected
    record_id: str | None = None
    findings: tuple[Finding, ...] = ()
    truncated: tuple[str, ...] = field(default=())


def event_id_for(record_id: str) -> uuid.UUID:
    """The event id of a record's ``id``: the same id gives the same event, every time."""
    return uuid.uuid5(INGEST_NAMESPACE, record_id)


# --------------------------------------------------------------------------------------
# Reading lines.
# --------------------------------------------------------------------------------------


def read_lines(
    stream: IO[bytes], max_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes without the newline) for every line; None for one too long.

    A line longer than `max_bytes` is skipped to its newline without being held in memory.
    """
    number = 0
    while True:
        raw = stream.readline(max_bytes + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(max_bytes)
            yield number, None
            continue
        yield number, raw.rstrip(b"\r\n")


def decode_line(number: int, raw: bytes | None) -> Mapping[str, Any] | Rejected | None:
    """A JSON Lines line as an object; None for a blank line (skipped, not an error)."""
    if raw is None:
        return Rejected(number, "line_too_long", f"longer than {MAX_LINE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejected(number, "not_utf8", f"not UTF-8 text: byte {exc.start} is invalid")
    if number == 1:
        text = text.removeprefix("\ufeff")
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return Rejected(number, "invalid_json", _clip(f"not JSON: {exc}"))
    if not isinstance(value, dict):
        return Rejected(number, "not_object", f"a JSON {type(value).__name__}, not an object")
    return value


def _clip(text: str, limit: int = 300) -> str:
    """A reason fit to print: short, and redacted (it may quote the value it refuses)."""
    text = DEFAULT_REDACTOR.redact_text(text).value
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------
# One record → one report.
# --------------------------------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, reason_code: str, reason: str) -> None:
        super().__init__(reason)
        self.reason_code = reason_code
        self.reason = reason


def _text(record: Mapping[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Invalid("invalid_field", f"{name} must be text, not {type(value).__name__}")
    return str(value)


def _moment(value: object) -> datetime:
    """ISO-8601 text, or epoch seconds / milliseconds; naive times are UTC."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Invalid("bad_timestamp", f"occurred_at {type(value).__name__} is not a time")
    moment: datetime | None = None
    number: float | None = None
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise _Invalid(
                    "bad_timestamp", _clip(f"occurred_at {value!r} is not ISO-8601")
                ) from None
    else:
        number = float(value)
    if moment is None:
        assert number is not None
        if not math.isfinite(number):
            raise _Invalid("bad_timestamp", f"occurred_at {value!r} is not a time")
        seconds = number / 1000 if abs(number) >= 1e11 else number
        try:
            moment = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise _Invalid("bad_timestamp", f"occurred_at {value!r} is out of range") from None
    try:
        return to_millis_precision(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    except (OverflowError, ValueError):
        raise _Invalid("bad_timestamp", f"occurred_at {value!r} is out of range") from None


def _frames(value: object) -> tuple[StackFrame, ...]:
    if not isinstance(value, list):
        raise _Invalid("invalid_field", "frames must be a list of objects")
    frames: list[StackFrame] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise _Invalid("invalid_field", f"frames[{index}] is not an object")
        given = {_FRAME_FIELDS[k]: v for k, v in item.items() if k in _FRAME_FIELDS}
        variables = given.get("vars")
        if isinstance(variables, dict):
            given["vars"] = {
                str(k): v if isinstance(v, str) else json.dumps(v, default=str)
                for k, v in variables.items()
            }
        for name in ("module", "function", "filename"):
            if given.get(name) is not None and not isinstance(given[name], str):
                given[name] = str(given[name])
        try:
            frames.append(StackFrame.model_validate(given))
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"])
            raise _Invalid(
                "invalid_field", _clip(f"frames[{index}].{where}: {problem['msg']}")
            ) from None
    return tuple(frames)


def _tags(value: object) -> tuple[str, ...]:
    """Tags as the SDK takes them: a list, one string, or a mapping (``name:value``)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, dict):
        return tuple(f"{name}:{item}" for name, item in value.items())
    if isinstance(value, list):
        return tuple(item if isinstance(item, str) else json.dumps(item) for item in value)
    raise _Invalid("invalid_field", f"tags must be a list, not {type(value).__name__}")


def _count(value: object) -> int:
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**31:
        raise _Invalid("invalid_field", _clip(f"count {value!r} is not a whole number ≥ 1"))
    return value


def _enum_value(kind: type[Layer], name: str, value: object) -> Layer:
    try:
        return kind(str(value).strip().lower())
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise _Invalid(
            "invalid_field", _clip(f"{name} {value!r} is not one of {choices}")
        ) from None


def _severity(value: object) -> Severity | None:
    if value is None:
        return None
    found = severity_word(value) if isinstance(value, str) else None
    if found is None:
        raise _Invalid("invalid_field", _clip(f"severity {value!r} is not a severity"))
    return found


def _context(record: Mapping[str, Any]) -> dict[str, Any]:
    given = record.get("context")
    if given is None:
        context: dict[str, Any] = {}
    elif isinstance(given, dict):
        context = dict(given)
    else:
        context = {"value": given}  # as the SDK keeps a context that is not a mapping
    unknown = {name: value for name, value in record.items() if name not in _KNOWN}
    if unknown:
        earlier = context.get("inbound")
        context["inbound"] = {**earlier, **unknown} if isinstance(earlier, dict) else unknown
    return context


def error_record(
    record: Mapping[str, Any],
    *,
    line: int,
    defaults: RecordDefaults = RecordDefaults(),
    now: datetime | None = None,
) -> ErrorRecord | Rejected:
    """Validate one record (a JSON object) into a report; never raises on odd input."""
    try:
        return _error_record(record, line, defaults, now or datetime.now(UTC))
    except _Invalid as exc:
        return Rejected(line, exc.reason_code, exc.reason)


def _error_record(
    record: Mapping[str, Any], line: int, defaults: RecordDefaults, now: datetime
) -> ErrorRecord:
    message = _text(record, "message")
    if message is None or not message.strip():
        # As the SDK does for an exception without text (``MemoryError()``): its type's name.
        named = _text(record, "exception_type")
        if not named or not named.strip():
            raise _Invalid("missing_message", "the record has no message (nor exception_type)")
        message = message if message else named.strip().rsplit(".", 1)[-1]

    occurred_at = None
    raw_time = record.get("occurred_at", record.get("timestamp"))
    if raw_time is not None:
        occurred_at = _moment(raw_time)
        if occurred_at.year < 1970:
            raise _Invalid("bad_timestamp", f"occurred_at {raw_time!r} is before 1970")
        if occurred_at > now + MAX_FUTURE:
            raise _Invalid("bad_timestamp", f"occurred_at {raw_time!r} is in the future")

    service = _text(record, "service") or defaults.service
    if service is not None:
        service = service.strip()
        if len(service) > MAX_SERVICE_CHARS:
            raise _Invalid(
                "invalid_field", f"service is {len(service)} chars, at most {MAX_SERVICE_CHARS}"
            )
        service = service or None
    layer = defaults.layer
    if record.get("layer") is not None:
        layer = _enum_value(Layer, "layer", record["layer"])

    stack_trace = record.get("stack_trace")
    frames: tuple[StackFrame, ...] = ()
    if isinstance(stack_trace, list):
        frames, stack_trace = _frames(stack_trace), None
    elif stack_trace is not None:
        stack_trace = _text(record, "stack_trace")
    if record.get("frames") is not None:
        frames = frames + _frames(record["frames"])

    record_id = record.get("id")
    if record_id is not None:
        if isinstance(record_id, bool) or not isinstance(record_id, str | int):
            raise _Invalid("invalid_field", f"id must be text, not {type(record_id).__name__}")
        record_id = str(record_id)
    truncated = record.get("truncated") or ()
    if not isinstance(truncated, list | tuple) or not all(isinstance(t, str) for t in truncated):
        raise _Invalid("invalid_field", "truncated must be a list of field names")

    try:
        details = ErrorDetails(
            message=message,
            stack_trace=stack_trace,
            frames=frames,
            severity=_severity(record.get("severity")),
            context=_context(record),
            tags=_tags(record.get("tags")),
            count=_count(record.get("count")),
            truncated=tuple(truncated),
            **{name: _text(record, name) for name in _TEXT_FIELDS},
        )
    except ValidationError as exc:  # defensive: every field was checked above
        raise _Invalid("invalid_field", _clip(str(exc.errors()[0]["msg"]))) from None
    return ErrorRecord(
        line=line,
        details=details,
        service=service,
        layer=layer,
        environment=_text(record, "environment") or defaults.environment,
        occurred_at=occurred_at,
        record_id=record_id,
        host=_text(record, "host"),
        version=_text(record, "version") or _text(record, "release"),
        correlation_id=_text(record, "correlation_id"),
    )


def ingest_event(
    record: ErrorRecord,
    *,
    recorded_at: datetime,
    event_id: uuid.UUID | None = None,
    limits: ReportLimits = DEFAULT_LIMITS,
    redactor: Redactor = DEFAULT_REDACTOR,
) -> Ingested | Rejected:
    """The ErrorDetected ingest publishes for a record: sanitised, at its own event time.

    `event_id` is used when the record has no ``id`` of its own (ingest passes a random one).
    """
    if record.service is None:
        return Rejected(record.line, "missing_service", "no service in the record, no --service")
    sanitized = sanitize_report(record.details, limits=limits, redactor=redactor)
    recorded_at = to_millis_precision(recorded_at)
    event = ErrorDetected(
        event_id=record.event_id or event_id or uuid.uuid4(),
        occurred_at=record.occurred_at or recorded_at,
        recorded_at=recorded_at,
        source=EventSource(
            service=record.service,
            layer=record.layer,
            environment=record.environment,
            host=record.host,
            version=record.version,
        ),
        correlation_id=record.correlation_id,
        error=sanitized.details,
    )
    return Ingested(record.line, event, record.record_id, sanitized.findings, sanitized.truncated)


# --------------------------------------------------------------------------------------
# A report back as a record (what `redact` prints; `ingest` reads it back unchanged).
# --------------------------------------------------------------------------------------


def record_json(record: ErrorRecord, details: ErrorDetails | None = None) -> dict[str, Any]:
    """The record in the JSON Lines shape, with `details` (sanitised) as its report.

    Empty fields are left out; everything else keeps the names ingest reads, so
    ``redact | ingest`` publishes exactly what ``ingest`` alone would.
    """
    details = details or record.details
    out: dict[str, Any] = {}
    if record.record_id is not None:
        out["id"] = record.record_id
    if record.occurred_at is not None:
        out["occurred_at"] = record.occurred_at.isoformat(timespec="milliseconds").replace(
            "+00:00", "Z"
        )
    if record.service is not None:
        out["service"] = record.service
    out["layer"] = record.layer.value
    out["environment"] = record.environment
    for name in ("host", "version", "correlation_id"):
        value = getattr(record, name)
        if value is not None:
            out[name] = value
    dumped = details.model_dump(mode="json")
    for name, value in dumped.items():
        if value in (None, [], {}, ()) or (name == "count" and value == 1):
            continue
        out[name] = value
    return out


# --------------------------------------------------------------------------------------
# Plain log lines.
# --------------------------------------------------------------------------------------

_LOG_TIME = re.compile(
    r"\[?(?P<time>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?"
    r"(?:Z|[+-]\d{2}:?\d{2})?)\]?\s*"
)
_LOG_LEVEL = re.compile(
    r"\[?(?P<level>TRACE|DEBUG|INFO|NOTICE|WARNING|WARN|ERROR|ERR|SEVERE|CRITICAL|CRIT|FATAL"
    r"|ALERT|EMERG|PANIC)\]?(?::\s*|\s+|$)",
    re.IGNORECASE,
)
_CONTINUATION = re.compile(
    r"(?:\s|Traceback \(most recent call last\)|Caused by:|During handling of the above"
    r"|The above exception was|\.\.\. \d+ (?:more|common frames omitted))"
)
_LEVELS: Final = {"trace": "low", "debug": "low", "info": "low", "notice": "low"}


def _log_time(text: str) -> str | None:
    """A leading log timestamp as ISO-8601 (``2024-05-02 10:11:12,345`` → ``…T…12.345``)."""
    text = text.replace(",", ".", 1)
    if text[10:11] == " ":
        text = f"{text[:10]}T{text[11:]}"
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return None
    return text


def log_records(
    lines: Iterable[tuple[int, str | None]],
) -> Iterator[tuple[int, dict[str, Any]] | Rejected]:
    """Plain log lines as records (line number of each record's first line, record).

    A record is a line with its timestamp and level read off; lines that continue it join its
    ``stack_trace``: indented lines, traceback and ``Caused by:`` lines, and — once the log
    has shown that its records start with a timestamp — any line that does not. A line too
    long to read (None) is rejected in its place.
    """
    current: tuple[int, dict[str, Any], list[str]] | None = None
    timestamped = False
    for number, text in lines:
        if text is None:
            yield Rejected(number, "line_too_long", f"longer than {MAX_LINE_BYTES} bytes")
            continue
        if not text.strip():
            continue
        stamp = _LOG_TIME.match(text)
        moment = _log_time(stamp.group("time")) if stamp else None
        continues = current is not None and (
            (moment is None and timestamped) or _CONTINUATION.match(text) is not None
        )
        if continues and current is not None:
            current[2].append(text)
            continue
        if current is not None:
            yield _log_record(*current)
        record: dict[str, Any] = {}
        rest = text
        if stamp is not None and moment is not None:
            record["occurred_at"] = moment
            rest = text[stamp.end() :]
            timestamped = True
        level = _LOG_LEVEL.match(rest)
        if level is not None:
            word = level.group("level").lower()
            record["severity"] = _LEVELS.get(word, word)
            rest = rest[level.end() :]
        record["message"] = rest.strip() or text.strip()
        current = (number, record, [])
    if current is not None:
        yield _log_record(*current)


def _log_record(
    number: int, record: dict[str, Any], trace: list[str]
) -> tuple[int, dict[str, Any]]:
    if trace:
        record["stack_trace"] = "\n".join(trace)
    return number, record


# --------------------------------------------------------------------------------------
# A whole input.
# --------------------------------------------------------------------------------------

FORMATS: Final = ("jsonl", "lines")


def records_of(
    stream: IO[bytes],
    fmt: str = "jsonl",
    defaults: RecordDefaults = RecordDefaults(),
    *,
    now: datetime | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[ErrorRecord | Rejected]:
    """Every record of an input in order, read or rejected; blank lines are skipped.

    `fmt` is ``jsonl`` (one JSON object per line) or ``lines`` (plain log lines, decoded as
    UTF-8 with undecodable bytes replaced).
    """
    lines = read_lines(stream, max_line_bytes)
    if fmt == "lines":
        texts = ((n, None if raw is None else raw.decode("utf-8", "replace")) for n, raw in lines)
        for item in log_records(texts):
            if isinstance(item, Rejected):
                yield item
            else:
                yield error_record(item[1], line=item[0], defaults=defaults, now=now)
        return
    if fmt != "jsonl":
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    for number, raw in lines:
        decoded = decode_line(number, raw)
        if decoded is None:
            continue
        if isinstance(decoded, Rejected):
            yield decoded
        else:
            yield error_record(decoded, line=number, defaults=defaults, now=now)
