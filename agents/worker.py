"""Entry point of a Faust worker process running every errorstream agent."""

from __future__ import annotations

import importlib
import logging

from errorstream.agents.app import app

# Importing an agent module registers its agents and tables with the app; one per line.
AGENT_MODULES: tuple[str, ...] = (
    "errorstream.agents.detection_agent",
    "errorstream.agents.cascade_agent",
    "errorstream.agents.adapters_agent",
)


def load_agents() -> None:
    for module in AGENT_MODULES:
        importlib.import_module(module)


def run_worker(loglevel: str = "info") -> None:
    """Run the worker in this process until it is stopped (SIGTERM/SIGINT)."""
    logging.basicConfig(level=loglevel.upper())
    load_agents()
    worker = app.Worker(loglevel=loglevel, quiet=True)
    # Faust's terminal spinner lowers the root logger to DEBUG so it can spin on every
    # record; aiokafka then builds several debug records per event (a quarter of a
    # worker's time). A service has no terminal to spin on.
    worker.spinner = None
    worker.execute_from_commandline()
