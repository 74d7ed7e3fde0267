"""The schema catalogue: every event schema errorstream has ever written, by fingerprint.

`schemas/<EventType>.avsc` is the current schema of each event type; it may refer to the
shared named types in `schemas/common/` by full name. `schemas/history/<EventType>/vN.avsc`
keeps every released version, fully expanded, forever: a reader resolves old events with
the writer schema found by fingerprint and reads them into the current (reader) schema.

The evolution rules, checked by `check_catalogue()` (tests and `errorstream schemas check`):

- the current schema of each type equals its newest frozen version (`freeze()` snapshots a
  changed one; "equal" means equal in everything but docs, so a changed default or logical
  type, which the Avro fingerprint ignores, still needs a new version);
- every version of a type is backward and forward compatible with every other
  (`check_compatibility`, Avro's schema-resolution rules, plus: logical types never change);
- every enum has a `default`, every field default fits its type;
- every event type has a Python model that mirrors its schema (`model_mismatches`).
"""

from __future__ import annotations

import copy
import json
import random
import string
import types
import typing
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

import fastavro
import fastavro.read
import fastavro.schema
import fastavro.write
from pydantic import BaseModel

from errorstream.exceptions import ErrorStreamError

SCHEMA_DIR = Path(__file__).resolve().parent
NAMESPACE = "errorstream"

AvroSchema = dict[str, Any]

# Avro primitive type names: never resolved as references to named types.
_PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_NAMED = frozenset({"record", "error", "enum", "fixed"})
# Writer type → reader types it may be read as (Avro specification, "Schema Resolution").
_PROMOTIONS = frozenset(
    {
        ("int", "long"),
        ("int", "float"),
        ("int", "double"),
        ("long", "float"),
        ("long", "double"),
        ("float", "double"),
        ("string", "bytes"),
        ("bytes", "string"),
    }
)


def _read_json(data: str, *_schemas: Any) -> Any:
    return json.loads(data)


def _write_json(data: Any, *_schema: Any) -> str:
    if isinstance(data, str):
        return data
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


# Open-ended JSON (error context, action parameters) travels as an Avro string with
# logicalType "json"; registered here, where every schema is parsed.
fastavro.read.LOGICAL_READERS["string-json"] = _read_json
fastavro.write.LOGICAL_WRITERS["string-json"] = _write_json


class SchemaEvolutionError(ErrorStreamError):
    """A schema change that breaks the evolution rules; ``problems`` lists each break."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:5]) + (" ..." if len(problems) > 5 else ""))
        self.problems = problems


@dataclass(frozen=True)
class SchemaVersion:
    """One version of one event type's schema."""

    event_type: str
    version: int
    schema: AvroSchema = field(repr=False)  # self-contained JSON form
    parsed: Any = field(repr=False, compare=False)  # fastavro's parsed form
    canonical: str = field(repr=False)
    fingerprint: bytes  # 8 bytes, CRC-64-AVRO, little-endian as in single-object encoding


def fullname(name: str, namespace: str = NAMESPACE) -> str:
    return name if "." in name else f"{namespace}.{name}"


def load_common(directory: Path = SCHEMA_DIR) -> dict[str, AvroSchema]:
    """The shared named types, by full name."""
    common: dict[str, AvroSchema] = {}
    for path in sorted((directory / "common").glob("*.avsc")):
        schema = json.loads(path.read_text())
        common[fullname(schema["name"], schema.get("namespace", NAMESPACE))] = schema
    return common


