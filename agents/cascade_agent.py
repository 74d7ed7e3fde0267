"""Agent: window.summarized → cross-service cascades (thin; the logic is cascades.py).

`window.summarized` has one partition, so every service's summaries of a window meet here; the
`cascade_windows` table keeps the recent windows by start, pruned as windows age out.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import faust

from errorstream.agents.app import app, gap_healer
from errorstream.agents.app import deliveries as new_deliveries
from errorstream.agents.cascades import (
    CascadeProgress,
    WindowGroup,
    add_summary,
    evaluate_window,
)
from errorstream.agents.detection_agent import detection_config
from errorstream.agents.stage import Emit, Origin, Stage
from errorstream.agents.state_buffer import BufferedTable
from errorstream.agents.state_codecs import register_state, state_table
from errorstream.config import settings
from errorstream.schemas.models import Event, WindowSummarized, epoch_millis, from_epoch_millis
from errorstream.streams.topics import ERROR_DEADLETTER, topic_for

STAGE = "cascades"
SUMMARIES = "window.summarized"
KEEP_WINDOWS = 10
QUIET = 4  # windows kept as context before a window pair (>= cascade_quiet_windows + 1)

_config = settings()
PROGRESS = "progress"


class _CascadeState:
    """Codec adapter: the table holds window groups under "w:<start>" and one progress record
    (each serialises itself; this tells them apart when reading them back)."""

    def to_json(self) -> Any:  # pragma: no cover - values are WindowGroup/CascadeProgress
        raise NotImplementedError

    @staticmethod
    def from_json(data: Any) -> Any:
        if "e" in data and "c" in data:
            return CascadeProgress.from_json(data)
        return WindowGroup.from_json(data)


CASCADE_STATE = register_state("errorstream_cascade_state", _CascadeState)
windows_table = state_table(app, "cascade_windows", CASCADE_STATE, 1)

# Written behind (agents/state_buffer.py): a window's group holds every service's summary of
# it, so writing it per summary would cost O(services) per event; once per batch it is cheap.
windows = BufferedTable(windows_table, CASCADE_STATE)
BATCH_SIZE = 500
BATCH_WITHIN_S = 0.05

_summaries = app.topic(_config.topic(SUMMARIES), key_serializer="raw", value_serializer="raw")
_topic_names = {
    name: _config.topic(name)
    for name in (SUMMARIES, "pattern.detected", "escalation.raised", ERROR_DEADLETTER)
}


def handle(event: Event, _origin: Origin) -> Iterable[Emit]:
    """Collect summaries; evaluate each window once every partition has closed it.

    Evaluating only sealed windows, in window order, makes the result independent of the order
    in which partitions' summaries arrive: a replay reports the same cascades.
    """
    assert isinstance(event, WindowSummarized)
    if not event.partition_closed:
        start = epoch_millis(event.window_start)
        windows.set(f"w:{start}", add_summary(windows.get(f"w:{start}"), event), 0)
        return []
    progress = windows.get(PROGRESS) or CascadeProgress()
    boundary = epoch_millis(event.window_end)
    partition = event.partition if event.partition is not None else 0
    progress.closed[partition] = max(progress.closed.get(partition, boundary), boundary)
    sealed = progress.sealed_until(_config.topic_partitions)
    out: list[Event] = []
    if sealed is not None:
        window_ms = event.window_ms
        starts = sorted(
            int(key[2:])
            for key, _ in windows.items()
            if key.startswith("w:")
            and int(key[2:]) + window_ms <= sealed
            and (progress.evaluated_until is None or int(key[2:]) >= progress.evaluated_until)
        )
        for start in starts:
            current = windows.get(f"w:{start}")
            out += evaluate_window(
                current,
                windows.get(f"w:{start - window_ms}"),
                [windows.get(f"w:{start - k * window_ms}") for k in range(2, 2 + QUIET)],
                detection_config.rules,
                detection_config.policies,
                # cause and time come from the window itself, not from whichever partition's
                # marker sealed it last: the report is the same however summaries interleave
                str(uuid.uuid5(uuid.NAMESPACE_URL, f"errorstream:cascade-window:{start}")),
                from_epoch_millis(start + window_ms),
            )
            windows.set(f"w:{start}", current, 0)
        progress.evaluated_until = max(progress.evaluated_until or sealed, sealed)
        horizon = sealed - KEEP_WINDOWS * window_ms
        for key in [k for k, _ in windows.items() if k.startswith("w:") and int(k[2:]) < horizon]:
            windows.delete(key, 0)
    windows.set(PROGRESS, progress, 0)
    return [Emit(topic_for(e.event_type), e) for e in out]


deliveries = new_deliveries()


async def _send(topic: str, key: bytes | None, value: bytes) -> None:
    await deliveries.send(_topic_names[topic], key, value)


async def _end_batch() -> None:
    await deliveries.settle([windows])


stage = Stage(STAGE, handle, (WindowSummarized,), _send, healer=gap_healer())


@app.agent(_summaries, name=STAGE, concurrency=1)
async def detect_cascades(stream: faust.StreamT[Any]) -> None:
    await stage.run_batches(stream, BATCH_SIZE, BATCH_WITHIN_S, _end_batch)
