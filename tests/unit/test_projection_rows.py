"""Row building: every event a projector accepts becomes rows of its tables, and nothing else.

Events are drawn from the hypothesis strategies built from the event models
(tests/unit/test_serialization.py), so a field added to an event is exercised at once.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb

from errorstream.projections.catalogue import OWNER_OF_TABLE, PROJECTORS
from errorstream.projections.errors import DETECTED_COLUMNS, detected_row
from errorstream.projections.merge import Rule
from errorstream.projections.read_model import ReadModelProjector, storable
from errorstream.projections.runtime import ProjectionRejected
from errorstream.projections.samples import SampleSpec, expected_rows, sample_events
from errorstream.schemas.models import ErrorDetails, ErrorDetected, Event
from errorstream.streams.topics import BY_NAME, topic_for

from .test_serialization import EVENTS

READ_MODELS = {
    name: factory()
    for name, factory in sorted(PROJECTORS.items())
    if isinstance(factory(), ReadModelProjector)
}
ACCEPTED = sorted(
    (name, model.__name__)
    for name, projector in READ_MODELS.items()
    for model in projector.accepts  # type: ignore[attr-defined]
)


def test_every_event_type_has_a_read_model() -> None:
    covered = {m.__name__ for p in READ_MODELS.values() for m in p.accepts}  # type: ignore[attr-defined]
    assert set(Event.registry) == covered | {"ErrorDetected"}  # that one: the errors projector


def test_projectors_read_the_topics_their_events_are_published_on() -> None:
    for projector in READ_MODELS.values():
        for model in projector.accepts:  # type: ignore[attr-defined]
            event_type = model.model_fields["event_type"].default
            assert topic_for(event_type) in projector.topics
        assert all(topic in BY_NAME for topic in projector.topics)


def test_every_table_has_one_owner_and_specs_match_tables() -> None:
    for name, projector in READ_MODELS.items():
        specs = projector.specs  # type: ignore[attr-defined]
        assert tuple(spec.table for spec in specs) == projector.tables
        assert all(OWNER_OF_TABLE[table] == name for table in projector.tables)


@pytest.mark.parametrize(("projection", "event_type"), ACCEPTED)
@settings(max_examples=15)
@given(data=st.data())
def test_an_accepted_event_becomes_whole_rows_with_keys(
    projection: str, event_type: str, data: st.DataObject
) -> None:
    projector = READ_MODELS[projection]
    event = data.draw(EVENTS[event_type])
    projector.check(event)
    contributions = list(projector.rows(event))
    assert contributions
    for spec, row in contributions:
        assert spec in projector.specs  # type: ignore[attr-defined]
        assert len(row) == len(spec.columns)
        assert all(value is not None for value in spec.key_of(row))
        for column, value in zip(spec.columns, row, strict=True):
            if column.rule is Rule.RANKED and value is not None:
                assert value in column.ranks
    again = [row for _, row in projector.rows(event)]
    assert [_plain(row) for _, row in contributions] == [_plain(row) for row in again]


def _plain(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(value.obj if isinstance(value, Jsonb) else value for value in row)


@pytest.mark.parametrize("projection", sorted(READ_MODELS))
@settings(max_examples=10)
@given(data=st.data())
def test_events_of_other_types_are_refused(projection: str, data: st.DataObject) -> None:
    projector = READ_MODELS[projection]
    accepted = {m.__name__ for m in projector.accepts}  # type: ignore[attr-defined]
    other = data.draw(st.sampled_from(sorted(set(EVENTS) - accepted)))
    event = data.draw(EVENTS[other])
    with pytest.raises(ProjectionRejected) as refused:
        projector.check(event)
    assert refused.value.reason_code == "unexpected_event"
    assert projection in refused.value.reason


JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=10,
)


def _has_nul_or_nonfinite(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_nul_or_nonfinite(k) or _has_nul_or_nonfinite(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul_or_nonfinite(v) for v in value)
    return False


@given(st.text(), JSON, st.lists(st.text(max_size=4), max_size=4))
def test_values_become_storable(text: str, document: Any, array: list[str]) -> None:
    stored = storable(text)
    assert "\x00" not in stored
    stored.encode("utf-8")  # no lone surrogates
    if text.isascii():
        assert stored.replace("\ufffd", "") == text.replace("\x00", "").replace("\ufffd", "")
    assert not _has_nul_or_nonfinite(storable(Jsonb(document)).obj)
    assert not any("\x00" in item for item in storable(array))
    untouched = uuid.uuid4()
    assert storable(untouched) is untouched


def test_the_sample_stream_is_deterministic_and_counts_its_entities() -> None:
    spec = SampleSpec(seed=3, errors=150)
    first = list(sample_events(spec))
    assert first == list(sample_events(spec))
    counts = expected_rows(first)
    assert counts["errors"] == 150
    assert counts["alerts"] >= 1 and counts["correction_plans"] >= 1
    assert len({e.event_id for _, e in first}) < len(first)  # some delivered twice


def test_a_raw_report_is_stored_redacted_even_before_it_is_classified() -> None:
    event = ErrorDetected(
        event_id=uuid.uuid4(),
        occurred_at=datetime(2026, 11, 26, tzinfo=UTC),
        source={"service": "billing"},
        error=ErrorDetails(
            message="charge failed for alice@example.com password=hunter2",
            context={"authorization": "Bearer abc.def.ghi"},
        ),
    )
    row = dict(zip(DETECTED_COLUMNS, detected_row(event), strict=True))
    assert "hunter2" not in row["message"] and "alice@example.com" not in row["message"]
    assert "abc.def.ghi" not in str(row["context"].obj)


def test_nul_and_lone_surrogates_become_replacement_characters() -> None:
    assert storable("a\x00b\ud800c") == "a\ufffdb\ufffdc"
    assert storable(Jsonb({"k\x00": ["\ud800", float("nan")]})).obj == {"k\ufffd": ["\ufffd", None]}


def test_an_event_whose_rows_cannot_be_built_is_refused_not_raised() -> None:
    class Broken(READ_MODELS["escalations"].__class__):  # type: ignore[misc]
        def rows(self, event: Event) -> Any:
            raise KeyError("a field this code did not expect")

    event = next(
        e for _, e in sample_events(SampleSpec(errors=400)) if e.event_type == "EscalationRaised"
    )
    with pytest.raises(ProjectionRejected) as refused:
        Broken().check(event)
    assert refused.value.reason_code == "unprojectable"
    assert "KeyError" in refused.value.reason
