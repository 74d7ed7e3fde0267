"""Detection: one pure pass per error, from ErrorDetected to every signal it causes.

For each error, in this order (one function call, no I/O):

1. **triage** — sanitise the report (size limits + redaction: nothing unredacted goes further),
   structure a text stack trace into frames, fingerprint it into a group, update the group's
   lifecycle, classify it (rules first; the text model once per group; operator corrections
   win) and emit `ErrorClassified`;
2. **windows** — unless it arrived behind the watermark (late: counted, still classified), count
   it into its service's event-time windows;
3. **patterns** — recurring, cascade, burst, degradation, new-group spike episodes that start
   with it → `PatternDetected`;
4. **alerts** — the layer-rate rule raises or keeps firing; alerts that stayed quiet resolve;
   escalation policies route severity scores, unresolved alerts and critical patterns →
   `AlertRaised`, `AlertResolved`, `EscalationRaised`;
5. **summaries** — closed one-minute windows of the service → `WindowSummarized` (for the
   cross-service cascade agent).

State lives behind a `DetectionStore` (Faust tables in the worker, dicts in tests): per group a
`GroupState`, per service a `ServiceState`, per partition a watermark. Every derived event has a
deterministic id and carries its cause's timestamps, so a replay yields identical events.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from errorstream.agents import alerting, groups, patterns
from errorstream.agents.alerting import AlertContext, EscalationPolicy, ServiceAlerts
from errorstream.agents.classification import Classification, ErrorFacts, classify
from errorstream.agents.fingerprints import Fingerprint, fingerprint
from errorstream.agents.groups import GroupState
from errorstream.agents.patterns import ObservedError, ServiceWindows
from errorstream.agents.stacktraces import Frame, normalise_frame, parse_stack_trace
from errorstream.agents.templates import TemplateMiner
from errorstream.agents.text_model import Prediction, TextModel
from errorstream.agents.thresholds import DetectionRules, PolicyBook
from errorstream.agents.windows import window_start
from errorstream.schemas.enums import (
    DeploymentStatus,
    ErrorCategory,
    ErrorType,
    Layer,
    ModelType,
    Severity,
)
from errorstream.schemas.models import (
    ErrorClassified,
    ErrorDetails,
    ErrorDetected,
    Event,
    EventSource,
    Evidence,
    FeedbackRecorded,
    ModelUpdated,
    StackFrame,
    WindowSummarized,
    derived_id,
    epoch_millis,
    from_epoch_millis,
)
from errorstream.streams.redaction import Redactor
from errorstream.streams.sanitize import ReportLimits, sanitize_report

MARKER_SOURCE = "errorstream"
CLASSIFIER_MODEL_ID = "classifier-text"


@dataclass(slots=True)
class ServiceState:
    """Everything detection remembers about one service."""

    windows: ServiceWindows
    alerts: ServiceAlerts
    applied: dict[str, int] = field(default_factory=dict)  # "topic/partition" → last offset

    def to_json(self) -> dict[str, Any]:
        return {"w": self.windows.to_json(), "a": self.alerts.to_json(), "o": self.applied}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServiceState:
        return cls(
            ServiceWindows.from_json(data["w"]),
            ServiceAlerts.from_json(data["a"]),
            dict(data.get("o") or {}),
        )


@dataclass(slots=True)
class PartitionProgress:
    """Event-time progress of one error.detected partition.

    `high_ms` is the latest event time seen (the watermark trails it by the allowed lateness);
    `closed_until` is the end of the last summary window closed for *every* service of the
    partition (and announced with a progress marker); `open_services` have summary windows
    still open.
    """

    high_ms: int
    closed_until: int | None = None
    open_services: set[str] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        return {"h": self.high_ms, "c": self.closed_until, "o": sorted(self.open_services)}

    @classmethod
    def from_json(cls, data: Any) -> PartitionProgress:
        if isinstance(data, int):  # the first layout: the high-water mark alone
            return cls(data)
        return cls(int(data["h"]), data.get("c"), set(data.get("o") or ()))

    def copy(self) -> PartitionProgress:
        return PartitionProgress(self.high_ms, self.closed_until, set(self.open_services))


class DetectionStore(Protocol):
    """Where detection state lives; the worker backs it with Faust tables."""

    def group(self, group_id: str) -> GroupState | None: ...

    def put_group(self, state: GroupState) -> None: ...

    def service(self, service: str) -> ServiceState | None: ...

    def put_service(self, service: str, state: ServiceState) -> None: ...

    def exemplar(self, group_id: str) -> dict[str, Any] | None: ...

    def put_exemplar(self, group_id: str, exemplar: dict[str, Any]) -> None: ...

    def progress(self, partition: int) -> PartitionProgress | None: ...

    def put_progress(self, partition: int, progress: PartitionProgress) -> None: ...


class MemoryStore:
    """A DetectionStore in plain dicts (tests, the `classify` command, benchmarks)."""

    def __init__(self) -> None:
        self.groups: dict[str, GroupState] = {}
        self.services: dict[str, ServiceState] = {}
        self.partitions: dict[int, PartitionProgress] = {}
        self.exemplars: dict[str, dict[str, Any]] = {}

    def group(self, group_id: str) -> GroupState | None:
        return self.groups.get(group_id)

    def put_group(self, state: GroupState) -> None:
        self.groups[state.group_id] = state

    def service(self, service: str) -> ServiceState | None:
        return self.services.get(service)

    def put_service(self, service: str, state: ServiceState) -> None:
        self.services[service] = state

    def exemplar(self, group_id: str) -> dict[str, Any] | None:
        return self.exemplars.get(group_id)

    def put_exemplar(self, group_id: str, exemplar: dict[str, Any]) -> None:
        self.exemplars[group_id] = exemplar

    def progress(self, partition: int) -> PartitionProgress | None:
        return self.partitions.get(partition)

    def put_progress(self, partition: int, progress: PartitionProgress) -> None:
        self.partitions[partition] = progress


@dataclass(frozen=True, slots=True)
class Position:
    """Where the event being processed sits in Kafka: the idempotence key of its effects."""

    topic: str
    partition: int
    offset: int

    @property
    def stream(self) -> str:
        return f"{self.topic}/{self.partition}"


@dataclass
class DetectionConfig:
    rules: DetectionRules = field(default_factory=DetectionRules)
    limits: ReportLimits = field(default_factory=ReportLimits)
    redactor: Redactor = field(default_factory=Redactor)
    book: PolicyBook | None = None
    policies: list[EscalationPolicy] = field(default_factory=list)
    model: TextModel | None = None

    def policy_book(self) -> PolicyBook:
        if self.book is None:
            self.book = PolicyBook(self.rules)
        return self.book


@dataclass
class Outcome:
    """What one error caused."""

    classified: ErrorClassified
    events: list[Event]
    late: bool
    duplicate: bool


class _GroupModel:
    """The text model as the classifier sees it, consulted at most once per group."""

    def __init__(self, model: TextModel | None, group: GroupState) -> None:
        self.model = model
        self.group = group

    def predict(self, facts: ErrorFacts) -> Prediction | None:
        guess = self.group.model_guess
        if guess is not None:
            version, category, error_type, confidence = guess
            return Prediction(
                category=ErrorCategory(category),
                type=ErrorType(error_type),
                category_probability=confidence,
                type_probability=confidence,
                category_probabilities=((ErrorCategory(category), confidence),),
                type_probabilities=((ErrorType(error_type), confidence),),
                model_version=version,
                known_tokens=0,
            )
        if self.model is None:
            return None
        prediction = self.model.predict(facts)
        if prediction is not None:
            confidence = min(prediction.category_probability, prediction.type_probability)
            self.group.model_guess = (
                prediction.model_version,
                prediction.category.value,
                prediction.type.value,
                round(confidence, 6),
            )
        return prediction


def frames_of(details: ErrorDetails) -> tuple[tuple[Frame, ...], tuple[StackFrame, ...] | None]:
    """Frames for grouping, and structured frames to store when only text was reported."""
    if details.frames:
        return (
            tuple(
                Frame(f.module, f.function, f.filename, f.lineno, f.in_app) for f in details.frames
            ),
            None,
        )
    if details.stack_trace:
        parsed = parse_stack_trace(details.stack_trace)
        if parsed.frames:
            structured = tuple(
                StackFrame(
                    module=f.module,
                    function=f.function,
                    filename=f.filename,
                    lineno=f.lineno,
                    in_app=f.in_app,
                )
                for f in parsed.frames
            )
            return tuple(parsed.frames), structured
    return (), None


def facts_of(event: ErrorDetected, details: ErrorDetails, frames: Sequence[Frame]) -> ErrorFacts:
    """What the classifier sees of a (sanitised) report."""
    context = details.context if isinstance(details.context, dict) else {}
    source_topic = context.get("source_topic")
    return ErrorFacts(
        message=details.message,
        exception_type=details.exception_type,
        error_code=details.error_code,
        frames=tuple(normalise_frame(f) for f in frames),
        stack_trace=details.stack_trace,
        service=event.source.service,
        reported_layer=event.source.layer,
        reported_severity=details.severity,
        tags=details.tags,
        context_keys=tuple(sorted(str(k) for k in context)),
        source_topic=source_topic if isinstance(source_topic, str) else None,
    )


def exemplar_of(facts: ErrorFacts, classification: Classification) -> dict[str, Any]:
    """The part of a group's first error the text model learns from, as plain JSON."""
    return {
        "message": facts.message[:2000],
        "exception_type": facts.exception_type,
        "error_code": facts.error_code,
        "frames": list(facts.frames[-10:]),
        "service": facts.service,
        "layer": facts.reported_layer.value if facts.reported_layer else None,
        "tags": list(facts.tags),
        "source_topic": facts.source_topic,
        "category": classification.category.value,
        "type": classification.type.value,
    }


