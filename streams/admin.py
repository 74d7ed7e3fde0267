"""Kafka administration: reachability, and creating the catalogue's topics."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewPartitions, NewTopic

from errorstream.config import Settings
from errorstream.exceptions import InfrastructureError
from errorstream.streams.topics import CATALOGUE, TopicSpec


def admin_client(settings: Settings) -> AdminClient:
    return AdminClient({"bootstrap.servers": settings.bootstrap_servers, "log_level": 3})


def wait_for_broker(settings: Settings, timeout: float = 60.0) -> None:
    """Block until the broker answers a metadata request, or raise InfrastructureError."""
    client = admin_client(settings)
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            metadata = client.list_topics(timeout=5)
            if metadata.brokers:
                return
        except KafkaException as exc:
            last = exc
        time.sleep(0.5)
    raise InfrastructureError(
        f"Kafka at {settings.bootstrap_servers} did not answer within {timeout:.0f}s ({last})"
    )


@dataclass(frozen=True)
class TopicChange:
    topic: str
    action: str  # created, exists, partitions-added


def create_topics(
    settings: Settings, specs: Iterable[TopicSpec] = CATALOGUE, timeout: float = 30.0
) -> list[TopicChange]:
    """Create missing topics; grow partitions that are fewer than the catalogue says. Idempotent."""
    client = admin_client(settings)
    specs = list(specs)
    existing = client.list_topics(timeout=timeout).topics
    changes: list[TopicChange] = []
    new_topics = []
    grow = []
    for spec in specs:
        name = settings.topic(spec.name)
        partitions = spec.partition_count(settings)
        if name in existing:
            have = len(existing[name].partitions)
            if have < partitions:
                grow.append(NewPartitions(name, partitions))
                changes.append(TopicChange(name, "partitions-added"))
            else:
                changes.append(TopicChange(name, "exists"))
            continue
        new_topics.append(
            NewTopic(
                name,
                num_partitions=partitions,
                replication_factor=settings.replication_factor,
                config=spec.config(),
            )
        )
        changes.append(TopicChange(name, "created"))
    futures = dict(client.create_topics(new_topics, request_timeout=timeout)) if new_topics else {}
    if grow:
        futures.update(client.create_partitions(grow, request_timeout=timeout))
    for name, future in futures.items():
        try:
            future.result()
        except KafkaException as exc:
            error = exc.args[0]
            if isinstance(error, KafkaError) and error.code() == KafkaError.TOPIC_ALREADY_EXISTS:
                continue
            raise InfrastructureError(f"could not create topic {name}: {error}") from exc
    return changes


def delete_topics(settings: Settings, names: Iterable[str], timeout: float = 30.0) -> None:
    client = admin_client(settings)
    names = list(names)
    if not names:
        return
    for name, future in client.delete_topics(names, request_timeout=timeout).items():
        try:
            future.result()
        except KafkaException as exc:
            error = exc.args[0]
            if isinstance(error, KafkaError) and error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
                continue
            raise InfrastructureError(f"could not delete topic {name}: {error}") from exc


def describe_topics(settings: Settings) -> dict[str, int]:
    """Partition count of every topic on the broker."""
    metadata = admin_client(settings).list_topics(timeout=10)
    return {name: len(topic.partitions) for name, topic in metadata.topics.items()}
