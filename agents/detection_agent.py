"""Agent: error.detected (+ feedback.recorded) → every detection signal. Thin: see detection.py.

State, in Faust tables co-partitioned with error.detected (keyed so every key's writes come
from one partition — a service's):
- `groups`: GroupState by group id;
- `services`: ServiceState (windows, pattern episodes, alerts) by service;
- `watermarks`: the latest event time per partition;
- `templates`: the template miner's clusters by cluster id (structural changes at once, sizes
  and recency every few hundred events).
Configuration (thresholds, escalation policies, the classifier snapshot) comes from the
compacted topics through `GlobalConfig`, read in every worker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

import faust

from errorstream.agents.app import app, gap_healer
from errorstream.agents.app import deliveries as new_deliveries
from errorstream.agents.detection import (
    DetectionConfig,
    Detector,
    PartitionProgress,
    Position,
    ServiceState,
)
from errorstream.agents.global_config import ConfigSnapshot, GlobalConfig
from errorstream.agents.groups import GroupState
from errorstream.agents.stage import Emit, Origin, Stage
from errorstream.agents.state_buffer import BufferedTable
from errorstream.agents.state_codecs import register_state, state_table
from errorstream.agents.templates import ClusterRecord, TemplateMiner
from errorstream.agents.thresholds import PolicyBook
from errorstream.config import settings
from errorstream.schemas.models import ErrorDetected, Event, FeedbackRecorded
from errorstream.streams.topics import (
    ERROR_DEADLETTER,
    ERROR_DETECTED,
    TOPIC_OF_EVENT,
    topic_for,
)

log = logging.getLogger(__name__)

STAGE = "detection"
FEEDBACK = "feedback.recorded"
TEMPLATE_FLUSH_EVERY = 500
BATCH_SIZE = 500  # events per batch: state written and outputs awaited once per batch
BATCH_WITHIN_S = 0.05  # a partial batch is processed after this long without more events

_config = settings()
_partitions = _config.topic_partitions


class _Cluster:
    """Codec adapter: ClusterRecord ↔ JSON."""

    @staticmethod
    def to_json(record: ClusterRecord) -> Any:
        return [
            record.cluster_id,
            record.namespace,
            list(record.template),
            record.size,
            list(record.aliases),
            record.created,
            record.last_used,
            [list(r) for r in record.routes],
        ]

    @staticmethod
    def from_json(data: Any) -> ClusterRecord:
        cid, namespace, template, size, aliases, created, last_used, routes = data
        return ClusterRecord(
            cid,
            namespace,
            tuple(template),
            size,
            tuple(aliases),
            created,
            last_used,
            tuple(tuple(r) for r in routes),
        )


class _ClusterState:
    def __init__(self, record: ClusterRecord) -> None:
        self.record = record

    def to_json(self) -> Any:
        return _Cluster.to_json(self.record)

    @classmethod
    def from_json(cls, data: Any) -> _ClusterState:
        return cls(_Cluster.from_json(data))


groups_table = state_table(
    app, "groups", register_state("errorstream_group", GroupState), _partitions
)
services_table = state_table(
    app, "services", register_state("errorstream_service", ServiceState), _partitions
)
watermarks_table = state_table(
    app, "watermarks", register_state("errorstream_partition", PartitionProgress), _partitions
)
templates_table = state_table(
    app, "templates", register_state("errorstream_cluster", _ClusterState), _partitions
)


class _Exemplar:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def to_json(self) -> Any:
        return self.data

    @classmethod
    def from_json(cls, data: Any) -> _Exemplar:
        return cls(dict(data))


exemplars_table = state_table(
    app, "exemplars", register_state("errorstream_exemplar", _Exemplar), _partitions
)


_groups = BufferedTable(groups_table, "errorstream_group")
_services = BufferedTable(services_table, "errorstream_service")
_watermarks = BufferedTable(watermarks_table, "errorstream_partition")
_templates = BufferedTable(templates_table, "errorstream_cluster")
_exemplars = BufferedTable(exemplars_table, "errorstream_exemplar")
BUFFERED = [_groups, _services, _watermarks, _templates, _exemplars]


class TableStore:
    """DetectionStore over the Faust tables, written behind (agents/state_buffer.py): every
    write belongs to the partition of the input event being handled (`partition`)."""

    partition = 0

    def group(self, group_id: str) -> GroupState | None:
        return _groups.get(group_id)  # type: ignore[no-any-return]

    def put_group(self, state: GroupState) -> None:
        _groups.set(state.group_id, state, self.partition)

    def service(self, service: str) -> ServiceState | None:
        return _services.get(service)  # type: ignore[no-any-return]

    def put_service(self, service: str, state: ServiceState) -> None:
        _services.set(service, state, self.partition)

    def exemplar(self, group_id: str) -> dict[str, Any] | None:
        found = _exemplars.get(group_id)
        return None if found is None else found.data  # type: ignore[no-any-return]

    def put_exemplar(self, group_id: str, exemplar: dict[str, Any]) -> None:
        _exemplars.set(group_id, _Exemplar(exemplar), self.partition)

    def progress(self, partition: int) -> PartitionProgress | None:
        return _watermarks.get(str(partition))  # type: ignore[no-any-return]

    def put_progress(self, partition: int, progress: PartitionProgress) -> None:
        _watermarks.set(str(partition), progress, partition)


_topic_names = {
    name: _config.topic(name)
    for name in {*TOPIC_OF_EVENT.values(), ERROR_DETECTED, FEEDBACK, ERROR_DEADLETTER}
}
_inputs = app.topic(
    _config.topic(ERROR_DETECTED),
    _config.topic(FEEDBACK),
    key_serializer="raw",
    value_serializer="raw",
)

detection_config = DetectionConfig(rules=_config.detection, limits=_config.limits)


class _Miner:
    """The worker's template miner, rebuilt from the table after every rebalance."""

    def __init__(self) -> None:
        self.miner = TemplateMiner()
        self.stale = True
        self.since_flush = 0

    def current(self) -> TemplateMiner:
        if self.stale:
            records = [state.record for _, state in _templates.items() if state is not None]
            self.miner = TemplateMiner.restore(records)
            self.stale = False
        return self.miner

    def persist(self, miner: TemplateMiner) -> None:
        self.since_flush += 1
        if self.since_flush < TEMPLATE_FLUSH_EVERY:
            return
        self.flush()

    def flush(self) -> None:
        upserts, deletes = self.miner.drain_changes()
        for record in upserts:
            _templates.set(record.cluster_id, _ClusterState(record), store.partition)
        for cluster_id in deletes:
            _templates.delete(cluster_id, store.partition)
        self.since_flush = 0


