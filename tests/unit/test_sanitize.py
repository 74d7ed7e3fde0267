"""sanitize_report: redaction and size limits in one pass, deterministic and idempotent."""

from __future__ import annotations

import math
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from errorstream.schemas.models import ErrorDetails, ErrorDetected, EventSource, StackFrame
from errorstream.schemas.serialization import AvroCodec
from errorstream.streams.redaction import RedactionRules, Redactor
from errorstream.streams.sanitize import (
    IDENTIFIER_FIELDS,
    ReportLimits,
    clip_text,
    context_bytes,
    jsonable,
    sanitize_report,
    storable_text,
)
from errorstream.streams.topics import spec

MARKER = re.compile(r"…\[truncated (\d+) (chars|frames|vars|keys|items)\]")
SMALL = ReportLimits(
    max_message_chars=100,
    max_description_chars=100,
    max_stack_trace_chars=300,
    max_identifier_chars=60,
    max_frames=5,
    max_frame_vars=3,
    max_var_value_chars=60,
    max_context_bytes=400,
    max_context_depth=2,
    max_tags=3,
    max_tag_chars=50,
)


def frame(i: int, **vars: str) -> StackFrame:
    return StackFrame(
        module=f"shop.orders.step{i}",
        function=f"step_{i}",
        filename=f"/srv/shop/orders/step{i}.py",
        lineno=10 + i,
        in_app=True,
        vars=vars,
    )


def marker_count(text: str) -> int:
    match = MARKER.search(text)
    assert match is not None, text
    return int(match.group(1))


def within(details: ErrorDetails, limits: ReportLimits) -> list[str]:
    """Every limit a sanitised report breaks (none, when sanitising works)."""
    broken = []
    if len(details.message) > limits.max_message_chars:
        broken.append("message")
    if details.description and len(details.description) > limits.max_description_chars:
        broken.append("description")
    if details.stack_trace and len(details.stack_trace) > limits.max_stack_trace_chars:
        broken.append("stack_trace")
    for name in IDENTIFIER_FIELDS:
        value = getattr(details, name)
        if value is not None and len(value) > limits.max_identifier_chars:
            broken.append(name)
    if len(details.frames) > limits.max_frames:
        broken.append("frames")
    for f in details.frames:
        names = (f.module, f.function, f.filename)
        if any(n is not None and len(n) > limits.max_identifier_chars for n in names):
            broken.append("frame names")
        if len(f.vars) > limits.max_frame_vars:
            broken.append("frame var count")
        if any(len(v) > limits.max_var_value_chars for v in f.vars.values()):
            broken.append("frame var value")
    if context_bytes(details.context) > limits.max_context_bytes:
        broken.append("context bytes")
    if depth(details.context) > limits.max_context_depth:
        broken.append("context depth")
    if len(details.tags) > limits.max_tags or any(
        len(t) > limits.max_tag_chars for t in details.tags
    ):
        broken.append("tags")
    return broken


def depth(value: object) -> int:
    """Nesting of containers below `value` (a context's own entries are level 1)."""
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0) if value else 1
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0) if value else 1
    return 0


def all_text(details: ErrorDetails) -> str:
    return details.model_dump_json()


# -- limits, one by one -------------------------------------------------------------------


def test_a_long_message_keeps_its_head_and_counts_the_cut_chars() -> None:
    message = "order 8812 could not be settled: " + "the ledger refused it. " * 40
    result = sanitize_report(ErrorDetails(message=message), limits=SMALL)
    out = result.details.message
    assert len(out) <= SMALL.max_message_chars
    kept = out[: MARKER.search(out).start()]  # type: ignore[union-attr]
    assert message.startswith(kept)
    assert marker_count(out) == len(message) - len(kept)
    assert result.truncated == ("message",)
    assert result.details.truncated == ("message",)


def test_description_and_identifiers_are_limited_too() -> None:
    details = ErrorDetails(
        message="m",
        description="d" * 500,
        exception_type="shop." + "Nested" * 30 + "Error",
        error_code="E" * 200,
        workflow_id="w" * 61,
    )
    result = sanitize_report(details, limits=SMALL)
    assert within(result.details, SMALL) == []
    assert set(result.truncated) == {"description", "exception_type", "error_code", "workflow_id"}
    assert marker_count(result.details.description or "") == 500 - (
        (result.details.description or "").index("…")
    )


