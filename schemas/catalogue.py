"""The schema catalogue: every event schema errorstream has ever written, by fingerprint.

`schemas/<EventType>.avsc` is the current schema of each event type; it may refer to the
shared named types in `schemas/common/` by full name. `schemas/history/<EventType>/vN.avsc`
keeps every released version, fully expanded, forever: a reader resolves old events with
the writer schema found by fingerprint and reads them into the current (reader) schema.

`freeze()` snapshots a changed current schema as the next version; the contract tests
refuse a current schema that differs from its newest frozen version.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import fastavro
import fastavro.schema

SCHEMA_DIR = Path(__file__).resolve().parent
NAMESPACE = "errorstream"

AvroSchema = dict[str, Any]

# Avro primitive type names: never resolved as references to named types.
_PRIMITIVES = frozenset(
    {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
)


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
            if kind in ("record", "error", "enum", "fixed"):
                ns = node.get("namespace", namespace)
                defined.add(fullname(node["name"], ns))
                if kind in ("record", "error"):
                    node = dict(node)
                    node["fields"] = [
                        {**f, "type": walk(f["type"], ns)} for f in node["fields"]
                    ]
                return node
            if kind == "array":
                return {**node, "items": walk(node["items"], namespace)}
            if kind == "map":
                return {**node, "values": walk(node["values"], namespace)}
            if isinstance(kind, (dict, list)) or (isinstance(kind, str) and kind not in _PRIMITIVES):
                return {**node, "type": walk(kind, namespace)}
            return node
        raise TypeError(f"not an Avro schema node: {node!r}")

    return walk(copy.deepcopy(schema), NAMESPACE)


def make_version(event_type: str, version: int, schema: AvroSchema) -> SchemaVersion:
    parsed = fastavro.parse_schema(copy.deepcopy(schema))
    canonical = fastavro.schema.to_parsing_canonical_form(parsed)
    fingerprint = bytes.fromhex(fastavro.schema.fingerprint(canonical, "CRC-64-AVRO"))
    return SchemaVersion(event_type, version, schema, parsed, canonical, fingerprint)


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
            current = make_version(event_type, 0, schema)
            if not versions or versions[-1].canonical != current.canonical:
                # Not frozen yet (a change in progress): usable, numbered after the last.
                number = versions[-1].version + 1 if versions else 1
                versions.append(make_version(event_type, number, schema))
            self._versions[event_type] = versions
            for version in versions:
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
        current = make_version(event_type, 0, schema).canonical
        if not versions or make_version(event_type, 0, versions[-1][1]).canonical != current:
            stale.append(event_type)
    return stale


def freeze(directory: Path = SCHEMA_DIR) -> list[tuple[str, int]]:
    """Write each changed current schema as its next history version; returns what was written."""
    written = []
    current = current_schemas(directory)
    for event_type in unfrozen(directory):
        versions = history(event_type, directory)
        number = versions[-1][0] + 1 if versions else 1
        folder = directory / "history" / event_type
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"v{number}.avsc"
        path.write_text(json.dumps(current[event_type], indent=2) + "\n")
        written.append((event_type, number))
    return written
