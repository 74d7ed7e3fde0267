from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from errorstream.workload import WorkloadSpec, generate


def test_same_seed_same_events() -> None:
    first = list(generate(WorkloadSpec(seed=3, errors=200)))
    second = list(generate(WorkloadSpec(seed=3, errors=200)))
    assert first == second
    assert first != list(generate(WorkloadSpec(seed=4, errors=200)))


@given(st.integers(min_value=0, max_value=600), st.integers(min_value=0, max_value=2**32))
def test_exact_size_and_time_order(errors: int, seed: int) -> None:
    events = list(generate(WorkloadSpec(seed=seed, errors=errors)))
    assert len(events) == errors
    assert len({e.event_id for e in events}) == errors
    moments = [e.occurred_at for e in events]
    assert moments == sorted(moments)


def test_group_sizes_are_heavy_tailed() -> None:
    events = list(generate(WorkloadSpec(seed=1, errors=3000, bursts=0, cascades=0, degradations=0)))
    sizes = sorted(
        Counter((e.source.service, e.error.exception_type) for e in events).values(), reverse=True
    )
    top = sum(sizes[: max(1, len(sizes) // 5)])
    assert top / len(events) > 0.5  # the top fifth of groups make most of the noise