miner_state = _Miner()
store = TableStore()
detector = Detector(store, detection_config, on_template_change=miner_state.persist)


def _configure(snapshot: ConfigSnapshot) -> None:
    detection_config.book = PolicyBook(detection_config.rules, snapshot.overrides.values())
    detection_config.policies = list(snapshot.policies.values())
    current = detection_config.model
    # This worker may have learned a newer version itself than the reader has seen yet.
    if snapshot.model is not None and (current is None or snapshot.model_version > current.version):
        detection_config.model = snapshot.model


global_config = GlobalConfig(_config, on_change=_configure)

# partition → (last event wall-clock time, services seen on it): for idle sweeps
_activity: dict[int, tuple[float, set[str]]] = {}
_swept: set[str] = set()


def handle(event: Event, origin: Origin) -> Iterable[Emit]:
    position = Position(origin.topic, origin.partition, origin.offset)
    store.partition = origin.partition
    if isinstance(event, FeedbackRecorded):
        return [Emit(topic_for(e.event_type), e) for e in detector.on_feedback(event)]
    assert isinstance(event, ErrorDetected)
    detector.miner = miner_state.current()
    outcome = detector.on_error(event, position)
    seen = _activity.setdefault(origin.partition, (0.0, set()))[1]
    seen.add(event.source.service)
    _activity[origin.partition] = (time.monotonic(), seen)
    return [Emit(topic_for(e.event_type), e) for e in outcome.events]


deliveries = new_deliveries()


async def _send(topic: str, key: bytes | None, value: bytes) -> None:
    await deliveries.send(_topic_names[topic], key, value)


async def _end_batch() -> None:
    await deliveries.settle(BUFFERED)


stage = Stage(STAGE, handle, (ErrorDetected, FeedbackRecorded), _send, healer=gap_healer())


@app.agent(_inputs, name=STAGE, concurrency=1)
async def detect_errors(stream: faust.StreamT[Any]) -> None:
    await stage.run_batches(stream, BATCH_SIZE, BATCH_WITHIN_S, _end_batch)


@app.on_partitions_assigned.connect
async def _rebuild_after_rebalance(*_args: Any, **_kwargs: Any) -> None:
    miner_state.stale = True


@app.task  # type: ignore[untyped-decorator]
async def _start_config_reader() -> None:
    global_config.start()


@app.timer(interval=5.0)  # type: ignore[untyped-decorator]
async def _sweep_idle_partitions() -> None:
    """Quiet partitions advance on wall-clock time: their alerts resolve, their summary windows
    close (so cross-service cascades are never held up by them)."""
    rules = detection_config.rules
    now = time.monotonic()
    now_ms = int(time.time() * 1000)
    detected = _config.topic(ERROR_DETECTED)
    assigned = {tp.partition for tp in app.consumer.assignment() if tp.topic == detected}
    for partition in sorted(assigned):
        last_seen, services = _activity.get(partition, (_started, set()))
        idle = now - last_seen
        if idle < rules.idle_timeout_s:
            continue
        high = detector.high_water(partition)
        advanced = (
            high + int(idle * 1000) - rules.allowed_lateness_ms
            if high is not None
            else now_ms - rules.allowed_lateness_ms
        )
        events: list[Event] = []
        for service in sorted(services):
            events += detector.sweep(service, advanced)
        events += detector.sweep_partition(partition, advanced, now_ms)
        for event in events:
            if str(event.event_id) in _swept:
                continue
            _swept.add(str(event.event_id))
            await _send(topic_for(event.event_type), event.partition_key, stage.codec.encode(event))


_started = time.monotonic()
