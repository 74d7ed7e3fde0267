"""Every Python event model mirrors its Avro schema, field by field, both ways.

`catalogue.model_mismatches` walks a model and its schema together; the tests at the bottom
break a model (or a schema) on purpose in each way a mirror can go wrong and check that the
walk notices, so a silent checker cannot pass for a clean contract.
"""

from __future__ import annotations

import copy
import inspect
import types
import uuid
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

import pytest

from errorstream.schemas import enums, models
from errorstream.schemas.catalogue import (
    SchemaCatalogue,
    check_catalogue,
    current_schemas,
    load_common,
    model_mismatches,
    named_types,
)
from errorstream.schemas.models import Event, Int, Long, Millis

CATALOGUE = SchemaCatalogue()
EVENT_TYPES = CATALOGUE.event_types
STR_ENUMS = [
    member
    for _, member in inspect.getmembers(enums, inspect.isclass)
    if issubclass(member, StrEnum) and member is not StrEnum
]


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_model_mirrors_its_schema(event_type: str) -> None:
    model = Event.registry[event_type]
    assert model_mismatches(model, CATALOGUE.reader(event_type).schema) == []


def test_every_schema_has_a_model_and_every_model_a_schema() -> None:
    assert set(Event.registry) == set(current_schemas())


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_event_type_field_names_the_model(event_type: str) -> None:
    model = Event.registry[event_type]
    assert f"errorstream.{event_type}" == model.AVRO_NAME
    assert model.model_fields["event_type"].default == event_type


@pytest.mark.parametrize("enum", STR_ENUMS, ids=lambda e: e.__name__)
def test_every_enum_is_a_shared_avro_enum_with_a_documented_safe_default(
    enum: type[StrEnum],
) -> None:
    node = load_common()[f"errorstream.{enum.__name__}"]
    assert node["symbols"] == [member.value for member in enum]
    default, why = enums.AVRO_DEFAULTS[enum]
    assert node["default"] == default.value
    assert why


def test_every_shared_enum_schema_has_a_python_enum() -> None:
    avro_enums = {n for n, node in load_common().items() if node["type"] == "enum"}
    assert avro_enums == {f"errorstream.{e.__name__}" for e in STR_ENUMS}


def test_the_whole_catalogue_checks_clean() -> None:
    assert check_catalogue() == []


def test_models_are_frozen_and_refuse_unknown_fields() -> None:
    event = models.KnowledgeEnriched(
        event_id=uuid.uuid4(),
        occurred_at=datetime(2026, 1, 1),
        source=models.EventSource(service="kb"),
        knowledge_type="pattern",
        confidence=0.5,
    )
    with pytest.raises(ValueError, match="frozen"):
        event.confidence = 0.9  # type: ignore[misc]
    with pytest.raises(ValueError, match="Extra inputs"):
        models.KnowledgeEnriched.model_validate({**event.model_dump(), "surprise": 1})


def test_timestamps_keep_what_the_wire_keeps() -> None:
    event = models.AlertResolved(
        event_id=uuid.uuid4(),
        occurred_at=datetime(2026, 1, 1, 12, 0, 0, 123456),
        source=models.EventSource(service="checkout-api"),
        alert_id=uuid.uuid4(),
        rule="layer_rate",
        key="checkout-api/api",
        starts_at=datetime(2026, 1, 1, 11, 0, 0, 999999),
        resolved_at=datetime(2026, 1, 1, 12, 0, 0, 1),
        duration_ms=3_600_000,
        value=1.0,
        threshold=20.0,
        reason="below_threshold",
    )
    assert event.occurred_at.microsecond == 123000
    assert event.starts_at.microsecond == 999000
    assert event.resolved_at.microsecond == 0
    assert event.occurred_at.utcoffset() is not None
    assert models.epoch_millis(models.from_epoch_millis(1_764_147_600_123)) == 1_764_147_600_123


