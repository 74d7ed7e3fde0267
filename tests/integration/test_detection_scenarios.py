"""Incidents through a real worker on the real broker, each detected exactly once.

All scenarios run together, interleaved in event-time order as production traffic would be:
a burst, a cascade inside one service, a cascade across services (a database outage climbing
to the API), a slow degradation, a regression of a resolved group, a flapping alert, and a quiet
baseline that must raise nothing.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from errorstream.config import Settings
from errorstream.schemas.enums import GroupStatus, Layer, PatternType
from errorstream.schemas.models import (
    AlertRaised,
    AlertResolved,
    ErrorClassified,
    EscalationRaised,
    Event,
    PatternDetected,
)
from errorstream.schemas.serialization import AvroCodec
from errorstream.streams.producer import EventPublisher
from errorstream.streams.reader import read_records
from errorstream.streams.topics import ERROR_DETECTED

from ..scenarios import (
    Scenario,
    burst,
    cascade,
    degradation,
    flapping,
    quiet_baseline,
    regression,
)
from .conftest import WORKER_READY, Process, Servers, isolated


def cross_service_cascade() -> Scenario:
    s = Scenario("outage", "inventory")
    chain = [
        ("inventory", Layer.INFRASTRUCTURE, "connection pool exhausted", "PoolTimeout"),
        ("orders", Layer.CORE, "order repository unavailable", "RepositoryError"),
        ("payments", Layer.SERVICE, "orders service unavailable", "UpstreamError"),
        ("checkout-web", Layer.API, "POST /checkout returned 503", "HTTPError"),
    ]
    for step, (service, layer, message, kind) in enumerate(chain):
        for repeat in range(2):  # a failing layer fails more than once
            s.error(
                timedelta(minutes=30, seconds=10 + 12 * step + 3 * repeat),
                layer=layer,
                message=message,
                exception_type=kind,
                function=f"step{step}",
                service=service,
                member=True,
            )
    for minute in range(3, 7):  # later traffic moves each partition's watermark on
        for service, layer, message, kind in chain:
            s.error(
                timedelta(minutes=30 + minute),
                layer=layer,
                message=f"{message} (retry)",
                exception_type=f"{kind}Retry",
                function="retry",
                service=service,
            )
    return s


@pytest.fixture(scope="module")
def outputs(servers: Servers, spawn_module: Callable[..., Process]) -> Iterator[dict[str, object]]:
    with isolated(servers) as settings:
        scenarios = {
            "burst": burst(),
            "cascade": cascade(),
            "degradation": degradation(),
            "regression": regression(),
            "flapping": flapping(),
            "baseline": quiet_baseline(),
            "outage": cross_service_cascade(),
        }
        worker = spawn_module(
            settings, "worker", extra_env={"ERRORSTREAM_DETECTION__IDLE_TIMEOUT_S": "3600"}
        )
        worker.wait_for(WORKER_READY, 120)
        events = sorted(
            (e for s in scenarios.values() for e in s.events),
            key=lambda e: (e.occurred_at, str(e.event_id)),
        )
        publisher = EventPublisher(settings)
        for event in events:
            publisher.publish(ERROR_DETECTED, event)
        assert publisher.flush(30) == 0
        codec = AvroCodec()
        seen = _read_until(settings, codec, "error.classified", len(events))
        assert len({e.event_id for e in seen}) == len(events)
        time.sleep(3)  # cross-service summaries travel one more hop
        result: dict[str, object] = {"scenarios": scenarios, "classified": seen}
        for topic in ("pattern.detected", "alert.raised", "alert.resolved", "escalation.raised"):
            result[topic] = [
                codec.decode(r.value)
                for r in read_records(settings, topic, until_idle=3.0)
                if r.value is not None
            ]
        summaries = list(read_records(settings, "window.summarized", until_idle=2.0))
        result["window.summarized"] = [codec.decode(r.value) for r in summaries if r.value]
        assert worker.popen.poll() is None
        yield result
        worker.stop()


def _read_until(settings: Settings, codec: AvroCodec, topic: str, count: int) -> list[Event]:
    deadline = time.monotonic() + 120
    seen: dict[object, Event] = {}
    while time.monotonic() < deadline and len(seen) < count:
        for record in read_records(settings, topic, until_idle=2.0):
            if record.value is not None:
                event = codec.decode(record.value)
                seen[event.event_id] = event
    return list(seen.values())


def _patterns(
    outputs: dict[str, object], service: str | None, kind: PatternType
) -> list[PatternDetected]:
    found = outputs["pattern.detected"]
    assert isinstance(found, list)
    return [
        p
        for p in found
        if isinstance(p, PatternDetected) and p.service == service and p.pattern_type is kind
    ]


def _unique(events: list[PatternDetected]) -> list[PatternDetected]:
    return list({e.event_id: e for e in events}.values())


def test_burst(outputs: dict[str, object]) -> None:
    scenario = outputs["scenarios"]["burst"]  # type: ignore[index]
    found = _unique(_patterns(outputs, scenario.service, PatternType.BURST))
    assert len(found) == 1
    assert list(found[0].error_ids) == scenario.members


def test_cascade_within_a_service(outputs: dict[str, object]) -> None:
    scenario = outputs["scenarios"]["cascade"]  # type: ignore[index]
    found = _unique(_patterns(outputs, scenario.service, PatternType.CASCADE))
    assert len(found) == 1
    assert list(found[0].error_ids) == scenario.members


def test_cascade_across_services(outputs: dict[str, object]) -> None:
    scenario = outputs["scenarios"]["outage"]  # type: ignore[index]
    found = _unique(_patterns(outputs, None, PatternType.CASCADE))
    summaries = [(w.service, w.window_start) for w in outputs["window.summarized"]]  # type: ignore[attr-defined]
    assert len(found) == 1, summaries
    cascade = found[0]
    assert cascade.services[:3] == ("inventory", "orders", "payments")
    assert cascade.affected_layers[0] is Layer.INFRASTRUCTURE
    assert set(cascade.error_ids) <= set(scenario.members)
    escalations = [
        e
        for e in outputs["escalation.raised"]  # type: ignore[attr-defined]
        if isinstance(e, EscalationRaised) and e.pattern_id == cascade.pattern_id
    ]
    assert len({e.event_id for e in escalations}) == 1


def test_degradation(outputs: dict[str, object]) -> None:
    scenario = outputs["scenarios"]["degradation"]  # type: ignore[index]
    assert len(_unique(_patterns(outputs, scenario.service, PatternType.DEGRADATION))) == 1


def test_regression(outputs: dict[str, object]) -> None:
    scenario = outputs["scenarios"]["regression"]  # type: ignore[index]
    classified = [
        c
        for c in outputs["classified"]
        if isinstance(c, ErrorClassified)  # type: ignore[attr-defined]
        and c.source.service == scenario.service
    ]
    regressed = [c for c in classified if c.regression]
    assert [c.error_id for c in regressed] == scenario.members
    assert regressed[0].group_status is GroupStatus.REGRESSED


def test_flapping_alert_is_one_alert(outputs: dict[str, object]) -> None:
    scenario = outputs["scenarios"]["flapping"]  # type: ignore[index]
    raised = {
        a.alert_id
        for a in outputs["alert.raised"]  # type: ignore[attr-defined]
        if isinstance(a, AlertRaised) and a.service == scenario.service
    }
    resolved = Counter(
        a.alert_id
        for a in {
            r.event_id: r
            for r in outputs["alert.resolved"]  # type: ignore[attr-defined]
            if isinstance(r, AlertResolved) and r.service == scenario.service
        }.values()
    )
    assert len(raised) == 1
    assert set(resolved) == raised and set(resolved.values()) == {1}


def test_quiet_baseline_raises_nothing(outputs: dict[str, object]) -> None:
    scenario = outputs["scenarios"]["baseline"]  # type: ignore[index]
    for topic in ("alert.raised", "escalation.raised"):
        assert [e for e in outputs[topic] if getattr(e, "service", None) == scenario.service] == []  # type: ignore[attr-defined]
    for kind in (
        PatternType.BURST,
        PatternType.CASCADE,
        PatternType.DEGRADATION,
        PatternType.NEW_GROUP_SPIKE,
    ):
        assert _patterns(outputs, scenario.service, kind) == []
