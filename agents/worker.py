"""Entry point of a Faust worker process running every errorstream agent."""

from __future__ import annotations

import logging

from errorstream.agents import (
    adapters_agent,  # noqa: F401  (registers the agent)
    detection_agent,  # noqa: F401  (registers the agent)
)
from errorstream.agents.app import app


def run_worker(loglevel: str = "info") -> None:
    """Run the worker in this process until it is stopped (SIGTERM/SIGINT)."""
    logging.basicConfig(level=loglevel.upper())
    worker = app.Worker(loglevel=loglevel, quiet=True)
    worker.execute_from_commandline()