def test_partition_keys_follow_the_topic_catalogue() -> None:
    source = models.EventSource(service="checkout-api")
    common: dict[str, Any] = {
        "event_id": uuid.uuid4(),
        "occurred_at": datetime(2026, 1, 1),
        "source": source,
    }
    start = datetime(2026, 1, 1, 12, 0)
    window = models.WindowSummarized(
        **common,
        service="checkout-api",
        window_start=start,
        window_end=start,
        window_ms=60_000,
        error_count=3,
    )
    assert window.partition_key == str(models.epoch_millis(start)).encode()
    rule = models.AutomationRuleConfigured(
        **common,
        rule_id="restart-on-oom",
        name="restart",
        automation_level=enums.AutomationLevel.MANUAL_ONLY,
        risk_threshold=0.2,
    )
    assert rule.partition_key == b"restart-on-oom"
    knowledge = models.KnowledgeEnriched(**common, knowledge_type="pattern", confidence=0.1)
    assert knowledge.partition_key == b"checkout-api"


def test_avro_ints_are_bounded_in_the_models() -> None:
    base = {
        "event_id": uuid.uuid4(),
        "occurred_at": datetime(2026, 1, 1),
        "source": {"service": "kb"},
        "knowledge_type": "x",
        "confidence": 0.5,
    }
    with pytest.raises(ValueError, match="less than or equal"):
        models.KnowledgeEnriched.model_validate({**base, "schema_version": 2**31})
    with pytest.raises(ValueError, match="less than or equal to 1"):
        models.KnowledgeEnriched.model_validate({**base, "confidence": 1.5})


# -- the checker catches what it is for -------------------------------------------------------
class Good(Event, register=False):
    """A small event, its schema below, to break one way at a time."""

    AVRO_NAME: ClassVar[str] = "errorstream.Sample"

    ref: uuid.UUID
    when: Millis
    count: Int = 0
    total: Long
    name: str | None = None
    layer: enums.Layer = enums.Layer.SERVICE
    tags: tuple[str, ...] = ()
    weights: dict[str, float] = {}
    context: dict[str, Any] = {}
    frames: tuple[models.StackFrame, ...] = ()


UUID = {"type": "string", "logicalType": "uuid"}
ENVELOPE = copy.deepcopy(CATALOGUE.reader("KnowledgeEnriched").schema["fields"][:8])
STACK_FRAME = named_types(CATALOGUE.reader("ErrorDetected").schema)["errorstream.StackFrame"]
GOOD_SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "Sample",
    "namespace": "errorstream",
    "fields": [
        *ENVELOPE,
        {"name": "ref", "type": UUID},
        {"name": "when", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "count", "type": "int", "default": 0},
        {"name": "total", "type": "long"},
        {"name": "name", "type": ["null", "string"], "default": None},
        {"name": "layer", "type": "errorstream.Layer", "default": "service"},
        {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []},
        {"name": "weights", "type": {"type": "map", "values": "double"}, "default": {}},
        {"name": "context", "type": {"type": "string", "logicalType": "json"}, "default": "{}"},
        {"name": "frames", "type": {"type": "array", "items": STACK_FRAME}, "default": []},
    ],
}
GOOD_SCHEMA["fields"][1] = {"name": "event_type", "type": "string"}  # no default in Good


class ShortLayer(StrEnum):
    API = "api"
    SERVICE = "service"


ShortLayer.__name__ = "Layer"  # the same name, fewer symbols


class FrameWithoutVars(models.AvroRecord):
    AVRO_NAME: ClassVar[str] = "errorstream.StackFrame"

    module: str | None = None
    function: str | None = None
    filename: str | None = None
    lineno: Int | None = None
    in_app: bool = False


def broken_model(**fields: tuple[Any, Any]) -> type[Event]:
    """Good, with some fields re-declared: name → (annotation, default or ... for required)."""

    def body(namespace: dict[str, Any]) -> None:
        namespace["__module__"] = __name__
        namespace["__annotations__"] = {
            name: annotation for name, (annotation, _) in fields.items()
        }
        namespace.update({name: d for name, (_, d) in fields.items() if d is not ...})

    broken = types.new_class("Broken", (Good,), {"register": False}, body)
    broken.model_rebuild(_types_namespace=globals())
    return broken


def test_the_sample_model_and_schema_agree() -> None:
    assert model_mismatches(Good, GOOD_SCHEMA) == []


