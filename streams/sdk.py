"""The producer SDK: how a service reports its errors to errorstream.

    import errorstream

    errorstream.configure(service="checkout", release="2024.05.2")
    errorstream.install_excepthook()                      # uncaught: main, threads, asyncio
    logging.getLogger().addHandler(errorstream.ErrorStreamHandler())
    app = errorstream.ErrorStreamMiddleware(app)          # ASGI; WSGIMiddleware for WSGI
    try:
        settle(order)
    except PaymentError as exc:
        errorstream.report_error(exc, context={"order_id": order.id})

The caller never waits on Kafka. `report_error` captures in the caller's thread what cannot
wait (the stack as structured frames, locals when enabled, a JSON snapshot of the context)
and hands it to a background thread, which sanitises it (streams/sanitize.py: redaction and
size limits, so nothing leaves the process unredacted), encodes it as an ErrorDetected and
gives it to an idempotent confluent-kafka producer.

Memory is bounded. At most `max_buffered_reports` reports wait in burst windows and as many
in the producer's queue; past that, and when Kafka stays unreachable, reports are dropped and
counted by reason (`stats()`), never queued without end and never raised into the caller.
Repeats of one exception (same type, same frames) within the burst window are sent once, with
``count=N``, when the window closes. `flush` closes every window and waits for delivery; it
runs at exit (atexit), bounded by `flush_timeout_seconds`.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import random
import reprlib
import socket
import sys
import sysconfig
import threading
import time
import traceback
import types
import uuid
from collections.abc import (
    Awaitable,
    Callable,
    Hashable,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
)
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from errorstream.config import ReporterSettings, Settings, load_settings
from errorstream.schemas.enums import Layer, Severity
from errorstream.schemas.models import (
    ErrorDetails,
    ErrorDetected,
    EventSource,
    StackFrame,
    to_millis_precision,
)
from errorstream.schemas.serialization import Codec
from errorstream.streams.producer import codec_for, producer_config
from errorstream.streams.redaction import DEFAULT_REDACTOR, Redactor
from errorstream.streams.sanitize import ReportLimits, jsonable, sanitize_report
from errorstream.streams.topics import ERROR_DETECTED

__all__ = [
    "BurstDeduplicator",
    "Capture",
    "ErrorStreamHandler",
    "ErrorStreamMiddleware",
    "Reporter",
    "ReporterStats",
    "WSGIMiddleware",
    "configure",
    "current_reporter",
    "flush",
    "install_excepthook",
    "report_error",
    "stats",
]

log = logging.getLogger(__name__)

# Drop reasons, as counted in ReporterStats.dropped.
BUFFER_FULL: Final = "buffer_full"  # burst windows or the producer's queue at their bound
DELIVERY_FAILED: Final = "delivery_failed"  # Kafka did not take it within the delivery timeout
UNFLUSHED_AT_EXIT: Final = "unflushed_at_exit"  # still queued when close() gave up
ENCODE_FAILED: Final = "encode_failed"  # sanitising or encoding raised (a bug; logged)
CAPTURE_FAILED: Final = "capture_failed"  # capturing raised in the caller (a bug; logged)
CLOSED: Final = "closed"  # reported after close()

MAX_COUNT: Final = 2**31 - 1  # ErrorDetails.count is an Avro int
_POLL_SECONDS: Final = 0.1  # how often delivery reports are served while some are due
_IDLE_SECONDS: Final = 1.0
_MAX_SERVICE_CHARS: Final = 255


# --------------------------------------------------------------------------------------
# Capturing an error in the caller's thread.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RawFrame:
    """A frame as captured: plain values, turned into a StackFrame off the caller's thread."""

    module: str | None
    function: str
    filename: str
    lineno: int | None
    in_app: bool
    vars: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Capture:
    """Everything a report needs, taken at the moment of the error."""

    event_id: uuid.UUID
    occurred_at: datetime
    service: str
    layer: Layer
    message: str
    exception_type: str | None = None
    trace: traceback.TracebackException | None = None
    frames: tuple[RawFrame, ...] = ()
    severity: Severity | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    fingerprint: str | None = None
    description: str | None = None
    identifiers: Mapping[str, str] = field(default_factory=dict)
    count: int = 1

    def details(self) -> ErrorDetails:
        """The report (unsanitised); formats the trace text, so runs off the hot path."""
        return ErrorDetails(
            message=self.message,
            exception_type=self.exception_type,
            description=self.description,
            stack_trace="".join(self.trace.format()) if self.trace is not None else None,
            frames=tuple(
                StackFrame(
                    module=f.module,
                    function=f.function,
                    filename=f.filename,
                    lineno=f.lineno,
                    in_app=f.in_app,
                    vars=dict(f.vars),
                )
                for f in self.frames
            ),
            severity=self.severity,
            context=dict(self.context),
            tags=self.tags,
            fingerprint=self.fingerprint,
            count=min(self.count, MAX_COUNT),
            component=self.identifiers.get("component"),
            workflow_id=self.identifiers.get("workflow_id"),
            task_id=self.identifiers.get("task_id"),
            agent_id=self.identifiers.get("agent_id"),
            user_id=self.identifiers.get("user_id"),
        )


