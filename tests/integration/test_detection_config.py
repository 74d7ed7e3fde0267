"""Thresholds and escalation policies are events: a running worker applies them."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from errorstream.config import Settings
from errorstream.schemas.enums import Layer, Severity
from errorstream.schemas.models import (
    AlertRaised,
    EscalationLevel,
    EscalationPolicyConfigured,
    EscalationRaised,
    EventSource,
    ThresholdConfigured,
    utc_now,
)
from errorstream.schemas.serialization import AvroCodec
from errorstream.streams.producer import EventPublisher
from errorstream.streams.reader import read_records
from errorstream.streams.topics import ERROR_DETECTED

from ..scenarios import Scenario
from .conftest import WORKER_READY, Process


def test_a_threshold_and_a_policy_published_as_events_change_a_running_worker(
    env: Settings, spawn: Callable[..., Process]
) -> None:
    worker = spawn(env, "worker")
    worker.wait_for(WORKER_READY, 120)
    publisher = EventPublisher(env)
    ops = EventSource(service="ops")
    publisher.publish(
        "threshold.configured",
        ThresholdConfigured(
            event_id=uuid.uuid4(),
            occurred_at=utc_now(),
            source=ops,
            threshold_id="shop-api",
            scope="service:shop/layer:api",
            metric="errors_per_minute",
            threshold_value=3,
            comparison_operator=">",
            severity=Severity.HIGH,
        ),
    )
    publisher.publish(
        "escalation-policy.configured",
        EscalationPolicyConfigured(
            event_id=uuid.uuid4(),
            occurred_at=utc_now(),
            source=ops,
            policy_id="shop-pager",
            name="shop pages its team",
            scope="service:shop",
            min_severity=Severity.LOW,
            levels=(
                EscalationLevel(level=1, after_ms=0, channel="pager", recipients=("shop-team",)),
            ),
            repeat_interval_ms=3_600_000,
        ),
    )
    assert publisher.flush(30) == 0
    time.sleep(3)  # the worker's configuration reader follows the compacted topics

    scenario = Scenario("configured", "shop")
    for i in range(5):  # five API errors in a minute: under the default 20, over the new 3
        scenario.error(
            timedelta(seconds=10 * i),
            layer=Layer.API,
            message="checkout failed",
            exception_type="CheckoutFailed",
            function="checkout",
        )
    for event in scenario.events:
        publisher.publish(ERROR_DETECTED, event)
    assert publisher.flush(30) == 0

    codec = AvroCodec()
    deadline = time.monotonic() + 60
    raised: list[AlertRaised] = []
    while time.monotonic() < deadline and not raised:
        raised = [
            e
            for e in (codec.decode(r.value) for r in read_records(env, "alert.raised") if r.value)
            if isinstance(e, AlertRaised) and e.service == "shop"
        ]
    assert raised, "no alert for the lowered threshold"
    assert raised[0].threshold == 3
    escalations = [
        e
        for e in (codec.decode(r.value) for r in read_records(env, "escalation.raised") if r.value)
        if isinstance(e, EscalationRaised)
    ]
    assert escalations and {e.policy_id for e in escalations} == {"shop-pager"}
    assert all(e.recipients == ("shop-team",) for e in escalations)
