"""Liveness and readiness of workers and projectors, and the gauges read when scraped.

``/healthz`` (liveness) fails only when restarting the process would help: a Faust worker whose
event loop stopped beating, a projector host whose threads died. ``/readyz`` (readiness) fails
while the process cannot do its job: the broker does not answer, it owns no partitions (or is
still rebalancing/recovering tables), it is more than ``max_lag`` messages behind, or — for
projectors — PostgreSQL does not answer.

Everything here that talks to Kafka or PostgreSQL runs on the metrics endpoint's HTTP thread,
never on a worker's event loop, with short timeouts and a few seconds of caching, so scrapes
and probes stay cheap and cannot stall processing. The Faust worker's own state (assignment,
watermarks, firing alerts) is copied into plain dicts by timers on its event loop and read
from there.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import psycopg
from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # OffsetSpec: no __all__ entry
    AdminClient,
    OffsetSpec,
)
from prometheus_client import REGISTRY

from errorstream import metrics
from errorstream.config import Settings
from errorstream.metrics import Labels, MetricsEndpoint, Probe, SnapshotGauges, lag_of

log = logging.getLogger(__name__)

READY_MAX_LAG = 100_000  # messages behind (all assigned partitions) before /readyz fails
HEARTBEAT_STALE_S = 30.0  # a worker's event loop silent this long is not alive
STARTUP_GRACE_S = 300.0  # before its first beat (startup, table recovery) a worker is alive
PROBE_TIMEOUT_S = 2.0
CACHE_S = 3.0

T = TypeVar("T")
Partition = tuple[str, int]


@dataclass(frozen=True)
class Check:
    """One readiness or liveness condition and what was found."""

    name: str
    ok: bool
    detail: str = ""


def verdict(checks: Sequence[Check]) -> Probe:
    """Probe result of a list of checks: ok when every check is."""
    ok = all(check.ok for check in checks)
    return Probe(
        ok,
        {
            "status": "ok" if ok else "fail",
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks],
        },
    )


class Cached(Generic[T]):
    """The value of `load`, reloaded at most every `ttl` seconds (failures are cached too)."""

    def __init__(self, load: Callable[[], T], ttl: float = CACHE_S) -> None:
        self.load = load
        self.ttl = ttl
        self._lock = threading.Lock()
        self._at = -float("inf")
        self._value: T | None = None
        self._error: Exception | None = None

    def get(self) -> T:
        with self._lock:
            if time.monotonic() - self._at >= self.ttl:
                try:
                    self._value, self._error = self.load(), None
                except Exception as exc:
                    self._value, self._error = None, exc
                self._at = time.monotonic()
            if self._error is not None:
                raise self._error
            return self._value  # type: ignore[return-value]


# -- what the outside world says --------------------------------------------------------------
class KafkaProbe:
    """Broker reachability, partition watermarks and committed offsets, via one admin client."""

    def __init__(self, settings: Settings, timeout: float = PROBE_TIMEOUT_S) -> None:
        self.settings = settings
        self.timeout = timeout
        self.admin = AdminClient(
            {
                "bootstrap.servers": settings.bootstrap_servers,
                "log_level": 2,
                "socket.connection.setup.timeout.ms": int(timeout * 1000),
            }
        )
        self._reachable = Cached(self._metadata)

    def _metadata(self) -> int:
        metadata = self.admin.list_topics(timeout=self.timeout)
        if not metadata.brokers:
            raise KafkaException("no broker in the metadata")
        return len(metadata.brokers)

    def reachable(self) -> Check:
        try:
            brokers = self._reachable.get()
        except Exception as exc:
            return Check("broker", False, f"{self.settings.bootstrap_servers}: {exc}")
        return Check("broker", True, f"{brokers} broker(s) at {self.settings.bootstrap_servers}")

    def watermarks(self, partitions: Iterable[Partition]) -> dict[Partition, tuple[int, int]]:
        """(low, high) offsets of each partition."""
        tps = [TopicPartition(t, p) for t, p in partitions]
        if not tps:
            return {}
        ends: dict[Partition, list[int]] = {}
        earliest, latest = OffsetSpec.earliest(), OffsetSpec.latest()  # type: ignore[no-untyped-call]
        for spec in (earliest, latest):
            futures = self.admin.list_offsets(
                {tp: spec for tp in tps}, request_timeout=self.timeout
            )
            for tp, future in futures.items():
                ends.setdefault((tp.topic, tp.partition), []).append(future.result().offset)
        return {key: (values[0], values[1]) for key, values in ends.items() if len(values) == 2}

    def committed(self, group: str, partitions: Iterable[Partition]) -> dict[Partition, int]:
        """A consumer group's committed offsets in Kafka (absent: nothing committed)."""
        tps = [TopicPartition(t, p) for t, p in partitions]
        if not tps:
            return {}
        request = [ConsumerGroupTopicPartitions(group, tps)]
        futures = self.admin.list_consumer_group_offsets(request, request_timeout=PROBE_TIMEOUT_S)
        found: dict[Partition, int] = {}
        for future in futures.values():
            for tp in future.result().topic_partitions:
                if tp.offset >= 0:
                    found[(tp.topic, tp.partition)] = tp.offset
        return found


