"""Schema evolution: old events stay readable forever, and old readers survive new events.

Every version of every event type kept in schemas/history/ must be backward compatible (the
new reads the old) and forward compatible (the old reads the new) with every other. The rules
are `catalogue.check_compatibility`; each check here is also done by fastavro for real, on
sample records of each version, and the deliberately incompatible changes at the bottom show
that the checker and fastavro agree about what breaks.
"""

from __future__ import annotations

import copy
import io
import itertools
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastavro
import pytest

from errorstream.cli import main
from errorstream.schemas.catalogue import (
    SCHEMA_DIR,
    SchemaCatalogue,
    SchemaEvolutionError,
    check_catalogue,
    check_compatibility,
    evolution_problems,
    freeze,
    history,
    make_version,
    named_types,
    sample_records,
    schema_problems,
    unfrozen,
)
from errorstream.schemas.serialization import SINGLE_OBJECT_MAGIC, AvroCodec

CATALOGUE = SchemaCatalogue()
EVENT_TYPES = CATALOGUE.event_types
ALL_VERSIONS = list(CATALOGUE.all_versions())


def write(schema: Any, record: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(copy.deepcopy(schema)), record)
    return buffer.getvalue()


def read(data: bytes, writer: Any, reader: Any) -> Any:
    parsed_writer = fastavro.parse_schema(copy.deepcopy(writer))
    parsed_reader = fastavro.parse_schema(copy.deepcopy(reader))
    buffer = io.BytesIO(data)
    record = fastavro.schemaless_reader(buffer, parsed_writer, parsed_reader)
    assert buffer.tell() == len(data)
    return record


def test_every_current_schema_is_frozen() -> None:
    stale = unfrozen()
    assert stale == [], (
        f"{', '.join(stale)}: the current schema differs from its newest version in "
        "schemas/history/. Run `errorstream schemas freeze` and commit schemas/history/."
    )


def test_every_event_type_has_a_frozen_first_version() -> None:
    for event_type in EVENT_TYPES:
        assert history(event_type)[0][0] == 1, event_type


@pytest.mark.parametrize("version", ALL_VERSIONS, ids=lambda v: f"{v.event_type}-v{v.version}")
def test_every_version_keeps_the_schema_rules(version: Any) -> None:
    assert schema_problems(version.schema) == []


@pytest.mark.parametrize("version", ALL_VERSIONS, ids=lambda v: f"{v.event_type}-v{v.version}")
def test_sample_records_round_trip_through_their_own_schema(version: Any) -> None:
    for record in sample_records(version.schema, count=6, seed=version.version):
        data = write(version.schema, record)
        assert write(version.schema, read(data, version.schema, version.schema)) == data


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_version_reads_every_other(event_type: str) -> None:
    """Backward and forward, by the checker and by fastavro on sample records."""
    versions = CATALOGUE.versions(event_type)
    for older, newer in itertools.combinations(versions, 2):
        for writer, reader in ((older, newer), (newer, older)):
            assert check_compatibility(writer.schema, reader.schema) == []
            for record in sample_records(writer.schema, count=8, seed=writer.version):
                read(write(writer.schema, record), writer.schema, reader.schema)


def grow_every_named_type(schema: dict[str, Any]) -> dict[str, Any]:
    """A later version of a schema: every record gains an optional field, every enum a symbol."""
    grown = copy.deepcopy(schema)
    for node in named_types(grown).values():
        if node["type"] == "record":
            node["fields"].append(
                {"name": "added_later", "type": ["null", "long"], "default": None}
            )
        elif node["type"] == "enum":
            node["symbols"].append("added_later")
    return grown


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_event_type_tolerates_growth_both_ways(event_type: str) -> None:
    """What the next version of any type may do: old readers skip the new, new readers fill in."""
    current = CATALOGUE.reader(event_type).schema
    grown = grow_every_named_type(current)
    assert check_compatibility(current, grown) == []
    assert check_compatibility(grown, current) == []
    for record in sample_records(grown, count=12, seed=5):
        read(write(grown, record), grown, current)
    for record in sample_records(current, count=12, seed=5):
        assert read(write(current, record), current, grown)["added_later"] is None


# -- compatible changes pass, incompatible ones are caught ------------------------------------
BASE = CATALOGUE.reader("ErrorDetected").schema


def evolve(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    schema = copy.deepcopy(BASE)
    change(schema)
    return schema


def field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in schema["fields"] if f["name"] == name)


def details(schema: dict[str, Any]) -> dict[str, Any]:
    return field(schema, "error")["type"]


def layer_enum(schema: dict[str, Any]) -> dict[str, Any]:
    return field(schema, "source")["type"]["fields"][1]["type"]


