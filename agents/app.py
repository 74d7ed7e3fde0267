"""The Faust application every errorstream agent runs in.

Values travel as raw bytes: agents decode them with errorstream's codec themselves, so that a
message that cannot be decoded becomes a dead letter instead of an exception inside Faust.
State lives in plain Faust tables (in memory, recovered from their compacted changelogs).
"""

from __future__ import annotations

from typing import Any

import faust

from errorstream.agents.gaps import GapHealer
from errorstream.agents.state_buffer import Deliveries
from errorstream.agents.transport import broker_url
from errorstream.config import Settings, settings


def create_app(config: Settings) -> faust.App:
    return faust.App(
        config.app_id,
        broker=broker_url(config.bootstrap_servers),
        value_serializer="raw",
        key_serializer="raw",
        store="memory://",
        autodiscover=False,
        topic_partitions=config.topic_partitions,
        topic_replication_factor=config.replication_factor,
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        processing_guarantee="at_least_once",
        producer_acks=-1,
        broker_commit_every=1000,
        broker_commit_interval=1.0,
        stream_buffer_maxsize=8192,
        table_standby_replicas=0,
        web_enabled=True,
        web_bind="127.0.0.1",
        web_port=config.worker_web_port,
        web_in_thread=False,
    )


app = create_app(settings())


async def _produce(
    topic: str, key: bytes | None, value: bytes | None, partition: int | None
) -> Any:
    """Straight to the producer (Faust flushes it before committing offsets); the future
    resolves when the broker has the record."""
    return await app.producer.send(topic, key, value, partition, None, None)


def deliveries() -> Deliveries:
    """A batching stage's sender: records awaited per batch; a lost one stops the worker."""
    return Deliveries(_produce, on_failure=app.crash)


def gap_healer() -> GapHealer:
    """A healer for one stage (each has its own consumer: stages run concurrently)."""
    config = settings()
    return GapHealer(config.bootstrap_servers, config.app_id)
