"""A running worker and projector, fed a known workload, export what the README documents.

The worker gets good events (with occurred_at in the last hour, so detection latencies are
real) and garbage; its /metrics must count exactly what was sent, the dead letters exactly the
garbage, and its latency histogram exactly the signals that appeared on their topics. The
projector's /metrics must count every event it wrote and the garbage it refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from errorstream.config import Settings
from errorstream.metrics import DOCUMENTED, Samples, probe, scrape
from errorstream.schemas.serialization import AvroCodec
from errorstream.streams.producer import EventPublisher
from errorstream.streams.reader import read_records
from errorstream.streams.topics import ERROR_DETECTED, topic_for
from errorstream.workload import WorkloadSpec, generate, malformed_payloads

from .conftest import Process, free_port

GOOD = 300
GARBAGE = 40
SIGNALS = ("PatternDetected", "AlertRaised", "EscalationRaised")


def wait_until(
    url: str, done: Callable[[Samples], bool], timeout: float = 120.0, what: str = ""
) -> Samples:
    deadline = time.monotonic() + timeout
    samples = Samples([])
    while time.monotonic() < deadline:
        try:
            samples = scrape(url)
        except OSError:
            samples = Samples([])
        if done(samples):
            return samples
        time.sleep(0.5)
    raise AssertionError(f"{what or 'condition'} not reached in {timeout}s")


def wait_ready(url: str, process: Process, timeout: float = 120.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    report: dict[str, object] = {}
    while time.monotonic() < deadline:
        assert process.popen.poll() is None, process.output()[-3000:]
        try:
            status, report = probe(url, "/readyz")
        except OSError:
            status = 0
        if status == 200:
            return report
        time.sleep(0.5)
    raise AssertionError(f"not ready in {timeout}s: {report}\n{process.output()[-3000:]}")


def documented_families(role: str) -> set[str]:
    return {doc.name.removesuffix("_total") for doc in DOCUMENTED if doc.role in (role, "any")}


def test_a_worker_and_a_projector_export_the_documented_metrics(
    env: Settings, spawn: Callable[..., Process]
) -> None:
    worker_port, projector_port = free_port(), free_port()
    worker = spawn(env, "worker", extra_env={"ERRORSTREAM_METRICS_PORT": str(worker_port)})
    projector = spawn(env, "project", extra_env={"ERRORSTREAM_METRICS_PORT": str(projector_port)})
    worker_url = f"http://127.0.0.1:{worker_port}"
    projector_url = f"http://127.0.0.1:{projector_port}"
    wait_ready(worker_url, worker)
    wait_ready(projector_url, projector)

    now = datetime.now(UTC).replace(microsecond=0)
    good = list(
        generate(WorkloadSpec(seed=77, errors=GOOD, start=now - timedelta(hours=1), services=5))
    )
    garbage = malformed_payloads(GARBAGE, seed=77)
    codec = AvroCodec()
    publisher = EventPublisher(env, codec)
    for event in good:
        publisher.publish(ERROR_DETECTED, event)
    for i, payload in enumerate(garbage):
        publisher.publish_bytes(ERROR_DETECTED, payload, key=f"garbage-{i % 3}".encode())
    assert publisher.flush(30) == 0

    worker_samples = wait_until(
        worker_url,
        lambda s: (
            s.total("errorstream_events_consumed_total", agent="detection") >= GOOD + GARBAGE
            and s.has("errorstream_consumer_lag_messages")
            and s.total("errorstream_consumer_lag_messages") == 0
            # state snapshots (watermarks) are copied by a 1 s timer, lag by its own cache:
            # wait for both, or a fast worker is scraped between them
            and s.has("errorstream_watermark_lag_seconds")
        ),
        what="worker caught up",
    )
    assert worker_samples.total(
        "errorstream_events_consumed_total", agent="detection", topic=ERROR_DETECTED
    ) == (GOOD + GARBAGE)
    assert (
        worker_samples.total(
            "errorstream_events_produced_total", agent="detection", topic="error.classified"
        )
        == GOOD
    )
    assert worker_samples.total("errorstream_deadlettered_total", stage="detection") == GARBAGE
    assert worker_samples.total("errorstream_processing_seconds_count", agent="detection") == GOOD
    assert worker_samples.total("errorstream_processing_seconds_sum", agent="detection") > 0
    lag_partitions = {
        s.labels["partition"]
        for s in worker_samples.select(
            "errorstream_consumer_lag_messages", topic=env.topic(ERROR_DETECTED)
        )
    }
    assert lag_partitions == {str(p) for p in range(env.topic_partitions)}
    assert worker_samples.total("errorstream_assigned_partitions") >= env.topic_partitions
    # The watermark trails the wall clock by about the age of the newest event + lateness.
    watermark_lags = [s.value for s in worker_samples.select("errorstream_watermark_lag_seconds")]
    assert watermark_lags
    assert all(0 <= lag < 2 * 3600 for lag in watermark_lags)

    # Every signal on its topic was observed once in the latency histogram (other agents, such
    # as the cross-service cascade agent, may still be emitting: compare until they agree).
    for signal in SIGNALS:
        deadline = time.monotonic() + 60
        while True:
            records = read_records(env, topic_for(signal), until_idle=1.0, timeout=30)
            emitted = sum(
                1 for r in records if r.value and codec.decode(r.value).event_type == signal
            )
            worker_samples = scrape(worker_url)
            observed = worker_samples.total(  # every agent's (detection, cascades, ...)
                "errorstream_detection_latency_seconds_count", event_type=signal
            )
            if observed == emitted or time.monotonic() > deadline:
                break
        assert observed == emitted, signal
    signals = sum(
        worker_samples.total("errorstream_detection_latency_seconds_count", event_type=s)
        for s in SIGNALS
    )
    assert signals > 0
    latency_sum = worker_samples.total("errorstream_detection_latency_seconds_sum")
    assert 0 < latency_sum <= signals * 3700
    assert worker_samples.total("errorstream_late_events_total", agent="detection") >= 0
    assert documented_families("worker") <= worker_samples.families
    assert worker_samples.total("process_resident_memory_bytes") > 10_000_000

    projector_samples = wait_until(
        projector_url,
        lambda s: (
            s.total("errorstream_projection_events_total", projector="errors") >= 2 * GOOD
            and s.total("errorstream_deadlettered_total", stage="projection:errors") >= GARBAGE
            and s.has("errorstream_consumer_lag_messages")
            and s.total("errorstream_consumer_lag_messages") == 0
        ),
        what="projector caught up",
    )
    # error.detected and error.classified: one row write each; the garbage is refused.
    assert (
        projector_samples.total("errorstream_projection_events_total", projector="errors")
        == 2 * GOOD
    )
    assert (
        projector_samples.total("errorstream_deadlettered_total", stage="projection:errors")
        == GARBAGE
    )
    batches = projector_samples.total(
        "errorstream_projection_batch_seconds_count", projector="errors"
    )
    assert batches > 0
    assert projector_samples.total(
        "errorstream_projection_last_batch_timestamp_seconds", projector="errors"
    ) == pytest.approx(time.time(), abs=600)
    assert documented_families("projector") <= projector_samples.families
    assert worker.popen.poll() is None
    assert projector.popen.poll() is None