def exception_type_name(kind: type[BaseException]) -> str:
    """``ValueError``, ``json.decoder.JSONDecodeError``: builtins without their module."""
    module = getattr(kind, "__module__", None)
    name = getattr(kind, "__qualname__", kind.__name__)
    return name if module in (None, "builtins", "__main__") else f"{module}.{name}"


class InAppRule:
    """Whether a frame is the application's own code: not the standard library, not an
    installed package, not this SDK. With `app_prefixes`, only modules under them are."""

    def __init__(self, app_prefixes: Iterable[str] = ()) -> None:
        self.app_prefixes = tuple(app_prefixes)
        paths = sysconfig.get_paths()
        roots = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
        roots |= {sys.base_prefix + os.sep + "lib", sys.base_exec_prefix + os.sep + "lib"}
        self._roots = tuple(sorted(os.path.join(r, "") for r in roots if r))
        self._cache: dict[tuple[str, str | None], bool] = {}

    def __call__(self, filename: str, module: str | None) -> bool:
        key = (filename, module)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._decide(filename, module)
            if len(self._cache) < 65536:
                self._cache[key] = hit
        return hit

    def _decide(self, filename: str, module: str | None) -> bool:
        if filename.startswith("<") or module == __name__:
            return False
        normalised = filename.replace("\\", "/")
        if "/site-packages/" in normalised or "/dist-packages/" in normalised:
            return False
        if filename.startswith(self._roots):
            return False
        if self.app_prefixes:
            return any((module or "").startswith(p) for p in self.app_prefixes)
        return True


def walk_frames(
    tb: types.TracebackType | None,
    in_app: InAppRule,
    locals_repr: reprlib.Repr | None,
    max_vars: int,
) -> tuple[RawFrame, ...]:
    """The traceback's frames, oldest call first; locals only when `locals_repr` is given."""
    frames: list[RawFrame] = []
    while tb is not None:
        frame = tb.tb_frame
        code = frame.f_code
        module = frame.f_globals.get("__name__")
        module = module if isinstance(module, str) else None
        app = in_app(code.co_filename, module)
        variables: Mapping[str, str] = {}
        if locals_repr is not None and code.co_name != "<module>":
            variables = capture_locals(frame.f_locals, locals_repr, max_vars)
        frames.append(
            RawFrame(module, code.co_qualname, code.co_filename, tb.tb_lineno, app, variables)
        )
        tb = tb.tb_next
    return tuple(frames)


def capture_locals(
    local_vars: Mapping[str, object], shape: reprlib.Repr, max_vars: int
) -> dict[str, str]:
    """Short reprs of a frame's locals, taken now (the objects may change later)."""
    out: dict[str, str] = {}
    names = [name for name in local_vars if not name.startswith("__")]
    for name in names[: max_vars - 1 if len(names) > max_vars else max_vars]:
        try:
            out[name] = shape.repr(local_vars[name])
        except Exception:
            out[name] = f"<unrepresentable {type(local_vars[name]).__name__}>"
    if len(names) > max_vars:
        out["…"] = f"…[truncated {len(names) - (max_vars - 1)} vars]"
    return out


_IDENTIFIERS: Final = frozenset({"component", "workflow_id", "task_id", "agent_id", "user_id"})


@dataclass(frozen=True, slots=True)
class _Occurrence:
    error: BaseException | str
    tb: types.TracebackType | None
    moment: datetime
    service: str
    layer: Layer
    severity: Severity | None
    fingerprint: str | None
    exception_type: str | None
    frames: tuple[RawFrame, ...]
    key: Hashable


