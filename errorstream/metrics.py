"""Prometheus metrics of every errorstream process, and the one HTTP port that serves them.

Every worker and projector process serves ``/metrics`` (Prometheus text format), ``/healthz``
(liveness) and ``/readyz`` (readiness, see `errorstream.health`) on ``metrics_port``; when that
port is taken it takes the next free one and logs which, and writes it to
``<run_dir>/metrics/<role>-<pid>.json`` so ``errorstream status`` finds every process.

Metrics live in prometheus-client's default registry (which adds the ``process_*`` gauges: RSS,
CPU, open files). The hot path binds its label children once (`StageMetrics`), because a
``labels()`` lookup per event would cost more than the counting. What is cheaper to read when
scraped than to count per event (lag, watermarks, state sizes) comes from collectors over
snapshots the processes keep (`SnapshotGauges`). `DOCUMENTED` lists every metric errorstream
exports; the README's table is generated from it (``python -m errorstream.metrics``).
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from errorstream.config import Settings
from errorstream.schemas.models import (
    AlertRaised,
    CorrectionCompleted,
    EscalationRaised,
    Event,
    FeedbackRecorded,
    ModelUpdated,
    PatternDetected,
)

log = logging.getLogger(__name__)

# `*_created` series would double the exposition, and nobody graphs them.
disable_created_metrics()  # type: ignore[no-untyped-call]


# -- the catalogue ----------------------------------------------------------------------------
@dataclass(frozen=True)
class MetricDoc:
    """One exported metric as the README documents it."""

    name: str  # as exposed (counters end in _total)
    kind: str  # counter, gauge, histogram
    labels: tuple[str, ...]
    help: str
    role: str  # worker, projector, any


DOCUMENTED: list[MetricDoc] = []


def _document(name: str, kind: str, labels: Sequence[str], help: str, role: str) -> None:
    DOCUMENTED.append(MetricDoc(name, kind, tuple(labels), help, role))


def _counter(name: str, help: str, labels: Sequence[str], role: str) -> Counter:
    _document(name, "counter", labels, help, role)
    return Counter(name, help, labels)


def _gauge(name: str, help: str, labels: Sequence[str], role: str) -> Gauge:
    _document(name, "gauge", labels, help, role)
    return Gauge(name, help, labels)


def _histogram(
    name: str, help: str, labels: Sequence[str], buckets: Sequence[float], role: str
) -> Histogram:
    _document(name, "histogram", labels, help, role)
    return Histogram(name, help, labels, buckets=buckets)


PROCESSING_BUCKETS: tuple[float, ...] = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01)
PROCESSING_BUCKETS += (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
LATENCY_BUCKETS: tuple[float, ...] = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LATENCY_BUCKETS += (30.0, 60.0, 300.0, 900.0, 3600.0)
BATCH_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
BATCH_BUCKETS += (10.0, 30.0)

PROCESS_INFO = _gauge(
    "errorstream_process_info",
    "Always 1; says what this process is (role: worker or projector) and its app id.",
    ("role", "app_id", "version"),
    "any",
)
EVENTS_CONSUMED = _counter(
    "errorstream_events_consumed_total",
    "Messages an agent took from a topic (dead-lettered ones included).",
    ("agent", "topic"),
    "worker",
)
EVENTS_PRODUCED = _counter(
    "errorstream_events_produced_total",
    "Events an agent sent to a topic (dead letters on error.deadletter included).",
    ("agent", "topic"),
    "worker",
)
PROCESSING_SECONDS = _histogram(
    "errorstream_processing_seconds",
    "Time an agent spent on one message it handled: decode, pure handler, encode, send.",
    ("agent",),
    PROCESSING_BUCKETS,
    "worker",
)
DETECTION_LATENCY = _histogram(
    "errorstream_detection_latency_seconds",
    "End to end: the error's occurred_at to the moment the signal it caused was emitted.",
    ("agent", "event_type"),
    LATENCY_BUCKETS,
    "worker",
)
DEAD_LETTERED = _counter(
    "errorstream_deadlettered_total",
    "Messages sent to error.deadletter, by the stage that refused them and the reason code.",
    ("stage", "reason"),
    "any",
)
CORRECTIONS = _counter(
    "errorstream_corrections_total",
    "Corrections that completed, by outcome (the CorrectionCompleted status).",
    ("agent", "outcome"),
    "worker",
)
FEEDBACK = _counter(
    "errorstream_feedback_total",
    "Feedback an agent took in (FeedbackRecorded), by feedback type and outcome.",
    ("agent", "type", "outcome"),
    "worker",
)
MODEL_VERSION = _gauge(
    "errorstream_model_version",
    "Newest version of each model this process saw (model.updated) or serves.",
    ("model_id",),
    "worker",
)
MODEL_ACCURACY = _gauge(
    "errorstream_model_accuracy",
    "Accuracy the newest model.updated of each model reported (0..1).",
    ("model_id",),
    "worker",
)
PROJECTION_EVENTS = _counter(
    "errorstream_projection_events_total",
    "Events a projector wrote to PostgreSQL (one row upsert or more each); rate() is rows/s.",
    ("projector",),
    "projector",
)
PROJECTION_BATCH_SECONDS = _histogram(
    "errorstream_projection_batch_seconds",
    "One projection batch: decode, dead letters, and the rows + offsets transaction.",
    ("projector",),
    BATCH_BUCKETS,
    "projector",
)
# Produced by collectors at scrape time (see errorstream.health):
CONSUMER_LAG = "errorstream_consumer_lag_messages"
_document(
    CONSUMER_LAG,
    "gauge",
    ("consumer", "topic", "partition"),
    "Messages behind the end of each assigned partition (high watermark minus the committed "
    "offset; a projector's offsets are the ones stored in PostgreSQL).",
    "any",
)
ASSIGNED_PARTITIONS = "errorstream_assigned_partitions"
_document(
    ASSIGNED_PARTITIONS,
    "gauge",
    ("consumer",),
    "Partitions currently assigned to this process's consumer.",
    "any",
)
WATERMARK_LAG = "errorstream_watermark_lag_seconds"
_document(
    WATERMARK_LAG,
    "gauge",
    ("agent", "partition"),
    "Wall clock minus the partition's event-time watermark (max event time - allowed lateness).",
    "worker",
)
LATE_EVENTS = "errorstream_late_events_total"
_document(
    LATE_EVENTS,
    "counter",
    ("agent",),
    "Events that arrived behind the watermark (classified and stored, not windowed).",
    "worker",
)
DUPLICATE_EVENTS = "errorstream_duplicate_events_total"
_document(
    DUPLICATE_EVENTS,
    "counter",
    ("agent",),
    "Redelivered events recognised by their position and not counted twice.",
    "worker",
)
ALERTS_FIRING = "errorstream_alerts_firing"
_document(
    ALERTS_FIRING,
    "gauge",
    ("rule", "severity"),
    "Alerts firing now in the state of the partitions this worker owns.",
    "worker",
)
PROJECTION_LAST_BATCH = "errorstream_projection_last_batch_timestamp_seconds"
_document(
    PROJECTION_LAST_BATCH,
    "gauge",
    ("projector",),
    "Unix time of the projector's last committed batch.",
    "projector",
)

# Events whose emission ends a detection: their latency is what a user waits for.
SIGNALS = (PatternDetected.AVRO_NAME, AlertRaised.AVRO_NAME, EscalationRaised.AVRO_NAME)
_SIGNAL_TYPES = tuple(name.rsplit(".", 1)[-1] for name in SIGNALS)


# -- the hot path -----------------------------------------------------------------------------
class Emitted(Protocol):
    """What a stage sends (agents.stage.Emit): a catalogue topic and an event."""

    @property
    def topic(self) -> str: ...

    @property
    def event(self) -> Event: ...


def catalogue_topic(topic: str, prefix: str) -> str:
    """A broker-side topic name without the environment's prefix (the label dashboards use)."""
    return topic[len(prefix) :] if prefix and topic.startswith(prefix) else topic