def test_a_long_stack_trace_keeps_head_and_tail_on_line_boundaries() -> None:
    lines = [f'  File "/srv/shop/orders/step{i}.py", line {i}, in step_{i}' for i in range(40)]
    trace = "\n".join(["Traceback (most recent call last):", *lines, "ValueError: boom"])
    result = sanitize_report(ErrorDetails(message="boom", stack_trace=trace), limits=SMALL)
    out = result.details.stack_trace or ""
    assert len(out) <= SMALL.max_stack_trace_chars
    assert out.startswith("Traceback (most recent call last):\n")
    assert out.endswith("ValueError: boom")
    head, _, tail = out.partition(MARKER.search(out).group())  # type: ignore[union-attr]
    assert head.endswith("\n") and tail.startswith("\n")
    assert marker_count(out) == len(trace) - len(head) - (len(tail) - 1)
    assert result.truncated == ("stack_trace",)


def test_surplus_frames_drop_the_outermost_and_one_marker_frame_counts_them() -> None:
    frames = tuple(frame(i) for i in range(12))
    result = sanitize_report(ErrorDetails(message="m", frames=frames), limits=SMALL)
    out = result.details.frames
    assert len(out) == SMALL.max_frames
    assert out[1:] == frames[-(SMALL.max_frames - 1) :]  # the innermost, where it failed
    assert out[0].function == "…[truncated 8 frames]"
    assert out[0].in_app is False and out[0].filename is None
    assert result.truncated == ("frames",)


def test_frame_vars_are_counted_and_cut() -> None:
    variables = {f"v{i}": f"value {i}" for i in range(6)}
    variables["blob"] = "x" * 500
    details = ErrorDetails(message="m", frames=(frame(0, **variables),))
    result = sanitize_report(details, limits=ReportLimits(max_frame_vars=8, max_var_value_chars=64))
    assert len(result.details.frames[0].vars["blob"]) <= 64
    assert marker_count(result.details.frames[0].vars["blob"]) > 400

    result = sanitize_report(details, limits=SMALL)
    out = result.details.frames[0].vars
    assert len(out) == SMALL.max_frame_vars
    assert list(out)[:2] == ["v0", "v1"]
    assert out["…"] == "…[truncated 5 vars]"
    assert result.truncated == ("frames.vars",)


def test_context_over_its_byte_budget_keeps_small_entries_and_shares_the_rest() -> None:
    context = {
        "request": {"method": "POST", "path": "/orders/8812"},
        "payload": ["line item " * 20] * 30,
        "dump": "z" * 5000,
        "attempt": 3,
    }
    result = sanitize_report(ErrorDetails(message="m", context=context), limits=SMALL)
    out = result.details.context
    assert context_bytes(out) <= SMALL.max_context_bytes
    assert out["request"] == context["request"] and out["attempt"] == 3  # small: kept whole
    assert "…[truncated" in out["dump"] and isinstance(out["payload"], list)
    assert result.truncated == ("context",)


def test_context_deeper_than_its_limit_is_cut_with_a_count() -> None:
    context = {"a": {"b": {"c": {"d": 1, "e": 2}}}, "flat": 1}
    result = sanitize_report(ErrorDetails(message="m", context=context), limits=SMALL)
    assert result.details.context == {"a": {"b": "…[truncated 1 items]"}, "flat": 1}
    assert result.truncated == ("context",)


def test_tags_are_counted_and_cut() -> None:
    tags = ("env:prod", "team:orders", "region:eu", "x" * 80, "extra")
    result = sanitize_report(ErrorDetails(message="m", tags=tags), limits=SMALL)
    assert result.details.tags[:2] == tags[:2]
    assert len(result.details.tags) == SMALL.max_tags
    assert result.truncated == ("tags",)


def test_cutting_again_with_stricter_limits_adds_up_the_counts() -> None:
    message = "m" * 10_000
    first = sanitize_report(ErrorDetails(message=message), limits=ReportLimits()).details
    second = sanitize_report(first, limits=SMALL).details
    kept = second.message[: second.message.index("…")]
    assert marker_count(second.message) == len(message) - len(kept)

    frames = tuple(frame(i) for i in range(300))
    first = sanitize_report(ErrorDetails(message="m", frames=frames)).details
    second = sanitize_report(first, limits=SMALL).details
    assert second.frames[0].function == f"…[truncated {300 - (SMALL.max_frames - 1)} frames]"


def test_truncated_names_accumulate_across_edges() -> None:
    details = ErrorDetails(message="m" * 200, truncated=("context",))
    assert sanitize_report(details, limits=SMALL).details.truncated == ("context", "message")


# -- redaction ----------------------------------------------------------------------------

SECRETS = ("hunter2Secret", "eyJhbGciOiJIUzI1NiJ9", "jane.doe@example.com", "4111 1111 1111 1111")


