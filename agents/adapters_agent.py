"""Agent: the inbound subscriptions → error.detected / feedback.recorded (logic: streams/adapters.py).

Raw bytes in; each record is adapted by the pure `adapt` and the result encoded and sent, or
the record goes to error.deadletter with the reason and its original bytes. Adapted events have
ids derived from (topic, partition, offset), so re-processing after a crash or a replay sends
the byte-identical events and consumers de-duplicate them.
"""

from __future__ import annotations

import logging
from typing import Any

import faust

from errorstream.agents.app import app, gap_healer
from errorstream.agents.stage import Emit, Origin, Stage
from errorstream.config import settings
from errorstream.schemas.models import Event
from errorstream.streams.adapters import FEEDBACK_RECORDED, AdapterRejected, adapt
from errorstream.streams.producer import codec_for
from errorstream.streams.topics import (
    ERROR_DEADLETTER,
    ERROR_DETECTED,
    INBOUND_ERROR_TOPICS,
    INBOUND_FEEDBACK_TOPIC,
)

log = logging.getLogger(__name__)

STAGE = "adapters"
INBOUND = (*INBOUND_ERROR_TOPICS, INBOUND_FEEDBACK_TOPIC)

_config = settings()
_outputs = {
    name: app.topic(_config.topic(name), key_serializer="raw", value_serializer="raw")
    for name in (ERROR_DETECTED, FEEDBACK_RECORDED, ERROR_DEADLETTER)
}
_inputs = app.topic(
    *(_config.topic(name) for name in INBOUND), key_serializer="raw", value_serializer="raw"
)


async def _send(topic: str, key: bytes | None, value: bytes) -> Any:
    return await _outputs[topic].send(key=key, value=value)


def _never(_event: Event, _origin: Origin) -> list[Emit]:
    return []


class AdapterStage(Stage):
    """The Stage loop with `adapt` in place of decoding: foreign shapes are its input."""

    def __init__(self) -> None:
        codec = codec_for(_config)
        super().__init__(STAGE, _never, (), _send, codec=codec, healer=gap_healer())

    async def process(self, value: Any, key: bytes | None, origin: Origin) -> None:
        topic = origin.topic.removeprefix(_config.topic_prefix)
        try:
            result = adapt(
                topic,
                key,
                value if isinstance(value, bytes) or value is None else bytes(value),
                origin.timestamp,
                partition=origin.partition,
                offset=origin.offset,
                codec=self.codec,
                limits=_config.limits,
            )
            if isinstance(result, AdapterRejected):
                await self._dead_letter(result.reason_code, result.reason, value, key, origin)
                return
            payload = self.codec.encode(result.event)
        except Exception as exc:  # a bug or an input the logic cannot take: keep it, go on
            log.exception(
                "%s failed on %s/%s@%s", STAGE, origin.topic, origin.partition, origin.offset
            )
            await self._dead_letter(
                "processing_error", f"{type(exc).__name__}: {exc}", value, key, origin
            )
            return
        await self.send(result.topic, result.key, payload)
        self.processed += 1


stage = AdapterStage()


@app.agent(_inputs, name=STAGE, concurrency=1)
async def adapt_inbound(stream: faust.StreamT[Any]) -> None:
    await stage.run(stream.events())