def partition_lags(
    watermarks: Mapping[Partition, tuple[int, int]], positions: Mapping[Partition, int]
) -> dict[Partition, int]:
    """Lag of every partition with known watermarks, from committed/stored positions."""
    return {key: lag_of(low, high, positions.get(key)) for key, (low, high) in watermarks.items()}


def database_check(dsn: str) -> Check:
    try:
        with psycopg.connect(dsn, connect_timeout=int(PROBE_TIMEOUT_S), autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return Check("database", False, str(exc).strip().splitlines()[0] if str(exc) else "")
    return Check("database", True, "answers")


def lag_check(lags: Callable[[], Mapping[Any, int]], max_lag: int) -> Check:
    try:
        total = sum(lags().values())
    except Exception as exc:
        return Check("lag", False, f"unknown: {exc}")
    return Check("lag", total <= max_lag, f"{total} messages behind (bound {max_lag})")


def _lag_gauges(consumer: str, lags: Mapping[Partition, int]) -> dict[Labels, float]:
    return {(consumer, topic, str(partition)): lag for (topic, partition), lag in lags.items()}


# -- a Faust worker ---------------------------------------------------------------------------
def _loaded(module: str) -> Any:
    """An agent module if this worker runs it (never imported from here: that would register
    its agents after the app started)."""
    return sys.modules.get(module)


def internal_topic(topic: str, app_id: str) -> bool:
    """Faust's own topics (table changelogs, the assignor's leader topic) are not inputs."""
    return topic.startswith(f"{app_id}-") or topic.startswith("__")


def count_firing(alerts: Iterable[Any]) -> dict[Labels, float]:
    """Firing alerts by (rule, severity), from alerting.FiringAlert-like records."""
    counts = Counter((str(a.rule), str(a.severity)) for a in alerts)
    return {key: float(n) for key, n in counts.items()}


class WorkerObservation:
    """Metrics and probes of a Faust worker running errorstream's agents."""

    def __init__(self, app: Any, settings: Settings, max_lag: int = READY_MAX_LAG) -> None:
        self.app = app
        self.settings = settings
        self.max_lag = max_lag
        self.kafka = KafkaProbe(settings)
        self.started = time.monotonic()
        self.beat: float | None = None
        self.assigned: frozenset[Partition] = frozenset()
        self.watermarks: dict[Labels, float] = {}  # (agent, partition) → watermark (s)
        self.firing: dict[Labels, float] = {}
        self.detection_counts: dict[Labels, float] = {}
        self.duplicates: dict[Labels, float] = {}
        self._lags = Cached(self._read_lags)

    # state copied on the event loop ---------------------------------------------------------
    async def on_assigned(self, _sender: Any, assigned: Iterable[Any], **_: Any) -> None:
        app_id = self.settings.app_id
        self.assigned = frozenset(
            (tp.topic, tp.partition) for tp in assigned if not internal_topic(tp.topic, app_id)
        )

    async def on_revoked(self, _sender: Any, revoked: Iterable[Any], **_: Any) -> None:
        gone = {(tp.topic, tp.partition) for tp in revoked}
        self.assigned = frozenset(self.assigned - gone)

    async def heartbeat(self) -> None:
        self.beat = time.monotonic()
        self._copy_detection_state()

    async def count_alerts(self) -> None:
        detection_agent = _loaded("errorstream.agents.detection_agent")
        if detection_agent is None:
            return
        firing = (
            alert
            for _, state in detection_agent.services_table.items()
            if state is not None
            for alert in state.alerts.firing.values()
        )
        self.firing = count_firing(firing)

    def _copy_detection_state(self) -> None:
        detection_agent = _loaded("errorstream.agents.detection_agent")
        if detection_agent is None:
            return
        from errorstream.agents.global_config import CLASSIFIER_MODEL_ID

        detector = detection_agent.detector
        lateness = detection_agent.detection_config.rules.allowed_lateness_ms
        detected = self.settings.topic("error.detected")
        watermarks: dict[Labels, float] = {}
        for topic, partition in self.assigned:
            if topic != detected:
                continue
            high = detector.high_water(partition)
            if high is not None:
                watermarks[(detection_agent.STAGE, str(partition))] = (high - lateness) / 1000
        self.watermarks = watermarks
        self.detection_counts = {(detection_agent.STAGE,): float(detector.late_events)}
        self.duplicates = {(detection_agent.STAGE,): float(detector.duplicates)}
        version = detection_agent.global_config.current().model_version
        if version:
            metrics.MODEL_VERSION.labels(CLASSIFIER_MODEL_ID).set(version)

    # read on the HTTP thread ----------------------------------------------------------------
    def _read_lags(self) -> dict[Partition, int]:
        partitions = sorted(self.assigned)
        watermarks = self.kafka.watermarks(partitions)
        return partition_lags(watermarks, self.kafka.committed(self.settings.app_id, partitions))

    def watermark_lag(self) -> dict[Labels, float]:
        now = time.time()
        return {key: max(0.0, now - mark) for key, mark in self.watermarks.items()}

    def collectors(self) -> list[SnapshotGauges]:
        consumer = self.settings.app_id
        return [
            SnapshotGauges(
                metrics.CONSUMER_LAG,
                "Messages behind per assigned partition.",
                ("consumer", "topic", "partition"),
                lambda: _lag_gauges(consumer, self._lags.get()),
            ),
            SnapshotGauges(
                metrics.ASSIGNED_PARTITIONS,
                "Partitions assigned to this process.",
                ("consumer",),
                lambda: {(consumer,): float(len(self.assigned))},
            ),
            SnapshotGauges(
                metrics.WATERMARK_LAG,
                "Wall clock minus the event-time watermark.",
                ("agent", "partition"),
                self.watermark_lag,
            ),
            SnapshotGauges(
                metrics.ALERTS_FIRING,
                "Alerts firing now.",
                ("rule", "severity"),
                lambda: self.firing,
            ),
            SnapshotGauges(
                metrics.LATE_EVENTS,
                "Events behind the watermark.",
                ("agent",),
                lambda: self.detection_counts,
                kind="counter",
            ),
            SnapshotGauges(
                metrics.DUPLICATE_EVENTS,
                "Redelivered events recognised.",
                ("agent",),
                lambda: self.duplicates,
                kind="counter",
            ),
        ]

    def liveness(self) -> Probe:
        now = time.monotonic()
        if self.beat is None:
            up = now - self.started
            return verdict([Check("event loop", up < STARTUP_GRACE_S, f"starting for {up:.0f}s")])
        silent = now - self.beat
        return verdict(
            [Check("event loop", silent < HEARTBEAT_STALE_S, f"last beat {silent:.1f}s ago")]
        )

    def readiness(self) -> Probe:
        checks = [self.kafka.reachable()]
        settled = not getattr(self.app, "rebalancing", False) and not getattr(
            self.app, "in_recovery", False
        )
        checks.append(
            Check(
                "partitions",
                bool(self.assigned) and settled,
                f"{len(self.assigned)} assigned" + ("" if settled else ", rebalancing"),
            )
        )
        checks.append(lag_check(self._lags.get, self.max_lag))
        return verdict(checks)

    def install(self) -> None:
        """Hook into the app (before it starts): signals, and timers on its event loop."""
        self.app.on_partitions_assigned.connect(self.on_assigned)
        self.app.on_partitions_revoked.connect(self.on_revoked)
        self.app.timer(interval=1.0, name="errorstream-heartbeat")(self.heartbeat)
        self.app.timer(interval=5.0, name="errorstream-alert-count")(self.count_alerts)
        for collector in self.collectors():
            REGISTRY.register(collector)


def observe_worker(app: Any, settings: Settings) -> MetricsEndpoint | None:
    """Metrics and probes for a Faust worker; call before the worker starts."""
    observation = WorkerObservation(app, settings)
    observation.install()
    return metrics.serve(
        settings, "worker", liveness=observation.liveness, readiness=observation.readiness
    )


# -- a projector host -------------------------------------------------------------------------
class ProjectorObservation:
    """Metrics and probes of a process hosting projection workers."""

    def __init__(self, host: Any, settings: Settings, max_lag: int = READY_MAX_LAG) -> None:
        self.host = host  # projections.runtime.ProjectionHost
        self.settings = settings
        self.max_lag = max_lag
        self.kafka = KafkaProbe(settings)
        self._lags = Cached(self._read_lags)
        self._database = Cached(lambda: database_check(settings.dsn))

    def _assigned(self) -> dict[str, list[Partition]]:
        return {w.projector.name: list(w.stats.assigned) for w in self.host.workers}

    def _read_lags(self) -> dict[tuple[str, str, int], int]:
        """Lag per (projector, topic, partition): Kafka's end minus the offset in PostgreSQL."""
        assigned = self._assigned()
        everything = sorted({p for partitions in assigned.values() for p in partitions})
        if not everything:
            return {}
        watermarks = self.kafka.watermarks(everything)
        with psycopg.connect(
            self.settings.dsn, connect_timeout=int(PROBE_TIMEOUT_S), autocommit=True
        ) as conn:
            rows = conn.execute(
                "SELECT projection, topic, partition, next_offset FROM projection_offsets"
            ).fetchall()
        stored = {(name, topic, partition): offset for name, topic, partition, offset in rows}
        lags = {}
        for name, partitions in assigned.items():
            for topic, partition in partitions:
                if (topic, partition) in watermarks:
                    low, high = watermarks[(topic, partition)]
                    position = stored.get((name, topic, partition))
                    lags[(name, topic, partition)] = lag_of(low, high, position)
        return lags

    def collectors(self) -> list[SnapshotGauges]:
        return [
            SnapshotGauges(
                metrics.CONSUMER_LAG,
                "Messages behind per assigned partition.",
                ("consumer", "topic", "partition"),
                lambda: {
                    (f"projection:{name}", topic, str(partition)): float(lag)
                    for (name, topic, partition), lag in self._lags.get().items()
                },
            ),
            SnapshotGauges(
                metrics.ASSIGNED_PARTITIONS,
                "Partitions assigned to this process.",
                ("consumer",),
                lambda: {
                    (f"projection:{name}",): float(len(partitions))
                    for name, partitions in self._assigned().items()
                },
            ),
            SnapshotGauges(
                metrics.PROJECTION_LAST_BATCH,
                "Unix time of the last committed batch.",
                ("projector",),
                lambda: {
                    (w.projector.name,): w.stats.last_batch_at
                    for w in self.host.workers
                    if w.stats.last_batch_at
                },
            ),
        ]

    def liveness(self) -> Probe:
        alive = self.host.alive()
        return verdict([Check("threads", alive, "running" if alive else "a projector died")])

    def readiness(self) -> Probe:
        checks = [self.kafka.reachable(), self._database.get()]
        idle = sorted(name for name, partitions in self._assigned().items() if not partitions)
        checks.append(
            Check(
                "partitions",
                not idle,
                f"without partitions: {', '.join(idle)}" if idle else "every projector assigned",
            )
        )
        if checks[1].ok:
            checks.append(lag_check(self._lags.get, self.max_lag))
        return verdict(checks)


def observe_projectors(host: Any, settings: Settings) -> MetricsEndpoint | None:
    """Metrics and probes for a projector host; call when it starts."""
    observation = ProjectorObservation(host, settings)
    for collector in observation.collectors():
        REGISTRY.register(collector)
    return metrics.serve(
        settings, "projector", liveness=observation.liveness, readiness=observation.readiness
    )