def expand(schema: Any, common: Mapping[str, AvroSchema]) -> Any:
    """Inline every reference to a shared named type at its first use.

    The result is self-contained, so its canonical form (and fingerprint) changes whenever a
    shared type it uses changes.
    """
    defined: set[str] = set()

    def walk(node: Any, namespace: str) -> Any:
        if isinstance(node, str):
            if node in _PRIMITIVES:
                return node
            name = fullname(node, namespace)
            if name in defined:
                return name
            if name in common:
                return walk(copy.deepcopy(common[name]), NAMESPACE)
            return node
        if isinstance(node, list):
            return [walk(branch, namespace) for branch in node]
        if isinstance(node, dict):
            kind = node.get("type")
            if kind in _NAMED:
                ns = node.get("namespace", namespace)
                defined.add(fullname(node["name"], ns))
                if kind in ("record", "error"):
                    node = dict(node)
                    node["fields"] = [{**f, "type": walk(f["type"], ns)} for f in node["fields"]]
                return node
            if kind == "array":
                return {**node, "items": walk(node["items"], namespace)}
            if kind == "map":
                return {**node, "values": walk(node["values"], namespace)}
            if isinstance(kind, (dict, list)) or (
                isinstance(kind, str) and kind not in _PRIMITIVES
            ):
                return {**node, "type": walk(kind, namespace)}
            return node
        raise TypeError(f"not an Avro schema node: {node!r}")

    return walk(copy.deepcopy(schema), NAMESPACE)


def make_version(event_type: str, version: int, schema: AvroSchema) -> SchemaVersion:
    parsed = fastavro.parse_schema(copy.deepcopy(schema))
    canonical = fastavro.schema.to_parsing_canonical_form(parsed)
    fingerprint = bytes.fromhex(fastavro.schema.fingerprint(canonical, "CRC-64-AVRO"))
    return SchemaVersion(event_type, version, schema, parsed, canonical, fingerprint)


def contract_form(schema: Any) -> str:
    """The schema without its docs: what a change must be frozen for.

    Stricter than Avro's canonical form, which also drops defaults, aliases and logical
    types: changing any of those changes how readers resolve or interpret data.
    """

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "doc"}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return json.dumps(strip(schema), sort_keys=True, separators=(",", ":"))


def current_schemas(directory: Path = SCHEMA_DIR) -> dict[str, AvroSchema]:
    """Current schema of each event type, expanded."""
    common = load_common(directory)
    current: dict[str, AvroSchema] = {}
    for path in sorted(directory.glob("*.avsc")):
        current[path.stem] = expand(json.loads(path.read_text()), common)
    return current


def history(event_type: str, directory: Path = SCHEMA_DIR) -> list[tuple[int, AvroSchema]]:
    folder = directory / "history" / event_type
    versions = []
    for path in folder.glob("v*.avsc"):
        versions.append((int(path.stem[1:]), json.loads(path.read_text())))
    return sorted(versions, key=lambda item: item[0])


class SchemaCatalogue:
    """Every known writer schema by fingerprint, and the reader schema per event type."""

    def __init__(self, directory: Path = SCHEMA_DIR) -> None:
        self.directory = directory
        self._by_fingerprint: dict[bytes, SchemaVersion] = {}
        self._versions: dict[str, list[SchemaVersion]] = {}
        for event_type, schema in current_schemas(directory).items():
            versions = [make_version(event_type, v, s) for v, s in history(event_type, directory)]
            if not versions or contract_form(versions[-1].schema) != contract_form(schema):
                # Not frozen yet (a change in progress): usable, numbered after the last.
                number = versions[-1].version + 1 if versions else 1
                versions.append(make_version(event_type, number, schema))
            self._versions[event_type] = versions
            for version in versions:  # a later version with the same fingerprint wins
                self._by_fingerprint[version.fingerprint] = version

    @property
    def event_types(self) -> list[str]:
        return sorted(self._versions)

    def reader(self, event_type: str) -> SchemaVersion:
        return self._versions[event_type][-1]

    def versions(self, event_type: str) -> list[SchemaVersion]:
        return list(self._versions[event_type])

    def by_fingerprint(self, fingerprint: bytes) -> SchemaVersion | None:
        return self._by_fingerprint.get(fingerprint)

    def all_versions(self) -> Iterable[SchemaVersion]:
        for versions in self._versions.values():
            yield from versions


@cache
def default_catalogue() -> SchemaCatalogue:
    return SchemaCatalogue()


def unfrozen(directory: Path = SCHEMA_DIR) -> list[str]:
    """Event types whose current schema differs from their newest frozen version."""
    stale = []
    for event_type, schema in current_schemas(directory).items():
        versions = history(event_type, directory)
        if not versions or contract_form(versions[-1][1]) != contract_form(schema):
            stale.append(event_type)
    return stale


