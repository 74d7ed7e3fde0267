"""errorstream project: run projection workers (Kafka → PostgreSQL read models)."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from errorstream.config import settings
from errorstream.health import observe_projectors
from errorstream.projections.catalogue import PROJECTORS, projectors_named
from errorstream.projections.runtime import ProjectionHost


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "project",
        help="run projectors that write the PostgreSQL read models",
        description=(
            "Run projectors in this process until SIGTERM/SIGINT (all by default). Each writes "
            "its rows and consumed offsets in one transaction: exactly once across crashes."
        ),
    )
    parser.add_argument(
        "--projector", action="append", choices=sorted(PROJECTORS), help="repeatable"
    )
    parser.add_argument("--loglevel", default="info")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.loglevel.upper(), format="%(asctime)s %(levelname)s %(message)s")
    host = ProjectionHost(settings(), projectors_named(args.projector))
    observe_projectors(host, settings())  # /metrics, /healthz, /readyz
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    host.start()
    logging.info("projectors running: %s", ", ".join(w.projector.name for w in host.workers))
    stop.wait()
    host.stop()
    return 0
