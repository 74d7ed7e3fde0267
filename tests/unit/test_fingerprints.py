"""Group keys: reporter override, stack grouping, template grouping, service scoping."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from errorstream.agents.fingerprints import (
    Fingerprint,
    fingerprint,
    stack_signature,
    template_group_id,
)
from errorstream.agents.stacktraces import Frame, parse_stack_trace
from errorstream.agents.templates import TemplateMiner

SAMPLES = pathlib.Path(__file__).resolve().parents[1] / "data" / "stacktraces"


def of_trace(text: str, service: str = "orders", miner: TemplateMiner | None = None) -> Fingerprint:
    trace = parse_stack_trace(text)
    return fingerprint(
        service=service,
        exception_type=trace.exception_type,
        frames=trace.frames,
        message=trace.message,
        reporter_fingerprint=None,
        miner=miner,
    )


def of_message(
    message: str,
    miner: TemplateMiner | None,
    service: str = "orders",
    exception_type: str | None = None,
) -> Fingerprint:
    return fingerprint(
        service=service,
        exception_type=exception_type,
        frames=(),
        message=message,
        reporter_fingerprint=None,
        miner=miner,
    )


PYTHON_BUG = """Traceback (most recent call last):
  File "/srv/releases/{release}/shop/orders/api.py", line {line_a}, in create_order
    order = repository.insert(payload)
  File "/srv/releases/{release}/shop/orders/repository.py", line {line_b}, in insert
    row = rows[{index}]
  File "/usr/lib/python3.11/site-packages/sqlalchemy/engine/result.py", line 1410, in fetch
    raise exc
