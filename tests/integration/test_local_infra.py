"""The local Kafka and PostgreSQL scripts survive what real machines do to them.

Each test runs its own broker / cluster in a temporary run directory on its own ports, so the
shared servers the other tests use are never touched.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from errorstream.config import checkout_root

from .conftest import free_port

ROOT = checkout_root()
pytestmark = pytest.mark.skipif(ROOT is None, reason="needs the source checkout's deploy/")


@dataclass
class Script:
    path: Path
    env: dict[str, str]

    def __call__(self, action: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.path), action],
            check=False,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{self.path.name} {action} failed:\n{result.stderr}")
        return result


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    return state != "Z"


def wait_dead(pid: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid)


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    # Share the fetched broker jars instead of downloading them again.
    assert ROOT is not None
    shared_libs = ROOT / ".run" / "kafka" / "libs"
    run = tmp_path / "run"
    (run / "kafka").mkdir(parents=True)
    if shared_libs.exists():
        os.symlink(shared_libs, run / "kafka" / "libs")
    return run


@pytest.fixture
def kafka(run_dir: Path) -> Iterator[tuple[Script, int]]:
    assert ROOT is not None
    port = free_port()
    env = {
        **os.environ,
        "ERRORSTREAM_RUN_DIR": str(run_dir),
        "KAFKA_PORT": str(port),
        "KAFKA_CONTROLLER_PORT": str(free_port()),
    }
    script = Script(ROOT / "deploy" / "kafka" / "kafka.sh", env)
    yield script, port
    script("stop", check=False)


@pytest.fixture
def postgres(run_dir: Path) -> Iterator[tuple[Script, int]]:
    assert ROOT is not None
    port = free_port()
    env = {**os.environ, "ERRORSTREAM_RUN_DIR": str(run_dir), "PG_PORT": str(port)}
    script = Script(ROOT / "deploy" / "postgres" / "pg.sh", env)
    yield script, port
    script("destroy", check=False)


def kafka_pid(run_dir: Path) -> int:
    return int((run_dir / "kafka" / "kafka.pid").read_text())


def test_kafka_start_is_idempotent_and_survives_crashes(
    kafka: tuple[Script, int], run_dir: Path
) -> None:
    script, port = kafka
    script("start")
    first = kafka_pid(run_dir)
    assert port_open(port)
    again = script("start")  # `make up` twice is harmless
    assert "already running" in again.stderr
    assert kafka_pid(run_dir) == first

    # A crash: the broker dies without cleanup and leaves its pid file behind.
    os.kill(first, signal.SIGKILL)
    wait_dead(first)
    assert (run_dir / "kafka" / "kafka.pid").exists()
    script("start")
    second = kafka_pid(run_dir)
    assert second != first and alive(second) and port_open(port)

    # A stale pid file naming a process that is not a broker (a recycled pid) is ignored.
    script("stop")
    (run_dir / "kafka" / "kafka.pid").write_text(str(os.getpid()))
    script("start")
    assert kafka_pid(run_dir) != os.getpid()

    # Half-formatted storage (a crash during `format`) is wiped and formatted again.
    script("stop")
    (run_dir / "kafka" / "data" / "meta.properties").unlink()
    script("start")
    assert port_open(port)

    # `down` leaves no process behind.
    pid = kafka_pid(run_dir)
    script("stop")
    wait_dead(pid)
    assert not port_open(port)
    assert not (run_dir / "kafka" / "kafka.pid").exists()
    assert script("status", check=False).returncode != 0


def test_postgres_start_is_idempotent_and_survives_crashes(
    postgres: tuple[Script, int], run_dir: Path
) -> None:
    script, port = postgres
    script("start")
    assert "already running" in script("start").stderr
    data = (run_dir / "pg").resolve() / "data"
    postmaster = int((data / "postmaster.pid").read_text().split()[0])

    # A crash leaves a stale postmaster.pid; the next start recovers.
    os.kill(postmaster, signal.SIGKILL)
    wait_dead(postmaster)
    assert (data / "postmaster.pid").exists()
    script("start")
    assert port_open(port)

    # A cluster whose initdb never finished is created again.
    script("stop")
    (data / "PG_VERSION").unlink()
    script("start")
    assert port_open(port)

    script("stop")
    assert not port_open(port)
    assert script("status", check=False).returncode != 0