def add_optional_field(s: dict[str, Any]) -> None:
    s["fields"].append({"name": "region", "type": ["null", "string"], "default": None})


def add_field_without_default(s: dict[str, Any]) -> None:
    s["fields"].append({"name": "region", "type": "string"})


def add_enum_symbol(s: dict[str, Any]) -> None:
    layer_enum(s)["symbols"].append("edge")


def remove_enum_symbol_and_default(s: dict[str, Any]) -> None:
    enum = layer_enum(s)
    enum["symbols"].remove("infrastructure")
    enum.pop("default")


def widen_int_to_long(s: dict[str, Any]) -> None:
    field(details(s), "count")["type"] = "long"


def change_string_to_int(s: dict[str, Any]) -> None:
    field(details(s), "message")["type"] = "int"


def drop_logical_type(s: dict[str, Any]) -> None:
    field(s, "event_id")["type"] = "string"


def make_optional_required(s: dict[str, Any]) -> None:
    field(details(s), "error_code").update(type="string", default="")


def rename_record(s: dict[str, Any]) -> None:
    details(s)["name"] = "ErrorReport"


def rename_field_with_alias(s: dict[str, Any]) -> None:
    f = field(details(s), "message")
    f.update(name="text", aliases=["message"])


COMPATIBLE = {
    "optional field added": add_optional_field,
    "enum symbol added (enum has a default)": add_enum_symbol,
}
# change → (breaks backward: new reads old, breaks forward: old reads new)
INCOMPATIBLE: dict[str, tuple[Callable[[dict[str, Any]], None], bool, bool]] = {
    "field added without a default": (add_field_without_default, True, False),
    "enum symbol removed, no default": (remove_enum_symbol_and_default, True, False),
    "int widened to long": (widen_int_to_long, False, True),
    "string changed to int": (change_string_to_int, True, True),
    "logical type dropped": (drop_logical_type, True, True),
    "optional made required": (make_optional_required, True, False),
    "nested record renamed": (rename_record, True, True),
}


@pytest.mark.parametrize("change", COMPATIBLE.values(), ids=COMPATIBLE.keys())
def test_a_compatible_change_passes_both_ways(change: Callable[[dict[str, Any]], None]) -> None:
    new = evolve(change)
    assert check_compatibility(BASE, new) == []
    assert check_compatibility(new, BASE) == []
    for writer, reader in ((BASE, new), (new, BASE)):
        for record in sample_records(writer, count=12, seed=3):
            read(write(writer, record), writer, reader)


def test_a_new_enum_symbol_reads_as_the_default_in_an_old_reader() -> None:
    new = evolve(add_enum_symbol)
    record = sample_records(new, count=1)[0]
    record["source"]["layer"] = "edge"
    assert read(write(new, record), new, BASE)["source"]["layer"] == "service"


def test_a_renamed_field_with_an_alias_reads_old_data() -> None:
    new = evolve(rename_field_with_alias)
    assert check_compatibility(BASE, new) == []
    record = sample_records(BASE, count=2)[1]
    assert read(write(BASE, record), BASE, new)["error"]["text"] == record["error"]["message"]


@pytest.mark.parametrize(
    "change, backward, forward", INCOMPATIBLE.values(), ids=INCOMPATIBLE.keys()
)
def test_an_incompatible_change_is_caught(
    change: Callable[[dict[str, Any]], None], backward: bool, forward: bool
) -> None:
    new = evolve(change)
    assert bool(check_compatibility(BASE, new)) == backward
    assert bool(check_compatibility(new, BASE)) == forward
    assert evolution_problems(
        [make_version("ErrorDetected", 1, BASE), make_version("ErrorDetected", 2, new)]
    )


def fastavro_fails(
    writer: dict[str, Any], reader: dict[str, Any], records: list[dict[str, Any]]
) -> bool:
    try:
        for record in records:
            read(write(writer, record), writer, reader)
    except Exception:
        return True
    return False


@pytest.mark.parametrize(
    "change",
    [add_field_without_default, change_string_to_int, make_optional_required, rename_record],
    ids=lambda c: c.__name__,
)
def test_fastavro_agrees_an_old_event_is_unreadable(
    change: Callable[[dict[str, Any]], None],
) -> None:
    new = evolve(change)
    assert check_compatibility(BASE, new)
    assert fastavro_fails(BASE, new, sample_records(BASE, count=4))


def test_fastavro_agrees_a_removed_symbol_is_unreadable() -> None:
    new = evolve(remove_enum_symbol_and_default)
    record = sample_records(BASE, count=1)[0]
    record["source"]["layer"] = "infrastructure"
    assert check_compatibility(BASE, new)
    assert fastavro_fails(BASE, new, [record])


