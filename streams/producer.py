"""Publishing events: an idempotent confluent-kafka producer and the codec in one place."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from confluent_kafka import KafkaError, Message, Producer

from errorstream.config import Settings
from errorstream.schemas.models import Event
from errorstream.schemas.serialization import AvroCodec, Codec

DeliveryCallback = Callable[[KafkaError | None, Message], None]


def codec_for(settings: Settings) -> Codec:
    """Confluent wire format when a Schema Registry is configured, single-object otherwise."""
    if settings.schema_registry_url:
        from confluent_kafka.schema_registry import SchemaRegistryClient

        from errorstream.schemas.serialization import ConfluentCodec

        registry = SchemaRegistryClient({"url": settings.schema_registry_url})
        return ConfluentCodec(registry)
    return AvroCodec()


def producer_config(settings: Settings, **overrides: Any) -> dict[str, Any]:
    """Idempotent, ordered per partition, batched; lz4 keeps the log small.

    Keys are hashed with murmur2, as Java clients and aiokafka (the Faust workers) do, so a
    service lands on the same partition whoever produces its events.
    """
    config: dict[str, Any] = {
        "bootstrap.servers": settings.bootstrap_servers,
        "enable.idempotence": True,
        "partitioner": "murmur2_random",
        "acks": "all",
        "compression.type": "lz4",
        "linger.ms": 5,
        "batch.num.messages": 10000,
        "queue.buffering.max.messages": 500000,
        "message.max.bytes": 4194304,
        "log_level": 3,
    }
    config.update(overrides)
    return config


class EventPublisher:
    """Encodes events and publishes them keyed by source service; thread-safe."""

    def __init__(
        self, settings: Settings, codec: Codec | None = None, **producer_overrides: Any
    ) -> None:
        self.settings = settings
        self.codec = codec or codec_for(settings)
        self.producer = Producer(producer_config(settings, **producer_overrides))
        self._failures: list[KafkaError] = []
        self._lock = threading.Lock()

    def publish(
        self,
        topic: str,
        event: Event,
        *,
        key: bytes | None = None,
        on_delivery: DeliveryCallback | None = None,
        timestamp_ms: int | None = None,
        headers: Sequence[tuple[str, bytes]] | None = None,
    ) -> None:
        self.publish_bytes(
            topic,
            self.codec.encode(event),
            key=key or event.partition_key,
            on_delivery=on_delivery,
            timestamp_ms=timestamp_ms,
            headers=headers,
        )

    def publish_bytes(
        self,
        topic: str,
        value: bytes,
        *,
        key: bytes | None,
        on_delivery: DeliveryCallback | None = None,
        timestamp_ms: int | None = None,
        headers: Sequence[tuple[str, bytes]] | None = None,
    ) -> None:
        """`timestamp_ms` sets the record's CreateTime (default: now), as ingest does with
        each record's event time; `headers` travel beside the value."""
        callback = on_delivery or self._record_failure
        extra: dict[str, Any] = {}
        if timestamp_ms is not None:
            extra["timestamp"] = timestamp_ms
        if headers:
            extra["headers"] = list(headers)
        while True:
            try:
                self.producer.produce(
                    self.settings.topic(topic), value=value, key=key, on_delivery=callback, **extra
                )
                break
            except BufferError:
                # Local queue full: let librdkafka drain some deliveries, then retry.
                self.producer.poll(0.1)
        self.producer.poll(0)

    def _record_failure(self, error: KafkaError | None, _message: Message) -> None:
        if error is not None:
            with self._lock:
                self._failures.append(error)

    def flush(self, timeout: float = 30.0) -> int:
        """Wait for every delivery; returns how many are still queued (0 when all landed)."""
        return int(self.producer.flush(timeout))

    def take_failures(self) -> list[KafkaError]:
        with self._lock:
            failures, self._failures = self._failures, []
        return failures
