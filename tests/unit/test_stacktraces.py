"""Stack-trace parsing per runtime, in-app detection and frame normalisation."""

from __future__ import annotations

import pathlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from errorstream.agents.stacktraces import (
    Frame,
    ParsedTrace,
    is_in_app,
    module_from_path,
    normalise_frame,
    parse_stack_trace,
)

SAMPLES = pathlib.Path(__file__).resolve().parents[1] / "data" / "stacktraces"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def identities(trace: ParsedTrace, *, in_app_only: bool = False) -> list[str]:
    return [normalise_frame(f) for f in trace.frames if f.in_app or not in_app_only]


# -- one realistic trace per runtime ----------------------------------------------------


def test_python_chained_traceback() -> None:
    trace = parse_stack_trace(sample("python_chained.txt"))
    assert trace.language == "python"
    assert trace.exception_type == "sqlalchemy.exc.IntegrityError"
    assert trace.message.startswith("(psycopg.errors.UniqueViolation) duplicate key value")
    assert identities(trace) == [
        "srv.shop.releases.shop.orders.api:create_order",
        "srv.shop.releases.shop.orders.repository:insert",
        "sqlalchemy.orm.session:execute",
        "sqlalchemy.engine.base:_execute_internal",
    ]
    assert [f.in_app for f in trace.frames] == [True, True, False, False]
    assert [f.lineno for f in trace.frames] == [57, 112, 2308, 1410]
    (cause,) = trace.causes
    assert cause.exception_type == "psycopg.errors.UniqueViolation"
    assert identities(cause) == ["psycopg.connection:execute"]
    assert trace.root_cause is cause


def test_python_during_handling_and_frozen_frames() -> None:
    text = """Traceback (most recent call last):
  File "/app/worker.py", line 10, in run
    data = json.loads(raw)
  File "/usr/lib/python3.12/json/__init__.py", line 346, in loads
    return _default_decoder.decode(s)
json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "<frozen runpy>", line 198, in _run_module_as_main
  File "/app/worker.py", line 12, in run
    raise BadPayload(raw) from None
worker.BadPayload: b''
"""
    trace = parse_stack_trace(text)
    assert (trace.exception_type, trace.message) == ("worker.BadPayload", "b''")
    assert [(f.module, f.in_app) for f in trace.frames] == [("runpy", False), ("app.worker", True)]
    assert trace.causes[0].exception_type == "json.decoder.JSONDecodeError"


def test_java_caused_by_with_omitted_and_suppressed_frames() -> None:
    trace = parse_stack_trace(sample("java_caused_by.txt"))
    assert trace.language == "java"
    assert trace.exception_type == "org.springframework.dao.DataIntegrityViolationException"
    assert trace.message == "could not execute statement; constraint [orders_pkey]"
    # Call order: Thread.run first, the throwing frame last; suppressed frames skipped.
    assert identities(trace)[0] == "java.lang.Thread:run"
    assert identities(trace)[-1] == (
        "org.springframework.orm.jpa.vendor.HibernateJpaDialect:convertHibernateAccessException"
    )
    assert "com.shop.orders.OrderService:rollback" not in identities(trace)
    assert identities(trace, in_app_only=True) == [
        "com.shop.orders.OrderController:post",
        "com.shop.orders.OrderService:create",
        "com.shop.orders.OrderService:create.<lambda>",
        "com.shop.orders.OrderRepository:save",
    ]
    hibernate, postgres = trace.causes
    assert hibernate.exception_type == "org.hibernate.exception.ConstraintViolationException"
    # "... 6 more" shares the enclosing trace's 6 oldest frames.
    assert len(hibernate.frames) == 2 + 6
    assert hibernate.frames[:6] == trace.frames[:6]
    assert postgres.exception_type == "org.postgresql.util.PSQLException"
    assert postgres.message.startswith("ERROR: duplicate key value")
    assert (
        identities(postgres)[-1] == "org.postgresql.core.v3.QueryExecutorImpl:receiveErrorResponse"
    )
    assert trace.root_cause is postgres


