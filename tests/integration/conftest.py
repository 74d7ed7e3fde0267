"""Integration fixtures: the real Kafka broker and the real PostgreSQL.

With a Docker engine answering, testcontainers starts both (unless KAFKA_BOOTSTRAP_SERVERS /
DATABASE_URL name existing servers); otherwise the local processes from deploy/ are used (and
started here if `make test` has not started them). Every test module gets its own topic prefix
and its own database, so tests never see each other's events or rows.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from errorstream import infra
from errorstream.config import Settings, load_settings
from errorstream.projections.migrations import migrate
from errorstream.streams.admin import create_topics, delete_topics, wait_for_broker
from errorstream.streams.topics import CATALOGUE

pytestmark = pytest.mark.integration


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "integration" in str(item.path):
            item.add_marker(pytest.mark.integration)


@dataclass(frozen=True)
class Servers:
    bootstrap: str
    admin_dsn: str  # a database on the server we may create other databases from


def _docker_answers() -> bool:
    if os.environ.get("ERRORSTREAM_TEST_DOCKER", "auto") == "0":
        return False
    try:
        import docker

        docker.from_env(timeout=2).ping()
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    base = load_settings()
    if not (base.kafka_is_external and base.database_is_external) and _docker_answers():
        yield from _containers(base)
        return
    started = []
    if (
        not base.kafka_is_external
        and infra.run_script(base, infra.kafka_script(), "status", check=False) != 0
    ):
        infra.run_script(base, infra.kafka_script(), "start")
        started.append(infra.kafka_script())
    if (
        not base.database_is_external
        and infra.run_script(base, infra.postgres_script(), "status", check=False) != 0
    ):
        infra.run_script(base, infra.postgres_script(), "start")
        started.append(infra.postgres_script())
    wait_for_broker(base)
    try:
        yield Servers(base.bootstrap_servers, base.dsn)
    finally:
        for script in reversed(started):
            infra.run_script(base, script, "stop", check=False)


def _containers(base: Settings) -> Iterator[Servers]:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    with contextlib.ExitStack() as stack:
        bootstrap = base.kafka_bootstrap_servers
        dsn = base.database_url
        if bootstrap is None:
            kafka = stack.enter_context(KafkaContainer("apache/kafka:3.9.1").with_kraft())
            bootstrap = kafka.get_bootstrap_server()
        if dsn is None:
            pg = stack.enter_context(PostgresContainer("postgres:15", driver=None))
            dsn = pg.get_connection_url()
        yield Servers(bootstrap, dsn)


def free_port() -> int:
    """A free port below the ephemeral range, so no outgoing connection grabs it meanwhile."""
    rng = random.Random()
    while True:
        port = rng.randrange(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def _database_url(admin_dsn: str, name: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo(**info)


@contextlib.contextmanager
def isolated(servers: Servers, **overrides: object) -> Iterator[Settings]:
    """Settings with a fresh topic prefix, app id and database; all removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    database = f"errorstream_test_{tag}"
    with psycopg.connect(servers.admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    settings = load_settings(
        kafka_bootstrap_servers=servers.bootstrap,
        database_url=_database_url(servers.admin_dsn, database),
        topic_prefix=f"t{tag}.",
        app_id=f"errorstream-test-{tag}",
        topic_partitions=int(str(overrides.pop("topic_partitions", 3))),
        worker_web_port=free_port(),
        metrics_port=0,
        **overrides,
    )
    create_topics(settings)
    migrate(settings.dsn)
    try:
        yield settings
    finally:
        with contextlib.suppress(Exception):
            names = [settings.topic(spec.name) for spec in CATALOGUE]
            from errorstream.streams.admin import describe_topics

            names += [t for t in describe_topics(settings) if t.startswith(settings.app_id)]
            delete_topics(settings, names)
        with psycopg.connect(servers.admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture(scope="module")
def env(servers: Servers) -> Iterator[Settings]:
    with isolated(servers) as settings:
        yield settings


@dataclass
class Process:
    """An errorstream command running as a child process, with its output in a log file."""

    popen: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            if self.popen.poll() is not None:
                raise AssertionError(
                    f"process exited ({self.popen.returncode}):\n{self.output()[-3000:]}"
                )
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not seen in {timeout}s:\n{self.output()[-3000:]}")

    def stop(self, timeout: float = 30.0) -> int:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        return self.popen.returncode

    def kill(self) -> None:
        self.popen.kill()
        self.popen.wait()


class Spawner:
    """Starts `python -m errorstream ARGS` (or `python SCRIPT ARGS`) with given settings."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.processes: list[Process] = []

    def __call__(
        self,
        settings: Settings,
        *args: str,
        script: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> Process:
        command = [sys.executable, str(script)] if script else [sys.executable, "-m", "errorstream"]
        label = (script.stem if script else "errorstream") + "-" + "-".join(args)[:40]
        log = self.folder / f"{label}-{len(self.processes)}.log"
        env = {**os.environ, **settings.as_environment(), **(extra_env or {})}
        with log.open("wb") as out:
            popen = subprocess.Popen(
                [*command, *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
            )
        process = Process(popen, log)
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            process.stop(10)


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Spawner]:
    spawner = Spawner(tmp_path)
    yield spawner
    spawner.stop_all()


@pytest.fixture(scope="module")
def spawn_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Spawner]:
    spawner = Spawner(tmp_path_factory.mktemp("processes"))
    yield spawner
    spawner.stop_all()


WORKER_READY = "[^Worker]: Ready"
PROJECTORS_READY = "projectors running"
