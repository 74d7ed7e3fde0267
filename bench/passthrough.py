#!/usr/bin/env python3
"""The detection benchmark's baseline: a Faust agent that forwards error.detected unchanged.

Same Faust app settings as errorstream's worker (agents/app.py: raw bytes, in-memory store,
acks=all, the same commit cadence), the same input topic and partitions, one agent with
concurrency 1; every message is sent on, with its key, to error.classified — the topic the
detection agent writes one ErrorClassified per error to — so both are timed the same way.
usage: ERRORSTREAM_* settings in the environment; `bench/passthrough.py` runs until SIGTERM.
"""

from __future__ import annotations

import logging
from typing import Any

import faust

from errorstream.agents.app import app
from errorstream.config import settings
from errorstream.streams.topics import ERROR_CLASSIFIED, ERROR_DETECTED

_config = settings()
source = app.topic(_config.topic(ERROR_DETECTED), key_serializer="raw", value_serializer="raw")
sink = app.topic(_config.topic(ERROR_CLASSIFIED), key_serializer="raw", value_serializer="raw")


@app.agent(source, name="passthrough", concurrency=1)
async def forward(stream: faust.StreamT[Any]) -> None:
    async for event in stream.events():
        await sink.send(key=event.message.key, value=event.value)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    worker = app.Worker(loglevel="warning", quiet=True)
    worker.spinner = None  # as agents/worker.py: no DEBUG root logger for a terminal spinner
    worker.execute_from_commandline()