class StageMetrics:
    """One agent's metric children, bound once: a stage calls these per message."""

    def __init__(self, agent: str, topic_prefix: str = "") -> None:
        self.agent = agent
        self.prefix = topic_prefix
        self._processing = PROCESSING_SECONDS.labels(agent)
        self._consumed: dict[str, Any] = {}
        self._produced: dict[str, Any] = {}
        self._latency: dict[str, Any] = {}

    def consumed(self, topic: str) -> None:
        """A message arrived from a broker-side topic."""
        child = self._consumed.get(topic)
        if child is None:
            child = EVENTS_CONSUMED.labels(self.agent, catalogue_topic(topic, self.prefix))
            self._consumed[topic] = child
        child.inc()

    def produced(self, topic: str, count: int = 1) -> None:
        """Events were sent to a catalogue topic."""
        child = self._produced.get(topic)
        if child is None:
            child = EVENTS_PRODUCED.labels(self.agent, topic)
            self._produced[topic] = child
        child.inc(count)

    def handled(
        self, cause: Event, emitted: Iterable[Emitted], started: float, now: float | None = None
    ) -> None:
        """One message done: its duration (from `time.perf_counter()` at `started`) and output."""
        self._processing.observe(time.perf_counter() - started)
        wall = time.time() if now is None else now
        if isinstance(cause, FeedbackRecorded):
            FEEDBACK.labels(self.agent, cause.feedback_type.value, cause.outcome.value).inc()
        for emit in emitted:
            self.produced(emit.topic)
            event = emit.event
            if event.event_type in _SIGNAL_TYPES:
                self._signal_latency(event.event_type, wall - cause.occurred_at.timestamp())
            elif isinstance(event, CorrectionCompleted):
                CORRECTIONS.labels(self.agent, event.status.value).inc()
            elif isinstance(event, ModelUpdated):
                observe_model(event)

    def _signal_latency(self, event_type: str, seconds: float) -> None:
        child = self._latency.get(event_type)
        if child is None:
            child = DETECTION_LATENCY.labels(self.agent, event_type)
            self._latency[event_type] = child
        child.observe(max(seconds, 0.0))

    def dead_lettered(self, reason_code: str) -> None:
        DEAD_LETTERED.labels(self.agent, reason_code).inc()
        self.produced("error.deadletter")