def test_fastavro_agrees_a_widened_int_breaks_old_readers() -> None:
    new = evolve(widen_int_to_long)
    assert check_compatibility(new, BASE)
    assert fastavro_fails(new, BASE, sample_records(new, count=2))


def test_a_union_narrowed_to_its_value_type_is_caught() -> None:
    def narrow(s: dict[str, Any]) -> None:
        field(details(s), "exception_type").update(type="string", default="")

    new = evolve(narrow)
    assert check_compatibility(BASE, new) == [
        "errorstream.ErrorDetected.error.exception_type: type changed from null to string"
    ]
    assert check_compatibility(new, BASE) == []


# -- freeze, history and the CLI on a scratch copy of schemas/ --------------------------------
@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    directory = tmp_path / "schemas"
    shutil.copytree(SCHEMA_DIR, directory, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return directory


def edit_schema(directory: Path, event_type: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = directory / f"{event_type}.avsc"
    schema = json.loads(path.read_text())
    change(schema)
    path.write_text(json.dumps(schema, indent=1))


def test_a_doc_change_needs_no_new_version(scratch: Path) -> None:
    edit_schema(scratch, "ErrorDetected", lambda s: s.update(doc="reworded"))
    assert unfrozen(scratch) == []


def test_a_default_change_needs_a_new_version(scratch: Path) -> None:
    """The Avro fingerprint ignores defaults; the history does not."""
    edit_schema(scratch, "ErrorDetected", lambda s: field(s, "schema_version").update(default=2))
    assert unfrozen(scratch) == ["ErrorDetected"]


def test_freeze_snapshots_a_compatible_change_as_the_next_version(scratch: Path) -> None:
    edit_schema(scratch, "ErrorDetected", add_optional_field)
    assert unfrozen(scratch) == ["ErrorDetected"]
    assert any("ErrorDetected: the current schema differs" in p for p in check_catalogue(scratch))
    assert freeze(scratch) == [("ErrorDetected", 2)]
    assert unfrozen(scratch) == []
    versions = SchemaCatalogue(scratch).versions("ErrorDetected")
    assert [v.version for v in versions] == [1, 2]
    assert evolution_problems(versions) == []
    assert freeze(scratch) == []


def test_freeze_refuses_an_incompatible_change(scratch: Path) -> None:
    edit_schema(scratch, "ErrorDetected", add_field_without_default)
    with pytest.raises(SchemaEvolutionError) as caught:
        freeze(scratch)
    assert any("region" in p for p in caught.value.problems)
    assert not (scratch / "history" / "ErrorDetected" / "v2.avsc").exists()
    assert any("backward" in p and "region" in p for p in check_catalogue(scratch))


def test_an_old_version_decodes_into_the_current_schema(scratch: Path) -> None:
    """A v1 event on the topic, read by a codec whose current ErrorDetected is v2."""
    edit_schema(
        scratch,
        "ErrorDetected",
        lambda s: s["fields"].append({"name": "region", "type": "string", "default": "eu-west-1"}),
    )
    freeze(scratch)
    codec = AvroCodec(SchemaCatalogue(scratch))
    v1 = codec.catalogue.versions("ErrorDetected")[0]
    record = sample_records(v1.schema, count=2, seed=7)[1]
    payload = SINGLE_OBJECT_MAGIC + v1.fingerprint + write(v1.schema, record)
    writer, decoded = codec.decode_record(payload)
    assert writer.version == 1
    assert decoded["region"] == "eu-west-1"
    assert decoded["error"]["message"] == record["error"]["message"]


def test_cli_check_list_and_freeze(scratch: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", "check", "--dir", str(scratch)]) == 0
    assert main(["schemas", "list", "--dir", str(scratch)]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split("\t") == ["event_type", "version", "fingerprint", "status"]
    assert {line.split("\t")[0] for line in listing[1:]} == set(EVENT_TYPES)

    edit_schema(scratch, "AlertRaised", add_optional_field)
    assert main(["schemas", "check", "--dir", str(scratch)]) == 1
    assert "errorstream schemas freeze" in capsys.readouterr().err
    assert main(["schemas", "freeze", "--dir", str(scratch)]) == 0
    assert capsys.readouterr().out.split() == ["AlertRaised", "v2"]
    problems = check_catalogue(scratch)
    # the model has not caught up with the new field; nothing else is wrong
    assert problems == ["AlertRaised.region: in the schema, not in the model"]

    edit_schema(scratch, "AlertRaised", lambda s: field(s, "rule").update(type="int"))
    assert main(["schemas", "freeze", "--dir", str(scratch)]) == 1
    assert "nothing frozen" in capsys.readouterr().err
