"""A service reporting through the SDK, as a separate process, against the real broker.

(a) Its errors reach error.detected redacted, with structured frames, burst-deduplicated, and
    the uncaught one delivered by the exit flush.
(b) Pointed at a broker that is down, it keeps running, counts what it drops, and exits
    promptly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from errorstream.config import Settings
from errorstream.schemas.enums import Severity
from errorstream.schemas.models import ErrorDetected
from errorstream.schemas.serialization import AvroCodec
from errorstream.streams.reader import read_records
from errorstream.streams.topics import ERROR_DETECTED

from .conftest import Process, free_port

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample_service.py"
SECRETS = (
    b"hunter2Secret",
    b"4111 1111 1111 1111",
    b"sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    b"eyJhbGciOiJIUzI1NiJ9",
    b"jane.doe@example.com",
    b"tok_9f8e7d6c5b4a3928",
)


def finished(process: Process, timeout: float = 60.0) -> str:
    """The process's output once it has exited by itself."""
    process.popen.wait(timeout)
    output: str = process.output()
    return output


def test_a_services_errors_arrive_redacted_with_structured_frames(
    env: Settings, spawn: Callable[..., Process]
) -> None:
    output = finished(spawn(env, "secrets", script=SAMPLE))
    assert "REPORTED" in output and "LOGGED" in output
    assert "Traceback" in output  # the previous excepthook still printed the crash

    records = [
        r
        for r in read_records(env, ERROR_DETECTED, until_idle=3, timeout=60)
        if r.key == b"sample-checkout"
    ]
    for record in records:
        assert record.value is not None
        for secret in SECRETS:
            assert secret not in record.value, secret
    codec = AvroCodec()
    events = [codec.decode(r.value) for r in records if r.value is not None]
    assert all(isinstance(e, ErrorDetected) for e in events)
    by_kind = {
        (e.error.context.get("mechanism") or {}).get("type", e.error.exception_type): e
        for e in events
        if isinstance(e, ErrorDetected)
    }
    assert len(events) == 3, [e.error.message for e in events if isinstance(e, ErrorDetected)]

    handled = by_kind["RuntimeError"]
    reported_id = output.split("REPORTED ", 1)[1].split()[0]
    assert str(handled.event_id) == reported_id
    assert handled.error.count == 5  # one burst, one report
    assert handled.error.severity is Severity.HIGH
    assert handled.source.version == "1.2.3"
    assert handled.error.message == "settling order 8812 failed"
    headers = handled.error.context["request"]["headers"]
    assert headers["Authorization"] == "[REDACTED:sensitive_key]"
    assert headers["X-Request-Id"] == "req-8812"
    trace = handled.error.stack_trace or ""
    assert "The above exception was the direct cause of the following exception" in trace
    assert "PaymentDeclined" in trace and "[REDACTED:" in trace
    functions = [f.function for f in handled.error.frames]
    assert functions[-1] == "settle" and "secrets" in functions
    assert all(f.in_app for f in handled.error.frames)
    settle_frame = handled.error.frames[-1]
    assert settle_frame.vars["password"] == "[REDACTED:sensitive_key]"
    assert settle_frame.vars["order_id"] == "8812"

    logged = by_kind["json.decoder.JSONDecodeError"]
    assert logged.error.description == "could not read order payload"
    assert logged.error.context["logger"]["name"] == "sample.checkout"
    stdlib = [f for f in logged.error.frames if (f.module or "").startswith("json")]
    assert stdlib and not any(f.in_app for f in stdlib)
    assert any(f.in_app and f.function == "read_order" for f in logged.error.frames)

    crashed = by_kind["sys.excepthook"]
    assert crashed.error.severity is Severity.CRITICAL
    assert crashed.error.message == "settling order 8813 failed"
    assert crashed.error.frames[0].function == "<module>"


def test_with_kafka_down_a_service_keeps_running_counts_drops_and_exits(
    env: Settings, spawn: Callable[..., Process]
) -> None:
    down = env.model_copy(
        update={
            "kafka_bootstrap_servers": f"127.0.0.1:{free_port()}",  # nothing listens there
            "reporter": env.reporter.model_copy(
                update={"max_buffered_reports": 20, "flush_timeout_seconds": 1.0}
            ),
        }
    )
    service = spawn(down, "burst", "200", script=SAMPLE)
    output = finished(service)
    assert service.popen.returncode == 0, output[-2000:]
    assert "STILL RUNNING after 200 reports" in output
    stats = json.loads(output.split("STATS ", 1)[1].splitlines()[0])
    assert stats["reported"] == 200 and stats["sent"] == 0
    assert stats["dropped"]["buffer_full"] >= 200 - 2 * 20
    assert stats["undelivered"] > 0 and stats["broker_errors"] > 0
    assert stats["reported"] == (
        stats["deduplicated"]
        + stats["sent"]
        + sum(stats["dropped"].values())
        + stats["pending"]
        + stats["in_flight"]
    )
