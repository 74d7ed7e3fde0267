"""The installed stream-processing stack is the one the project pins, with its codecs."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import aiokafka.codec
import pytest

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
EXACT = ("faust-streaming", "aiokafka", "mode-streaming")


def _requirements() -> dict[str, str]:
    listed = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    found = {}
    for requirement in listed:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^]]*\])?(.*)", requirement.strip())
        assert match, requirement
        found[match.group(1).lower()] = match.group(3).strip()
    return found


@pytest.mark.parametrize("name", EXACT)
def test_the_faust_stack_is_pinned_exactly_and_installed_as_pinned(name: str) -> None:
    spec = _requirements()[name]
    assert re.fullmatch(r"==\d+(\.\d+)*", spec), f"{name} must be pinned exactly, not {spec!r}"
    assert version(name) == spec[2:]


def test_every_kafka_compression_codec_is_available() -> None:
    # A consumer of an lz4-, snappy- or zstd-compressed topic crashes without its codec.
    assert aiokafka.codec.has_gzip()
    assert aiokafka.codec.has_lz4()
    assert aiokafka.codec.has_snappy()
    assert aiokafka.codec.has_zstd()
