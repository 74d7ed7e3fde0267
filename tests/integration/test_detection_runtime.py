"""Detection under the real runtime: replays are byte-identical; restarts and rebalances lose
and duplicate nothing.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable

from confluent_kafka import Producer

from errorstream.agents.detection import Detector, MemoryStore, Position
from errorstream.config import Settings
from errorstream.schemas.models import AlertRaised, ErrorClassified, ErrorDetected, Event
from errorstream.schemas.serialization import AvroCodec
from errorstream.streams.producer import EventPublisher, producer_config
from errorstream.streams.reader import Record, read_records
from errorstream.streams.topics import ERROR_DETECTED
from errorstream.workload import WorkloadSpec, generate

from ..scenarios import burst, cascade, flapping, regression
from .conftest import WORKER_READY, Process, Servers, isolated

OUTPUTS = (
    "error.classified",
    "pattern.detected",
    "alert.raised",
    "alert.resolved",
    "escalation.raised",
    "window.summarized",
)
NO_SWEEP = {"ERRORSTREAM_DETECTION__IDLE_TIMEOUT_S": "3600"}


def traffic() -> list[ErrorDetected]:
    events = list(generate(WorkloadSpec(seed=77, errors=900)))
    for scenario in (burst(), cascade(), flapping(), regression()):
        events += scenario.events
    return sorted(events, key=lambda e: (e.occurred_at, str(e.event_id)))


def wait_classified(settings: Settings, count: int, timeout: float = 180) -> list[Record]:
    deadline = time.monotonic() + timeout
    codec = AvroCodec()
    records: list[Record] = []
    while time.monotonic() < deadline:
        records = [
            r
            for r in read_records(settings, "error.classified", until_idle=1.5)
            if r.value is not None
        ]
        if len({codec.decode(r.value).event_id for r in records}) >= count:  # type: ignore[arg-type]
            return records
    got = {codec.decode(r.value).error_id for r in records if r.value}  # type: ignore[attr-defined]
    source = {
        codec.decode(r.value).event_id: (r.partition, r.offset)
        for r in read_records(settings, ERROR_DETECTED, until_idle=2.0)
        if r.value
    }
    letters = [
        codec.decode(r.value)
        for r in read_records(settings, "error.deadletter", until_idle=2.0)
        if r.value
    ]
    missing = sorted(position for error_id, position in source.items() if error_id not in got)
    raise AssertionError(
        f"{len(got)} of {count} classified; missing at {missing[:20]}; "
        f"dead letters: {[(d.stage, d.reason) for d in letters][:5]}"
    )


def by_key(records: Iterable[Record]) -> dict[bytes | None, list[bytes]]:
    """Per key, the distinct values in log order (a redelivered duplicate counts once)."""
    out: dict[bytes | None, list[bytes]] = defaultdict(list)
    seen: set[bytes] = set()
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        assert record.value is not None
        if record.value not in seen:
            seen.add(record.value)
            out[record.key].append(record.value)
    return dict(out)


def test_replay_into_a_fresh_app_is_byte_identical(
    servers: Servers, spawn: Callable[..., Process]
) -> None:
    events = traffic()
    with isolated(servers) as first:
        worker = spawn(first, "worker", extra_env=NO_SWEEP)
        worker.wait_for(WORKER_READY, 120)
        publisher = EventPublisher(first)
        for event in events:
            publisher.publish(ERROR_DETECTED, event)
        assert publisher.flush(30) == 0
        wait_classified(first, len(events))
        time.sleep(2)
        original = {t: by_key(read_records(first, t, until_idle=2.0)) for t in OUTPUTS}
        source = list(read_records(first, ERROR_DETECTED, until_idle=2.0))
        worker.stop()
        with isolated(servers) as second:
            # The same log, partition by partition, keys and timestamps kept.
            producer = Producer(producer_config(second))
            for record in sorted(source, key=lambda r: (r.partition, r.offset)):
                producer.produce(
                    second.topic(ERROR_DETECTED),
                    value=record.value,
                    key=record.key,
                    partition=record.partition,
                    timestamp=record.timestamp_ms or 0,
                )
            assert producer.flush(30) == 0
            replayer = spawn(second, "worker", extra_env=NO_SWEEP)
            replayer.wait_for(WORKER_READY, 120)
            wait_classified(second, len(events))
            time.sleep(2)
            replayed = {t: by_key(read_records(second, t, until_idle=2.0)) for t in OUTPUTS}
    for topic in OUTPUTS:
        # the same events, byte for byte, under every key ...
        assert {k: sorted(v) for k, v in replayed[topic].items()} == {
            k: sorted(v) for k, v in original[topic].items()
        }, topic
    # ... and in the same order where one source partition writes a key (a service's events);
    # window.summarized interleaves every partition's summaries, in whatever order they meet
    for topic in OUTPUTS:
        if topic != "window.summarized":
            assert replayed[topic] == original[topic], topic
    assert sum(len(v) for v in original["alert.raised"].values()) > 0
    assert sum(len(v) for v in original["pattern.detected"].values()) > 0


def reference_alerts(source: list[Record]) -> set[object]:
    """Alert ids the pure detection derives from the log, partition by partition."""
    codec = AvroCodec()
    detector = Detector(MemoryStore())
    alerts = set()
    for record in sorted(source, key=lambda r: (r.partition, r.offset)):
        assert record.value is not None
        event = codec.decode(record.value)
        assert isinstance(event, ErrorDetected)
        outcome = detector.on_error(
            event, Position("error.detected", record.partition, record.offset)
        )
        alerts |= {e.alert_id for e in outcome.events if isinstance(e, AlertRaised)}
    return alerts


def test_restart_and_rebalance_lose_and_duplicate_nothing(
    servers: Servers, spawn: Callable[..., Process]
) -> None:
    events = traffic()
    thirds = [
        events[: len(events) // 3],
        events[len(events) // 3 : 2 * len(events) // 3],
        events[2 * len(events) // 3 :],
    ]
    with isolated(servers, topic_partitions=3) as settings:
        publisher = EventPublisher(settings)

        def publish(chunk: list[ErrorDetected]) -> None:
            for event in chunk:
                publisher.publish(ERROR_DETECTED, event)
            assert publisher.flush(30) == 0

        first = spawn(settings, "worker", extra_env=NO_SWEEP)
        first.wait_for(WORKER_READY, 120)
        publish(thirds[0])
        wait_classified(settings, len(thirds[0]))
        # A second worker joins: partitions and their state move to it.
        second = spawn(
            settings,
            "worker",
            extra_env={
                **NO_SWEEP,
                "ERRORSTREAM_WORKER_WEB_PORT": str(settings.worker_web_port + 1),
            },
        )
        second.wait_for(WORKER_READY, 120)
        publish(thirds[1])
        wait_classified(settings, len(thirds[0]) + len(thirds[1]))
        # The first worker crashes: the second recovers everything from the changelogs.
        first.kill()
        publish(thirds[2])
        records = wait_classified(settings, len(events), timeout=240)
        time.sleep(3)
        codec = AvroCodec()
        classified: list[Event] = [codec.decode(r.value) for r in records if r.value]
        raised = [
            codec.decode(r.value)
            for r in read_records(settings, "alert.raised", until_idle=2.0)
            if r.value
        ]
        source = list(read_records(settings, ERROR_DETECTED, until_idle=2.0))
        assert second.popen.poll() is None
    # no error lost: every report classified (once per id: duplicates share ids)
    assert {c.error_id for c in classified if isinstance(c, ErrorClassified)} == {
        e.event_id for e in events
    }
    # no alert lost or duplicated: exactly the alerts the pure pass derives from the same log
    assert {a.alert_id for a in raised if isinstance(a, AlertRaised)} == reference_alerts(source)