def _message_of(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:
        text = ""
    return text or exception_type_name(type(exc)).rsplit(".", 1)[-1]


# --------------------------------------------------------------------------------------
# Burst de-duplication: a pure structure, the clock is passed in.
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Window:
    capture: Capture
    count: int
    closes_at: float


class BurstDeduplicator:
    """Holds each distinct error for `window` seconds, counting the repeats it absorbs.

    Every window has the same length, so windows close in the order they opened and the
    due ones are always at the front. At most `capacity` windows are open at once. A
    window of 0 merges nothing: each report waits only for the sending thread.
    """

    def __init__(self, window: float, capacity: int) -> None:
        self.window = window
        self.capacity = capacity
        self._open: dict[Hashable, _Window] = {}

    def __len__(self) -> int:
        return len(self._open)

    def merge(self, key: Hashable) -> uuid.UUID | None:
        """Count one more occurrence in an open window; the id its report will carry."""
        if self.window <= 0:
            return None  # no window: every report stands alone
        open_window = self._open.get(key)
        if open_window is None:
            return None
        open_window.count += 1
        return open_window.capture.event_id

    def open(self, key: Hashable, capture: Capture, now: float) -> bool:
        """Open a window for a new error; False when `capacity` windows are open already."""
        if len(self._open) >= self.capacity:
            return False
        if self.window <= 0:
            key = capture.event_id
        self._open[key] = _Window(capture, 1, now + self.window)
        return True

    def next_close(self) -> float | None:
        for open_window in self._open.values():
            return open_window.closes_at
        return None

    def close_due(self, now: float) -> list[Capture]:
        """The reports of every window closed by `now`, each with its count."""
        due = []
        for key, open_window in self._open.items():
            if open_window.closes_at > now:
                break
            due.append(key)
        return [self._close(key) for key in due]

    def peek(self) -> tuple[Capture, ...]:
        return tuple(replace(w.capture, count=w.count) for w in self._open.values())

    def close_all(self) -> list[Capture]:
        return [self._close(key) for key in list(self._open)]

    def _close(self, key: Hashable) -> Capture:
        open_window = self._open.pop(key)
        if open_window.count == 1:
            return open_window.capture
        return replace(open_window.capture, count=open_window.count)


# --------------------------------------------------------------------------------------
# The reporter.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReporterStats:
    """Counters of one reporter. reported = deduplicated + sent + dropped + pending + in_flight."""

    reported: int
    deduplicated: int
    sent: int
    dropped: Mapping[str, int]
    pending: int  # in open burst windows
    in_flight: int  # handed to the producer, not yet acknowledged
    broker_errors: int
    last_error: str | None

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())


SeverityLike = Severity | str | None
LayerLike = Layer | str | None
Tags = Iterable[str] | Mapping[str, object] | None


