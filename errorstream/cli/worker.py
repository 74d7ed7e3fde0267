"""errorstream worker: run the Faust agents in this process."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run the stream-processing agents (a Faust worker)",
        description=(
            "Run every errorstream agent in this process until SIGTERM/SIGINT. Start more "
            "workers (with the same ERRORSTREAM_APP_ID) to share partitions; give each its "
            "own ERRORSTREAM_WORKER_WEB_PORT."
        ),
    )
    parser.add_argument("--loglevel", default="info")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from errorstream.agents.app import app
    from errorstream.agents.worker import run_worker
    from errorstream.config import settings
    from errorstream.health import observe_worker

    observe_worker(app, settings())  # /metrics, /healthz, /readyz on ERRORSTREAM_METRICS_PORT
    run_worker(args.loglevel)
    return 0
