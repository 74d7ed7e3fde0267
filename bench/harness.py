"""What every benchmark shares: isolated environments, child processes, pacing, machine facts.

An environment is a topic prefix, an app id and a database of its own on the local (or
external) Kafka and PostgreSQL, removed afterwards, so a benchmark never touches anyone's
topics or tables. Figures are measured from what the processes under test wrote (Kafka record
timestamps, their metrics endpoints, /proc), never from this process's own guesses.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from confluent_kafka import Producer

from errorstream.config import Settings, load_settings
from errorstream.metrics import Samples, probe, scrape
from errorstream.projections.migrations import migrate
from errorstream.streams.admin import create_topics, delete_topics, describe_topics
from errorstream.streams.producer import producer_config
from errorstream.streams.reader import Record, read_records
from errorstream.streams.topics import CATALOGUE

ROOT = Path(__file__).resolve().parent.parent
faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>` prints where a long run is
# SIGTERM unwinds like Ctrl-C, so environments delete their topics and databases.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def log(message: str) -> None:
    """Progress on stderr (results go to stdout and the JSON file)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    """A free port below the ephemeral range (no outgoing connection takes it meanwhile)."""
    rng = random.Random()
    while True:
        port = rng.randrange(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def _database_url(dsn: str, name: str) -> str:
    info: dict[str, Any] = dict(psycopg.conninfo.conninfo_to_dict(dsn))
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo("", **info)


@contextlib.contextmanager
def environment(base: Settings, label: str, **overrides: Any) -> Iterator[Settings]:
    """Settings with their own topics, app id and database; all deleted afterwards."""
    tag = f"{label}{uuid.uuid4().hex[:6]}"
    database = f"errorstream_bench_{tag}"
    with psycopg.connect(base.dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    settings = load_settings(
        kafka_bootstrap_servers=base.bootstrap_servers,
        database_url=_database_url(base.dsn, database),
        topic_prefix=f"bench.{tag}.",
        app_id=f"errorstream-bench-{tag}",
        metrics_port=0,
        **overrides,
    )
    try:
        create_topics(settings)
        migrate(settings.dsn)
        yield settings
    finally:
        with contextlib.suppress(Exception):
            names = [settings.topic(spec.name) for spec in CATALOGUE]
            names += [t for t in describe_topics(settings) if t.startswith(settings.app_id)]
            delete_topics(settings, names)
        with psycopg.connect(base.dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


# -- child processes --------------------------------------------------------------------------
@dataclass
class Child:
    """A process under test (a worker, a projector, the pass-through app)."""

    popen: subprocess.Popen[bytes]
    log: Path
    url: str  # its metrics endpoint (errorstream commands only)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def check(self) -> None:
        if not self.alive():
            raise RuntimeError(f"{self.log.name} exited:\n{self.output()[-3000:]}")

    def scrape(self) -> Samples:
        return scrape(self.url)

    def memory(self) -> tuple[int, int]:
        """(resident, peak resident) bytes, from /proc."""
        return process_memory(self.popen.pid)

    def stop(self, timeout: float = 30.0) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def process_memory(pid: int) -> tuple[int, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in bytes."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) * 1024
    return found.get("VmRSS", 0), found.get("VmHWM", 0)


_LOGS: list[Path] = []  # this run's log folder, made on first use


def _log_folder() -> Path:
    if not _LOGS:
        _LOGS.append(Path(tempfile.mkdtemp(prefix="errorstream-bench-")))
    return _LOGS[0]


def start(
    settings: Settings, *args: str, script: Path | None = None, env: dict[str, str] | None = None
) -> Child:
    """`python -m errorstream ARGS` (or `python SCRIPT ARGS`) with these settings."""
    port = free_port()
    command = [sys.executable, str(script)] if script else [sys.executable, "-m", "errorstream"]
    log = (
        _log_folder() / f"{(script.stem if script else 'errorstream')}-{'-'.join(args)}-{port}.log"
    )
    environ = {
        **os.environ,
        **settings.as_environment(),
        "ERRORSTREAM_METRICS_PORT": str(port),
        "ERRORSTREAM_WORKER_WEB_PORT": str(free_port()),
        **(env or {}),
    }
    with log.open("wb") as out:
        popen = subprocess.Popen(
            [*command, *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=environ,
        )
    return Child(popen, log, f"http://127.0.0.1:{port}")


def wait_ready(child: Child, timeout: float = 180.0) -> None:
    """Until the child's /readyz answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        child.check()
        with contextlib.suppress(OSError):
            if probe(child.url, "/readyz", timeout=5)[0] == 200:
                return
        time.sleep(0.5)
    raise TimeoutError(f"{child.log.name} not ready in {timeout}s:\n{child.output()[-3000:]}")


def wait_caught_up(child: Child, timeout: float = 1800.0, settle: float = 3.0) -> None:
    """Until every agent of a worker has read to the end of its inputs (lag 0 twice, `settle`
    seconds apart): derived events (window summaries for the cascade agent, ...) included."""
    deadline = time.monotonic() + timeout
    zero_since: float | None = None
    while time.monotonic() < deadline:
        child.check()
        try:
            samples = child.scrape()
        except OSError:
            samples = None
        if samples is not None and samples.has("errorstream_consumer_lag_messages"):
            if samples.total("errorstream_consumer_lag_messages") == 0:
                zero_since = zero_since or time.monotonic()
                if time.monotonic() - zero_since >= settle:
                    return
            else:
                zero_since = None
        time.sleep(1.0)
    raise TimeoutError(f"{child.log.name} still behind after {timeout}s")


def wait_for_text(child: Child, text: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in child.output():
            return
        child.check()
        time.sleep(0.3)
    raise TimeoutError(f"{text!r} not in {child.log.name} in {timeout}s")


# -- Kafka --------------------------------------------------------------------------------------
def producer(settings: Settings, **overrides: Any) -> Producer:
    """A producer configured as errorstream's publisher is (idempotent, lz4, linger 5 ms)."""
    return Producer(producer_config(settings, **overrides))


def produce_all(
    settings: Settings, topic: str, payloads: Iterable[tuple[bytes | None, bytes]]
) -> int:
    """Publish (key, value) pairs to a catalogue topic as fast as the producer takes them."""
    return produce_each(settings, ((topic, key, value) for key, value in payloads))


def produce_each(settings: Settings, messages: Iterable[tuple[str, bytes | None, bytes]]) -> int:
    """Publish (catalogue topic, key, value) triples; returns how many."""
    sink = producer(settings)
    count = 0
    for topic, key, value in messages:
        while True:
            try:
                sink.produce(settings.topic(topic), value=value, key=key)
                break
            except BufferError:
                sink.poll(0.05)
        count += 1
        if count % 10_000 == 0:
            sink.poll(0)
    if sink.flush(300) != 0:
        raise RuntimeError("could not deliver every message")
    return count


def end_offsets(settings: Settings, topic: str, attempts: int = 5) -> int:
    """Messages in a catalogue topic (a busy broker gets a few tries)."""
    from confluent_kafka import KafkaException

    from errorstream.health import KafkaProbe

    name = settings.topic(topic)
    partitions = describe_topics(settings).get(name, 0)
    for attempt in range(attempts):
        try:
            marks = KafkaProbe(settings, timeout=15).watermarks(
                [(name, p) for p in range(partitions)]
            )
            return sum(high - low for low, high in marks.values())
        except KafkaException:
            if attempt == attempts - 1:
                raise
            time.sleep(2)
    return 0


def collect(settings: Settings, topic: str, expected: int, timeout: float) -> list[Record]:
    """The first `expected` records of a topic (fewer if `timeout` passes first)."""
    return list(
        read_records(settings, topic, until_idle=None, max_records=expected, timeout=timeout)
    )


def wait_for_records(
    settings: Settings,
    topic: str,
    expected: int,
    timeout: float,
    check: Callable[[], None],
    every: float = 1.0,
) -> None:
    """Until a topic holds `expected` messages (polling its end offsets every `every` s)."""
    deadline = time.monotonic() + timeout
    while (found := end_offsets(settings, topic)) < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{topic}: {found} of {expected} messages after {timeout}s")
        check()
        time.sleep(every)


def span_rate(records: Sequence[Record]) -> tuple[float, float]:
    """(messages/s, seconds) between the first and the last record's timestamp."""
    stamps = sorted(r.timestamp_ms for r in records if r.timestamp_ms is not None)
    if len(stamps) < 2:
        return 0.0, 0.0
    seconds = (stamps[-1] - stamps[0]) / 1000
    return (len(stamps) - 1) / max(seconds, 1e-3), seconds


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-q * len(ordered) // 1)))
    return ordered[int(rank) - 1]


# -- pacing -------------------------------------------------------------------------------------
def paced(
    schedule: Iterable[tuple[float, Any]],
    send: Callable[[float, Any], None],
    poll: Callable[[], Any],
) -> float:
    """Call `send(at, item)` at each item's wall-clock time `at` (open loop: a late send is
    sent at once and keeps its scheduled time). Returns how late the last send was (s)."""
    behind = 0.0
    for at, item in schedule:
        wait = at - time.time()
        while wait > 0:
            poll()
            time.sleep(min(wait, 0.005))
            wait = at - time.time()
        send(at, item)
        behind = -wait
    return behind


# -- the machine ----------------------------------------------------------------------------
def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine(settings: Settings) -> dict[str, Any]:
    """What the figures were measured on."""
    import aiokafka
    import confluent_kafka
    import faust

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = next(
        (
            int(line.split()[1])
            for line in _read("/proc/meminfo").splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    postgres = row[0] if row else "?"
    pom = _read(str(ROOT / "deploy" / "kafka" / "pom.xml"))
    kafka = pom.split("<kafka.version>", 1)[-1].split("<", 1)[0] if "<kafka.version>" in pom else ""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(memory_kb / 2**20, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "kafka": kafka if not settings.kafka_is_external else f"external {kafka}",
        "postgres": postgres,
        "librdkafka": confluent_kafka.libversion()[0],
        "confluent_kafka": confluent_kafka.version()[0],
        "faust": faust.__version__,
        "aiokafka": aiokafka.__version__,
        "errorstream_commit": commit,
    }
