"""The reporting SDK without a broker: capture, frames, dedup, bounds, hooks, middleware.

Delivery to a real Kafka is tested in tests/integration/test_sdk_service.py; here the broker
is a closed port, which is also the "Kafka is down" case the drop counters are for.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
import types
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import errorstream
from errorstream.config import Settings, load_settings
from errorstream.schemas.enums import Layer, Severity
from errorstream.streams import sdk
from errorstream.streams.sanitize import ReportLimits
from errorstream.streams.sdk import (
    BurstDeduplicator,
    Capture,
    ErrorStreamHandler,
    ErrorStreamMiddleware,
    InAppRule,
    Reporter,
    WSGIMiddleware,
    install_excepthook,
    install_loop_handler,
)


@pytest.fixture
def unreachable() -> Settings:
    """Settings whose broker is a closed port: nothing is ever delivered."""
    return load_settings(kafka_bootstrap_servers="127.0.0.1:1", topic_prefix="unit.")


@pytest.fixture
def reporter(unreachable: Settings) -> Iterator[Reporter]:
    """A reporter whose burst windows stay open, so its reports can be inspected."""
    made = Reporter(unreachable, service="checkout", burst_window=3600, flush_timeout=0)
    yield made
    made.close(0)


def settle_order(order_id: int) -> None:
    password = "hunter2Secret"  # noqa: F841  (a local the report must not leak)
    card = {"number": "4111 1111 1111 1111", "holder": "Jane Doe"}  # noqa: F841
    charge(order_id)


def charge(order_id: int) -> None:
    raise ValueError(f"charge failed for order {order_id}")


def raised(function: Any, *args: Any) -> BaseException:
    try:
        function(*args)
    except BaseException as exc:
        return exc
    raise AssertionError("did not raise")


# -- capture --------------------------------------------------------------------------------


def test_frames_are_structured_oldest_first_with_modules_and_lines(reporter: Reporter) -> None:
    capture = reporter.capture(raised(settle_order, 8812))
    functions = [f.function for f in capture.frames]
    assert functions == ["raised", "settle_order", "charge"]
    charge_frame = capture.frames[-1]
    assert charge_frame.module == __name__ and charge_frame.filename == __file__
    assert charge_frame.lineno == charge.__code__.co_firstlineno + 1
    assert all(f.in_app for f in capture.frames)
    assert capture.exception_type == "ValueError"
    assert capture.message == "charge failed for order 8812"
    event = reporter.event(capture)
    assert [f.function for f in event.error.frames] == functions
    assert event.error.stack_trace is not None
    assert event.error.stack_trace.rstrip().endswith("ValueError: charge failed for order 8812")
    assert event.source.service == "checkout" and event.event_id == capture.event_id


def test_standard_library_and_installed_package_frames_are_not_in_app(reporter: Reporter) -> None:
    exc = raised(json.loads, "{not json")
    capture = reporter.capture(exc)
    assert capture.exception_type == "json.decoder.JSONDecodeError"
    outside = [f for f in capture.frames if f.module and f.module.startswith("json")]
    assert outside and not any(f.in_app for f in outside)
    assert capture.frames[0].in_app  # this test's own frame

    pytest_exc = raised(pytest.fail, "boom")
    assert not any(f.in_app for f in reporter.capture(pytest_exc).frames[1:])


def test_app_prefixes_decide_what_is_in_app() -> None:
    rule = InAppRule(app_prefixes=("shop.",))
    assert rule("/srv/shop/orders.py", "shop.orders")
    assert not rule("/srv/tools/retry.py", "tools.retry")
    assert not InAppRule()("<frozen importlib._bootstrap>", "importlib._bootstrap")
    assert not InAppRule()("/venv/lib/python3.11/site-packages/httpx/_client.py", "httpx._client")


def test_chained_exceptions_are_all_in_the_stack_trace(reporter: Reporter) -> None:
    def load() -> None:
        try:
            orders: dict[str, int] = {}
            orders["order"]
        except KeyError as exc:
            raise RuntimeError("order not loaded") from exc

    def handle() -> None:
        try:
            load()
        except RuntimeError:
            raise ConnectionError("reply lost")  # noqa: B904  (implicit chaining on purpose)

    trace = reporter.event(reporter.capture(raised(load))).error.stack_trace or ""
    assert "KeyError: 'order'" in trace
    assert "The above exception was the direct cause of the following exception" in trace
    assert trace.rstrip().endswith("RuntimeError: order not loaded")

    implicit = reporter.event(reporter.capture(raised(handle))).error.stack_trace or ""
    assert "During handling of the above exception, another exception occurred" in implicit
    assert "RuntimeError: order not loaded" in implicit


def test_locals_are_only_captured_when_enabled_and_are_redacted(unreachable: Settings) -> None:
    exc = raised(settle_order, 8812)
    plain = Reporter(unreachable, service="checkout")
    assert all(not f.vars for f in plain.capture(exc).frames)

    with_locals = Reporter(unreachable, service="checkout", capture_locals=True)
    event = with_locals.event(with_locals.capture(exc))
    frame = next(f for f in event.error.frames if f.function == "settle_order")
    assert frame.vars["order_id"] == "8812"
    assert frame.vars["password"] == "[REDACTED:sensitive_key]"
    assert "4111" not in frame.vars["card"]
    assert "hunter2Secret" not in event.model_dump_json()


def test_locals_are_short_reprs_and_bounded_per_frame(unreachable: Settings) -> None:
    limits = ReportLimits(max_frame_vars=3, max_var_value_chars=60)
    made = Reporter(unreachable, service="s", capture_locals=True, limits=limits)

    def many() -> None:
        a, b, c, d, e = 1, 2, 3, 4, "x" * 10_000  # noqa: F841
        raise ValueError("many")

    frame = made.event(made.capture(raised(many))).error.frames[-1]
    assert frame.vars == {"a": "1", "b": "2", "…": "…[truncated 3 vars]"}


def test_message_reports_and_fields(reporter: Reporter) -> None:
    capture = reporter.capture(
        "queue depth over 10k",
        severity="critical",
        layer="infrastructure",
        context={"queue": "orders", "depth": 10_412},
        tags={"region": "eu-west-1"},
        fingerprint="queue-depth",
        workflow_id="wf-17",
        description="the consumer fell behind",
    )
    event = reporter.event(capture)
    assert event.error.message == "queue depth over 10k"
    assert event.error.exception_type is None and event.error.frames == ()
    assert event.error.severity is Severity.CRITICAL
    assert event.source.layer is Layer.INFRASTRUCTURE
    assert event.error.tags == ("region:eu-west-1",)
    assert event.error.workflow_id == "wf-17" and event.error.fingerprint == "queue-depth"
    assert event.error.context == {"queue": "orders", "depth": 10_412}


def test_context_is_a_snapshot_taken_when_reported(reporter: Reporter) -> None:
    context: dict[str, Any] = {"attempts": [1]}
    capture = reporter.capture("retrying", context=context)
    context["attempts"].append(2)
    assert reporter.event(capture).error.context == {"attempts": [1]}


def test_bad_arguments_never_raise(reporter: Reporter) -> None:
    class Unprintable(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    event_id = reporter.report(Unprintable(), severity="bogus", layer="nowhere")
    assert isinstance(event_id, uuid.UUID)
    capture = reporter.pending_reports()[0]
    assert capture.message == "Unprintable" and capture.severity is None
    assert capture.layer is Layer.SERVICE


# -- burst de-duplication --------------------------------------------------------------------


def capture(message: str) -> Capture:
    return Capture(
        event_id=uuid.uuid4(),
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        service="s",
        layer=Layer.SERVICE,
        message=message,
    )


def test_a_window_counts_repeats_and_closes_after_its_length() -> None:
    windows = BurstDeduplicator(window=2.0, capacity=10)
    first = capture("a")
    assert windows.open("a", first, now=100.0)
    assert windows.merge("a") == first.event_id
    assert windows.merge("a") == first.event_id
    assert windows.merge("b") is None
    assert windows.open("b", capture("b"), now=101.0)
    assert windows.close_due(101.9) == []
    due = windows.close_due(102.0)
    assert [(c.message, c.count) for c in due] == [("a", 3)]
    assert windows.next_close() == 103.0
    assert [(c.message, c.count) for c in windows.close_all()] == [("b", 1)]
    assert len(windows) == 0


def test_windows_are_bounded() -> None:
    windows = BurstDeduplicator(window=1.0, capacity=2)
    assert windows.open("a", capture("a"), 0.0) and windows.open("b", capture("b"), 0.0)
    assert not windows.open("c", capture("c"), 0.0)
    assert windows.merge("a") is not None  # repeats still count when full


@given(st.lists(st.tuples(st.sampled_from("abcde"), st.floats(0, 5)), max_size=60))
def test_every_occurrence_is_counted_exactly_once(events: list[tuple[str, float]]) -> None:
    windows = BurstDeduplicator(window=1.0, capacity=100)
    counted = 0
    now = 0.0
    for key, step in events:
        now += step
        counted += sum(c.count for c in windows.close_due(now))
        if windows.merge(key) is None:
            assert windows.open(key, capture(key), now)
    counted += sum(c.count for c in windows.close_all())
    assert counted == len(events)


def test_the_same_exception_in_a_burst_is_one_report_with_its_count(reporter: Reporter) -> None:
    ids = set()
    for order in range(5):
        ids.add(reporter.report(raised(settle_order, order)))
    elsewhere = reporter.report(raised(charge, 1))  # same type, other frames
    assert len(ids) == 1 and elsewhere not in ids
    pending = reporter.pending_reports()
    assert [(c.count, c.message) for c in pending] == [
        (5, "charge failed for order 0"),
        (1, "charge failed for order 1"),
    ]
    assert reporter.event(pending[0]).error.count == 5
    stats = reporter.stats()
    assert (stats.reported, stats.deduplicated, stats.pending) == (6, 4, 2)


def test_a_zero_window_sends_every_report(unreachable: Settings) -> None:
    made = Reporter(unreachable, service="s", burst_window=0, flush_timeout=0)
    for order in range(3):
        made.report(raised(settle_order, order))
    stats = made.close(0)
    assert stats.deduplicated == 0 and stats.reported == 3
    assert stats.dropped_total == 3  # nothing reached the closed port


# -- bounds and counters with Kafka down -------------------------------------------------------


def test_kafka_down_fills_the_bounded_buffer_and_counts_every_drop(unreachable: Settings) -> None:
    made = Reporter(unreachable, service="s", burst_window=0, max_buffered=5, flush_timeout=0)
    for n in range(40):
        made.report(f"distinct failure {n}")
    made.flush(0.5)
    running = made.stats()
    assert running.dropped.get("buffer_full", 0) >= 40 - 2 * 5
    assert running.in_flight + running.pending <= 2 * 5
    final = made.close(0)
    assert final.sent == 0 and final.in_flight == 0 and final.pending == 0
    assert final.dropped["unflushed_at_exit"] >= 1
    assert final.reported == final.deduplicated + final.sent + final.dropped_total
    assert final.broker_errors >= 1 and final.last_error
    assert made.report("after close") is None
    assert made.stats().dropped["closed"] == 1


def test_counters_always_add_up(unreachable: Settings) -> None:
    made = Reporter(unreachable, service="s", burst_window=0.05, max_buffered=8, flush_timeout=0)
    for n in range(60):
        made.report(raised(charge, n) if n % 3 else f"message {n % 7}")
        stats = made.stats()
        assert stats.reported == (
            stats.deduplicated + stats.sent + stats.dropped_total + stats.pending + stats.in_flight
        )
    final = made.close(0)
    assert final.reported == final.deduplicated + final.dropped_total


# -- hooks -------------------------------------------------------------------------------------


@pytest.fixture
def hooks() -> Iterator[None]:
    """Restore the process's hooks after a test replaced them."""
    saved_sys, saved_thread = sys.excepthook, threading.excepthook
    policy = asyncio.get_event_loop_policy()
    yield
    sys.excepthook, threading.excepthook = saved_sys, saved_thread
    policy.__dict__.pop("new_event_loop", None)


