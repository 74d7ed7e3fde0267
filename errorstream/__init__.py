"""errorstream: event-sourced error management on Kafka.

The reporting SDK is importable from here (``errorstream.report_error`` and friends); it is
loaded on first use, so importing errorstream for its workers or CLI does not load it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from errorstream.streams.sdk import (
        ErrorStreamHandler,
        ErrorStreamMiddleware,
        Reporter,
        ReporterStats,
        WSGIMiddleware,
        configure,
        flush,
        install_excepthook,
        report_error,
        stats,
    )

__all__ = [
    "ErrorStreamHandler",
    "ErrorStreamMiddleware",
    "Reporter",
    "ReporterStats",
    "WSGIMiddleware",
    "__version__",
    "configure",
    "flush",
    "install_excepthook",
    "report_error",
    "stats",
]


def __getattr__(name: str) -> Any:
    if name in __all__ and name != "__version__":
        return getattr(import_module("errorstream.streams.sdk"), name)
    raise AttributeError(f"module 'errorstream' has no attribute {name!r}")