class Reporter:
    """Reports errors of one process to error.detected; thread-safe, fork-aware."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        service: str | None = None,
        layer: LayerLike = None,
        environment: str | None = None,
        release: str | None = None,
        host: str | None = None,
        limits: ReportLimits | None = None,
        redactor: Redactor | None = None,
        capture_locals: bool | None = None,
        app_prefixes: Iterable[str] | None = None,
        burst_window: float | None = None,
        max_buffered: int | None = None,
        flush_timeout: float | None = None,
        producer_overrides: Mapping[str, Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings or load_settings()
        knobs: ReporterSettings = self.settings.reporter
        self.service = _service_name(service or knobs.service)
        self.layer = _layer(layer, knobs.layer)
        self.environment = environment or knobs.environment
        self.release = release if release is not None else knobs.release
        self.host = host or socket.gethostname()
        self.limits = limits or self.settings.limits
        self.redactor = redactor or DEFAULT_REDACTOR
        self.capture_locals = knobs.capture_locals if capture_locals is None else capture_locals
        self.in_app = InAppRule(knobs.app_prefixes if app_prefixes is None else app_prefixes)
        self.burst_window = knobs.burst_window_seconds if burst_window is None else burst_window
        self.max_buffered = max_buffered or knobs.max_buffered_reports
        self.flush_timeout = knobs.flush_timeout_seconds if flush_timeout is None else flush_timeout
        self.topic = self.settings.topic(ERROR_DETECTED)
        self._producer_config = producer_config(
            self.settings,
            **{
                "client.id": f"errorstream-sdk-{self.service}",
                "queue.buffering.max.messages": self.max_buffered,
                "queue.buffering.max.kbytes": knobs.max_buffered_kbytes,
                "message.timeout.ms": knobs.delivery_timeout_ms,
                "log_level": 2,  # broker trouble is counted and logged once, not spammed
                "error_cb": self._broker_error,
                **(producer_overrides or {}),
            },
        )
        self._locals_repr = _locals_repr(self.limits) if self.capture_locals else None
        self._clock = clock
        self._codec: Codec | None = None
        self._reset()

    def _reset(self) -> None:
        """Fresh state; also what a forked child starts from (threads do not survive fork)."""
        self._pid = os.getpid()
        # Version-4 ids from a generator seeded by the OS once, not a syscall per report;
        # re-seeded in a forked child, so parent and child never share ids.
        self._ids = random.Random(os.urandom(32))
        self._wake_at = 0.0  # when the background thread next looks at the windows
        self._cond = threading.Condition()
        self._windows = BurstDeduplicator(self.burst_window, self.max_buffered)
        self._producer: Producer | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self._reported = self._deduplicated = self._sent = self._in_flight = 0
        self._broker_errors = 0
        self._last_error: str | None = None
        self._dropped: dict[str, int] = {}

    # -- the caller's side --------------------------------------------------------------

    def report(
        self,
        exc_or_message: BaseException | str,
        *,
        tb: types.TracebackType | None = None,
        service: str | None = None,
        layer: LayerLike = None,
        severity: SeverityLike = None,
        context: Mapping[str, Any] | None = None,
        tags: Tags = None,
        fingerprint: str | None = None,
        description: str | None = None,
        **identifiers: str | None,
    ) -> uuid.UUID | None:
        """Report an error without waiting on Kafka; the event id, or None when dropped.

        `identifiers` may name component, workflow_id, task_id, agent_id, user_id. A repeat
        of an error whose burst window is open returns the id of that window's report.
        Never raises: a failure to report is counted (`stats().dropped`), not propagated.
        """
        if _reporting.active:
            return None  # reporting reported an error of its own: do not loop
        _reporting.active = True
        try:
            if self._pid != os.getpid():
                self._reset()
            with self._cond:
                self._reported += 1
                if self._closed:
                    self._drop(CLOSED)
                    return None
            seen = self._occurrence(exc_or_message, tb, service, layer, severity, fingerprint)
            with self._cond:
                merged = self._windows.merge(seen.key)
                if merged is not None:
                    self._deduplicated += 1
                    return merged
            capture = self._complete(seen, context, tags, description, identifiers)
            self._ensure_running()
            with self._cond:
                merged = self._windows.merge(seen.key)  # another thread opened it meanwhile
                if merged is not None:
                    self._deduplicated += 1
                    return merged
                if self._closed:
                    self._drop(CLOSED)
                    return None
                now = self._clock()
                if not self._windows.open(seen.key, capture, now):
                    self._drop(BUFFER_FULL)
                    return None
                if now + self.burst_window < self._wake_at:
                    self._cond.notify()  # closes before the thread would look again
            return capture.event_id
        except Exception:
            log.warning("errorstream could not capture an error report", exc_info=True)
            with self._cond:
                self._drop(CAPTURE_FAILED)
            return None
        finally:
            _reporting.active = False

    def capture(
        self,
        exc_or_message: BaseException | str,
        *,
        tb: types.TracebackType | None = None,
        service: str | None = None,
        layer: LayerLike = None,
        severity: SeverityLike = None,
        context: Mapping[str, Any] | None = None,
        tags: Tags = None,
        fingerprint: str | None = None,
        description: str | None = None,
        **identifiers: str | None,
    ) -> Capture:
        """What `report` takes in the caller's thread, before any window or Kafka."""
        seen = self._occurrence(exc_or_message, tb, service, layer, severity, fingerprint)
        return self._complete(seen, context, tags, description, identifiers)

    def event(self, capture: Capture) -> ErrorDetected:
        """The event a capture becomes: sanitised (redacted, within limits), ready to send."""
        details = sanitize_report(
            capture.details(), limits=self.limits, redactor=self.redactor
        ).details
        return ErrorDetected(
            event_id=capture.event_id,
            occurred_at=capture.occurred_at,
            source=EventSource(
                service=capture.service,
                layer=capture.layer,
                environment=self.environment,
                host=self.host,
                version=self.release,
            ),
            error=details,
        )

    def pending_reports(self) -> tuple[Capture, ...]:
        """Reports waiting in open burst windows, each with its count so far."""
        with self._cond:
            return self._windows.peek()

    def _occurrence(
        self,
        exc_or_message: BaseException | str,
        tb: types.TracebackType | None,
        service: str | None,
        layer: LayerLike,
        severity: SeverityLike,
        fingerprint: str | None,
    ) -> _Occurrence:
        """The cheap part of a capture: enough to recognise a repeat."""
        moment = to_millis_precision(datetime.now(UTC))
        source_service = _service_name(service) if service else self.service
        source_layer = _layer(layer, self.layer)
        level = _severity(severity)
        if isinstance(exc_or_message, BaseException):
            tb = tb or exc_or_message.__traceback__
            frames = walk_frames(tb, self.in_app, self._locals_repr, self.limits.max_frame_vars)
            kind: str | None = exception_type_name(type(exc_or_message))
            shape: Hashable = (kind, tuple((f.filename, f.lineno, f.function) for f in frames))
        else:
            frames, kind = (), None
            shape = ("message", str(exc_or_message))
        key = (source_service, source_layer, level, fingerprint, shape)
        return _Occurrence(
            exc_or_message,
            tb,
            moment,
            source_service,
            source_layer,
            level,
            fingerprint,
            kind,
            frames,
            key,
        )

    def _complete(
        self,
        seen: _Occurrence,
        context: Mapping[str, Any] | None,
        tags: Tags,
        description: str | None,
        identifiers: Mapping[str, str | None],
    ) -> Capture:
        error = seen.error
        exception = error if isinstance(error, BaseException) else None
        return Capture(
            event_id=uuid.UUID(int=self._ids.getrandbits(128), version=4),
            occurred_at=seen.moment,
            service=seen.service,
            layer=seen.layer,
            message=_message_of(exception) if exception is not None else str(error),
            exception_type=seen.exception_type,
            trace=(
                traceback.TracebackException(
                    type(exception), exception, seen.tb, lookup_lines=False, compact=True
                )
                if exception is not None
                else None
            ),
            frames=seen.frames,
            severity=seen.severity,
            context=_context_snapshot(context, self.limits),
            tags=_tags(tags),
            fingerprint=seen.fingerprint,
            description=description,
            identifiers={
                name: str(value)
                for name, value in identifiers.items()
                if value is not None and name in _IDENTIFIERS
            },
        )

    def _drop(self, reason: str, count: int = 1) -> None:
        self._dropped[reason] = self._dropped.get(reason, 0) + count

    # -- the background side ------------------------------------------------------------

    def _ensure_running(self) -> None:
        if self._thread is not None:
            return
        with self._cond:
            if self._thread is not None or self._closed:
                return
            self._producer = Producer(self._producer_config)
            self._thread = threading.Thread(
                target=self._run, name="errorstream-reporter", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        producer = self._producer
        assert producer is not None
        while True:
            with self._cond:
                if self._closed:
                    return
                due = self._windows.close_due(self._clock())
                if not due:
                    wait = self._wait_seconds()
                    self._wake_at = self._clock() + wait
                    self._cond.wait(wait)
                    self._wake_at = 0.0  # awake: new windows need no notification
                    due = self._windows.close_due(self._clock())
            for capture in due:
                self._send(capture)
            producer.poll(0)

    def _wait_seconds(self) -> float:
        closes_at = self._windows.next_close()
        wait = _POLL_SECONDS if self._in_flight else _IDLE_SECONDS
        if closes_at is not None:
            wait = min(wait, max(0.0, closes_at - self._clock()))
        return wait

    def _send(self, capture: Capture) -> None:
        producer = self._producer
        assert producer is not None
        try:
            event = self.event(capture)
            if self._codec is None:
                self._codec = codec_for(self.settings)
            payload = self._codec.encode(event)
        except Exception:
            log.warning("errorstream could not encode an error report", exc_info=True)
            with self._cond:
                self._drop(ENCODE_FAILED)
            return
        try:
            with self._cond:
                self._in_flight += 1
            producer.produce(
                self.topic, value=payload, key=event.partition_key, on_delivery=self._delivered
            )
        except (BufferError, KafkaException) as exc:
            with self._cond:
                self._in_flight -= 1
                self._drop(BUFFER_FULL if isinstance(exc, BufferError) else DELIVERY_FAILED)

    def _delivered(self, error: KafkaError | None, _message: Message) -> None:
        with self._cond:
            self._in_flight -= 1
            if error is None:
                self._sent += 1
            elif error.code() in (KafkaError._PURGE_QUEUE, KafkaError._PURGE_INFLIGHT):
                self._drop(UNFLUSHED_AT_EXIT)
            else:
                self._drop(DELIVERY_FAILED)
                self._last_error = error.str()

    def _broker_error(self, error: KafkaError) -> None:
        with self._cond:
            self._broker_errors += 1
            first = self._last_error is None
            self._last_error = error.str()
        if first:
            log.warning("errorstream cannot reach Kafka yet (%s); reports are buffered", error)

    # -- flushing and closing -----------------------------------------------------------

    def flush(self, timeout: float | None = None) -> int:
        """Close every burst window and wait up to `timeout` seconds for delivery.

        Returns how many reports are still undelivered (0 when everything landed).
        """
        deadline = time.monotonic() + (self.flush_timeout if timeout is None else timeout)
        with self._cond:
            due = self._windows.close_all()
        for capture in due:
            self._send(capture)
        producer = self._producer
        if producer is None:
            return 0
        return int(producer.flush(max(0.0, deadline - time.monotonic())))

    def close(self, timeout: float | None = None) -> ReporterStats:
        """Stop taking reports, flush, give up on the rest (unflushed_at_exit); final stats."""
        if self._pid != os.getpid():
            return self.stats()
        with self._cond:
            if self._closed:
                return self._snapshot()
            self._closed = True  # from here on reports are dropped as "closed"
            self._cond.notify_all()
        remaining = self.flush(timeout)
        thread, producer = self._thread, self._producer
        if thread is not None:
            thread.join(timeout=5)
        if producer is not None and remaining:
            producer.purge(in_queue=True, in_flight=True, blocking=True)
            producer.flush(0)  # serve the purged messages' delivery reports
        with self._cond:
            if self._in_flight:  # reports nothing will ever acknowledge now
                self._drop(UNFLUSHED_AT_EXIT, self._in_flight)
                self._in_flight = 0
            return self._snapshot()

    def stats(self) -> ReporterStats:
        with self._cond:
            return self._snapshot()

    def _snapshot(self) -> ReporterStats:
        return ReporterStats(
            reported=self._reported,
            deduplicated=self._deduplicated,
            sent=self._sent,
            dropped=dict(self._dropped),
            pending=len(self._windows),
            in_flight=self._in_flight,
            broker_errors=self._broker_errors,
            last_error=self._last_error,
        )


class _ReportingFlag(threading.local):
    active: bool = False


_reporting = _ReportingFlag()


def _service_name(service: str | None) -> str:
    if not service:
        program = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
        service = os.path.splitext(program)[0] or "python"
    return service[:_MAX_SERVICE_CHARS]


def _layer(layer: LayerLike, default: Layer) -> Layer:
    try:
        return Layer(layer) if layer is not None else default
    except ValueError:
        return default


def _severity(severity: SeverityLike) -> Severity | None:
    try:
        return Severity(severity) if severity is not None else None
    except ValueError:
        return None


def _tags(tags: Tags) -> tuple[str, ...]:
    if not tags:
        return ()
    if isinstance(tags, Mapping):
        return tuple(f"{name}:{value}" for name, value in tags.items())
    if isinstance(tags, str):
        return (tags,)
    return tuple(str(tag) for tag in tags)


def _context_snapshot(context: Mapping[str, Any] | None, limits: ReportLimits) -> dict[str, Any]:
    """Plain JSON copied now, so later changes by the caller do not leak into the report."""
    if not context:
        return {}
    plain = jsonable(context, limits.max_context_depth, copy=True)
    return plain if isinstance(plain, dict) else {"value": plain}


def _locals_repr(limits: ReportLimits) -> reprlib.Repr:
    shape = reprlib.Repr()
    shape.maxstring = shape.maxother = limits.max_var_value_chars
    shape.maxlong = 64
    shape.maxlevel = 3
    return shape


# --------------------------------------------------------------------------------------
# The process-wide reporter.
# --------------------------------------------------------------------------------------


class _ProcessReporter:
    """The process-wide reporter and whether its flush at exit is registered."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reporter: Reporter | None = None
        self.atexit_registered = False

    def replace(self, reporter: Reporter) -> Reporter | None:
        with self.lock:
            previous, self.reporter = self.reporter, reporter
            self._register_atexit()
        return previous

    def get(self) -> Reporter:
        reporter = self.reporter
        if reporter is None:
            with self.lock:
                if self.reporter is None:
                    self.reporter = Reporter()
                    self._register_atexit()
                reporter = self.reporter
        return reporter

    def _register_atexit(self) -> None:
        if not self.atexit_registered:
            atexit.register(self.close)
            self.atexit_registered = True

    def close(self) -> None:
        if self.reporter is not None:
            self.reporter.close()


_process = _ProcessReporter()


def configure(
    settings: Settings | None = None,
    *,
    service: str | None = None,
    layer: LayerLike = None,
    environment: str | None = None,
    release: str | None = None,
    host: str | None = None,
    limits: ReportLimits | None = None,
    redactor: Redactor | None = None,
    capture_locals: bool | None = None,
    app_prefixes: Iterable[str] | None = None,
    burst_window: float | None = None,
    max_buffered: int | None = None,
    flush_timeout: float | None = None,
    producer_overrides: Mapping[str, Any] | None = None,
) -> Reporter:
    """Set up the process-wide reporter; replaces (and closes) an earlier one.

    Unset options come from `settings` (by default the environment: ``ERRORSTREAM_REPORTER__*``
    and ``ERRORSTREAM_LIMITS__*``).
    """
    reporter = Reporter(
        settings,
        service=service,
        layer=layer,
        environment=environment,
        release=release,
        host=host,
        limits=limits,
        redactor=redactor,
        capture_locals=capture_locals,
        app_prefixes=app_prefixes,
        burst_window=burst_window,
        max_buffered=max_buffered,
        flush_timeout=flush_timeout,
        producer_overrides=producer_overrides,
    )
    previous = _process.replace(reporter)
    if previous is not None:
        previous.close()
    return _process.get()


def current_reporter() -> Reporter:
    """The process-wide reporter, configured from the environment on first use."""
    return _process.get()


def report_error(
    exc_or_message: BaseException | str,
    *,
    service: str | None = None,
    layer: LayerLike = None,
    severity: SeverityLike = None,
    context: Mapping[str, Any] | None = None,
    tags: Tags = None,
    fingerprint: str | None = None,
    **fields: Any,
) -> uuid.UUID | None:
    """Report an error to errorstream without waiting; the event id, or None when dropped.

    `fields` may name description, component, workflow_id, task_id, agent_id, user_id.
    """
    return current_reporter().report(
        exc_or_message,
        service=service,
        layer=layer,
        severity=severity,
        context=context,
        tags=tags,
        fingerprint=fingerprint,
        **fields,
    )


def flush(timeout: float | None = None) -> int:
    """Send what waits in burst windows and wait for delivery; returns what is undelivered."""
    return current_reporter().flush(timeout)


def stats() -> ReporterStats:
    return current_reporter().stats()


# --------------------------------------------------------------------------------------
# Hooks: uncaught exceptions in the main thread, other threads and asyncio loops.
# --------------------------------------------------------------------------------------

_HOOK_MARK: Final = "_errorstream_hook"
_NOT_ERRORS: Final = (KeyboardInterrupt, SystemExit, GeneratorExit)


def _reporter_for(reporter: Reporter | None) -> Reporter:
    return reporter if reporter is not None else current_reporter()


def _unhandled(mechanism: str, **extra: Any) -> dict[str, Any]:
    return {"mechanism": {"type": mechanism, "handled": False, **extra}}


def install_excepthook(
    reporter: Reporter | None = None, *, loop: asyncio.AbstractEventLoop | None = None
) -> None:
    """Report uncaught exceptions: `sys.excepthook`, `threading.excepthook`, asyncio loops.

    Each hook reports, then calls the hook it replaced (so tracebacks still print). Asyncio:
    the running loop (or `loop`) and every loop created later through the event loop policy
    (install after choosing a policy such as uvloop's). Installing twice changes nothing.
    """
    if not getattr(sys.excepthook, _HOOK_MARK, False):
        previous_sys = sys.excepthook

        def sys_hook(
            kind: type[BaseException], exc: BaseException, tb: types.TracebackType | None
        ) -> None:
            if not issubclass(kind, _NOT_ERRORS):
                _reporter_for(reporter).report(
                    exc,
                    tb=tb,
                    severity=Severity.CRITICAL,
                    context=_unhandled("sys.excepthook"),
                )
            previous_sys(kind, exc, tb)

        setattr(sys_hook, _HOOK_MARK, True)
        sys.excepthook = sys_hook

    if not getattr(threading.excepthook, _HOOK_MARK, False):
        previous_thread = threading.excepthook

        def thread_hook(args: threading.ExceptHookArgs) -> None:
            exc = args.exc_value
            if exc is not None and not isinstance(exc, _NOT_ERRORS):
                name = args.thread.name if args.thread is not None else None
                _reporter_for(reporter).report(
                    exc,
                    tb=args.exc_traceback,
                    severity=Severity.HIGH,
                    context=_unhandled("threading.excepthook", thread=name),
                )
            previous_thread(args)

        setattr(thread_hook, _HOOK_MARK, True)
        threading.excepthook = thread_hook

    _install_on_new_loops(reporter)
    running = loop
    if running is None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
    if running is not None:
        install_loop_handler(running, reporter)


def _install_on_new_loops(reporter: Reporter | None) -> None:
    policy = asyncio.get_event_loop_policy()
    create = policy.new_event_loop
    if getattr(create, _HOOK_MARK, False):
        return

    def new_event_loop() -> asyncio.AbstractEventLoop:
        created = create()
        install_loop_handler(created, reporter)
        return created

    setattr(new_event_loop, _HOOK_MARK, True)
    policy.new_event_loop = new_event_loop  # type: ignore[method-assign]


LoopHandler = Callable[[asyncio.AbstractEventLoop, dict[str, Any]], object]


def install_loop_handler(loop: asyncio.AbstractEventLoop, reporter: Reporter | None = None) -> None:
    """Report what reaches `loop`'s exception handler, then pass it to the previous one."""
    previous: LoopHandler | None = loop.get_exception_handler()
    if getattr(previous, _HOOK_MARK, False):
        return

    def handler(event_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        message = str(context.get("message") or "unhandled error in an asyncio loop")
        details = _unhandled("asyncio", message=message)
        if isinstance(exc, BaseException):
            if not isinstance(exc, _NOT_ERRORS):
                _reporter_for(reporter).report(exc, severity=Severity.HIGH, context=details)
        else:
            _reporter_for(reporter).report(message, severity=Severity.MEDIUM, context=details)
        if previous is not None:
            previous(event_loop, context)
        else:
            event_loop.default_exception_handler(context)

    setattr(handler, _HOOK_MARK, True)
    loop.set_exception_handler(handler)


# --------------------------------------------------------------------------------------
# Logging.
# --------------------------------------------------------------------------------------

_LOG_SEVERITY: Final = ((logging.CRITICAL, Severity.CRITICAL), (logging.ERROR, Severity.HIGH))


class ErrorStreamHandler(logging.Handler):
    """A logging handler that reports records at ERROR and above.

    A record with ``exc_info`` becomes that exception's report (structured frames, the log
    message as description); one without becomes a message report. The SDK's own records
    (and any logged while reporting) are ignored, so reporting can never loop.
    """

    def __init__(
        self,
        level: int = logging.ERROR,
        *,
        reporter: Reporter | None = None,
        service: str | None = None,
        layer: LayerLike = None,
    ) -> None:
        super().__init__(level)
        self.reporter = reporter
        self.service = service
        self.layer = layer

    def emit(self, record: logging.LogRecord) -> None:
        if _reporting.active or record.name == __name__:
            return
        try:
            severity = next((s for level, s in _LOG_SEVERITY if record.levelno >= level), None)
            context = {
                "logger": {
                    "name": record.name,
                    "level": record.levelname,
                    "function": record.funcName,
                    "pathname": record.pathname,
                    "lineno": record.lineno,
                    "thread": record.threadName,
                }
            }
            message = record.getMessage()
            exc = record.exc_info[1] if record.exc_info else None
            reporter = _reporter_for(self.reporter)
            if exc is not None:
                reporter.report(
                    exc,
                    tb=record.exc_info[2] if record.exc_info else None,
                    service=self.service,
                    layer=self.layer,
                    severity=severity,
                    context=context,
                    description=message,
                )
            else:
                reporter.report(
                    message,
                    service=self.service,
                    layer=self.layer,
                    severity=severity,
                    context=context,
                )
        except Exception:
            self.handleError(record)


# --------------------------------------------------------------------------------------
# Web middleware.
# --------------------------------------------------------------------------------------

Scope = MutableMapping[str, Any]
ASGIMessage = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[ASGIMessage]]
Send = Callable[[ASGIMessage], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _header_map(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in pairs:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _route_of(route: object) -> str | None:
    """A framework's route template (``/orders/{order_id}``), when the scope carries one."""
    for attribute in ("path_format", "path", "rule"):
        value = getattr(route, attribute, None)
        if isinstance(value, str):
            return value
    return route if isinstance(route, str) else None


class ErrorStreamMiddleware:
    """ASGI middleware: reports an unhandled exception with its request, then re-raises.

    The request's method, path, route template, query string and headers go into the
    context (headers such as Authorization and Cookie are redacted before the report leaves
    the process), with the response status (500 when none was sent).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        reporter: Reporter | None = None,
        service: str | None = None,
        layer: LayerLike = Layer.API,
    ) -> None:
        self.app = app
        self.reporter = reporter
        self.service = service
        self.layer = layer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        status: list[int] = []

        async def send_and_watch(message: ASGIMessage) -> None:
            if message.get("type") == "http.response.start":
                status.append(int(message.get("status", 0)))
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        except Exception as exc:
            _reporter_for(self.reporter).report(
                exc,
                service=self.service,
                layer=self.layer,
                context={
                    "request": self.request(scope),
                    "response": {"status": status[-1] if status else 500},
                    **_unhandled("asgi"),
                },
            )
            raise

    @staticmethod
    def request(scope: Scope) -> dict[str, Any]:
        pairs = (
            (bytes(name).decode("latin-1"), bytes(value).decode("latin-1"))
            for name, value in scope.get("headers") or ()
        )
        return {
            "method": scope.get("method"),
            "path": scope.get("path"),
            "route": _route_of(scope.get("route")),
            "query_string": bytes(scope.get("query_string") or b"").decode("latin-1"),
            "scheme": scope.get("scheme"),
            "http_version": scope.get("http_version"),
            "headers": _header_map(pairs),
        }


class WSGIMiddleware:
    """WSGI middleware: reports an unhandled exception (also one raised while the response
    body is iterated or closed) with its request, then re-raises."""

    def __init__(
        self,
        app: WSGIApplication,
        *,
        reporter: Reporter | None = None,
        service: str | None = None,
        layer: LayerLike = Layer.API,
    ) -> None:
        self.app = app
        self.reporter = reporter
        self.service = service
        self.layer = layer

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        status: list[str] = []

        def start_and_watch(
            status_line: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            status.append(status_line)
            return start_response(status_line, headers, exc_info)

        def on_error(exc: BaseException) -> None:
            code = int(status[-1].split(" ", 1)[0]) if status else 500
            _reporter_for(self.reporter).report(
                exc,
                service=self.service,
                layer=self.layer,
                context={
                    "request": self.request(environ),
                    "response": {"status": code},
                    **_unhandled("wsgi"),
                },
            )

        try:
            body = self.app(environ, start_and_watch)
        except Exception as exc:
            on_error(exc)
            raise
        return _WatchedBody(body, on_error)

    @staticmethod
    def request(environ: WSGIEnvironment) -> dict[str, Any]:
        pairs = [
            (key[5:].replace("_", "-").title(), str(value))
            for key, value in environ.items()
            if key.startswith("HTTP_")
        ]
        pairs += [
            (key.replace("_", "-").title(), str(environ[key]))
            for key in ("CONTENT_TYPE", "CONTENT_LENGTH")
            if environ.get(key)
        ]
        werkzeug_request = environ.get("werkzeug.request")
        route = getattr(werkzeug_request, "url_rule", None)
        return {
            "method": environ.get("REQUEST_METHOD"),
            "path": (environ.get("SCRIPT_NAME") or "") + (environ.get("PATH_INFO") or ""),
            "route": _route_of(route) if route is not None else None,
            "query_string": environ.get("QUERY_STRING") or "",
            "scheme": environ.get("wsgi.url_scheme"),
            "http_version": environ.get("SERVER_PROTOCOL"),
            "headers": _header_map(pairs),
        }


class _WatchedBody:
    """A WSGI response body whose iteration and close report what they raise."""

    def __init__(self, body: Iterable[bytes], on_error: Callable[[BaseException], None]) -> None:
        self._body = body
        self._on_error = on_error

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._body
        except Exception as exc:
            self._on_error(exc)
            raise

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is None:
            return
        try:
            close()
        except Exception as exc:
            self._on_error(exc)
            raise