def freeze(
    directory: Path = SCHEMA_DIR, *, allow_incompatible: bool = False
) -> list[tuple[str, int]]:
    """Write each changed current schema as its next history version; returns what was written.

    Refuses (SchemaEvolutionError) when a change breaks compatibility with an earlier version,
    unless ``allow_incompatible``: history is forever, so a mistake must not get into it.
    """
    stale = unfrozen(directory)
    if not allow_incompatible:
        catalogue = SchemaCatalogue(directory)
        problems = [p for t in stale for p in evolution_problems(catalogue.versions(t))]
        if problems:
            raise SchemaEvolutionError(problems)
    written = []
    current = current_schemas(directory)
    for event_type in stale:
        versions = history(event_type, directory)
        number = versions[-1][0] + 1 if versions else 1
        folder = directory / "history" / event_type
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"v{number}.avsc"
        path.write_text(json.dumps(current[event_type], indent=2, ensure_ascii=False) + "\n")
        written.append((event_type, number))
    return written


# -- walking schemas --------------------------------------------------------------------------
def named_types(schema: Any) -> dict[str, AvroSchema]:
    """Every named type a self-contained schema defines, by full name."""
    names: dict[str, AvroSchema] = {}

    def walk(node: Any, namespace: str) -> None:
        if isinstance(node, list):
            for branch in node:
                walk(branch, namespace)
        elif isinstance(node, dict):
            kind = node.get("type")
            if kind in _NAMED:
                ns = node.get("namespace", namespace)
                name = fullname(node["name"], ns)
                if name in names:
                    return
                names[name] = node
                for f in node.get("fields", ()):
                    walk(f["type"], ns)
            elif kind == "array":
                walk(node["items"], namespace)
            elif kind == "map":
                walk(node["values"], namespace)
            elif isinstance(kind, (dict, list)):
                walk(kind, namespace)

    walk(schema, NAMESPACE)
    return names


def _deref(node: Any, names: Mapping[str, AvroSchema]) -> Any:
    """The definition behind a name, with `{"type": X}` wrappers of non-primitives removed."""
    while True:
        if isinstance(node, str) and node not in _PRIMITIVES:
            node = names.get(fullname(node), node)
            if isinstance(node, str):
                return node  # an unknown name: left for the caller to report
        elif (
            isinstance(node, dict)
            and "logicalType" not in node
            and not isinstance(node.get("type"), str)
        ) or (
            isinstance(node, dict)
            and isinstance(node.get("type"), str)
            and node["type"] not in _PRIMITIVES
            and node["type"] not in _NAMED
            and node["type"] not in ("array", "map")
        ):
            node = node["type"]
        else:
            return node


def _kind(node: Any) -> str:
    if isinstance(node, list):
        return "union"
    if isinstance(node, str):
        return node if node in _PRIMITIVES else f"unknown type {node}"
    kind = node.get("type")
    return "record" if kind == "error" else str(kind)


def _logical(node: Any) -> str | None:
    return node.get("logicalType") if isinstance(node, dict) else None


def _describe(node: Any) -> str:
    kind = _kind(node)
    if kind == "union":
        return "[" + ", ".join(_describe(b) for b in node) + "]"
    if kind in ("record", "enum", "fixed"):
        return f"{kind} {node['name']}"
    if kind == "array":
        return "array"
    if kind == "map":
        return "map"
    logical = _logical(node)
    return f"{kind} ({logical})" if logical else kind


def _name(node: AvroSchema) -> str:
    return fullname(node["name"], node.get("namespace", NAMESPACE))