_newest_model: dict[str, int] = {}


def observe_model(event: ModelUpdated) -> None:
    """A model version went by: the gauges keep the newest one per model."""
    if event.version < _newest_model.get(event.model_id, -1):
        return
    _newest_model[event.model_id] = event.version
    MODEL_VERSION.labels(event.model_id).set(event.version)
    if event.accuracy is not None:
        MODEL_ACCURACY.labels(event.model_id).set(event.accuracy)


def observe_projection_batch(
    projector: str, events: int, dead_letter_reasons: Iterable[str], started: float
) -> None:
    """One committed projection batch (`started` from `time.perf_counter()`)."""
    PROJECTION_BATCH_SECONDS.labels(projector).observe(time.perf_counter() - started)
    PROJECTION_EVENTS.labels(projector).inc(events)
    for reason in dead_letter_reasons:
        DEAD_LETTERED.labels(f"projection:{projector}", reason).inc()


# -- scrape-time gauges -----------------------------------------------------------------------
Labels = tuple[str, ...]


class SnapshotGauges(Collector):
    """Gauges read at scrape time from a function over a snapshot the process keeps.

    `read` returns {label values: value}; it runs on the HTTP thread, so it must only read
    state that is swapped atomically (a dict replaced whole) or is cheap and thread-safe.
    """

    def __init__(
        self,
        name: str,
        help: str,
        labels: Sequence[str],
        read: Callable[[], Mapping[Labels, float]],
        kind: str = "gauge",
    ) -> None:
        self.name = name
        self.help = help
        self.labels = list(labels)
        self.read = read
        self.kind = kind

    def describe(self) -> Iterable[Metric]:
        return [self._family()]

    def _family(self) -> GaugeMetricFamily | CounterMetricFamily:
        if self.kind == "counter":
            return CounterMetricFamily(
                self.name.removesuffix("_total"), self.help, labels=self.labels
            )
        return GaugeMetricFamily(self.name, self.help, labels=self.labels)

    def collect(self) -> Iterable[Metric]:
        family = self._family()
        try:
            values = self.read()
        except Exception:  # a scrape must not fail because one source is down
            log.debug("metric %s unavailable", self.name, exc_info=True)
            values = {}
        for labels, value in sorted(values.items()):
            family.add_metric(list(labels), value)
        return [family]


def lag_of(low: int, high: int, committed: int | None) -> int:
    """Messages left to read in a partition: none committed means all that are retained."""
    if high <= low:
        return 0
    if committed is None or committed < 0:
        return high - low
    return max(0, high - max(committed, low))


