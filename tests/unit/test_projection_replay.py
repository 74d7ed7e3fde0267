"""The pure parts of a rebuild: how far it is, when it is done, and its progress line."""

from __future__ import annotations

import io
import re

from hypothesis import given
from hypothesis import strategies as st

from errorstream.projections.progress import Progress, render
from errorstream.projections.replay import consumed, reached, shadow_schema

MARKS = {("t.a", 0): (0, 10), ("t.a", 1): (5, 5), ("t.b", 0): (100, 130)}


def test_consumed_counts_messages_below_the_high_watermarks() -> None:
    assert consumed(MARKS, {}) == 0
    assert consumed(MARKS, {("t.a", 0): 4, ("t.b", 0): 110}) == 14
    assert consumed(MARKS, {("t.a", 0): 50, ("t.b", 0): 130}) == 40  # beyond counts as done


def test_reached_when_every_non_empty_partition_is_consumed() -> None:
    assert not reached(MARKS, {("t.a", 0): 10})
    assert not reached(MARKS, {("t.a", 0): 10, ("t.b", 0): 129})
    assert reached(MARKS, {("t.a", 0): 10, ("t.b", 0): 130})  # t.a[1] is empty
    assert reached({}, {})


@given(
    marks=st.dictionaries(
        st.tuples(st.sampled_from(["x", "y"]), st.integers(0, 3)),
        st.tuples(st.integers(0, 50), st.integers(0, 50)).map(sorted).map(tuple),
    ),
    data=st.data(),
)
def test_done_means_everything_consumed(
    marks: dict[tuple[str, int], tuple[int, int]], data: st.DataObject
) -> None:
    stored = {p: data.draw(st.integers(low, high + 3)) for p, (low, high) in marks.items()}
    total = sum(high - low for low, high in marks.values())
    assert 0 <= consumed(marks, stored) <= total
    assert reached(marks, stored) == (consumed(marks, stored) == total)


def test_progress_line_shows_rate_and_eta() -> None:
    line = render("rebuild errors", 250, 1000, 5.0)
    assert "25.0%" in line and "250/1,000" in line and "50/s" in line
    assert "ETA 0:00:15" in line
    assert render("x", 1000, 1000, 2.0).endswith("done")
    assert "ETA --:--:--" in render("x", 0, 10, 0.0)


@given(st.integers(-5, 10**9), st.integers(-5, 10**9), st.floats(0, 1e6))
def test_progress_line_never_fails_and_bar_is_bounded(
    done: int, total: int, elapsed: float
) -> None:
    line = render("x", done, total, elapsed, width=20)
    bar = re.search(r"\[([#.]*)\]", line)
    assert bar is not None and len(bar.group(1)) == 20


def test_progress_writes_lines_when_not_on_a_terminal() -> None:
    out = io.StringIO()
    progress = Progress("rebuild", 10, stream=out, every=0.0)
    progress.update(5)
    progress.update(10)
    progress.finish()
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and "\r" not in out.getvalue()
    assert lines[-1].endswith("done")


def test_shadow_schema_is_per_projection() -> None:
    assert shadow_schema("errors") != shadow_schema("alerts")
    assert shadow_schema("errors").startswith("errorstream_rebuild_")