def facts_from_exemplar(exemplar: dict[str, Any]) -> ErrorFacts:
    layer = exemplar.get("layer")
    return ErrorFacts(
        message=exemplar.get("message", ""),
        exception_type=exemplar.get("exception_type"),
        error_code=exemplar.get("error_code"),
        frames=tuple(exemplar.get("frames") or ()),
        service=exemplar.get("service", ""),
        reported_layer=Layer(layer) if layer else None,
        tags=tuple(exemplar.get("tags") or ()),
        source_topic=exemplar.get("source_topic"),
    )


def _apply_corrections(
    classification: Classification, group: GroupState
) -> tuple[Classification, tuple[Evidence, ...]]:
    category, error_type, severity, layer = group.corrections()
    if not any((category, error_type, severity, layer)):
        return classification, ()
    evidence = tuple(
        Evidence(field=name, rule_id="feedback", detail="operator correction of the group")
        for name, value in (
            ("category", category),
            ("type", error_type),
            ("severity", severity),
            ("layer", layer),
        )
        if value is not None
    )
    return (
        replace(
            classification,
            category=category or classification.category,
            type=error_type or classification.type,
            severity=severity or classification.severity,
            layer=layer or classification.layer,
            confidence=1.0,
        ),
        evidence,
    )


class Detector:
    """The detection pass over a store; one per worker, fed one event at a time."""

    def __init__(
        self,
        store: DetectionStore,
        config: DetectionConfig | None = None,
        *,
        miner: TemplateMiner | None = None,
        on_template_change: Callable[[TemplateMiner], None] | None = None,
    ) -> None:
        self.store = store
        self.config = config or DetectionConfig()
        self.miner = miner if miner is not None else TemplateMiner()
        self.on_template_change = on_template_change
        self.late_events = 0
        self.duplicates = 0
        self.learned = 0
        self.already_right = 0
        self._partitions: dict[int, PartitionProgress] = {}
        self._dirty: set[int] = set()
        self._classifications: OrderedDict[
            tuple[str, Severity | None, Layer, int], Classification
        ] = OrderedDict()
        self.classification_cache_size = 50_000

    # -- watermark and partition progress ---------------------------------------------------
    def _progress(self, partition: int) -> PartitionProgress | None:
        found = self._partitions.get(partition)
        if found is None:
            found = self.store.progress(partition)
            if found is not None:
                found = found.copy()
                self._partitions[partition] = found
        return found

    def high_water(self, partition: int) -> int | None:
        """The latest event time seen on a partition."""
        progress = self._progress(partition)
        return None if progress is None else progress.high_ms

    def watermark(self, partition: int) -> int | None:
        """Event time below which an event on this partition is late."""
        high = self.high_water(partition)
        return None if high is None else high - self.config.rules.allowed_lateness_ms

    def _advance(self, partition: int, at_ms: int) -> PartitionProgress:
        progress = self._progress(partition)
        if progress is None:
            progress = self._partitions[partition] = PartitionProgress(at_ms)
            self._dirty.add(partition)
        elif at_ms > progress.high_ms:
            bucket = self.config.rules.bucket_ms
            if at_ms // bucket != progress.high_ms // bucket:
                self._dirty.add(partition)  # persisted once per bucket: enough after a restart
            progress.high_ms = at_ms
        return progress

    def _persist_progress(self, partition: int) -> None:
        if partition in self._dirty:
            self._dirty.discard(partition)
            self.store.put_progress(partition, self._partitions[partition].copy())

    # -- one error --------------------------------------------------------------------------
    def on_error(self, event: ErrorDetected, position: Position) -> Outcome:
        rules = self.config.rules
        service = event.source.service
        at_ms = epoch_millis(event.occurred_at)
        state = self.store.service(service)
        duplicate = state is not None and state.applied.get(position.stream, -1) >= position.offset
        if state is None:
            state = ServiceState(ServiceWindows.empty(service, rules), ServiceAlerts(service))
        watermark = self.watermark(position.partition)
        late = watermark is not None and at_ms < watermark

        sanitized = sanitize_report(
            event.error, limits=self.config.limits, redactor=self.config.redactor
        )
        details = sanitized.details
        frames, structured = frames_of(details)
        if structured is not None:
            details = details.model_copy(update={"frames": structured})
        key = fingerprint(
            service=service,
            exception_type=details.exception_type,
            frames=frames,
            message=details.message,
            reporter_fingerprint=details.fingerprint,
            miner=self.miner,
        )
        if key.method == "template" and self.on_template_change is not None:
            self.on_template_change(self.miner)

        group = self.store.group(key.group_id)
        if duplicate and group is not None:
            update = groups.GroupUpdate(
                group.status,
                group.occurrences == details.count,
                False,
                group.occurrences,
                group.first_seen_ms,
                group.last_seen_ms,
                group.occurrences >= rules.recurring_after,
                False,
            )
        else:
            group, update = groups.observe(
                group,
                group_id=key.group_id,
                service=service,
                at_ms=at_ms,
                count=details.count,
                recurring_after=rules.recurring_after,
                resolve_after_ms=rules.group_resolve_after_ms,
                min_occurrences_for_analysis=rules.min_occurrences_for_analysis,
            )
        classification = self._classify(event, details, frames, group)
        if update.is_new:  # written once per group, apart from the state written per error
            self.store.put_exemplar(
                group.group_id, exemplar_of(facts_of(event, details, frames), classification)
            )
        classification, corrected = _apply_corrections(classification, group)
        self.store.put_group(group)

        classified = self._classified(event, details, key, classification, corrected, update, late)
        events: list[Event] = [classified]
        if duplicate:
            self.duplicates += 1
            return Outcome(classified, events, late, duplicate=True)
        if late:
            self.late_events += 1
        else:
            progress = self._advance(position.partition, at_ms)
            events += self._observe(state, event, classified, update, at_ms, position)
            if state.windows.summaries and service not in progress.open_services:
                progress.open_services.add(service)
                self._dirty.add(position.partition)
        state.applied[position.stream] = position.offset
        self.store.put_service(service, state)
        if not late:
            events += self._close_partition(position.partition, service, state, event)
        self._persist_progress(position.partition)
        return Outcome(classified, events, late, duplicate=False)

    def _classify(
        self,
        event: ErrorDetected,
        details: ErrorDetails,
        frames: Sequence[Frame],
        group: GroupState,
    ) -> Classification:
        """Rules (and the model, once per group) decide per group; cached per group.

        Members of a group share exception type, frames or template, so they classify alike;
        the reporter's own severity and layer still apply per error (they are in the key).
        """
        model_version = self.config.model.version if self.config.model is not None else -1
        key = (group.group_id, details.severity, event.source.layer, model_version)
        cached = self._classifications.get(key)
        if cached is not None:
            self._classifications.move_to_end(key)
            return cached
        facts = facts_of(event, details, frames)
        classification = classify(facts, _GroupModel(self.config.model, group))  # type: ignore[arg-type]
        self._classifications[key] = classification
        if len(self._classifications) > self.classification_cache_size:
            self._classifications.popitem(last=False)
        return classification

    def _classified(
        self,
        event: ErrorDetected,
        details: ErrorDetails,
        key: Fingerprint,
        classification: Classification,
        corrected: tuple[Evidence, ...],
        update: groups.GroupUpdate,
        late: bool,
    ) -> ErrorClassified:
        evidence = (
            tuple(
                Evidence(field=e.field, rule_id=e.rule_id, detail=e.detail)
                for e in classification.evidence
                if not any(c.field == e.field for c in corrected)
            )
            + corrected
        )
        return ErrorClassified(
            event_id=derived_id(event.event_id, "classified"),
            occurred_at=event.occurred_at,
            recorded_at=event.recorded_at,
            source=event.source,
            correlation_id=event.correlation_id or str(event.event_id),
            causation_id=str(event.event_id),
            error_id=event.event_id,
            error=details,
            category=classification.category,
            type=classification.type,
            subtype=classification.subtype,
            severity=classification.severity,
            computed_severity=classification.computed_severity,
            layer=classification.layer,
            confidence=round(min(1.0, max(0.0, classification.confidence)), 6),
            evidence=evidence,
            retryable=classification.retryable,
            group_id=key.group_id,
            grouping_method=key.method,
            template=key.detail if key.method in ("template", "message") else None,
            group_status=update.status,
            regression=update.regression,
            is_recurring=update.is_recurring,
            occurrences=update.occurrences,
            first_seen=from_epoch_millis(update.first_seen_ms),
            last_seen=from_epoch_millis(update.last_seen_ms),
            late=late,
        )

    def _observe(
        self,
        state: ServiceState,
        event: ErrorDetected,
        classified: ErrorClassified,
        update: groups.GroupUpdate,
        at_ms: int,
        position: Position,
    ) -> list[Event]:
        rules = self.config.rules
        book = self.config.policy_book()
        service = event.source.service
        layer = classified.layer
        policy = book.policy(service, layer)
        observed = ObservedError(
            error_id=str(event.event_id),
            group_id=classified.group_id,
            layer=layer,
            at_ms=at_ms,
            severity=classified.severity,
            weight=policy.weight(classified.severity),
            new_group=update.is_new,
            count=classified.error.count,
        )
        patterns.record(state.windows, observed, rules)
        patterns.summarise(state.windows, observed, rules)
        findings = patterns.detect(state.windows, observed, rules)
        recorded_ms = epoch_millis(event.recorded_at)
        cause = str(classified.event_id)
        source = EventSource(
            service=service,
            layer=layer,
            environment=event.source.environment,
            host=event.source.host,
            version=event.source.version,
        )
        out: list[Event] = []
        found = [
            patterns.to_event(state.windows, f, cause=cause, source=source, recorded_ms=recorded_ms)
            for f in findings
        ]
        out += found
        high = max(at_ms, self.high_water(position.partition) or at_ms)
        ctx = AlertContext(
            service=service,
            at_ms=at_ms,
            watermark_ms=high - rules.allowed_lateness_ms,
            cause=cause,
            source=source,
            recorded_ms=recorded_ms,
            severity=classified.severity,
            error_id=str(event.event_id),
            group_id=classified.group_id,
        )
        out += alerting.evaluate_rate(state.alerts, state.windows, layer, ctx, rules, book)
        out += alerting.resolve_quiet(state.alerts, state.windows, ctx, rules)
        out += alerting.evaluate_escalations(
            state.alerts, state.windows, layer, ctx, rules, book, self.config.policies
        )
        for pattern in found:
            out += alerting.escalate_pattern(
                state.alerts, pattern, ctx, rules, self.config.policies
            )
        return out

    def _close_partition(
        self, partition: int, service: str, state: ServiceState, event: ErrorDetected
    ) -> list[Event]:
        """Close the summary windows the partition's watermark has passed, for every service.

        Every service's summaries of a window are emitted before the partition's progress
        marker for it, so the cascade agent knows when a window is complete everywhere.
        """
        rules = self.config.rules
        progress = self._progress(partition)
        assert progress is not None
        watermark = progress.high_ms - rules.allowed_lateness_ms
        boundary = window_start(watermark, rules.summary_window_ms)
        if progress.closed_until is not None and boundary <= progress.closed_until:
            return []
        out: list[Event] = []
        recorded_ms = epoch_millis(event.recorded_at)
        cause = str(derived_id(event.event_id, "classified"))
        for name in sorted(progress.open_services):
            owner = state if name == service else self.store.service(name)
            if owner is None:
                progress.open_services.discard(name)
                continue
            out += self.summaries(owner, watermark, partition, cause, recorded_ms)
            if not owner.windows.summaries:
                progress.open_services.discard(name)
            if name != service:
                self.store.put_service(name, owner)
        out.append(self.progress_marker(partition, boundary, cause, recorded_ms))
        progress.closed_until = boundary
        self._dirty.add(partition)
        return out

    def summaries(
        self, state: ServiceState, watermark_ms: int, partition: int, cause: str, recorded_ms: int
    ) -> list[Event]:
        """WindowSummarized for the service's windows the watermark has passed (removed)."""
        rules = self.config.rules
        service = state.windows.service
        out: list[Event] = []
        for start, summary in patterns.closed_summaries(state.windows, watermark_ms, rules):
            window_id = uuid.uuid5(uuid.NAMESPACE_URL, f"errorstream:window:{service}:{start}")
            out.append(
                WindowSummarized(
                    event_id=derived_id(window_id, "window.summarized"),
                    occurred_at=from_epoch_millis(start + rules.summary_window_ms),
                    recorded_at=from_epoch_millis(recorded_ms),
                    source=EventSource(service=service),
                    correlation_id=str(window_id),
                    causation_id=cause,
                    service=service,
                    window_start=from_epoch_millis(start),
                    window_end=from_epoch_millis(start + rules.summary_window_ms),
                    window_ms=rules.summary_window_ms,
                    error_count=sum(summary["c"].values()),
                    counts_by_layer=dict(summary["c"]),
                    first_seen_by_layer=dict(summary["f"]),
                    sample_error_ids_by_layer={k: tuple(v) for k, v in summary["s"].items()},
                    new_groups=summary["n"],
                    severity_score=summary["x"],
                    partition=partition,
                )
            )
        return out

    def progress_marker(
        self, partition: int, boundary_ms: int, cause: str, recorded_ms: int
    ) -> WindowSummarized:
        """'Every service of this partition has summarised its windows up to `boundary_ms`.'"""
        window = self.config.rules.summary_window_ms
        marker_id = uuid.uuid5(
            uuid.NAMESPACE_URL, f"errorstream:partition-closed:{partition}:{boundary_ms}"
        )
        return WindowSummarized(
            event_id=derived_id(marker_id, "window.summarized"),
            occurred_at=from_epoch_millis(boundary_ms),
            recorded_at=from_epoch_millis(recorded_ms),
            source=EventSource(service=MARKER_SOURCE),
            correlation_id=str(marker_id),
            causation_id=cause,
            service="",
            window_start=from_epoch_millis(boundary_ms - window),
            window_end=from_epoch_millis(boundary_ms),
            window_ms=window,
            error_count=0,
            partition=partition,
            partition_closed=True,
        )

    # -- operator feedback ------------------------------------------------------------------
    def on_feedback(self, event: FeedbackRecorded) -> list[Event]:
        """An operator's correction of a group: it wins for that group from its next error on,
        and the text model learns it (published as ModelUpdated, which every worker loads)."""
        if not event.group_id:
            return []
        corrected = {
            name: value.value
            for name, value in (
                ("category", event.corrected_category),
                ("type", event.corrected_type),
                ("severity", event.corrected_severity),
                ("layer", event.corrected_layer),
            )
            if value is not None
        }
        if not corrected:
            return []
        group = self.store.group(event.group_id)
        if group is None:
            return []
        self.store.put_group(groups.apply_correction(group, corrected))
        exemplar = self.store.exemplar(group.group_id)
        if not ("category" in corrected or "type" in corrected) or not exemplar:
            return []
        return [self._learn(group, exemplar, event)]

    def _learn(
        self, group: GroupState, exemplar: dict[str, Any], feedback: FeedbackRecorded
    ) -> Event:
        facts = facts_from_exemplar(exemplar)
        category = ErrorCategory(group.corrected.get("category", exemplar["category"]))
        error_type = ErrorType(group.corrected.get("type", exemplar["type"]))
        model = self.config.model if self.config.model is not None else TextModel()
        before = model.predict(facts)
        self.learned += 1
        if before is not None and before.category is category and before.type is error_type:
            self.already_right += 1
        model.learn(facts, category, error_type)
        self.config.model = model
        snapshot = model.snapshot()
        return ModelUpdated(
            event_id=derived_id(feedback.event_id, "model.updated"),
            occurred_at=feedback.occurred_at,
            recorded_at=feedback.recorded_at,
            source=EventSource(service=group.service),
            correlation_id=str(feedback.feedback_id),
            causation_id=str(feedback.event_id),
            model_id=CLASSIFIER_MODEL_ID,
            model_type=ModelType.CLASSIFICATION,
            version=model.version,
            description="category/type text model, learned from operator corrections",
            # prequential: how often the model already knew what the operator said
            accuracy=round(self.already_right / self.learned, 6),
            metrics={"corrections": float(self.learned)},
            training_data_size=model.examples,
            features=("masked message tokens", "exception type", "error code", "source topic"),
            improvements=(f"learned {category.value}/{error_type.value} for {group.group_id}",),
            deployment_status=DeploymentStatus.DEPLOYED,
            snapshot=snapshot,
            snapshot_sha256=hashlib.sha256(snapshot).hexdigest(),
            seed=0,
        )

    # -- idle partitions --------------------------------------------------------------------
    def sweep_partition(self, partition: int, watermark_ms: int, recorded_ms: int) -> list[Event]:
        """Close a quiet partition's summary windows up to `watermark_ms` (wall-clock driven).

        Used for partitions without traffic, so the cascade agent is never held up by them;
        state is updated in memory only and persisted with the partition's next event.
        """
        rules = self.config.rules
        progress = self._progress(partition)
        if progress is None:
            progress = self._partitions[partition] = PartitionProgress(
                watermark_ms + rules.allowed_lateness_ms
            )
        boundary = window_start(watermark_ms, rules.summary_window_ms)
        if progress.closed_until is not None and boundary <= progress.closed_until:
            return []
        cause = f"sweep:{partition}:{boundary}"
        out: list[Event] = []
        for name in sorted(progress.open_services):
            owner = self.store.service(name)
            if owner is None:
                progress.open_services.discard(name)
                continue
            out += self.summaries(owner, watermark_ms, partition, cause, recorded_ms)
            if not owner.windows.summaries:
                progress.open_services.discard(name)
        out.append(self.progress_marker(partition, boundary, cause, recorded_ms))
        progress.closed_until = boundary
        return out

    def sweep(self, service: str, watermark_ms: int) -> list[Event]:
        """Alerts of a quiet service that the watermark has cleared (state is not written)."""
        state = self.store.service(service)
        if state is None or not state.alerts.firing:
            return []
        recorded = watermark_ms
        ctx = AlertContext(
            service=service,
            at_ms=watermark_ms,
            watermark_ms=watermark_ms,
            cause=f"sweep:{service}:{watermark_ms}",
            source=EventSource(service=service),
            recorded_ms=recorded,
        )
        return alerting.resolve_quiet(state.alerts, state.windows, ctx, self.config.rules)