MODEL_BREAKS: dict[str, tuple[dict[str, tuple[Any, Any]], str]] = {
    "uuid as str": ({"ref": (str, ...)}, ".ref"),
    "timestamp as int": ({"when": (Long, ...)}, ".when"),
    "int as float": ({"count": (float, 0.0)}, ".count"),
    "unbounded int": ({"total": (int, ...)}, ".total"),
    "long into int": ({"count": (Long, 0)}, ".count"),
    "optional made required": ({"name": (str, ...)}, ".name"),
    "required made optional": ({"total": (Long | None, None)}, ".total"),
    "default differs": ({"layer": (enums.Layer, enums.Layer.API)}, ".layer"),
    "default missing": ({"count": (Int, ...)}, ".count"),
    "enum symbols differ": ({"layer": (ShortLayer, ShortLayer.SERVICE)}, ".layer"),
    "enum of another name": ({"layer": (enums.Severity, enums.Severity.MEDIUM)}, ".layer"),
    "array item type": ({"tags": (tuple[int, ...], ())}, ".tags[]"),
    "map value type": ({"weights": (dict[str, str], {})}, ".weights{}"),
    "json as map": ({"context": (dict[str, str], {})}, ".context"),
    "nested record field": ({"frames": (tuple[FrameWithoutVars, ...], ())}, ".frames[].vars"),
    "array as scalar": ({"tags": (str, "")}, ".tags"),
    "union of two types": ({"name": (str | int | None, None)}, ".name"),
    "extra field": ({"surprise": (int, 0)}, ".surprise"),
}


@pytest.mark.parametrize("fields, where", MODEL_BREAKS.values(), ids=MODEL_BREAKS.keys())
def test_a_broken_model_is_caught(fields: dict[str, tuple[Any, Any]], where: str) -> None:
    problems = model_mismatches(broken_model(**fields), GOOD_SCHEMA)
    assert problems
    assert all(p.startswith(f"Broken{where}") for p in problems), problems


def _field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in schema["fields"] if f["name"] == name)


def _add_field(s: dict[str, Any]) -> None:
    s["fields"].append({"name": "added", "type": "string", "default": ""})


def _drop_field(s: dict[str, Any]) -> None:
    s["fields"].remove(_field(s, "tags"))


def _swap_union(s: dict[str, Any]) -> None:
    _field(s, "name")["type"] = ["string", "null"]


def _change_default(s: dict[str, Any]) -> None:
    _field(s, "count")["default"] = 1


def _drop_logical_type(s: dict[str, Any]) -> None:
    _field(s, "ref")["type"] = "string"


def _add_enum_symbol(s: dict[str, Any]) -> None:
    envelope_source = _field(s, "source")["type"]
    envelope_source["fields"][1]["type"]["symbols"].append("edge")


def _rename_record(s: dict[str, Any]) -> None:
    s["name"] = "Example"


def _json_default(s: dict[str, Any]) -> None:
    _field(s, "context")["default"] = '{"a": 1}'


SCHEMA_BREAKS: dict[str, tuple[Callable[[dict[str, Any]], None], str | tuple[str, ...]]] = {
    "field only in the schema": (_add_field, ".added"),
    "field only in the model": (_drop_field, ".tags"),
    "union order": (_swap_union, ".name"),
    "default": (_change_default, ".count"),
    "logical type": (_drop_logical_type, ".ref"),
    "enum symbol": (_add_enum_symbol, (".source.layer", ".layer")),
    "record name": (_rename_record, ":"),
    "json default": (_json_default, ".context"),
}


@pytest.mark.parametrize("change, where", SCHEMA_BREAKS.values(), ids=SCHEMA_BREAKS.keys())
def test_a_changed_schema_is_caught(change: Callable[[dict[str, Any]], None], where: str) -> None:
    schema = copy.deepcopy(GOOD_SCHEMA)
    change(schema)
    problems = model_mismatches(Good, schema)
    assert problems
    prefixes = tuple(f"Good{w}" for w in ((where,) if isinstance(where, str) else where))
    assert all(p.startswith(prefixes) for p in problems), problems
