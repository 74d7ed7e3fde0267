"""Configuration the agents read from compacted topics, in every worker (a "global table").

Thresholds (`threshold.configured`), escalation policies (`escalation-policy.configured`) and
the newest classifier snapshot (`model.updated`) are read by a background thread with a plain
confluent-kafka consumer — no consumer group, every partition from the beginning — so each
worker sees all of them, whatever partitions it owns. The agents read the latest values through
`current()`; swaps are atomic assignments, never blocking the event loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from errorstream.agents.alerting import EscalationPolicy, EscalationStep
from errorstream.agents.text_model import TextModel
from errorstream.agents.thresholds import ThresholdOverride
from errorstream.config import Settings
from errorstream.schemas.enums import ModelType
from errorstream.schemas.models import (
    EscalationPolicyConfigured,
    Event,
    ModelUpdated,
    ThresholdConfigured,
)
from errorstream.schemas.serialization import AvroCodec, DecodeError

log = logging.getLogger(__name__)

THRESHOLDS = "threshold.configured"
POLICIES = "escalation-policy.configured"
MODELS = "model.updated"
CLASSIFIER_MODEL_ID = "classifier-text"


@dataclass(frozen=True)
class ConfigSnapshot:
    overrides: dict[str, ThresholdOverride] = field(default_factory=dict)
    policies: dict[str, EscalationPolicy] = field(default_factory=dict)
    model: TextModel | None = None
    model_version: int = 0


def policy_from_event(event: EscalationPolicyConfigured) -> EscalationPolicy:
    return EscalationPolicy(
        policy_id=event.policy_id,
        scope=event.scope,
        min_severity=event.min_severity,
        levels=tuple(
            EscalationStep(
                level=level.level,
                after_ms=level.after_ms,
                channel=level.channel,
                recipients=tuple(level.recipients),
            )
            for level in event.levels
        ),
        repeat_interval_ms=event.repeat_interval_ms,
        is_active=event.is_active,
    )


def apply(snapshot: ConfigSnapshot, event: Event) -> ConfigSnapshot:
    """The configuration after one more configuration event (pure)."""
    if isinstance(event, ThresholdConfigured):
        overrides = dict(snapshot.overrides)
        overrides[event.threshold_id] = ThresholdOverride.from_event(event)
        return ConfigSnapshot(overrides, snapshot.policies, snapshot.model, snapshot.model_version)
    if isinstance(event, EscalationPolicyConfigured):
        policies = dict(snapshot.policies)
        policies[event.policy_id] = policy_from_event(event)
        return ConfigSnapshot(snapshot.overrides, policies, snapshot.model, snapshot.model_version)
    if (
        isinstance(event, ModelUpdated)
        and event.model_id == CLASSIFIER_MODEL_ID
        and event.model_type is ModelType.CLASSIFICATION
        and event.snapshot
        and event.version > snapshot.model_version
    ):
        model = TextModel.restore(event.snapshot)
        return ConfigSnapshot(snapshot.overrides, snapshot.policies, model, event.version)
    return snapshot


class GlobalConfig:
    """Follows the configuration topics in a daemon thread."""

    def __init__(
        self,
        settings: Settings,
        on_change: Callable[[ConfigSnapshot], None] | None = None,
        topics: tuple[str, ...] = (THRESHOLDS, POLICIES, MODELS),
    ) -> None:
        self.settings = settings
        self.topics = topics
        self.on_change = on_change
        self._snapshot = ConfigSnapshot()
        self._codec = AvroCodec()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.caught_up = threading.Event()

    def current(self) -> ConfigSnapshot:
        return self._snapshot

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="global-config", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._follow()
            except Exception:
                log.exception("configuration reader failed; retrying")
                self._stop.wait(2.0)

    def _follow(self) -> None:
        consumer = Consumer(
            {
                "bootstrap.servers": self.settings.bootstrap_servers,
                "group.id": f"{self.settings.app_id}-config-reader",
                "enable.auto.commit": False,
                "enable.partition.eof": True,
                "log_level": 3,
            }
        )
        try:
            names = [self.settings.topic(t) for t in self.topics]
            assignment = []
            for name in names:
                meta = consumer.list_topics(name, timeout=10).topics.get(name)
                if meta is None or meta.error is not None:
                    continue
                assignment += [TopicPartition(name, p, OFFSET_BEGINNING) for p in meta.partitions]
            consumer.assign(assignment)
            at_end: set[tuple[str, int]] = set()
            while not self._stop.is_set():
                for message in consumer.consume(500, 0.5):
                    error = message.error()
                    if error is not None:
                        if error.code() == KafkaError._PARTITION_EOF:
                            at_end.add((str(message.topic()), int(message.partition() or 0)))
                            if len(at_end) >= len(assignment):
                                self.caught_up.set()
                        continue
                    self._take(message.value())
                if not assignment:
                    self.caught_up.set()
        finally:
            consumer.close()

    def _take(self, value: bytes | None) -> None:
        if value is None:
            return
        try:
            event = self._codec.decode(value)
        except DecodeError as exc:
            log.warning("ignoring unreadable configuration event: %s", exc)
            return
        updated = apply(self._snapshot, event)
        if updated is not self._snapshot:
            self._snapshot = updated
            if self.on_change is not None:
                self.on_change(updated)
