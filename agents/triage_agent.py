"""Agent: error.detected → error.classified (thin; the logic is agents/triage.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import faust

from errorstream.agents.app import app
from errorstream.agents.stage import Emit, Origin, Stage
from errorstream.agents.triage import triage
from errorstream.config import settings
from errorstream.schemas.models import ErrorDetected, Event
from errorstream.streams.topics import ERROR_CLASSIFIED, ERROR_DEADLETTER, ERROR_DETECTED

STAGE = "triage"

_config = settings()
_topics = {
    name: app.topic(_config.topic(name), key_serializer="raw", value_serializer="raw")
    for name in (ERROR_DETECTED, ERROR_CLASSIFIED, ERROR_DEADLETTER)
}


async def _send(topic: str, key: bytes | None, value: bytes) -> Any:
    return await _topics[topic].send(key=key, value=value)


def handle(event: Event, _origin: Origin) -> Iterable[Emit]:
    assert isinstance(event, ErrorDetected)
    yield Emit(ERROR_CLASSIFIED, triage(event))


stage = Stage(STAGE, handle, (ErrorDetected,), _send)


@app.agent(_topics[ERROR_DETECTED], name=STAGE, concurrency=1)
async def triage_errors(stream: faust.StreamT[Any]) -> None:
    await stage.run(stream.events())