# -- compatibility ----------------------------------------------------------------------------
class _Resolution:
    """Avro schema resolution of a writer schema against a reader schema, collecting breaks."""

    def __init__(self, writer: Any, reader: Any) -> None:
        self.writer_names = named_types(writer)
        self.reader_names = named_types(reader)
        self.problems: list[str] = []
        self._seen: set[tuple[str, str]] = set()

    def resolve(self, writer: Any, reader: Any, path: str) -> None:
        w = _deref(writer, self.writer_names)
        r = _deref(reader, self.reader_names)
        if isinstance(w, list):
            for branch in w:  # whichever branch was written must be readable
                self.resolve(branch, r, path)
            return
        if isinstance(r, list):
            match = self._match(w, r)
            if match is None:
                self.problems.append(
                    f"{path}: the writer's {_describe(w)} matches no branch of the reader's "
                    f"{_describe(r)}"
                )
            else:
                self.resolve(w, match, path)
            return
        wk, rk = _kind(w), _kind(r)
        if wk != rk and (wk, rk) not in _PROMOTIONS:
            self.problems.append(f"{path}: type changed from {_describe(w)} to {_describe(r)}")
            return
        if _logical(w) != _logical(r):
            self.problems.append(
                f"{path}: logical type changed from {_logical(w)} to {_logical(r)}"
            )
        if wk == "record":
            self._record(w, r, path)
        elif wk == "enum":
            self._enum(w, r, path)
        elif wk == "array":
            self.resolve(w["items"], r["items"], f"{path}[]")
        elif wk == "map":
            self.resolve(w["values"], r["values"], f"{path}{{}}")
        elif wk == "fixed" and (not self._same_name(w, r) or w["size"] != r["size"]):
            self.problems.append(f"{path}: fixed {w['name']} cannot be read as {r['name']}")

    @staticmethod
    def _same_name(w: AvroSchema, r: AvroSchema) -> bool:
        aliases = {fullname(a, r.get("namespace", NAMESPACE)) for a in r.get("aliases", ())}
        return _name(w) == _name(r) or _name(w) in aliases

    def _match(self, w: Any, union: list[Any]) -> Any:
        """The reader branch a writer type resolves to: same kind (and name) first, then
        a promotion, as the Avro specification orders it."""
        branches = [_deref(b, self.reader_names) for b in union]
        wk = _kind(w)
        for b in branches:
            if _kind(b) == wk and (wk not in ("record", "enum", "fixed") or self._same_name(w, b)):
                return b
        for b in branches:
            if (wk, _kind(b)) in _PROMOTIONS:
                return b
        return None

    def _record(self, w: AvroSchema, r: AvroSchema, path: str) -> None:
        if not self._same_name(w, r):
            self.problems.append(f"{path}: record {_name(w)} cannot be read as {_name(r)}")
            return
        if (_name(w), _name(r)) in self._seen:
            return
        self._seen.add((_name(w), _name(r)))
        written = {f["name"]: f for f in w["fields"]}
        for rf in r["fields"]:
            names = [rf["name"], *rf.get("aliases", ())]
            wf = next((written[n] for n in names if n in written), None)
            if wf is None:
                if "default" not in rf:
                    self.problems.append(
                        f"{path}.{rf['name']}: the reader needs this field, the writer does not "
                        "write it, and it has no default"
                    )
            else:
                self.resolve(wf["type"], rf["type"], f"{path}.{rf['name']}")

    def _enum(self, w: AvroSchema, r: AvroSchema, path: str) -> None:
        if not self._same_name(w, r):
            self.problems.append(f"{path}: enum {_name(w)} cannot be read as {_name(r)}")
            return
        unknown = [s for s in w["symbols"] if s not in r["symbols"]]
        if unknown and r.get("default") not in r["symbols"]:
            self.problems.append(
                f"{path}: enum {r['name']} symbols {unknown} are unknown to the reader, which "
                "has no default"
            )


def check_compatibility(writer: Any, reader: Any) -> list[str]:
    """Why data written with ``writer`` cannot (always) be read with ``reader``; [] if it can.

    Avro's schema-resolution rules (records by name and field, defaults for fields the writer
    lacks, enum defaults for unknown symbols, numeric promotions, unions branch by branch),
    plus one of errorstream's: a logical type never changes (a `string` holding a uuid stays
    one; `timestamp-millis` never becomes `-micros`).
    """
    resolution = _Resolution(writer, reader)
    resolution.resolve(writer, reader, _name(writer) if isinstance(writer, dict) else "")
    return resolution.problems


