"""Cross-service cascades from window summaries."""

from __future__ import annotations

import uuid
from datetime import timedelta

from errorstream.agents.cascades import WindowGroup, add_summary, on_summary
from errorstream.agents.thresholds import DetectionRules
from errorstream.schemas.enums import Layer, PatternType, Severity
from errorstream.schemas.models import (
    EscalationRaised,
    EventSource,
    PatternDetected,
    WindowSummarized,
    epoch_millis,
)

from ..scenarios import T0

RULES = DetectionRules()
MINUTE = 60_000


def summary(service: str, layer: Layer, at: timedelta, window: int = 0) -> WindowSummarized:
    start = T0 + timedelta(minutes=window)
    first = epoch_millis(T0 + at)
    return WindowSummarized(
        event_id=uuid.uuid4(),
        occurred_at=start + timedelta(minutes=1),
        recorded_at=start + timedelta(minutes=1),
        source=EventSource(service=service, layer=layer),
        service=service,
        window_start=start,
        window_end=start + timedelta(minutes=1),
        window_ms=MINUTE,
        error_count=2,
        counts_by_layer={layer.value: 2},
        first_seen_by_layer={layer.value: first},
        sample_error_ids_by_layer={layer.value: (str(uuid.uuid4()),)},
        new_groups=0,
        severity_score=4.0,
    )


def feed(summaries: list[WindowSummarized]) -> list[object]:
    windows: dict[int, WindowGroup] = {}
    out: list[object] = []
    for item in summaries:
        start = epoch_millis(item.window_start)
        current = add_summary(windows.get(start), item)
        windows[start] = current
        earlier = [windows.get(start - k * MINUTE) for k in range(2, 6)]
        out += on_summary(current, windows.get(start - MINUTE), item, RULES, [], earlier)
    return out


def test_a_database_outage_climbing_through_services_is_one_cascade() -> None:
    out = feed(
        [
            summary("inventory", Layer.INFRASTRUCTURE, timedelta(seconds=5)),
            summary("orders", Layer.CORE, timedelta(seconds=20)),
            summary("payments", Layer.SERVICE, timedelta(seconds=35)),
            summary("checkout-web", Layer.API, timedelta(seconds=50)),
        ]
    )
    patterns = [e for e in out if isinstance(e, PatternDetected)]
    assert len(patterns) == 1
    cascade = patterns[0]
    assert cascade.pattern_type is PatternType.CASCADE and cascade.service is None
    assert list(cascade.affected_layers) == [Layer.INFRASTRUCTURE, Layer.CORE, Layer.SERVICE]
    assert cascade.services == ("inventory", "orders", "payments")
    assert cascade.services[0] == "inventory"
    escalations = [e for e in out if isinstance(e, EscalationRaised)]
    assert len(escalations) == 1 and escalations[0].severity is Severity.CRITICAL


def test_a_cascade_straddling_a_window_boundary_is_reported_once() -> None:
    out = feed(
        [
            summary("inventory", Layer.INFRASTRUCTURE, timedelta(seconds=50), window=0),
            summary("orders", Layer.CORE, timedelta(seconds=70), window=1),
            summary("payments", Layer.SERVICE, timedelta(seconds=80), window=1),
            summary("checkout-web", Layer.API, timedelta(seconds=90), window=1),
        ]
    )
    assert len([e for e in out if isinstance(e, PatternDetected)]) == 1


def test_layers_may_be_skipped_but_never_descend() -> None:
    out = feed(
        [
            summary("checkout-web", Layer.API, timedelta(seconds=50)),
            summary("inventory", Layer.INFRASTRUCTURE, timedelta(seconds=5)),
            summary("orders", Layer.CORE, timedelta(seconds=20)),
        ]
    )
    patterns = [e for e in out if isinstance(e, PatternDetected)]
    assert [list(p.affected_layers) for p in patterns] == [
        [Layer.INFRASTRUCTURE, Layer.CORE, Layer.API]
    ]


def test_no_cascade_when_upper_layers_failed_first_or_one_service_only() -> None:
    assert (
        feed(
            [
                summary("checkout-web", Layer.API, timedelta(seconds=1)),
                summary("payments", Layer.SERVICE, timedelta(seconds=10)),
                summary("orders", Layer.CORE, timedelta(seconds=20)),
            ]
        )
        == []
    )
    lone = summary("orders", Layer.CORE, timedelta(seconds=20))
    both = lone.model_copy(
        update={
            "first_seen_by_layer": {
                "infrastructure": epoch_millis(T0),
                "core": epoch_millis(T0) + 5,
                "service": epoch_millis(T0) + 9,
            },
        }
    )
    assert feed([both]) == []


def test_two_layers_are_not_a_cascade() -> None:
    assert (
        feed(
            [
                summary("inventory", Layer.INFRASTRUCTURE, timedelta(seconds=5)),
                summary("orders", Layer.CORE, timedelta(seconds=20)),
            ]
        )
        == []
    )


def test_steady_background_failures_are_not_onsets() -> None:
    """Layers that fail every minute anyway do not make a cascade by failing again."""
    steady = []
    for window in range(5):
        steady += [
            summary(
                "inventory", Layer.INFRASTRUCTURE, timedelta(minutes=window, seconds=5), window
            ),
            summary("orders", Layer.CORE, timedelta(minutes=window, seconds=20), window),
            summary("payments", Layer.SERVICE, timedelta(minutes=window, seconds=35), window),
        ]
    patterns = [e for e in feed(steady) if isinstance(e, PatternDetected)]
    # the first window has no history, so it may look like a cascade; the rest must not
    assert len(patterns) <= 1
    assert all(p.window_start < T0 + timedelta(minutes=1) for p in patterns)


def test_a_lone_error_is_not_a_failing_layer() -> None:
    lone = [
        summary("inventory", Layer.INFRASTRUCTURE, timedelta(seconds=5)).model_copy(
            update={"counts_by_layer": {"infrastructure": 1}}
        ),
        summary("orders", Layer.CORE, timedelta(seconds=20)),
        summary("payments", Layer.SERVICE, timedelta(seconds=35)),
    ]
    assert [e for e in feed(lone) if isinstance(e, PatternDetected)] == []
