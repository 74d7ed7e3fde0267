"""Bucketed windows, group lifecycle and threshold resolution: the small pure pieces."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from errorstream.agents import groups
from errorstream.agents.thresholds import (
    DEFAULT_LAYERS,
    DetectionRules,
    LayerPolicy,
    PolicyBook,
    ThresholdOverride,
    parse_scope,
    scope_of,
)
from errorstream.agents.windows import Buckets, Ring
from errorstream.schemas.enums import GroupStatus, Layer, Severity

times = st.lists(st.integers(min_value=0, max_value=10_000_000), max_size=200)


@given(
    times,
    st.integers(min_value=1, max_value=60_000),
    st.integers(0, 10_000_000),
    st.integers(1, 600_000),
)
def test_trailing_sum_counts_exactly_the_buckets_in_the_span(
    moments: list[int], bucket: int, end: int, span: int
) -> None:
    counter = Buckets(bucket)
    for moment in moments:
        counter.add(moment)
    last = end // bucket
    first = last - max(1, span // bucket) + 1
    expected = sum(1 for m in moments if first <= m // bucket <= last)
    assert counter.trailing(end, span) == expected


@given(
    times,
    st.integers(min_value=1, max_value=60_000),
    st.integers(0, 10_000_000),
    st.integers(0, 10_000_000),
)
def test_total_counts_buckets_starting_in_the_range(
    moments: list[int], bucket: int, start: int, end: int
) -> None:
    counter = Buckets(bucket)
    for moment in moments:
        counter.add(moment)
    expected = sum(
        1 for m in moments if start <= (m // bucket) * bucket and (m // bucket) * bucket < end
    )
    assert counter.total(start, end) == expected


@given(times, st.integers(min_value=1, max_value=60_000), st.integers(0, 10_000_000))
def test_prune_keeps_what_is_newer_and_round_trips(
    moments: list[int], bucket: int, cut: int
) -> None:
    counter = Buckets(bucket)
    for moment in moments:
        counter.add(moment)
    counter.prune(cut)
    assert all(index >= cut // bucket for index in counter.values)
    assert Buckets.from_json(counter.to_json()) == counter


@given(st.lists(st.integers(), max_size=50), st.integers(min_value=1, max_value=20))
def test_ring_keeps_the_last_entries(values: list[int], size: int) -> None:
    ring = Ring(size)
    for value in values:
        ring.push([value])
    assert [e[0] for e in ring] == values[-size:]
    assert Ring.from_json(ring.to_json()).entries == ring.entries


def test_group_lifecycle_new_ongoing_resolved_regressed() -> None:
    hour = 3600_000
    kwargs = dict(
        group_id="g",
        service="s",
        count=1,
        recurring_after=3,
        resolve_after_ms=6 * hour,
        min_occurrences_for_analysis=3,
    )
    state, first = groups.observe(None, at_ms=0, **kwargs)  # type: ignore[arg-type]
    assert first.is_new and first.status is GroupStatus.NEW and not first.is_recurring
    state, second = groups.observe(state, at_ms=hour, **kwargs)  # type: ignore[arg-type]
    assert second.status is GroupStatus.ONGOING and not second.is_new
    state, third = groups.observe(state, at_ms=2 * hour, **kwargs)  # type: ignore[arg-type]
    assert third.is_recurring and third.analysis_due
    state, back = groups.observe(state, at_ms=9 * hour, **kwargs)  # type: ignore[arg-type]
    assert back.regression and back.status is GroupStatus.REGRESSED
    assert state.resolved_at_ms == 8 * hour
    state, after = groups.observe(state, at_ms=9 * hour + 1, **kwargs)  # type: ignore[arg-type]
    assert after.status is GroupStatus.ONGOING and not after.regression and not after.analysis_due
    assert groups.GroupState.from_json(state.to_json()) == state


def test_a_resolved_group_regresses_on_its_next_error() -> None:
    kwargs = dict(
        group_id="g",
        service="s",
        count=1,
        recurring_after=3,
        resolve_after_ms=10**9,
        min_occurrences_for_analysis=3,
    )
    state, _ = groups.observe(None, at_ms=0, **kwargs)  # type: ignore[arg-type]
    groups.resolve(state, 5)
    _, update = groups.observe(state, at_ms=10, **kwargs)  # type: ignore[arg-type]
    assert update.regression


def test_requirement_defaults() -> None:
    assert [DEFAULT_LAYERS[layer].max_errors_per_minute for layer in Layer] == [20, 15, 10, 5]
    assert [DEFAULT_LAYERS[layer].escalation_threshold for layer in Layer] == [10, 8, 5, 3]
    assert not DEFAULT_LAYERS[Layer.CORE].automatic_recovery
    assert DEFAULT_LAYERS[Layer.API].weight(Severity.CRITICAL) == 8
    assert DEFAULT_LAYERS[Layer.INFRASTRUCTURE].weight(Severity.CRITICAL) == 24


def test_the_most_specific_override_wins_field_by_field() -> None:
    book = PolicyBook(
        DetectionRules(),
        [
            ThresholdOverride(
                threshold_id="all-api",
                scope="layer:api",
                max_errors_per_minute=50,
                escalation_threshold=25,
            ),
            ThresholdOverride(
                threshold_id="shop-api", scope="service:shop/layer:api", max_errors_per_minute=7
            ),
            ThresholdOverride(
                threshold_id="off", scope="global", max_errors_per_minute=1, is_active=False
            ),
        ],
    )
    assert book.policy("shop", Layer.API).max_errors_per_minute == 7
    assert book.policy("shop", Layer.API).escalation_threshold == 25
    assert book.policy("other", Layer.API).max_errors_per_minute == 50
    assert book.policy("other", Layer.CORE).max_errors_per_minute == 10


@pytest.mark.parametrize(
    ("service", "layer"), [(None, None), ("a", None), (None, Layer.CORE), ("a", Layer.API)]
)
def test_scope_round_trip(service: str | None, layer: Layer | None) -> None:
    assert parse_scope(scope_of(service, layer)) == (service, layer)


@pytest.mark.parametrize("scope", ["", "team:x", "layer:moon", "service:a/service:b"])
def test_bad_scopes_are_refused(scope: str) -> None:
    with pytest.raises(ValueError):
        parse_scope(scope)


def test_policies_validate_their_weights() -> None:
    with pytest.raises(ValidationError, match="severity_weights lacks"):
        LayerPolicy(
            max_errors_per_minute=1, escalation_threshold=1, severity_weights={Severity.LOW: 1.0}
        )