def test_sys_excepthook_reports_then_calls_the_previous_hook(
    reporter: Reporter, hooks: None
) -> None:
    seen: list[BaseException] = []
    sys.excepthook = lambda kind, exc, tb: seen.append(exc)
    install_excepthook(reporter)
    install_excepthook(reporter)  # twice: still one report per error
    exc = raised(settle_order, 1)
    sys.excepthook(type(exc), exc, exc.__traceback__)
    assert seen == [exc]
    [capture] = reporter.pending_reports()
    assert capture.severity is Severity.CRITICAL and capture.count == 1
    assert capture.context["mechanism"] == {"type": "sys.excepthook", "handled": False}

    sys.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert len(seen) == 2 and reporter.stats().reported == 1


def test_threading_excepthook_reports_then_calls_the_previous_hook(
    reporter: Reporter, hooks: None
) -> None:
    seen: list[str] = []
    threading.excepthook = lambda args: seen.append(args.thread.name if args.thread else "")
    install_excepthook(reporter)
    worker = threading.Thread(target=settle_order, args=(7,), name="settler")
    worker.start()
    worker.join()
    assert seen == ["settler"]
    [capture] = reporter.pending_reports()
    assert capture.message == "charge failed for order 7"
    assert capture.context["mechanism"]["thread"] == "settler"