def secret_report() -> ErrorDetails:
    return ErrorDetails(
        message="login failed for jane.doe@example.com password=hunter2Secret",
        description="card 4111 1111 1111 1111 declined",
        stack_trace='File "/srv/app.py", line 3\n  connect(password="hunter2Secret")\nValueError',
        frames=(frame(0), frame(1), frame(2), frame(3, password="hunter2Secret", order="8812")),
        context={
            "request": {
                "headers": {
                    "Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI4ODEyIn0.c2lnbmF0dXJl",
                    "Accept": "application/json",
                }
            }
        },
        tags=("user:jane.doe@example.com", "env:prod"),
        exception_type="ValueError",
    )


def test_secrets_are_gone_from_every_field_and_findings_say_where() -> None:
    result = sanitize_report(secret_report())
    text = all_text(result.details)
    for secret in SECRETS:
        assert secret not in text
    paths = {f.path for f in result.findings}
    assert {
        "message",
        "description",
        "stack_trace",
        "context.request.headers.Authorization",
        "frames[3].vars.password",
        "tags[0]",
    } <= paths
    assert result.details.frames[3].vars["order"] == "8812"
    assert result.details.context["request"]["headers"]["Accept"] == "application/json"
    assert result.truncated == ()


def test_findings_never_hold_the_secret() -> None:
    result = sanitize_report(secret_report())
    assert all(s not in repr(result.findings) for s in SECRETS)


def test_a_secret_across_the_cut_is_redacted_whole_not_cut_in_half() -> None:
    message = "x" * 80 + " password=hunter2Secret and more text after it " * 3
    out = sanitize_report(ErrorDetails(message=message), limits=SMALL).details.message
    assert "hunt" not in out and len(out) <= SMALL.max_message_chars


def test_a_secret_near_the_end_of_a_huge_text_is_redacted_before_the_cut() -> None:
    limits = ReportLimits(max_message_chars=1000)
    message = "a" * 990 + " token=s3cr3tT0kenValue " + "b" * 200_000
    out = sanitize_report(ErrorDetails(message=message), limits=limits).details.message
    assert "s3cr3t" not in out and len(out) <= 1000
    assert marker_count(out) > 200_000


def test_custom_rules_and_markers_are_the_redactors() -> None:
    redactor = Redactor(RedactionRules(custom_patterns=(r"ORD-\d+",), marker="<{rule}>"))
    result = sanitize_report(ErrorDetails(message="order ORD-8812 failed"), redactor=redactor)
    assert result.details.message == "order <custom> failed"


def test_a_cut_never_splits_a_redaction_marker() -> None:
    text = "k" * 30 + " [REDACTED:email] " * 10
    for limit in range(48, len(text)):
        out = clip_text(text, limit)
        assert len(out) <= limit
        without = MARKER.sub("", out)
        assert re.sub(r"\[REDACTED:email\]", "", without).count("[") == 0


# -- shape, storage and determinism -------------------------------------------------------


def test_context_becomes_plain_json() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    ident = uuid.UUID(int=7)
    context: dict[str, Any] = {
        "when": moment,
        "id": ident,
        "ids": {3, 1, 2},
        "ratio": math.nan,
        "raw": b"\xffbytes",
        "pair": (1, 2),
        "nested": {1: "one", None: "none"},
        "object": object.__new__(type("Opaque", (), {"__str__": lambda self: "opaque!"})),
    }
    out = sanitize_report(ErrorDetails.model_construct(message="m", context=context)).details
    assert out.context == {
        "when": moment.isoformat(),
        "id": str(ident),
        "ids": [1, 2, 3],
        "ratio": "nan",
        "raw": "\ufffdbytes",
        "pair": [1, 2],
        "nested": {"1": "one", "null": "none"},
        "object": "opaque!",
    }


def test_nul_and_lone_surrogates_become_replacement_characters() -> None:
    assert storable_text("a\x00b") == "a\ufffdb"
    assert storable_text("x\ud800y") == "x\ufffdy"
    details = ErrorDetails(message="bad\x00byte \udcff", tags=("t\x00",))
    out = sanitize_report(details).details
    assert out.message == "bad\ufffdbyte \ufffd" and out.tags == ("t\ufffd",)
    event = ErrorDetected(
        event_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        source=EventSource(service="shop"),
        error=out,
    )
    assert AvroCodec().decode(AvroCodec().encode(event)) == event


def test_an_unchanged_report_is_returned_as_the_same_object() -> None:
    details = ErrorDetails(
        message="order 8812 not found",
        frames=(frame(0, order="8812"),),
        context={"order": {"id": 8812}},
        tags=("env:prod",),
    )
    result = sanitize_report(details)
    assert result.details is details and not result.changed


