"""Local infrastructure and background processes: what `errorstream up/down/status` drive.

Kafka and PostgreSQL are started by the scripts in deploy/ (so `make` and the CLI share one
implementation); workers and projectors started in the background get a pid file and a log file
under .run/. With KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL set nothing local is started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from errorstream.config import Settings, checkout_root
from errorstream.exceptions import InfrastructureError


def _script(*parts: str) -> Path:
    root = checkout_root()
    if root is None:
        raise InfrastructureError(
            "local Kafka/PostgreSQL need errorstream's source checkout (deploy/); "
            "set KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL to use existing servers"
        )
    return root.joinpath("deploy", *parts)


def _env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "ERRORSTREAM_RUN_DIR": str(settings.run_dir),
        "KAFKA_PORT": str(settings.kafka_port),
        "KAFKA_CONTROLLER_PORT": str(settings.kafka_port + 1),
        "PG_PORT": str(settings.pg_port),
        "PG_DATABASE": settings.pg_database,
    }


def run_script(settings: Settings, script: Path, action: str, check: bool = True) -> int:
    result = subprocess.run([str(script), action], env=_env(settings), check=False)
    if check and result.returncode != 0:
        raise InfrastructureError(f"{script.name} {action} failed (exit {result.returncode})")
    return result.returncode


def kafka_script() -> Path:
    return _script("kafka", "kafka.sh")


def postgres_script() -> Path:
    return _script("postgres", "pg.sh")


def start_local(settings: Settings) -> list[str]:
    """Start what is not external; returns what was started (or already running)."""
    started = []
    if not settings.kafka_is_external:
        run_script(settings, kafka_script(), "start")
        started.append("kafka")
    if not settings.database_is_external:
        run_script(settings, postgres_script(), "start")
        started.append("postgres")
    return started


def stop_local(settings: Settings) -> None:
    if not settings.kafka_is_external:
        run_script(settings, kafka_script(), "stop", check=False)
    if not settings.database_is_external:
        run_script(settings, postgres_script(), "stop", check=False)


# -- background processes -----------------------------------------------------------------
@dataclass(frozen=True)
class Background:
    """A process errorstream started in the background (a worker, a projector host)."""

    name: str
    pid: int | None
    log: Path

    @property
    def running(self) -> bool:
        return self.pid is not None and _alive(self.pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return True
    return state != "Z"


def _proc_dir(settings: Settings) -> Path:
    path = settings.run_dir / "processes"
    path.mkdir(parents=True, exist_ok=True)
    return path


def background(settings: Settings, name: str) -> Background:
    folder = _proc_dir(settings)
    pid_path = folder / f"{name}.pid"
    pid = int(pid_path.read_text()) if pid_path.exists() else None
    return Background(name, pid, folder / f"{name}.log")


def list_background(settings: Settings) -> list[Background]:
    return [background(settings, p.stem) for p in sorted(_proc_dir(settings).glob("*.pid"))]


def start_background(settings: Settings, name: str, args: list[str]) -> Background:
    """Start `errorstream <args>` detached, unless one with that name already runs."""
    current = background(settings, name)
    if current.running:
        return current
    log = current.log
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "errorstream", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=os.environ.copy(),
        )
    (_proc_dir(settings) / f"{name}.pid").write_text(str(process.pid))
    return Background(name, process.pid, log)


def stop_background(settings: Settings, name: str, timeout: float = 30.0) -> bool:
    """SIGTERM, then SIGKILL after `timeout`; removes the pid file. True if it was running."""
    current = background(settings, name)
    pid_path = _proc_dir(settings) / f"{name}.pid"
    was_running = current.running
    if current.pid is not None and was_running:
        os.killpg(current.pid, signal.SIGTERM) if _is_group_leader(current.pid) else os.kill(
            current.pid, signal.SIGTERM
        )
        deadline = time.monotonic() + timeout
        while _alive(current.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(current.pid):
            os.kill(current.pid, signal.SIGKILL)
    pid_path.unlink(missing_ok=True)
    return was_running


def _is_group_leader(pid: int) -> bool:
    try:
        return os.getpgid(pid) == pid
    except ProcessLookupError:
        return False