def histogram_quantile(q: float, buckets: Sequence[tuple[float, float]]) -> float | None:
    """Prometheus' histogram_quantile over cumulative (upper bound, count) buckets.

    Linear interpolation inside the bucket that holds the rank; the +Inf bucket answers with
    the largest finite bound. None when the histogram is empty.
    """
    ordered = sorted(buckets)
    if not ordered or ordered[-1][1] <= 0:
        return None
    total = ordered[-1][1]
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in ordered:
        if count >= rank:
            if math.isinf(bound):
                return lower_bound
            if count == lower_count:
                return bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (
                count - lower_count
            )
        lower_bound, lower_count = bound, count
    return lower_bound


# -- the endpoint -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Probe:
    """What /healthz or /readyz answers: passed, and a JSON-able report."""

    ok: bool
    report: dict[str, Any]


ProbeFunction = Callable[[], Probe]


def _always_ok() -> Probe:
    return Probe(True, {"status": "ok", "checks": []})


class MetricsEndpoint:
    """/metrics, /healthz and /readyz on one port, served by a daemon thread."""

    def __init__(
        self,
        *,
        liveness: ProbeFunction = _always_ok,
        readiness: ProbeFunction = _always_ok,
        registry: CollectorRegistry = REGISTRY,
    ) -> None:
        self.liveness = liveness
        self.readiness = readiness
        self.registry = registry
        self.server: ThreadingHTTPServer | None = None
        self.port: int | None = None

    def start(self, port: int, host: str = "0.0.0.0", attempts: int = 20) -> int:
        """Bind `port`, or the next free one within `attempts`; returns the port bound."""
        handler = _handler_for(self)
        last: OSError | None = None
        for candidate in candidate_ports(port, attempts):
            try:
                server = ThreadingHTTPServer((host, candidate), handler)
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
                last = exc
                continue
            server.daemon_threads = True
            self.server, self.port = server, server.server_address[1]
            thread = threading.Thread(
                target=server.serve_forever, name="metrics-endpoint", daemon=True
            )
            thread.start()
            return int(self.port)
        raise OSError(errno.EADDRINUSE, f"ports {port}..{port + attempts - 1} are taken") from last

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def candidate_ports(port: int, attempts: int) -> list[int]:
    """The ports tried in turn: the configured one, then the next ones up to 65535."""
    return [p for p in range(port, port + max(attempts, 1)) if 0 < p <= 65535]


def _handler_for(endpoint: MetricsEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0].rstrip("/") or "/"
            if path == "/metrics":
                self._send(200, CONTENT_TYPE_LATEST, generate_latest(endpoint.registry))
            elif path in ("/healthz", "/readyz"):
                probe = endpoint.liveness if path == "/healthz" else endpoint.readiness
                try:
                    result = probe()
                except Exception as exc:  # a probe that crashes reports itself failing
                    result = Probe(False, {"status": "fail", "error": repr(exc)})
                body = json.dumps(result.report, sort_keys=True).encode()
                self._send(200 if result.ok else 503, "application/json", body)
            else:
                self._send(404, "text/plain", b"try /metrics, /healthz or /readyz\n")

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return  # scrapes every few seconds would drown the process log

    return Handler


# -- where the endpoints are ------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    """A running process's metrics endpoint, as it registered itself."""

    role: str
    pid: int
    port: int
    app_id: str
    topic_prefix: str
    started_at: float
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def endpoints_dir(settings: Settings) -> Path:
    return settings.run_dir / "metrics"


def register_endpoint(settings: Settings, role: str, port: int) -> Path:
    """Write this process's endpoint file (removed at exit; stale ones are skipped by pid)."""
    folder = endpoints_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{role}-{os.getpid()}.json"
    record = {
        "role": role,
        "pid": os.getpid(),
        "port": port,
        "app_id": settings.app_id,
        "topic_prefix": settings.topic_prefix,
        "started_at": time.time(),
    }
    path.write_text(json.dumps(record))
    atexit.register(lambda: path.unlink(missing_ok=True))
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] == "Z":
            return False
    return True


def registered_endpoints(settings: Settings) -> list[Endpoint]:
    """Endpoints of live processes (files of dead ones are removed)."""
    found = []
    for path in sorted(endpoints_dir(settings).glob("*.json")):
        try:
            record = json.loads(path.read_text())
            endpoint = Endpoint(**record)
        except (OSError, ValueError, TypeError):
            continue
        if not _alive(endpoint.pid):
            path.unlink(missing_ok=True)
            continue
        found.append(endpoint)
    return found