def schema_problems(schema: Any) -> list[str]:
    """Rules every version of every schema keeps, beyond being valid Avro.

    Every enum has a `default` (so a symbol added later reads as it, not as an error), and
    every field default fits its field's type (for a union: its first branch).
    """
    problems: list[str] = []
    names = named_types(schema)
    for name, node in names.items():
        if node.get("type") == "enum" and node.get("default") not in node["symbols"]:
            problems.append(f"{name}: enum has no default symbol")
        for f in node.get("fields", ()):
            if "default" in f and not _fits(f["default"], f["type"], names):
                problems.append(
                    f"{name}.{f['name']}: default {f['default']!r} does not fit "
                    f"{_describe(_deref(f['type'], names))}"
                )
    return problems


def _fits(value: Any, node: Any, names: Mapping[str, AvroSchema]) -> bool:
    """Whether a JSON default value fits an Avro type."""
    node = _deref(node, names)
    kind = _kind(node)
    if kind == "union":
        return bool(node) and _fits(value, node[0], names)
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("int", "long"):
        bits = 31 if kind == "int" else 63
        return (
            isinstance(value, int) and not isinstance(value, bool) and -(2**bits) <= value < 2**bits
        )
    if kind in ("float", "double"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "string" and _logical(node) == "json":
        try:
            json.loads(value)
        except (TypeError, ValueError):
            return False
        return True
    if kind in ("string", "bytes"):
        return isinstance(value, str)
    if kind == "enum":
        return value in node["symbols"]
    if kind == "fixed":
        return isinstance(value, str) and len(value) == node["size"]
    if kind == "array":
        return isinstance(value, list) and all(_fits(v, node["items"], names) for v in value)
    if kind == "map":
        return isinstance(value, dict) and all(
            _fits(v, node["values"], names) for v in value.values()
        )
    if kind == "record":
        return isinstance(value, dict) and all(
            _fits(value[f["name"]], f["type"], names) if f["name"] in value else "default" in f
            for f in node["fields"]
        )
    return False


def evolution_problems(versions: list[SchemaVersion]) -> list[str]:
    """Every pair of versions, both ways: new reads old (backward), old reads new (forward)."""
    problems = []
    for version in versions:
        problems += [
            f"{version.event_type} v{version.version}: {p}" for p in schema_problems(version.schema)
        ]
    for i, older in enumerate(versions):
        for newer in versions[i + 1 :]:
            label = f"{older.event_type} v{older.version}/v{newer.version}"
            problems += [
                f"{label} backward (v{newer.version} reads v{older.version}): {p}"
                for p in check_compatibility(older.schema, newer.schema)
            ]
            problems += [
                f"{label} forward (v{older.version} reads v{newer.version}): {p}"
                for p in check_compatibility(newer.schema, older.schema)
            ]
    return problems


# -- sample data ------------------------------------------------------------------------------
def sample_records(schema: Any, count: int = 8, seed: int = 0) -> list[dict[str, Any]]:
    """Records a writer with this schema could write, as fastavro takes them.

    The first has every union at its first branch (usually null), every array and map empty and
    every enum at its first symbol; the second every union at its last branch, two items in
    every array and map and every enum at its last symbol; the rest are random (seeded).
    """
    names = named_types(schema)
    rng = random.Random(seed)
    return [
        _sample(schema, names, rng, "min" if i == 0 else "max" if i == 1 else "random", 0)
        for i in range(count)
    ]


def _sample(
    node: Any, names: Mapping[str, AvroSchema], rng: random.Random, mode: str, depth: int
) -> Any:
    node = _deref(node, names)
    kind = _kind(node)
    if depth > 12:
        mode = "min"  # recursive types: stop growing
    if kind == "union":
        branch = node[0] if mode == "min" else node[-1] if mode == "max" else rng.choice(node)
        return _sample(branch, names, rng, mode, depth + 1)
    if kind == "record":
        return {f["name"]: _sample(f["type"], names, rng, mode, depth + 1) for f in node["fields"]}
    if kind == "enum":
        symbols = node["symbols"]
        return (
            symbols[0] if mode == "min" else symbols[-1] if mode == "max" else rng.choice(symbols)
        )
    if kind in ("array", "map"):
        size = 0 if mode == "min" else 2 if mode == "max" else rng.randint(0, 3)
        inner = node["items"] if kind == "array" else node["values"]
        items = [_sample(inner, names, rng, mode, depth + 1) for _ in range(size)]
        return items if kind == "array" else {f"k{i}": v for i, v in enumerate(items)}
    if kind == "fixed":
        return bytes(rng.getrandbits(8) for _ in range(node["size"]))
    return _sample_primitive(kind, _logical(node), rng, mode)


def _sample_primitive(kind: str, logical: str | None, rng: random.Random, mode: str) -> Any:
    low = mode == "min"
    if logical == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if logical == "timestamp-millis":
        millis = 0 if low else rng.randint(0, 4_102_444_800_000)  # up to 2100
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)
    if logical == "json":
        return {} if low else {"note": _text(rng), "n": rng.randint(-5, 5), "ok": True}
    if kind == "null":
        return None
    if kind == "boolean":
        return False if low else rng.random() < 0.5
    if kind == "int":
        return 0 if low else rng.randint(-(2**31), 2**31 - 1)
    if kind == "long":
        return 0 if low else rng.randint(-(2**63), 2**63 - 1)
    if kind in ("float", "double"):
        return 0.0 if low else rng.uniform(-1e6, 1e6)
    if kind == "string":
        return "" if low else _text(rng)
    if kind == "bytes":
        return b"" if low else rng.randbytes(rng.randint(1, 16))
    raise ValueError(f"cannot sample {kind}")


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_letters + "é€ 🙂") for _ in range(rng.randint(1, 12)))