def test_asyncio_loops_report_then_call_the_previous_handler(
    reporter: Reporter, hooks: None
) -> None:
    seen: list[str] = []
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(lambda _loop, context: seen.append(context["message"]))
    install_excepthook(reporter, loop=loop)
    try:
        loop.call_soon(settle_order, 3)
        loop.run_until_complete(asyncio.sleep(0.01))
    finally:
        loop.close()
    assert len(seen) == 1 and seen[0].startswith("Exception in callback")
    [capture] = reporter.pending_reports()
    assert capture.message == "charge failed for order 3"
    assert capture.context["mechanism"]["type"] == "asyncio"


def test_loops_created_after_installing_report_too(reporter: Reporter, hooks: None) -> None:
    install_excepthook(reporter)

    async def main() -> None:
        asyncio.get_running_loop().call_exception_handler({"message": "resource leaked"})

    logging.getLogger("asyncio").disabled = True  # the default handler logs at ERROR
    try:
        asyncio.run(main())
    finally:
        logging.getLogger("asyncio").disabled = False
    [capture] = reporter.pending_reports()
    assert capture.message == "resource leaked" and capture.severity is Severity.MEDIUM


def test_a_loop_handler_is_installed_once(reporter: Reporter) -> None:
    loop = asyncio.new_event_loop()
    try:
        install_loop_handler(loop, reporter)
        handler = loop.get_exception_handler()
        install_loop_handler(loop, reporter)
        assert loop.get_exception_handler() is handler
    finally:
        loop.close()


