"""Dead letters: what a stage could not process, kept whole with the reason.

A dead letter's id is derived from (stage, topic, partition, offset) and its timestamps are the
original message's, so re-processing the same message after a crash (or in a replay) yields the
byte-identical DeadLettered event and consumers de-duplicate it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from errorstream.schemas.enums import Layer
from errorstream.schemas.models import DeadLettered, EventSource, derived_id, utc_now

MAX_REASON_CHARS = 2000


def dead_letter_id(stage: str, topic: str, partition: int, offset: int) -> uuid.UUID:
    return derived_id(f"{topic}/{partition}/{offset}", f"deadletter:{stage}")


def dead_letter(
    *,
    stage: str,
    reason_code: str,
    reason: str,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    timestamp: datetime | None = None,
    host: str | None = None,
) -> DeadLettered:
    moment = timestamp or utc_now()
    return DeadLettered(
        event_id=dead_letter_id(stage, topic, partition, offset),
        occurred_at=moment,
        recorded_at=moment,
        source=EventSource(service="errorstream", layer=Layer.INFRASTRUCTURE, host=host),
        stage=stage,
        reason_code=reason_code,
        reason=reason[:MAX_REASON_CHARS],
        original_topic=topic,
        original_partition=partition,
        original_offset=offset,
        original_timestamp=timestamp,
        original_key=key,
        original_value=value,
    )
