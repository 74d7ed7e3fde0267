"""/healthz and /readyz of real processes: ready once they own partitions, not ready without
their database or broker, alive all the while."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from errorstream.config import Settings
from errorstream.health import KafkaProbe, database_check
from errorstream.metrics import probe

from .conftest import Process, free_port


def ready_report(url: str, process: Process, timeout: float = 120.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    report: dict[str, object] = {}
    while time.monotonic() < deadline:
        assert process.popen.poll() is None, process.output()[-3000:]
        try:
            status, report = probe(url, "/readyz")
        except OSError:
            status = 0
        if status == 200:
            return report
        time.sleep(0.5)
    raise AssertionError(f"not ready in {timeout}s: {report}\n{process.output()[-3000:]}")


def checks_of(report: dict[str, object]) -> dict[str, bool]:
    checks = report["checks"]
    assert isinstance(checks, list)
    return {c["name"]: c["ok"] for c in checks}


def test_a_worker_is_alive_at_once_and_ready_after_its_partitions_are_assigned(
    env: Settings, spawn: Callable[..., Process]
) -> None:
    port = free_port()
    worker = spawn(env, "worker", extra_env={"ERRORSTREAM_METRICS_PORT": str(port)})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            status, report = probe(url, "/healthz")
            break
        except OSError:
            assert time.monotonic() < deadline, worker.output()[-3000:]
            time.sleep(0.2)
    assert status == 200, report
    report = ready_report(url, worker)
    assert checks_of(report) == {"broker": True, "partitions": True, "lag": True}
    status, report = probe(url, "/healthz")
    assert status == 200, report
    status, _ = probe(url, "/nothing-here")
    assert status == 404


def test_a_projector_is_ready_with_its_database_and_not_ready_without_it(
    env: Settings, spawn: Callable[..., Process]
) -> None:
    good_port, cut_port = free_port(), free_port()
    good = spawn(env, "project", extra_env={"ERRORSTREAM_METRICS_PORT": str(good_port)})
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/errorstream"
    cut_off = env.model_copy(update={"database_url": nowhere, "app_id": f"{env.app_id}-cut"})
    cut = spawn(cut_off, "project", extra_env={"ERRORSTREAM_METRICS_PORT": str(cut_port)})

    report = ready_report(f"http://127.0.0.1:{good_port}", good)
    assert checks_of(report) == {"broker": True, "database": True, "partitions": True, "lag": True}

    cut_url = f"http://127.0.0.1:{cut_port}"
    seen = []
    deadline = time.monotonic() + 60
    while len(seen) < 5 and time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            seen.append(probe(cut_url, "/readyz"))
        time.sleep(0.5)
    assert len(seen) == 5
    for status, report in seen:
        assert status == 503, report
        assert checks_of(report)["database"] is False
        assert checks_of(report)["broker"] is True
    status, report = probe(cut_url, "/healthz")  # it keeps retrying: alive, not ready
    assert status == 200, report
    assert cut.popen.poll() is None


def test_probes_name_what_is_unreachable(env: Settings) -> None:
    closed = free_port()
    broker = KafkaProbe(env.model_copy(update={"kafka_bootstrap_servers": f"127.0.0.1:{closed}"}))
    check = broker.reachable()
    assert not check.ok
    assert str(closed) in check.detail
    assert KafkaProbe(env).reachable().ok

    assert database_check(env.dsn).ok
    down = database_check(f"postgresql://postgres@127.0.0.1:{closed}/errorstream")
    assert not down.ok
    assert down.detail