# -- logging -----------------------------------------------------------------------------------


@pytest.fixture
def shop_log(reporter: Reporter) -> Iterator[logging.Logger]:
    logger = logging.getLogger("shop.orders")
    handler = ErrorStreamHandler(reporter=reporter)
    logger.addHandler(handler)
    yield logger
    logger.removeHandler(handler)


@pytest.mark.logs_errors
def test_logged_errors_are_reported_with_and_without_exceptions(
    reporter: Reporter, shop_log: logging.Logger
) -> None:
    shop_log.info("all good")
    shop_log.warning("a little slow")
    shop_log.error("order %s has no lines", 8812)
    try:
        settle_order(9)
    except ValueError:
        shop_log.exception("settling order %s failed", 9)
    shop_log.critical("ledger unreachable")
    plain, failed, critical = reporter.pending_reports()
    assert plain.message == "order 8812 has no lines" and plain.frames == ()
    assert plain.severity is Severity.HIGH
    assert plain.context["logger"]["name"] == "shop.orders"
    assert failed.message == "charge failed for order 9"
    assert failed.description == "settling order 9 failed"
    assert [f.function for f in failed.frames][-2:] == ["settle_order", "charge"]
    assert critical.severity is Severity.CRITICAL


def test_the_sdks_own_records_are_not_reported(reporter: Reporter) -> None:
    handler = ErrorStreamHandler(reporter=reporter)
    record = logging.LogRecord(sdk.__name__, logging.ERROR, __file__, 1, "own", (), None)
    handler.emit(record)
    assert reporter.stats().reported == 0


# -- middleware --------------------------------------------------------------------------------