def serve(
    settings: Settings,
    role: str,
    *,
    liveness: ProbeFunction = _always_ok,
    readiness: ProbeFunction = _always_ok,
) -> MetricsEndpoint | None:
    """Start this process's endpoint on `metrics_port` (0: none) and register it."""
    from errorstream import __version__

    PROCESS_INFO.labels(role, settings.app_id, __version__).set(1)
    if settings.metrics_port == 0:
        return None
    endpoint = MetricsEndpoint(liveness=liveness, readiness=readiness)
    port = endpoint.start(settings.metrics_port)
    if port != settings.metrics_port:
        log.warning(
            "metrics port %d is taken; %s serves /metrics, /healthz, /readyz on port %d "
            "(set ERRORSTREAM_METRICS_PORT per process to choose)",
            settings.metrics_port,
            role,
            port,
        )
    else:
        log.info("%s serves /metrics, /healthz, /readyz on port %d", role, port)
    register_endpoint(settings, role, port)
    return endpoint


# -- reading an endpoint ---------------------------------------------------------------------
@dataclass(frozen=True)
class Sample:
    name: str
    labels: Mapping[str, str]
    value: float


class Samples:
    """A scrape's samples, queried the way PromQL selects them (by name and label matchers)."""

    def __init__(self, samples: Iterable[Sample], families: Iterable[str] = ()) -> None:
        self.samples = list(samples)
        self.families = set(families)  # metric names announced by # HELP/# TYPE

    def select(self, name: str, **labels: str) -> list[Sample]:
        return [
            s
            for s in self.samples
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
        ]

    def total(self, name: str, **labels: str) -> float:
        """Sum of the matching samples (0 when there are none)."""
        return sum(s.value for s in self.select(name, **labels))

    def has(self, name: str) -> bool:
        return any(s.name == name for s in self.samples)

    def quantile(self, q: float, name: str, **labels: str) -> float | None:
        """histogram_quantile over the matching `<name>_bucket` samples, summed per bound."""
        bounds: dict[float, float] = {}
        for sample in self.select(f"{name}_bucket", **labels):
            bound = float(sample.labels["le"])
            bounds[bound] = bounds.get(bound, 0.0) + sample.value
        return histogram_quantile(q, list(bounds.items()))


def parse_exposition(text: str) -> Samples:
    """Samples of a Prometheus text exposition."""
    from prometheus_client.parser import text_string_to_metric_families

    samples: list[Sample] = []
    families: list[str] = []
    for family in text_string_to_metric_families(text):
        families.append(family.name)
        samples += [Sample(s.name, dict(s.labels), float(s.value)) for s in family.samples]
    return Samples(samples, families)


def scrape(url: str, timeout: float = 5.0) -> Samples:
    """GET `url`/metrics and parse it."""
    from urllib.request import urlopen

    with urlopen(f"{url.rstrip('/')}/metrics", timeout=timeout) as response:
        return parse_exposition(response.read().decode())


def probe(url: str, path: str, timeout: float = 5.0) -> tuple[int, dict[str, Any]]:
    """GET `url`/healthz or /readyz: the HTTP status and the JSON report."""
    from urllib.error import HTTPError
    from urllib.request import urlopen

    def report(body: bytes) -> dict[str, Any]:
        try:
            found = json.loads(body)
        except ValueError:
            return {"body": body.decode(errors="replace")}
        return found if isinstance(found, dict) else {"body": found}

    try:
        with urlopen(f"{url.rstrip('/')}{path}", timeout=timeout) as response:
            return response.status, report(response.read())
    except HTTPError as exc:
        return exc.code, report(exc.read())


# -- the README table -------------------------------------------------------------------------
def markdown_table(docs: Iterable[MetricDoc] = DOCUMENTED) -> str:
    rows = ["| metric | type | labels | process | meaning |", "| --- | --- | --- | --- | --- |"]
    for doc in docs:
        labels = ", ".join(f"`{label}`" for label in doc.labels) or "—"
        rows.append(f"| `{doc.name}` | {doc.kind} | {labels} | {doc.role} | {doc.help} |")
    return "\n".join(rows)


def exposed_names(docs: Iterable[MetricDoc] = DOCUMENTED) -> Iterator[str]:
    """Every sample name a documented metric can expose (histograms: _bucket, _sum, _count)."""
    for doc in docs:
        if doc.kind == "histogram":
            yield from (f"{doc.name}_bucket", f"{doc.name}_sum", f"{doc.name}_count")
        else:
            yield doc.name


if __name__ == "__main__":
    print(markdown_table())
