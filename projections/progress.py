"""A progress bar with rate and ETA on stderr (one redrawn line on a terminal, lines otherwise)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO


def render(label: str, done: int, total: int, elapsed: float, width: int = 28) -> str:
    """``label [#####.....]  45.0%  450,000/1,000,000  85,000/s  ETA 0:00:06``."""
    total = max(total, 0)
    fraction = 1.0 if total == 0 else min(1.0, max(0.0, done / total))
    filled = round(fraction * width)
    rate = done / elapsed if elapsed > 0 else 0.0
    if fraction >= 1.0:
        eta = "done"
    elif rate > 0:
        eta = "ETA " + _clock((total - done) / rate)
    else:
        eta = "ETA --:--:--"
    return (
        f"{label} [{'#' * filled}{'.' * (width - filled)}] {fraction * 100:5.1f}%  "
        f"{done:,}/{total:,}  {rate:,.0f}/s  {eta}"
    )


def _clock(seconds: float) -> str:
    whole = int(seconds + 0.5)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


@dataclass
class Progress:
    label: str
    total: int
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    every: float | None = None  # seconds between redraws; default: 0.2 on a terminal, 5 else
    _started: float = field(default_factory=time.monotonic)
    _last: float = 0.0
    _done: int = 0

    @property
    def interactive(self) -> bool:
        return bool(getattr(self.stream, "isatty", lambda: False)())

    def update(self, done: int, total: int | None = None) -> None:
        self._done = done
        if total is not None:
            self.total = total
        now = time.monotonic()
        every = self.every if self.every is not None else (0.2 if self.interactive else 5.0)
        if now - self._last >= every:
            self._last = now
            self._draw(final=False)

    def finish(self) -> None:
        self._draw(final=True)

    def _draw(self, *, final: bool) -> None:
        line = render(self.label, self._done, self.total, time.monotonic() - self._started)
        if self.interactive:
            self.stream.write("\r" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
