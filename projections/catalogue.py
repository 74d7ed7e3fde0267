"""Every projector errorstream runs, by name."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from errorstream.projections.errors import ErrorsProjector
from errorstream.projections.runtime import Projector

PROJECTORS: dict[str, Callable[[], Projector]] = {
    ErrorsProjector.name: ErrorsProjector,
}


def projectors_named(names: Iterable[str] | None = None) -> list[Projector]:
    chosen = list(names) if names else sorted(PROJECTORS)
    return [PROJECTORS[name]() for name in chosen]
