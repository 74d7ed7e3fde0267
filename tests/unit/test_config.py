from __future__ import annotations

import pytest

from errorstream.config import load_settings
from errorstream.exceptions import ConfigurationError


def test_defaults_point_at_the_local_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "KAFKA_PORT", "PG_PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert not settings.kafka_is_external and not settings.database_is_external
    assert settings.bootstrap_servers == f"127.0.0.1:{settings.kafka_port}"
    assert f":{settings.pg_port}/" in settings.dsn


def test_conventional_variables_make_infrastructure_external(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    monkeypatch.setenv("DATABASE_URL", "postgresql://analyst@db/errors")
    settings = load_settings()
    assert settings.kafka_is_external and settings.database_is_external
    assert settings.bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert settings.dsn == "postgresql://analyst@db/errors"


def test_blank_external_variable_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "")
    assert not load_settings().kafka_is_external


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("ERRORSTREAM_TOPIC_PARTITIONS", "many", "ERRORSTREAM_TOPIC_PARTITIONS"),
        ("ERRORSTREAM_TOPIC_PARTITIONS", "0", "ERRORSTREAM_TOPIC_PARTITIONS"),
        ("ERRORSTREAM_APP_ID", "has spaces", "ERRORSTREAM_APP_ID"),
        ("KAFKA_PORT", "70000", "KAFKA_PORT"),
    ],
)
def test_a_bad_value_is_a_clear_error_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as error:
        load_settings()
    assert named in str(error.value)
    assert repr(value) in str(error.value)


def test_settings_are_frozen() -> None:
    settings = load_settings()
    with pytest.raises(Exception):  # noqa: B017  pydantic's frozen-instance error
        settings.topic_prefix = "x"  # type: ignore[misc]


def test_environment_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    original = load_settings(topic_prefix="t1.", app_id="app-1", topic_partitions=3)
    for name, value in original.as_environment().items():
        monkeypatch.setenv(name, value)
    again = load_settings()
    assert again.topic_prefix == "t1."
    assert again.app_id == "app-1"
    assert again.topic_partitions == 3
    assert again.bootstrap_servers == original.bootstrap_servers
    assert again.dsn == original.dsn