# -- models against schemas -------------------------------------------------------------------
def model_mismatches(model: type[BaseModel], schema: Any) -> list[str]:
    """Where a pydantic model and the Avro record it mirrors disagree; [] when they do not.

    Walks both recursively, checking field names both ways, optionality (``X | None`` ↔
    ``["null", X]``), defaults (model default ↔ Avro default) and types: records ↔ models with
    the record's ``AVRO_NAME``, enums ↔ StrEnums with the same symbols, arrays ↔ tuples or
    lists, maps ↔ ``dict[str, X]``, json ↔ ``dict[str, Any]``, uuid ↔ UUID,
    timestamp-millis ↔ datetime, string ↔ str or a Literal of strings.
    """
    walk = _ModelWalk(named_types(schema))
    walk.record(model, schema, model.__name__)
    return walk.problems


class _ModelWalk:
    def __init__(self, names: Mapping[str, AvroSchema]) -> None:
        self.names = names
        self.problems: list[str] = []
        self._seen: set[tuple[type[BaseModel], str]] = set()

    def record(self, model: type[BaseModel], node: Any, path: str) -> None:
        node = _deref(node, self.names)
        if _kind(node) != "record":
            self.problems.append(f"{path}: model {model.__name__}, schema {_describe(node)}")
            return
        avro_name = getattr(model, "AVRO_NAME", None)
        if avro_name != _name(node):
            self.problems.append(
                f"{path}: model {model.__name__} mirrors {avro_name}, schema is {_name(node)}"
            )
        if (model, _name(node)) in self._seen:
            return
        self._seen.add((model, _name(node)))
        if not getattr(model, "__pydantic_complete__", True):
            self.problems.append(f"{path}: model {model.__name__} has unresolved annotations")
            return
        avro_fields = {f["name"]: f for f in node["fields"]}
        model_fields = model.model_fields
        for name in model_fields.keys() - avro_fields.keys():
            self.problems.append(f"{path}.{name}: in the model, not in the schema")
        for name in avro_fields.keys() - model_fields.keys():
            self.problems.append(f"{path}.{name}: in the schema, not in the model")
        for name, avro_field in avro_fields.items():
            info = model_fields.get(name)
            if info is None:
                continue
            field_path = f"{path}.{name}"
            extra = info.json_schema_extra
            wire_required = isinstance(extra, dict) and bool(extra.get("wire_required"))
            model_default = not info.is_required() and not wire_required
            if model_default != ("default" in avro_field):
                self.problems.append(
                    f"{field_path}: the model has {'a' if model_default else 'no'} default, "
                    f"the schema {'has one' if 'default' in avro_field else 'has none'}"
                )
            elif model_default:
                ours = _plain(info.get_default(call_default_factory=True))
                theirs = self._avro_default(avro_field["default"], avro_field["type"])
                if ours != theirs:
                    self.problems.append(
                        f"{field_path}: default {ours!r} in the model, {theirs!r} in the schema"
                    )
            self.compare(info.annotation, avro_field["type"], field_path, info.metadata)

    def _avro_default(self, value: Any, node: Any) -> Any:
        node = _deref(node, self.names)
        kind = _kind(node)
        if kind == "union":
            return self._avro_default(value, node[0])
        if _logical(node) == "json" and isinstance(value, str):
            return json.loads(value)
        if kind in ("bytes", "fixed") and isinstance(value, str):
            return value.encode("latin-1")
        if kind == "array" and isinstance(value, list):
            return [self._avro_default(v, node["items"]) for v in value]
        if kind == "map" and isinstance(value, dict):
            return {k: self._avro_default(v, node["values"]) for k, v in value.items()}
        if kind == "record" and isinstance(value, dict):
            return {
                f["name"]: self._avro_default(value.get(f["name"], f.get("default")), f["type"])
                for f in node["fields"]
            }
        return value

    def compare(self, annotation: Any, node: Any, path: str, metadata: Iterable[Any] = ()) -> None:
        annotation, constraints = unwrap_annotation(annotation, metadata)
        node = _deref(node, self.names)
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        said = f"model {_annotation_name(annotation)}, schema {_describe(node)}"
        if origin in (typing.Union, types.UnionType):
            inner = [a for a in args if a is not type(None)]
            if len(inner) != 1 or len(inner) == len(args):
                self.problems.append(f"{path}: only `X | None` unions are mirrored ({said})")
            elif not (isinstance(node, list) and len(node) == 2 and node[0] == "null"):
                self.problems.append(f"{path}: optional in the model, not [null, X] ({said})")
            else:
                self.compare(inner[0], node[1], path, constraints)
            return
        if isinstance(node, list):
            self.problems.append(f"{path}: a union in the schema, not optional ({said})")
            return
        kind, logical = _kind(node), _logical(node)
        if origin is typing.Literal:
            ok = kind == "string" and logical is None and all(isinstance(a, str) for a in args)
        elif annotation is bool:
            ok = kind == "boolean"
        elif annotation is int:
            ok = kind in ("int", "long") and logical is None
            if ok:
                self._int_range(kind, constraints, path)
        elif annotation is float:
            ok = kind in ("float", "double")
        elif annotation is str:
            ok = kind == "string" and logical is None
        elif annotation is bytes:
            ok = kind == "bytes"
        elif annotation is uuid.UUID:
            ok = kind == "string" and logical == "uuid"
        elif annotation is datetime:
            ok = kind == "long" and logical == "timestamp-millis"
        elif isinstance(annotation, type) and issubclass(annotation, Enum):
            ok = self._enum(annotation, node, path, said)
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            self.record(annotation, node, path)
            return
        elif origin in (tuple, list):
            items = args[:1] if origin is list or args[1:] == (Ellipsis,) else ()
            if kind != "array" or not items:
                self.problems.append(f"{path}: {said}")
            else:
                self.compare(items[0], node["items"], f"{path}[]")
            return
        elif origin is dict:
            if args[:1] != (str,):
                ok = False
            elif args[1] is Any:
                ok = kind == "string" and logical == "json"
            elif kind == "map":
                self.compare(args[1], node["values"], f"{path}{{}}")
                return
            else:
                ok = False
        else:
            ok = False
        if not ok:
            self.problems.append(f"{path}: {said}")

    def _int_range(self, kind: str, constraints: list[Any], path: str) -> None:
        """An Avro `int` holds 32 bits, a `long` 64: the model must refuse what does not fit
        (fastavro would write a too-large `int` that Java readers reject)."""
        bits = 31 if kind == "int" else 63
        lower, upper = numeric_bounds(constraints)
        if lower is None or upper is None or lower < -(2**bits) or upper > 2**bits - 1:
            self.problems.append(
                f"{path}: an Avro {kind} needs the model's bounds within "
                f"[-2**{bits}, 2**{bits} - 1] (use models.{'Int' if bits == 31 else 'Long'}); "
                f"they are [{lower}, {upper}]"
            )

    def _enum(self, enum: type[Enum], node: Any, path: str, said: str) -> bool:
        if _kind(node) != "enum":
            return False
        if _name(node) != fullname(enum.__name__):
            self.problems.append(f"{path}: {said} (names differ)")
        symbols = [member.value for member in enum]
        if symbols != node["symbols"]:
            self.problems.append(
                f"{path}: {enum.__name__} symbols {symbols} but schema {node['symbols']}"
            )
        return True