def test_go_panic_reads_the_panicking_goroutine_only() -> None:
    trace = parse_stack_trace(sample("go_panic.txt"))
    assert trace.language == "go"
    assert trace.exception_type == "runtime error"
    assert trace.message == "invalid memory address or nil pointer dereference"
    assert identities(trace) == [
        "net/http:(*Server).Serve",
        "net/http:(*conn).serve",
        "net/http:serverHandler.ServeHTTP",
        "net/http:HandlerFunc.ServeHTTP",
        "example.com/shop/api:(*Handler).PostOrder",
        "example.com/shop/orders:(*Service).Create",
        "example.com/shop/orders:(*Service).Create.<lambda>",
    ]
    assert [f.in_app for f in trace.frames] == [False] * 4 + [True] * 3
    assert trace.frames[-1].lineno == 88


def test_node_trace_with_builtins_and_dependencies() -> None:
    trace = parse_stack_trace(sample("node_typeerror.txt"))
    assert trace.language == "javascript"
    assert trace.exception_type == "TypeError"
    assert trace.message == "Cannot read properties of undefined (reading 'id')"
    assert identities(trace, in_app_only=True) == [
        "app/dist/api/routes:<anonymous>",
        "app/dist/orders/service:OrderService.create",
        "app/dist/orders/service:OrderService.customerId",
    ]
    assert identities(trace)[0] == "node:internal/process/task_queues:processTicksAndRejections"
    assert "express/lib/router/layer:Layer.handle" in identities(trace)
    assert trace.frames[-1] == Frame(
        "app/dist/orders/service",
        "OrderService.customerId",
        "/app/dist/orders/service.js",
        42,
        True,
    )


def test_browser_traces_in_chrome_and_firefox_shapes() -> None:
    chrome = """Error: Request failed with status code 500
    at createError (https://shop.example.com/static/js/vendor.8c1f2e9a.js:2:14523)
    at OrderForm.submit (https://shop.example.com/static/js/main.3f2a1b7c.js:1:9921)
    at HTMLButtonElement.onclick (https://shop.example.com/orders/new:1:1)"""
    firefox = """createError@https://shop.example.com/static/js/vendor.77aa01bc.js:2:14600
submit@https://shop.example.com/static/js/main.90e1d2c3.js:1:10004
onclick@https://shop.example.com/orders/new:1:1"""
    a, b = parse_stack_trace(chrome), parse_stack_trace(firefox)
    assert (a.language, a.exception_type) == ("javascript", "Error")
    assert b.language == "javascript"
    assert (
        [f.module for f in a.frames]
        == [f.module for f in b.frames]
        == [
            "orders/new",
            "static/js/main",
            "static/js/vendor",
        ]
    )


def test_dotnet_inner_exception_and_async_frames() -> None:
    trace = parse_stack_trace(sample("dotnet_inner.txt"))
    assert trace.language == "dotnet"
    assert trace.exception_type == "System.InvalidOperationException"
    assert trace.message == "Order 42 could not be saved"
    assert identities(trace, in_app_only=True) == [
        "Shop.Api.Program:Main",
        "Shop.Api.OrdersController:Post.<lambda>",
        "Shop.Orders.OrderService:CreateAsync",
        "Shop.Orders.OrderRepository:Insert",
    ]
    assert trace.frames[-1].lineno == 63
    (inner,) = trace.causes
    assert inner.exception_type == "Microsoft.Data.SqlClient.SqlException"
    assert inner.message == "Violation of PRIMARY KEY constraint 'PK_Orders'."
    assert identities(inner) == [
        "Shop.Orders.OrderRepository:Insert",
        "Microsoft.Data.SqlClient.SqlCommand:ExecuteNonQuery",
        "Microsoft.Data.SqlClient.SqlConnection:OnError",
    ]
    assert [f.in_app for f in inner.frames] == [True, False, False]


