"""The pure parts of the query API: durations, time windows, cursors, filters, JSON values."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from errorstream.cli import build_parser
from errorstream.cli.errors import page_request
from errorstream.projections.queries import (
    Filters,
    PageCursor,
    QueryError,
    format_duration,
    jsonable,
    list_alerts,
    parse_duration,
    parse_instant,
    resolve_window,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15m", timedelta(minutes=15)),
        ("1h", timedelta(hours=1)),
        ("7d", timedelta(days=7)),
        ("90s", timedelta(seconds=90)),
        ("2w", timedelta(weeks=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (" 24H ", timedelta(hours=24)),
    ],
)
def test_durations_read_as_people_write_them(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "h", "1", "1x", "-1h", "1.5h", "0m", "1h 30m", "one hour"])
def test_what_is_not_a_duration_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(QueryError, match="duration"):
        parse_duration(text)


@given(st.integers(min_value=1, max_value=10**8))
def test_format_duration_is_the_inverse_of_parse_duration(seconds: int) -> None:
    value = timedelta(seconds=seconds)
    text = format_duration(value)
    assert parse_duration(text) == value
    assert format_duration(parse_duration(text)) == text


def test_a_duration_since_counts_back_from_the_end() -> None:
    assert resolve_window("1h", None, NOW) == (NOW - timedelta(hours=1), NOW)
    end = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    assert resolve_window("1h", "2026-11-26T10:00Z", NOW) == (end - timedelta(hours=1), end)
    assert resolve_window("30m", "2h", NOW) == (
        NOW - timedelta(hours=2, minutes=30),
        NOW - timedelta(hours=2),
    )
    assert resolve_window(None, None, NOW) == (None, NOW)


def test_absolute_times_are_utc_when_they_carry_no_offset() -> None:
    assert parse_instant("2026-11-26T09:00") == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert parse_instant("2026-11-26T09:00+01:00") == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    since, until = resolve_window("2026-11-26T09:00", "2026-11-26T11:00Z", NOW)
    assert since is not None and (until - since) == timedelta(hours=2)


@pytest.mark.parametrize(
    ("since", "until"), [("2026-11-27", None), ("2026-11-26T10:00", "2026-11-26T09:00")]
)
def test_an_empty_or_inverted_window_is_refused(since: str, until: str | None) -> None:
    with pytest.raises(QueryError):
        resolve_window(since, until, datetime(2026, 11, 26, 9, 0, tzinfo=UTC))


def test_garbage_times_are_refused() -> None:
    with pytest.raises(QueryError, match="time"):
        resolve_window("yesterday", None, NOW)


keys = st.one_of(
    st.integers(min_value=-(2**62), max_value=2**62),
    st.text(max_size=40),
    st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.just(UTC),
    ),
)


@given(
    query=st.sampled_from(["errors", "groups top", "alerts", "corrections pending"]),
    key=st.lists(keys, min_size=1, max_size=4).map(tuple),
    until=st.none() | st.datetimes(timezones=st.just(UTC)),
)
def test_a_cursor_decodes_to_what_was_encoded(
    query: str, key: tuple[int | str | datetime, ...], until: datetime | None
) -> None:
    cursor = PageCursor(query, key, until)
    text = cursor.encode()
    assert text.isascii() and " " not in text and "=" not in text  # one shell word
    assert PageCursor.decode(text, query) == cursor
    decoded_key = PageCursor.decode(text).key
    assert [type(v) for v in decoded_key] == [type(v) for v in key]


def test_a_cursor_of_another_query_or_garbage_is_refused() -> None:
    text = PageCursor("alerts", ("x",)).encode()
    with pytest.raises(QueryError, match="pages 'alerts'"):
        PageCursor.decode(text, "errors")
    for garbage in ["", "not a cursor", "eyJ2IjoyfQ", text[:-5]]:
        with pytest.raises(QueryError, match="cursor"):
            PageCursor.decode(garbage)


def test_naive_times_cannot_page() -> None:
    text = PageCursor("errors", (datetime(2026, 1, 1),)).encode()
    with pytest.raises(QueryError):
        PageCursor.decode(text)


def test_a_query_refuses_filters_it_does_not_understand() -> None:
    with pytest.raises(QueryError, match="alerts cannot be filtered by category"):
        list_alerts(None, Filters(category="logic"))  # type: ignore[arg-type]  # fails before SQL
    Filters(service="a", rule="r").only("alerts", "service", "rule")


@dataclass(frozen=True)
class _Row:
    id: uuid.UUID
    at: datetime
    score: Decimal
    took: timedelta
    tags: tuple[str, ...]


def test_results_become_plain_json_values() -> None:
    row = _Row(
        uuid.UUID(int=1),
        datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
        Decimal("0.125"),
        timedelta(minutes=2),
        ("a",),
    )
    assert jsonable([row]) == [
        {
            "id": "00000000-0000-0000-0000-000000000001",
            "at": "2026-11-26T10:00:00Z",
            "score": 0.125,
            "took": 120.0,
            "tags": ["a"],
        }
    ]


def test_a_cursor_pins_the_window_the_first_page_was_read_in() -> None:
    end = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    cursor = PageCursor("groups top", (5, 4, "g"), until=end).encode()
    args = build_parser().parse_args(
        ["groups", "top", "--since", "1h", "--service", "checkout", "--cursor", cursor]
    )
    filters, after = page_request(args, "groups top")
    assert (filters.since, filters.until) == (end - timedelta(hours=1), end)
    assert filters.service == "checkout" and after is not None and after.key == (5, 4, "g")
    first = build_parser().parse_args(["groups", "top", "--since", "15m"])
    filters, after = page_request(first, "groups top")
    assert after is None and filters.until is not None and filters.since is not None
    assert filters.until - filters.since == timedelta(minutes=15)
    unbounded = build_parser().parse_args(["errors", "list", "--severity", "high"])
    filters, _ = page_request(unbounded, "errors")
    assert (filters.since, filters.until, filters.severity) == (None, None, "high")
    with pytest.raises(QueryError, match="pages 'groups top'"):
        page_request(build_parser().parse_args(["alerts", "--cursor", cursor]), "alerts")