def unwrap_annotation(annotation: Any, metadata: Iterable[Any] = ()) -> tuple[Any, list[Any]]:
    """The type under any ``Annotated[...]`` layers, and every constraint found on the way
    (pydantic ``Field(...)`` constraints flattened into annotated-types objects)."""
    constraints: list[Any] = []

    def collect(items: Iterable[Any]) -> None:
        for item in items:
            nested = getattr(item, "metadata", None)
            if isinstance(nested, list):  # a pydantic FieldInfo
                collect(nested)
            else:
                constraints.append(item)

    collect(metadata)
    while typing.get_origin(annotation) is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        collect(extra)
        annotation = base
    return annotation, constraints


def numeric_bounds(constraints: Iterable[Any]) -> tuple[float | None, float | None]:
    """The (lower, upper) bounds annotated-types constraints set; None where unbounded.

    The last bound of each side wins, as in pydantic (``Annotated[int, Field(ge=0)]`` given
    another ``Field(ge=1)`` validates ``ge=0``). Exclusive bounds count as inclusive: close
    enough for range checks and sample data.
    """
    lower: float | None = None
    upper: float | None = None
    for constraint in constraints:
        for attribute in ("ge", "gt"):
            if (value := getattr(constraint, attribute, None)) is not None:
                lower = value
        for attribute in ("le", "lt"):
            if (value := getattr(constraint, attribute, None)) is not None:
                upper = value
    return lower, upper