IndexError: list index out of range
"""


def python_bug(release: str, line_a: int, line_b: int, index: int = 0) -> str:
    return PYTHON_BUG.format(release=release, line_a=line_a, line_b=line_b, index=index)


@given(
    release=st.from_regex(r"20[0-9]{6}-[0-9]", fullmatch=True),
    line_a=st.integers(1, 5000),
    line_b=st.integers(1, 5000),
)
def test_the_same_bug_in_another_build_groups_together(
    release: str, line_a: int, line_b: int
) -> None:
    base = of_trace(python_bug("20240101-1", 57, 112))
    assert of_trace(python_bug(release, line_a, line_b)) == base


def test_stack_groups_by_type_and_in_app_frames() -> None:
    key = of_trace(python_bug("20240101-1", 57, 112))
    assert key.method == "stack"
    assert key.detail == (
        "IndexError | srv.releases.shop.orders.api:create_order"
        " -> srv.releases.shop.orders.repository:insert"
    )
    assert len(key.group_id) == 16
    int(key.group_id, 16)


def test_different_bugs_get_different_groups() -> None:
    base = of_trace(python_bug("r1", 57, 112))
    other_type = of_trace(python_bug("r1", 57, 112).replace("IndexError", "KeyError"))
    other_function = of_trace(python_bug("r1", 57, 112).replace("in insert", "in update"))
    other_caller = of_trace(python_bug("r1", 57, 112).replace("create_order", "cancel_order"))
    ids = {base.group_id, other_type.group_id, other_function.group_id, other_caller.group_id}
    assert len(ids) == 4


@pytest.mark.parametrize(
    "name",
    [
        "python_chained.txt",
        "java_caused_by.txt",
        "go_panic.txt",
        "node_typeerror.txt",
        "dotnet_inner.txt",
        "ruby_nomethod.txt",
    ],
)
def test_each_runtime_groups_by_stack_and_is_service_scoped(name: str) -> None:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    orders, billing = of_trace(text, "orders"), of_trace(text, "billing")
    assert orders.method == billing.method == "stack"
    assert orders.detail == billing.detail
    assert orders.group_id != billing.group_id


def test_library_only_stacks_fall_back_to_all_frames() -> None:
    frames = [
        Frame("threading", "run", "/usr/lib/python3.11/threading.py", 975, False),
        Frame("json.decoder", "decode", "/usr/lib/python3.11/json/decoder.py", 337, False),
    ]
    assert stack_signature("JSONDecodeError", frames) == (
        "JSONDecodeError | threading:run -> json.decoder:decode"
    )


def test_only_the_frames_nearest_the_crash_count() -> None:
    crash = [Frame("app.db", "insert", "/app/db.py", 10, True)]
    callers_a = [Frame("app.jobs", f"step{i}", "/app/jobs.py", i, True) for i in range(20)]
    callers_b = [Frame("app.http", f"route{i}", "/app/http.py", i, True) for i in range(20)]
    near = [Frame("app.orders", f"f{i}", "/app/orders.py", i, True) for i in range(3)]
    a = stack_signature("E", callers_a + near + crash, max_frames=4)
    b = stack_signature("E", callers_b + near + crash, max_frames=4)
    assert a == b == "E | app.orders:f0 -> app.orders:f1 -> app.orders:f2 -> app.db:insert"
    assert stack_signature("E", callers_a + near + crash, max_frames=5) != a


@given(depth_a=st.integers(1, 60), depth_b=st.integers(1, 60))
def test_recursion_depth_does_not_split_a_group(depth_a: int, depth_b: int) -> None:
    def trace(depth: int) -> list[Frame]:
        recursive = Frame("app.tree", "walk", "/app/tree.py", 8, True)
        return [Frame("app.main", "main", "/app/main.py", 3, True), *[recursive] * depth]

    assert stack_signature("RecursionError", trace(depth_a)) == stack_signature(
        "RecursionError", trace(depth_b)
    )


def test_reporter_fingerprint_overrides_everything() -> None:
    trace = parse_stack_trace(python_bug("r1", 1, 2))
    miner = TemplateMiner()
    keys = [
        fingerprint(
            service="orders",
            exception_type=kind,
            frames=frames,
            message=message,
            reporter_fingerprint="payment-gateway-down",
            miner=miner,
        )
        for kind, frames, message in [
            (trace.exception_type, trace.frames, trace.message),
            (None, (), "anything at all"),
        ]
    ]
    assert keys[0] == keys[1]
    assert keys[0].method == "reporter"
    assert keys[0].detail == "payment-gateway-down"
    assert len(miner) == 0  # the miner was not consulted
    other_service = fingerprint(
        service="billing",
        exception_type=None,
        frames=(),
        message="",
        reporter_fingerprint="payment-gateway-down",
        miner=None,
    )
    assert other_service.group_id != keys[0].group_id


def test_blank_reporter_fingerprint_is_ignored() -> None:
    key = fingerprint(
        service="orders",
        exception_type=None,
        frames=(),
        message="disk full",
        reporter_fingerprint="  ",
        miner=None,
    )
    assert key.method == "message"


@given(
    order=st.integers(0, 10**9),
    address=st.ip_addresses(v=4).map(str),
    millis=st.integers(0, 10**6),
)
def test_message_only_errors_group_by_template(order: int, address: str, millis: int) -> None:
    miner = TemplateMiner()
    first = of_message("order 17 timed out calling 10.0.0.1 after 5000ms", miner)
    again = of_message(f"order {order} timed out calling {address} after {millis}ms", miner)
    assert first.method == again.method == "template"
    assert again.group_id == first.group_id
    assert again.detail == "order <*> timed out calling <*> after <*>"


def test_message_only_groups_are_apart_by_template_type_and_service() -> None:
    miner = TemplateMiner()
    timeout = of_message("order 17 timed out calling 10.0.0.1", miner)
    refused = of_message("connection to 10.0.0.1 refused by peer", miner)
    typed = of_message("order 17 timed out calling 10.0.0.1", miner, exception_type="TimeoutError")
    billing = of_message("order 17 timed out calling 10.0.0.1", miner, service="billing")
    assert len({timeout.group_id, refused.group_id, typed.group_id, billing.group_id}) == 4
    assert typed.detail == "TimeoutError: order <*> timed out calling <*>"


def test_a_merged_template_keeps_a_derivable_group() -> None:
    miner = TemplateMiner()
    older = of_message("worker pool 17 paused 23", miner)
    younger = of_message("worker pool north drained south", miner)
    merging = miner.add("worker pool 4 resumed 8", namespace="orders")
    (absorbed,) = merging.merged_ids
    assert template_group_id("orders", absorbed) == younger.group_id
    assert of_message("worker pool north drained south", miner).group_id == older.group_id


def test_without_a_miner_messages_group_by_masked_shape() -> None:
    a = of_message("cache 3 evicted 120 entries", None)
    b = of_message("cache 9 evicted 7 entries", None)
    c = of_message("cache 9 refilled 7 entries", None)
    assert a == b
    assert a.method == "message"
    assert a.detail == "cache <*> evicted <*> entries"
    assert c.group_id != a.group_id


_CHILD = """
import json, sys
from errorstream.agents.fingerprints import fingerprint
from errorstream.agents.stacktraces import parse_stack_trace
from errorstream.agents.templates import TemplateMiner
trace = parse_stack_trace(sys.stdin.read())
miner = TemplateMiner()
keys = [
    fingerprint(service="orders", exception_type=trace.exception_type, frames=trace.frames,
                message=trace.message, reporter_fingerprint=None, miner=miner).group_id,
    fingerprint(service="orders", exception_type=None, frames=(), message="disk 3 full",
                reporter_fingerprint=None, miner=miner).group_id,
    fingerprint(service="orders", exception_type=None, frames=(), message="disk 3 full",
                reporter_fingerprint=None, miner=None).group_id,
]
print(json.dumps(keys))
"""


def test_group_ids_are_the_same_in_every_process() -> None:
    text = (SAMPLES / "java_caused_by.txt").read_text(encoding="utf-8")
    outputs = set()
    for seed in ("1", "2", "random"):
        done = subprocess.run(
            [sys.executable, "-c", _CHILD],
            input=text,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        outputs.add(done.stdout)
    (only,) = outputs
    stack, template, message = json.loads(only)
    assert parse_stack_trace(text).frames  # so the stack method was the one exercised
    assert stack == of_trace(text).group_id
    assert template == of_message("disk 3 full", TemplateMiner()).group_id
    assert message == of_message("disk 3 full", None).group_id
