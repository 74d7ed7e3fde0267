"""errorstream's settings: one frozen, validated model, overridden from the environment.

Every field reads ``ERRORSTREAM_<FIELD>`` (nested fields ``ERRORSTREAM_<FIELD>__<SUB>``); the
infrastructure endpoints also read the conventional names ``KAFKA_BOOTSTRAP_SERVERS``,
``DATABASE_URL`` and ``SCHEMA_REGISTRY_URL``. When the first two are set, errorstream uses those
servers and starts nothing locally.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from errorstream.agents.thresholds import DetectionRules
from errorstream.exceptions import ConfigurationError
from errorstream.schemas.enums import Layer
from errorstream.streams.sanitize import ReportLimits

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def checkout_root() -> Path | None:
    """The source checkout errorstream runs from, when it does (it holds deploy/)."""
    if (PACKAGE_ROOT / "deploy" / "kafka" / "kafka.sh").exists():
        return PACKAGE_ROOT
    return None


def _default_run_dir() -> Path:
    root = checkout_root()
    return (root if root is not None else Path.cwd()) / ".run"


class ReporterSettings(BaseModel):
    """The error-reporting SDK in a service's process; `errorstream.configure` overrides these."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str | None = Field(default=None, description="Unset: the program's name.")
    layer: Layer = Layer.SERVICE
    environment: str = "production"
    release: str | None = None
    capture_locals: bool = Field(default=False, description="Frame variables, redacted.")
    app_prefixes: tuple[str, ...] = Field(
        default=(), description="Modules that are the application's own (in_app frames)."
    )
    burst_window_seconds: float = Field(
        default=2.0, ge=0, le=3600, description="Repeats within it become one report, count=N."
    )
    max_buffered_reports: int = Field(default=10_000, ge=1, le=1_000_000)
    max_buffered_kbytes: int = Field(default=65_536, ge=1, le=2_097_151)
    delivery_timeout_ms: int = Field(default=30_000, ge=1_000, le=3_600_000)
    flush_timeout_seconds: float = Field(default=5.0, ge=0, le=600)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ERRORSTREAM_",
        env_nested_delimiter="__",
        frozen=True,
        extra="ignore",
        populate_by_name=True,
    )

    # -- infrastructure -------------------------------------------------------------------
    kafka_bootstrap_servers: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "KAFKA_BOOTSTRAP_SERVERS", "ERRORSTREAM_KAFKA_BOOTSTRAP_SERVERS"
        ),
        description="External Kafka (host:port,...). Unset: the local broker errorstream starts.",
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "ERRORSTREAM_DATABASE_URL"),
        description="External PostgreSQL (postgresql://...). Unset: the local cluster.",
    )
    schema_registry_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SCHEMA_REGISTRY_URL", "ERRORSTREAM_SCHEMA_REGISTRY_URL"),
        description="Confluent Schema Registry; set it to write the Confluent wire format.",
    )
    run_dir: Path = Field(
        default_factory=_default_run_dir,
        description="Where local Kafka/PostgreSQL data, logs and pid files live.",
    )
    kafka_port: int = Field(
        default=19092,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("KAFKA_PORT", "ERRORSTREAM_KAFKA_PORT"),
        description="Port of the local broker.",
    )
    pg_port: int = Field(
        default=15432,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("PG_PORT", "ERRORSTREAM_PG_PORT"),
        description="Port of the local PostgreSQL.",
    )
    pg_database: str = Field(default="errorstream", min_length=1)

    # -- topics ---------------------------------------------------------------------------
    topic_prefix: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9._-]*$",
        description="Prepended to every topic name (isolates environments and test runs).",
    )
    topic_partitions: int = Field(default=6, ge=1, le=1000)
    replication_factor: int = Field(default=1, ge=1, le=10)

    # -- workers --------------------------------------------------------------------------
    app_id: str = Field(
        default="errorstream",
        pattern=r"^[A-Za-z0-9._-]+$",
        description="Faust application id: consumer group and changelog topic prefix.",
    )
    worker_web_port: int = Field(default=6066, ge=1, le=65535)
    metrics_port: int = Field(default=9466, ge=0, le=65535, description="0 disables.")
    projection_batch_size: int = Field(default=2000, ge=1, le=100_000)
    projection_batch_timeout: float = Field(default=0.5, gt=0, le=60)
    projection_session_timeout_ms: int = Field(
        default=10_000,
        ge=6_000,
        le=300_000,
        description="How long a crashed projector holds its partitions before a rebalance.",
    )

    # -- error reports --------------------------------------------------------------------
    limits: ReportLimits = Field(
        default_factory=ReportLimits, description="Size limits of one error report."
    )
    reporter: ReporterSettings = Field(default_factory=ReporterSettings)

    # -- detection ------------------------------------------------------------------------
    detection: DetectionRules = Field(
        default_factory=DetectionRules,
        description="Thresholds, patterns, lateness and lifecycle timings of the detection agent.",
    )

    @field_validator("kafka_bootstrap_servers", "database_url", "schema_registry_url")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value or None

    # -- derived --------------------------------------------------------------------------
    @property
    def kafka_is_external(self) -> bool:
        return self.kafka_bootstrap_servers is not None

    @property
    def database_is_external(self) -> bool:
        return self.database_url is not None

    @property
    def bootstrap_servers(self) -> str:
        return self.kafka_bootstrap_servers or f"127.0.0.1:{self.kafka_port}"

    @property
    def dsn(self) -> str:
        if self.database_url:
            return self.database_url
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/{self.pg_database}"

    def as_environment(self) -> dict[str, str]:
        """These settings as environment variables, for a child process (a worker, a projector)."""
        env = {}
        for name, value in self.model_dump().items():
            if value is None:
                continue
            text = json.dumps(value) if isinstance(value, dict | list) else str(value)
            env[f"ERRORSTREAM_{name.upper()}"] = text
        env["KAFKA_BOOTSTRAP_SERVERS"] = self.bootstrap_servers
        env["DATABASE_URL"] = self.dsn
        if self.schema_registry_url:
            env["SCHEMA_REGISTRY_URL"] = self.schema_registry_url
        return env

    def topic(self, name: str) -> str:
        """The broker-side name of a catalogue topic."""
        return f"{self.topic_prefix}{name}"


def _variable(location: str) -> str:
    """The environment variable a user sets for a field (its conventional alias if it has one)."""
    field = Settings.model_fields.get(location)
    alias = getattr(field, "validation_alias", None) if field else None
    choices = getattr(alias, "choices", None)
    if choices:
        return str(choices[0])
    return f"ERRORSTREAM_{location.upper()}" if location else "settings"


def _describe(error: Mapping[str, Any]) -> str:
    location = "__".join(str(part) for part in error["loc"])
    value = error.get("input")
    return f"invalid setting {_variable(location)}={value!r}: {error['msg']}"


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment (and explicit overrides); a bad value names its field."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigurationError("; ".join(_describe(e) for e in exc.errors())) from exc


@cache
def settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