def test_ruby_backtrace() -> None:
    trace = parse_stack_trace(sample("ruby_nomethod.txt"))
    assert trace.language == "ruby"
    assert trace.exception_type == "NoMethodError"
    assert trace.message == "undefined method `price' for nil:NilClass"
    assert identities(trace)[-2:] == ["app/models/order:subtotal.<block>", "app/models/order:total"]
    assert identities(trace)[0] == "bin/rails:<main>"
    callbacks = next(f for f in trace.frames if f.function == "run_callbacks")
    assert not callbacks.in_app
    assert normalise_frame(callbacks) == "lib/active_support/callbacks:run_callbacks"


def test_app_prefixes_decide_in_app() -> None:
    trace = parse_stack_trace(sample("java_caused_by.txt"), app_prefixes=["com.shop.orders.Order"])
    assert {f.module for f in trace.frames if f.in_app} == {
        "com.shop.orders.OrderController",
        "com.shop.orders.OrderService",
        "com.shop.orders.OrderRepository$$EnhancerBySpringCGLIB$$5f1c2a3b",
    }


# -- never fails on text it does not know ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "   ", "connection refused", "ERROR something broke\nand more text", "at at at ((("],
)
def test_unknown_text_gives_no_frames(text: str) -> None:
    trace = parse_stack_trace(text)
    assert trace.frames == ()
    assert trace.causes == ()


@given(st.text(max_size=300))
def test_parsing_never_raises(text: str) -> None:
    trace = parse_stack_trace(text)
    assert all(isinstance(f, Frame) for f in trace.frames)


@given(
    lines=st.lists(
        st.sampled_from([*sample("java_caused_by.txt").splitlines(), "", "garbage"]), max_size=40
    )
)
def test_shuffled_trace_lines_never_raise(lines: list[str]) -> None:
    parse_stack_trace("\n".join(lines))


# -- the same bug in another build normalises alike; different bugs do not ---------------


def _rebuild(text: str, seed: int) -> str:
    """The same trace from another build: other line numbers, addresses, generated ids."""
    text = re.sub(
        r"(?<=line )\d+|(?<=\.java:)\d+|(?<=\.go:)\d+|(?<=:)\d+(?=:\d+\))", str(seed), text
    )
    text = re.sub(r"0x[0-9a-f]+", hex(seed * 7919), text)
    text = re.sub(r"(?<=GeneratedMethodAccessor)\d+|(?<=\$\$Lambda\$)\d+", str(seed), text)
    text = re.sub(r"(?<=\$\$)[0-9a-f]{8}(?=\.)", f"{seed:08x}", text)
    text = re.sub(r"lambda\$create\$\d", f"lambda$create${seed % 10}", text)
    text = re.sub(r"20240305-1", f"2024{seed:04d}-2", text)
    text = re.sub(r"\.func1", f".func{seed % 9 + 1}", text)
    return re.sub(r"d__7", f"d__{seed % 50}", text)


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
@given(seed=st.integers(min_value=1, max_value=9999))
def test_a_rebuild_normalises_to_the_same_frames(name: str, seed: int) -> None:
    original = parse_stack_trace(sample(name))
    rebuilt = parse_stack_trace(_rebuild(sample(name), seed))
    assert identities(rebuilt) == identities(original)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (
            Frame("com.acme.Foo$$Lambda$123/0x0000000800c0b040", "apply", None, None, True),
            "com.acme.Foo:apply",
        ),
        (Frame("com.acme.Foo$1", "run", "Foo.java", 12, True), "com.acme.Foo$<anonymous>:run"),
        (Frame("com.acme.Foo$Inner", "run", "Foo.java", 12, True), "com.acme.Foo$Inner:run"),
        (
            Frame("com.acme.Foo", "lambda$handle$12", "Foo.java", 3, True),
            "com.acme.Foo:handle.<lambda>",
        ),
        (Frame("jdk.proxy2.$Proxy45", "save", None, None, False), "jdk.proxy.$Proxy:save"),
        (Frame("app.tasks", "<lambda>", "/app/tasks.py", 9, True), "app.tasks:<lambda>"),
        (Frame("app.tasks", "<genexpr>", "/app/tasks.py", 9, True), "app.tasks:<lambda>"),
        (Frame(None, "main", "/tmp/tmpk2j3h4l5.py", 1, True), "tmp/<tmp>:main"),
        (Frame("main", "main.func2.3", "/app/main.go", 7, True), "main:main.<lambda>"),
        (Frame("main", "glob..func1", "/app/main.go", 7, True), "main:glob.<lambda>"),
        (
            Frame("app/index", "Object.<anonymous>", "/app/index.js", 1, True),
            "app/index:<anonymous>",
        ),
        (Frame("app/index", "new Worker", "/app/index.js", 1, True), "app/index:Worker"),
        (Frame("Shop.Jobs.<RunAsync>d__12", "MoveNext", None, None, True), "Shop.Jobs:RunAsync"),
        (Frame("Shop.Jobs.<>c", "<Run>b__3_0", None, None, True), "Shop.Jobs:Run.<lambda>"),
        (
            Frame(None, "handler", "/app/static/js/main.4f5e6d7c.js", 1, True),
            "app/static/js/main:handler",
        ),
    ],
)
def test_normalise_frame_drops_generated_parts(frame: Frame, expected: str) -> None:
    assert normalise_frame(frame) == expected