def test_jsonable_cuts_cycles_at_the_depth_limit() -> None:
    cyclic: dict[str, Any] = {"name": "loop"}
    cyclic["self"] = cyclic
    assert jsonable(cyclic, 3) == {
        "name": "loop",
        "self": {"name": "loop", "self": {"name": "loop", "self": "…[truncated 2 items]"}},
    }


def test_default_limits_keep_the_worst_report_under_the_topic_message_size() -> None:
    limits = ReportLimits()
    topic_max = int(spec("error.detected").config()["max.message.bytes"])
    assert limits.worst_case_bytes() < topic_max * 0.9

    wide = "\U0001f525"  # four bytes in UTF-8
    big = wide * 1_000_000
    details = ErrorDetails(
        message=big,
        description=big,
        stack_trace=big,
        exception_type=big,
        error_code=big,
        component=big,
        workflow_id=big,
        task_id=big,
        agent_id=big,
        user_id=big,
        fingerprint=big,
        frames=tuple(
            StackFrame(module=big, function=big, filename=big, vars={f"{i}{big}": big})
            for i in range(300)
        ),
        context={f"k{i}": big[:10_000] for i in range(100)},
        tags=tuple(f"{i}{big}" for i in range(100)),
    )
    out = sanitize_report(details, limits=limits).details
    assert within(out, limits) == []
    event = ErrorDetected(
        event_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        source=EventSource(service="s"),
        error=out,
    )
    assert len(AvroCodec().encode(event)) < topic_max


def test_limits_are_validated_and_frozen() -> None:
    with pytest.raises(ValidationError):
        ReportLimits(max_message_chars=10)
    with pytest.raises(ValidationError):
        ReportLimits(max_frames=1)
    with pytest.raises(ValidationError):
        ReportLimits(max_context_depht=3)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        ReportLimits().max_tags = 3


# -- properties ---------------------------------------------------------------------------

any_text = st.text(st.characters(codec=None), max_size=400) | st.sampled_from(
    [
        "password=hunter2Secret",
        "mail jane.doe@example.com",
        "4111 1111 1111 1111",
        "…[truncated 5 chars]",
        "[REDACTED:email]",
        "x" * 1000,
    ]
)
json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | any_text
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(any_text, inner, max_size=6),
    max_leaves=40,
)
frames_strategy = st.lists(
    st.builds(
        StackFrame,
        module=st.none() | any_text,
        function=st.none() | any_text,
        filename=st.none() | any_text,
        lineno=st.none() | st.integers(0, 10**6),
        in_app=st.booleans(),
        vars=st.dictionaries(any_text, any_text, max_size=8),
    ),
    max_size=12,
)
reports = st.builds(
    ErrorDetails,
    message=any_text,
    description=st.none() | any_text,
    stack_trace=st.none() | any_text,
    exception_type=st.none() | any_text,
    error_code=st.none() | any_text,
    user_id=st.none() | any_text,
    frames=frames_strategy.map(tuple),
    context=st.dictionaries(any_text, json_value, max_size=8),
    tags=st.lists(any_text, max_size=8).map(tuple),
)
limit_sets = st.sampled_from(
    [SMALL, ReportLimits(), ReportLimits(max_context_bytes=256, max_context_depth=1)]
)


@given(reports, limit_sets)
def test_arbitrary_reports_never_raise_and_never_exceed_limits(
    details: ErrorDetails, limits: ReportLimits
) -> None:
    out = sanitize_report(details, limits=limits).details
    assert within(out, limits) == []
    ErrorDetails.model_validate(out.model_dump())  # still a valid report


@given(reports, limit_sets)
def test_sanitising_a_sanitised_report_changes_nothing(
    details: ErrorDetails, limits: ReportLimits
) -> None:
    once = sanitize_report(details, limits=limits).details
    twice = sanitize_report(once, limits=limits)
    assert twice.details == once
    assert twice.truncated == ()


@given(reports)
def test_sanitising_is_deterministic(details: ErrorDetails) -> None:
    copy = ErrorDetails.model_validate(details.model_dump())
    assert sanitize_report(details, limits=SMALL) == sanitize_report(copy, limits=SMALL)


@given(any_text, st.integers(48, 500), st.floats(0, 1), st.booleans())
def test_clip_never_exceeds_its_limit(text: str, limit: int, share: float, lines: bool) -> None:
    out = clip_text(text, limit, head_share=share, lines=lines)
    assert len(out) <= limit
    assert out == text or MARKER.search(out)
