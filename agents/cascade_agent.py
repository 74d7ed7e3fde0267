"""Agent: window.summarized → cross-service cascades (thin; the logic is cascades.py).

`window.summarized` has one partition, so every service's summaries of a window meet here; the
`cascade_windows` table keeps the recent windows by start, pruned as windows age out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import faust

from errorstream.agents.app import app, gap_healer
from errorstream.agents.cascades import WindowGroup, add_summary, on_summary
from errorstream.agents.detection_agent import detection_config
from errorstream.agents.stage import Emit, Origin, Stage
from errorstream.agents.state_codecs import register_state, state_table
from errorstream.config import settings
from errorstream.schemas.models import Event, WindowSummarized, epoch_millis
from errorstream.streams.topics import ERROR_DEADLETTER, topic_for

STAGE = "cascades"
SUMMARIES = "window.summarized"
KEEP_WINDOWS = 10

_config = settings()
windows_table = state_table(
    app, "cascade_windows", register_state("errorstream_window_group", WindowGroup), 1
)

_topics = {
    name: app.topic(_config.topic(name), key_serializer="raw", value_serializer="raw")
    for name in (SUMMARIES, "pattern.detected", "escalation.raised", ERROR_DEADLETTER)
}


def handle(event: Event, _origin: Origin) -> Iterable[Emit]:
    assert isinstance(event, WindowSummarized)
    start = epoch_millis(event.window_start)
    current = add_summary(windows_table.get(str(start)), event)
    previous = windows_table.get(str(start - event.window_ms))
    before = windows_table.get(str(start - 2 * event.window_ms))
    out = on_summary(
        current, previous, event, detection_config.rules, detection_config.policies, before
    )
    windows_table[str(start)] = current
    horizon = start - KEEP_WINDOWS * event.window_ms
    for key in [k for k in windows_table if int(k) < horizon]:
        del windows_table[key]
    return [Emit(topic_for(e.event_type), e) for e in out]


async def _send(topic: str, key: bytes | None, value: bytes) -> Any:
    return await _topics[topic].send(key=key, value=value)


stage = Stage(STAGE, handle, (WindowSummarized,), _send, healer=gap_healer())


@app.agent(_topics[SUMMARIES], name=STAGE, concurrency=1)
async def detect_cascades(stream: faust.StreamT[Any]) -> None:
    await stage.run(stream.events())