def test_different_functions_stay_different() -> None:
    a = Frame("com.acme.Orders", "create", "Orders.java", 10, True)
    b = Frame("com.acme.Orders", "cancel", "Orders.java", 10, True)
    c = Frame("com.acme.Invoices", "create", "Invoices.java", 10, True)
    assert len({normalise_frame(a), normalise_frame(b), normalise_frame(c)}) == 3


@pytest.mark.parametrize(
    ("module", "filename", "expected"),
    [
        ("shop.orders", "/srv/shop/orders.py", True),
        ("requests.api", "/usr/lib/python3/dist-packages/requests/api.py", False),
        ("flask.app", "/venv/lib/python3.11/site-packages/flask/app.py", False),
        ("json.decoder", "/usr/lib/python3.12/json/decoder.py", False),
        ("importlib._bootstrap", "<frozen importlib._bootstrap>", False),
        ("express/lib/router", "/app/node_modules/express/lib/router/index.js", False),
        ("node:internal/timers", "node:internal/timers", False),
        ("java.util.HashMap", "HashMap.java", False),
        ("javax.servlet.http.HttpServlet", None, False),
        ("sun.nio.ch.Net", None, False),
        ("jdk.internal.misc.Unsafe", None, False),
        ("kotlin.collections.CollectionsKt", None, False),
        ("scala.collection.immutable.List", None, False),
        ("com.acme.billing.Invoice", "Invoice.java", True),
        ("runtime", "/usr/local/go/src/runtime/panic.go", False),
        ("github.com/lib/pq", "/root/go/pkg/mod/github.com/lib/pq@v1.10.9/conn.go", False),
        ("System.Linq.Enumerable", None, False),
        ("Acme.Billing.Invoice", "/src/Acme/Billing/Invoice.cs", True),
        ("lib/active_support", "/usr/local/bundle/gems/activesupport-7.0/lib/a.rb", False),
    ],
)
def test_in_app_heuristics(module: str, filename: str | None, expected: bool) -> None:
    assert is_in_app(module, filename) is expected


def test_module_paths_lose_hosts_versions_and_hashes() -> None:
    assert module_from_path("/home/ci/build/app/orders.py", dotted=True) == "build.app.orders"
    assert (
        module_from_path("/srv/releases/v2.3.1/app/orders.py", dotted=True)
        == "srv.releases.app.orders"
    )
    assert module_from_path("webpack:///./src/orders/form.tsx") == "src/orders/form"
    assert module_from_path("/go/pkg/mod/github.com/x/y@v1.2.3/z.go") == "github.com/x/y/z"
    assert module_from_path(r"C:\Users\ann\src\Shop\Orders.cs") == "src/Shop/Orders"


def test_an_exception_line_without_frames_still_names_its_type() -> None:
    trace = parse_stack_trace("ValueError: invalid literal for int() with base 10: 'x'")
    assert (trace.exception_type, trace.message) == (
        "ValueError",
        "invalid literal for int() with base 10: 'x'",
    )
    assert trace.frames == ()
    assert parse_stack_trace("connection refused").exception_type is None