def asgi_scope() -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "path": "/orders/8812/settle",
        "route": types.SimpleNamespace(path="/orders/{order_id}/settle"),
        "query_string": b"token=abc123def456&expand=lines",
        "headers": [
            (b"authorization", b"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI4ODEyIn0.c2lnbmF0dXJl"),
            (b"cookie", b"session=9f8e7d6c5b4a"),
            (b"accept", b"application/json"),
        ],
    }


async def asgi_receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


def test_asgi_middleware_reports_the_request_and_re_raises(reporter: Reporter) -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        settle_order(int(scope["path"].split("/")[2]))

    async def late(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError("stream broke")

    with pytest.raises(ValueError):
        asyncio.run(ErrorStreamMiddleware(app, reporter=reporter)(asgi_scope(), asgi_receive, send))
    with pytest.raises(RuntimeError):
        asyncio.run(
            ErrorStreamMiddleware(late, reporter=reporter)(asgi_scope(), asgi_receive, send)
        )
    failed, broken = reporter.pending_reports()
    request = failed.context["request"]
    assert (request["method"], request["path"], request["route"]) == (
        "POST",
        "/orders/8812/settle",
        "/orders/{order_id}/settle",
    )
    assert failed.context["response"] == {"status": 500}
    assert broken.context["response"] == {"status": 200}
    assert failed.layer is Layer.API

    stored = reporter.event(failed).error.context["request"]
    assert stored["headers"]["authorization"] == "[REDACTED:sensitive_key]"
    assert stored["headers"]["cookie"] == "[REDACTED:sensitive_key]"
    assert stored["headers"]["accept"] == "application/json"
    assert "abc123def456" not in stored["query_string"]


def test_asgi_middleware_passes_other_scopes_through(reporter: Reporter) -> None:
    async def lifespan(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("startup failed")

    with pytest.raises(RuntimeError):
        asyncio.run(
            ErrorStreamMiddleware(lifespan, reporter=reporter)(
                {"type": "lifespan"},
                asgi_receive,
                asgi_receive,  # type: ignore[arg-type]
            )
        )
    assert reporter.stats().reported == 0


def wsgi_environ() -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/orders/8812",
        "QUERY_STRING": "",
        "wsgi.url_scheme": "https",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_AUTHORIZATION": "Basic dXNlcjpodW50ZXIyU2VjcmV0",
        "HTTP_X_REQUEST_ID": "req-1",
        "CONTENT_TYPE": "application/json",
    }


def test_wsgi_middleware_reports_failures_in_the_call_and_in_the_body(reporter: Reporter) -> None:
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)
        return lambda data: None

    def failing(environ: Any, start: Any) -> Any:
        settle_order(8812)

    def streaming(environ: Any, start: Any) -> Any:
        start("200 OK", [("Content-Type", "text/plain")])
        yield b"first line\n"
        raise OSError("disk gone")

    with pytest.raises(ValueError):
        WSGIMiddleware(failing, reporter=reporter)(wsgi_environ(), start_response)
    body = WSGIMiddleware(streaming, reporter=reporter)(wsgi_environ(), start_response)
    with pytest.raises(OSError):
        list(body)
    failed, streamed = reporter.pending_reports()
    assert failed.context["request"]["path"] == "/orders/8812"
    assert failed.context["response"] == {"status": 500}
    assert streamed.context["response"] == {"status": 200}
    assert statuses == ["200 OK"]
    headers = reporter.event(failed).error.context["request"]["headers"]
    assert headers["Authorization"] == "[REDACTED:sensitive_key]"
    assert headers["X-Request-Id"] == "req-1" and headers["Content-Type"] == "application/json"


# -- the process-wide API ------------------------------------------------------------------------


def test_the_package_re_exports_the_sdk(unreachable: Settings) -> None:
    made = errorstream.configure(
        unreachable, service="exported", burst_window=3600, flush_timeout=0
    )
    try:
        event_id = errorstream.report_error(raised(charge, 5), tags=["exported"])
        assert isinstance(event_id, uuid.UUID)
        assert errorstream.stats().reported == 1
        assert made.pending_reports()[0].tags == ("exported",)
        assert errorstream.flush(0) >= 0
        assert errorstream.ErrorStreamHandler is ErrorStreamHandler
        assert errorstream.WSGIMiddleware is WSGIMiddleware
        assert errorstream.install_excepthook is install_excepthook
    finally:
        made.close(0)