def _annotation_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or repr(annotation)


def _plain(value: Any) -> Any:
    """A model default in the shape of an Avro JSON default (after json/bytes decoding)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return {k: _plain(v) for k, v in dict(value).items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


# -- the whole catalogue ----------------------------------------------------------------------
def check_catalogue(directory: Path = SCHEMA_DIR) -> list[str]:
    """Every evolution rule over every schema in ``directory``; [] when all hold."""
    from errorstream.schemas.enums import AVRO_DEFAULTS
    from errorstream.schemas.models import Event

    problems = [
        f"{event_type}: the current schema "
        + (
            "differs from its newest frozen version"
            if history(event_type, directory)
            else "was never frozen"
        )
        + "; run `errorstream schemas freeze` and commit schemas/history/"
        for event_type in unfrozen(directory)
    ]
    catalogue = SchemaCatalogue(directory)
    for event_type in catalogue.event_types:
        problems += evolution_problems(catalogue.versions(event_type))
        model = Event.registry.get(event_type)
        if model is None:
            problems.append(f"{event_type}: no model in errorstream.schemas.models")
        else:
            problems += model_mismatches(model, catalogue.reader(event_type).schema)
    for event_type in sorted(Event.registry.keys() - set(catalogue.event_types)):
        problems.append(f"{event_type}: a model without a schema ({event_type}.avsc)")
    common = load_common(directory)
    for enum, (default, _why) in AVRO_DEFAULTS.items():
        node = common.get(fullname(enum.__name__))
        if node is None:
            problems.append(f"{enum.__name__}: no schemas/common/{enum.__name__}.avsc")
        elif node.get("default") != default.value:
            problems.append(
                f"{enum.__name__}: Avro default {node.get('default')!r}, enums.AVRO_DEFAULTS "
                f"says {default.value!r}"
            )
    return problems
