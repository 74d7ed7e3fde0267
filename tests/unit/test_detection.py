"""The detection pass as a pure function over a memory store: scenarios and invariants."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from errorstream.agents.alerting import EscalationPolicy, EscalationStep
from errorstream.agents.detection import DetectionConfig, Detector, MemoryStore, Position
from errorstream.agents.thresholds import DetectionRules, PolicyBook, ThresholdOverride
from errorstream.schemas.enums import GroupStatus, Layer, PatternType, Severity
from errorstream.schemas.models import (
    AlertRaised,
    AlertResolved,
    ErrorClassified,
    ErrorDetected,
    EscalationRaised,
    Event,
    PatternDetected,
    WindowSummarized,
)
from errorstream.schemas.serialization import AvroCodec
from errorstream.workload import WorkloadSpec, generate

from ..scenarios import (
    T0,
    Scenario,
    burst,
    cascade,
    degradation,
    flapping,
    quiet_baseline,
    regression,
)


def run(events: Iterable[ErrorDetected], detector: Detector | None = None) -> list[Event]:
    detector = detector or Detector(MemoryStore())
    out: list[Event] = []
    for offset, event in enumerate(events):
        out += detector.on_error(event, Position("error.detected", 0, offset)).events
    return out


def patterns_of(events: list[Event], kind: PatternType) -> list[PatternDetected]:
    return [e for e in events if isinstance(e, PatternDetected) and e.pattern_type is kind]


def of_type(events: list[Event], kind: type[Event]) -> list[Event]:
    return [e for e in events if isinstance(e, kind)]


def test_every_error_is_classified_once_with_its_group() -> None:
    scenario = quiet_baseline(minutes=5)
    out = run(scenario.events)
    classified = of_type(out, ErrorClassified)
    assert [c.error_id for c in classified] == [e.event_id for e in scenario.events]  # type: ignore[attr-defined]
    assert all(c.group_id for c in classified)  # type: ignore[attr-defined]


def test_burst_is_detected_once_with_its_members() -> None:
    scenario = burst()
    found = patterns_of(run(scenario.events), PatternType.BURST)
    assert len(found) == 1
    assert list(found[0].error_ids) == scenario.members
    assert found[0].layer is Layer.API
    assert found[0].service == scenario.service
    assert found[0].window_end - found[0].window_start <= timedelta(seconds=60)


def test_cascade_climbs_the_layers_once() -> None:
    scenario = cascade()
    found = patterns_of(run(scenario.events), PatternType.CASCADE)
    assert len(found) == 1
    assert list(found[0].error_ids) == scenario.members
    assert list(found[0].affected_layers) == [Layer.INFRASTRUCTURE, Layer.CORE, Layer.SERVICE]
    assert found[0].confidence > 0.8


def test_cascade_needs_lower_layers_first() -> None:
    scenario = cascade()
    upside_down = list(reversed([e.source.layer for e in scenario.events]))
    flipped = Scenario("flipped", "storefront")
    for i, layer in enumerate(upside_down):
        flipped.error(
            timedelta(seconds=20 * i),
            layer=layer,
            message=f"error {i}",
            exception_type=f"E{i}",
            function=f"f{i}",
        )
    assert patterns_of(run(flipped.events), PatternType.CASCADE) == []


def test_degradation_is_detected_once() -> None:
    found = patterns_of(run(degradation().events), PatternType.DEGRADATION)
    assert len(found) == 1
    assert found[0].risk_level is Severity.HIGH


def test_regression_of_a_resolved_group() -> None:
    scenario = regression()
    classified = [e for e in run(scenario.events) if isinstance(e, ErrorClassified)]
    assert [c.group_status for c in classified] == [
        GroupStatus.NEW,
        GroupStatus.ONGOING,
        GroupStatus.REGRESSED,
        GroupStatus.ONGOING,
    ]
    assert [c.regression for c in classified] == [False, False, True, False]
    assert len({c.group_id for c in classified}) == 1
    assert classified[-1].occurrences == 4


def test_flapping_rate_is_one_alert_resolved_once() -> None:
    scenario = flapping()
    out = run(scenario.events)
    raised = of_type(out, AlertRaised)
    resolved = of_type(out, AlertResolved)
    assert len(raised) == 1
    assert len(resolved) == 1
    assert raised[0].alert_id == resolved[0].alert_id  # type: ignore[attr-defined]
    assert raised[0].layer is Layer.API  # type: ignore[attr-defined]
    assert resolved[0].duration_ms > 0  # type: ignore[attr-defined]


def test_quiet_baseline_raises_nothing() -> None:
    out = run(quiet_baseline().events)
    assert of_type(out, AlertRaised) == []
    assert of_type(out, EscalationRaised) == []
    for kind in (
        PatternType.BURST,
        PatternType.CASCADE,
        PatternType.DEGRADATION,
        PatternType.NEW_GROUP_SPIKE,
    ):
        assert patterns_of(out, kind) == [], kind


def test_new_group_spike_needs_a_baseline() -> None:
    scenario = quiet_baseline(minutes=10)
    for i in range(4):  # four brand-new errors within a minute, after ten quiet minutes
        scenario.error(
            timedelta(minutes=10, seconds=10 * i),
            layer=Layer.SERVICE,
            message=f"new failure {i}",
            exception_type=f"NewFailure{i}",
            function=f"new_{i}",
        )
    spikes = patterns_of(run(scenario.events), PatternType.NEW_GROUP_SPIKE)
    assert len(spikes) == 1
    assert len(spikes[0].group_ids) >= 3


def test_late_errors_are_classified_but_not_counted() -> None:
    detector = Detector(MemoryStore())
    scenario = quiet_baseline(minutes=10)
    run(scenario.events, detector)
    late = scenario.error(
        timedelta(minutes=1),
        layer=Layer.API,
        message="late arrival",
        exception_type="Late",
        function="late",
    )
    outcome = detector.on_error(late, Position("error.detected", 0, 10_000))
    assert outcome.late and outcome.classified.late
    assert detector.late_events == 1
    assert [e for e in outcome.events if not isinstance(e, ErrorClassified)] == []


def test_a_redelivered_error_changes_no_state() -> None:
    detector = Detector(MemoryStore())
    scenario = burst()
    run(scenario.events, detector)
    before = {g: s.occurrences for g, s in detector.store.groups.items()}  # type: ignore[attr-defined]
    again = detector.on_error(
        scenario.events[-1], Position("error.detected", 0, len(scenario.events) - 1)
    )
    assert again.duplicate
    assert [type(e) for e in again.events] == [ErrorClassified]
    assert {g: s.occurrences for g, s in detector.store.groups.items()} == before  # type: ignore[attr-defined]


def test_replay_yields_identical_bytes() -> None:
    events = list(generate(WorkloadSpec(seed=21, errors=800)))
    codec = AvroCodec()
    first = [codec.encode(e) for e in run(events)]
    second = [codec.encode(e) for e in run(events)]
    assert first == second
    assert len({e for e in first}) == len(first)  # every derived event has its own id


def test_restored_state_continues_like_the_original() -> None:
    """State round-trips through its changelog form: a restarted worker decides the same."""
    events = list(generate(WorkloadSpec(seed=22, errors=600)))
    whole = run(events)
    store = MemoryStore()
    detector = Detector(store)
    first = run(events[:300], detector)
    restored = MemoryStore()
    from errorstream.agents.detection import ServiceState
    from errorstream.agents.groups import GroupState

    restored.groups = {k: GroupState.from_json(v.to_json()) for k, v in store.groups.items()}
    restored.services = {k: ServiceState.from_json(v.to_json()) for k, v in store.services.items()}
    restored.partitions = {k: v.copy() for k, v in store.partitions.items()}
    second = Detector(restored, miner=detector.miner)
    rest: list[Event] = []
    for offset, event in enumerate(events[300:], start=300):
        rest += second.on_error(event, Position("error.detected", 0, offset)).events
    codec = AvroCodec()
    assert [codec.encode(e) for e in first + rest] == [codec.encode(e) for e in whole]


def test_operator_threshold_override_changes_the_rate_rule() -> None:
    scenario = Scenario("override", "checkout-api")
    for i in range(8):  # 8 API errors in a minute: under the default 20
        scenario.error(
            timedelta(seconds=5 * i),
            layer=Layer.API,
            message="boom",
            exception_type="Boom",
            function="boom",
        )
    assert of_type(run(scenario.events), AlertRaised) == []
    rules = DetectionRules()
    override = ThresholdOverride(
        threshold_id="t1", scope="service:checkout-api/layer:api", max_errors_per_minute=5
    )
    config = DetectionConfig(rules=rules, book=PolicyBook(rules, [override]))
    raised = of_type(run(scenario.events, Detector(MemoryStore(), config)), AlertRaised)
    assert len(raised) == 1
    assert raised[0].threshold == 5  # type: ignore[attr-defined]


def test_escalation_follows_the_most_specific_policy() -> None:
    scenario = flapping(service="payments-api")
    policy = EscalationPolicy(
        policy_id="payments",
        scope="service:payments-api",
        min_severity=Severity.LOW,
        levels=(EscalationStep(level=1, after_ms=0, channel="pager", recipients=("payments",)),),
    )
    config = DetectionConfig(policies=[policy])
    escalations = of_type(run(scenario.events, Detector(MemoryStore(), config)), EscalationRaised)
    assert escalations
    assert {e.policy_id for e in escalations} == {"payments"}  # type: ignore[attr-defined]
    assert all(e.channel == "pager" for e in escalations)  # type: ignore[attr-defined]


def test_window_summaries_close_behind_the_watermark() -> None:
    scenario = quiet_baseline(minutes=10)
    closed = of_type(run(scenario.events), WindowSummarized)
    summaries = [s for s in closed if not s.partition_closed]  # type: ignore[attr-defined]
    markers = [s for s in closed if s.partition_closed]  # type: ignore[attr-defined]
    assert summaries and markers
    # every window's summary comes before the partition's marker that closes it
    for summary in summaries:
        first_marker = next(
            i
            for i, m in enumerate(closed)
            if m.partition_closed  # type: ignore[attr-defined]
            and m.window_end >= summary.window_end
        )  # type: ignore[attr-defined]
        assert closed.index(summary) < first_marker
    starts = [s.window_start for s in summaries]  # type: ignore[attr-defined]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    last_event = scenario.events[-1].occurred_at
    for summary in summaries:
        assert summary.window_end <= last_event - timedelta(minutes=1)  # type: ignore[attr-defined]
        assert summary.error_count == 2  # type: ignore[attr-defined]


@pytest.mark.parametrize("make", [burst, cascade, degradation, flapping, quiet_baseline])
def test_every_derived_event_is_caused_by_an_error(make: object) -> None:
    scenario = make()  # type: ignore[operator]
    ids = {str(e.event_id) for e in scenario.events}
    out = run(scenario.events)
    classified_ids = {str(e.event_id) for e in out if isinstance(e, ErrorClassified)}
    for event in out:
        if isinstance(event, ErrorClassified):
            assert event.causation_id in ids
        else:
            assert event.causation_id in classified_ids


@given(
    st.lists(st.integers(min_value=0, max_value=3600), min_size=1, max_size=60),
    st.sampled_from(list(Layer)),
)
def test_arbitrary_timing_never_breaks_detection(offsets: list[int], layer: Layer) -> None:
    scenario = Scenario("random", "svc")
    for i, seconds in enumerate(offsets):
        scenario.error(
            timedelta(seconds=seconds),
            layer=layer,
            message=f"error {i % 3}",
            exception_type=f"E{i % 2}",
            function=f"f{i % 2}",
        )
    detector = Detector(MemoryStore())
    out = run(scenario.events, detector)
    classified = of_type(out, ErrorClassified)
    assert len(classified) == len(offsets)
    assert detector.late_events == sum(1 for c in classified if c.late)  # type: ignore[attr-defined]
    raised = {e.alert_id for e in of_type(out, AlertRaised)}  # type: ignore[attr-defined]
    resolved = [e.alert_id for e in of_type(out, AlertResolved)]  # type: ignore[attr-defined]
    assert set(resolved) <= raised and len(resolved) == len(set(resolved))
    assert all(p.confidence <= 1 for p in of_type(out, PatternDetected))  # type: ignore[attr-defined]
    assert T0  # scenarios share one epoch
    assert uuid.UUID(str(classified[0].event_id))  # type: ignore[attr-defined]


def test_classified_events_built_without_validation_are_valid() -> None:
    """The hot path builds ErrorClassified with model_construct; validating it changes nothing."""
    codec = AvroCodec()
    classified = of_type(run(generate(WorkloadSpec(seed=23, errors=300))), ErrorClassified)
    for event in classified:
        assert ErrorClassified.model_validate(event.model_dump()) == event
        assert codec.decode(codec.encode(event)) == event


def _feedback(group_id: str, service: str, category: str, error_type: str, n: int) -> object:
    from errorstream.schemas.enums import ErrorCategory, ErrorType, FeedbackSource, FeedbackType
    from errorstream.schemas.models import EventSource, FeedbackRecorded

    return FeedbackRecorded(
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"feedback:{group_id}:{n}"),
        occurred_at=T0,
        source=EventSource(service=service),
        feedback_id=uuid.uuid5(uuid.NAMESPACE_URL, f"feedback-id:{group_id}:{n}"),
        group_id=group_id,
        feedback_type=FeedbackType.FALSE_POSITIVE,
        feedback_source=FeedbackSource.HUMAN,
        corrected_category=ErrorCategory(category),
        corrected_type=ErrorType(error_type),
    )


def test_an_operator_correction_wins_and_teaches_the_model() -> None:
    from errorstream.schemas.enums import ErrorCategory, ErrorType
    from errorstream.schemas.models import ModelUpdated

    detector = Detector(MemoryStore())
    families = [  # made-up error families the rules cannot know
        ("quux", "Frobnicator quux overflow in {} widgets", "agent", "resource_exhaustion"),
        ("zorb", "Zorbulator misaligned flux capacitor {}", "data", "validation"),
        ("plim", "Plimbus wibble count {} exceeded", "agent", "resource_exhaustion"),
        ("grex", "Grexel torque profile {} unreadable", "data", "validation"),
        ("vump", "Vumper handshake {} collapsed", "agent", "resource_exhaustion"),
        ("snar", "Snarfle ledger {} drifted", "data", "validation"),
    ]
    updates = []
    offset = 0
    for i, (name, message, category, error_type) in enumerate(families):
        scenario = Scenario(name, f"svc-{name}")
        event = scenario.error(timedelta(minutes=i), layer=Layer.SERVICE, message=message.format(i))
        outcome = detector.on_error(event, Position("error.detected", 0, offset))
        offset += 1
        group_id = outcome.classified.group_id
        updates += detector.on_feedback(
            _feedback(group_id, scenario.service, category, error_type, i)  # type: ignore[arg-type]
        )
        # the corrected group is classified as the operator said from now on
        again = scenario.error(
            timedelta(minutes=i, seconds=30), layer=Layer.SERVICE, message=message.format(i + 100)
        )
        after = detector.on_error(again, Position("error.detected", 0, offset)).classified
        offset += 1
        assert after.group_id == group_id
        assert (after.category, after.type) == (ErrorCategory(category), ErrorType(error_type))
        assert any(e.rule_id == "feedback" for e in after.evidence)
    assert [u.version for u in updates] == list(range(1, len(families) + 1))  # type: ignore[attr-defined]
    assert all(isinstance(u, ModelUpdated) and u.snapshot for u in updates)
    # a new group of a learned family is classified by the model (consulted once per group)
    unseen = Scenario("new", "svc-new").error(
        timedelta(hours=1), layer=Layer.SERVICE, message="Zorbulator misaligned flux capacitor 77"
    )
    verdict = detector.on_error(unseen, Position("error.detected", 0, offset)).classified
    assert (verdict.category, verdict.type) == (ErrorCategory.DATA, ErrorType.VALIDATION)
    assert any(e.rule_id == "model" for e in verdict.evidence)
