"""errorstream replay: rebuild projections from the topics, or re-derive the agents' state.

``--projection NAME`` rebuilds a read model in a shadow schema from the earliest offsets and
swaps it in atomically while the live tables keep serving (see projections/replay.py for the
order of steps); the live projector then carries on from the rebuilt offsets.

``--agents`` re-derives every agent's state from the source topics under a fresh application
id: a worker runs with that id — a new consumer group reading from the earliest offsets, and new
changelog topics for its tables — until it has consumed everything the source topics held when
it began, then stops. The events it derives on the way carry the same deterministic ids as the
ones already published, so consumers (and every projection) treat them as duplicates. Switch the
workers over with ``ERRORSTREAM_APP_ID=<new id>`` once it is done; the old id's group and
changelogs can then be deleted.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient

from errorstream.config import Settings, settings
from errorstream.projections.catalogue import PROJECTORS, projectors_named
from errorstream.projections.progress import Progress
from errorstream.projections.replay import Rebuild, ReplayError, consumed, reached, watermarks
from errorstream.streams.topics import BY_NAME


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="rebuild projections from the topics, or re-derive agent state",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--projection",
        action="append",
        choices=sorted(PROJECTORS),
        help="rebuild this projection (repeatable)",
    )
    what.add_argument("--all", action="store_true", help="rebuild every projection, in turn")
    what.add_argument(
        "--agents", action="store_true", help="re-derive agent state under a fresh app id"
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        help="events per rebuild transaction (default: ERRORSTREAM_PROJECTION_BATCH_SIZE; "
        "larger batches sort in temporary files and are slower)",
    )
    parser.add_argument(
        "--lock-timeout-ms",
        type=int,
        default=2000,
        help="longest a reader waits for the swap (it is retried after)",
    )
    parser.add_argument(
        "--swap-timeout", type=float, default=300.0, help="give up the swap after this long"
    )
    parser.add_argument("--app-id", help="--agents: the fresh application id (default: dated)")
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="--agents: give up after this long"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    config = settings()
    if args.agents:
        return replay_agents(config, args.app_id or _fresh_app_id(config), args.timeout)
    names = sorted(PROJECTORS) if args.all else args.projection
    for projector in projectors_named(names):
        progress = Progress(f"rebuild {projector.name}", 0)
        rebuild = Rebuild(
            config,
            projector,
            batch_size=args.batch_size,
            on_progress=progress.update,
            lock_timeout_ms=args.lock_timeout_ms,
            swap_timeout=args.swap_timeout,
        )
        try:
            report = rebuild.run()
        except ReplayError as exc:
            progress.finish()
            print(f"errorstream replay: {projector.name}: {exc}", file=sys.stderr)
            return 1
        progress.finish()
        rows = ", ".join(f"{table}={count:,}" for table, count in report.rows.items())
        print(
            f"{report.projection}: rebuilt from {report.events:,} events in "
            f"{report.seconds:.1f}s ({report.rate:,.0f} events/s), swapped in "
            f"{report.swap_seconds * 1000:.0f} ms; rows: {rows}"
        )
    return 0


# -- agents -----------------------------------------------------------------------------------
def _fresh_app_id(config: Settings) -> str:
    return f"{config.app_id}-r{datetime.now(UTC):%Y%m%d%H%M%S}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _source_topics(admin: AdminClient, config: Settings, group: str) -> list[str]:
    """Catalogue topics the group's members are assigned (not changelogs or repartitions)."""
    try:
        description = admin.describe_consumer_groups([group], request_timeout=10)[group].result()
    except KafkaException:
        return []
    names = {config.topic(name): name for name in BY_NAME}
    assigned = {
        tp.topic
        for member in description.members
        for tp in (member.assignment.topic_partitions if member.assignment else [])
    }
    return sorted(names[t] for t in assigned if t in names)


def _committed(admin: AdminClient, group: str) -> dict[tuple[str, int], int]:
    request = [ConsumerGroupTopicPartitions(group)]
    result = admin.list_consumer_group_offsets(request, request_timeout=10)[group].result()
    partitions: list[TopicPartition] = result.topic_partitions or []
    return {(tp.topic, tp.partition): tp.offset for tp in partitions if tp.offset >= 0}


def replay_agents(config: Settings, app_id: str, timeout: float) -> int:
    """Run a worker under `app_id` until its group has consumed the source topics' backlog."""
    fresh = config.model_copy(
        update={"app_id": app_id, "worker_web_port": _free_port(), "metrics_port": 0}
    )
    log_dir = Path(config.run_dir) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"replay-agents-{app_id}.log"
    print(
        f"re-deriving agent state under app id {app_id} (worker log: {log_path})", file=sys.stderr
    )
    admin = AdminClient({"bootstrap.servers": config.bootstrap_servers})
    deadline = time.monotonic() + timeout
    with log_path.open("ab") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "errorstream", "worker"],
            env={**os.environ, **fresh.as_environment()},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    progress = Progress(f"agents {app_id}", 0)
    try:
        topics: list[str] = []
        while not topics:
            if worker.poll() is not None or time.monotonic() > deadline:
                raise ReplayError(f"the worker did not join its group; see {log_path}")
            time.sleep(1.0)
            topics = _source_topics(admin, fresh, app_id)
        marks = watermarks(fresh, topics)
        total = sum(max(0, high - low) for low, high in marks.values())
        while True:
            committed = _committed(admin, app_id)
            progress.update(consumed(marks, committed), total)
            if reached(marks, committed):
                break
            if worker.poll() is not None:
                raise ReplayError(f"the worker exited ({worker.returncode}); see {log_path}")
            if time.monotonic() > deadline:
                raise ReplayError(f"not caught up within {timeout:.0f}s; see {log_path}")
            time.sleep(1.0)
        progress.finish()
    except ReplayError as exc:
        progress.finish()
        print(f"errorstream replay --agents: {exc}", file=sys.stderr)
        return 1
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(60)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    print(
        f"agent state re-derived under app id {app_id} from {total:,} events of "
        f"{', '.join(topics)}; run the workers with ERRORSTREAM_APP_ID={app_id}"
    )
    return 0
