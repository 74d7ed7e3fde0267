"""Fixtures shared by every test."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "errorstream", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("errorstream")


@pytest.fixture(autouse=True)
def _no_internal_errors_logged(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Fail a test whose code logged an error it did not expect (as arroyo's suites do).

    Tests that provoke errors on purpose are marked ``@pytest.mark.logs_errors``.
    """
    yield
    if request.node.get_closest_marker("logs_errors"):
        return
    logged = [
        record.getMessage()
        for record in caplog.get_records("call")
        if record.levelno >= logging.ERROR and record.name.startswith("errorstream")
    ]
    if logged:
        pytest.fail(f"errorstream logged errors: {logged}")
