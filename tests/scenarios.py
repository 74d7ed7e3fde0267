"""Incident scenarios as ErrorDetected streams, shared by the unit and integration tests.

Each scenario is one service's errors over event time, built so that exactly one pattern (or
alert) of a known kind must be detected, with known members.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from errorstream.schemas.enums import Layer, Severity
from errorstream.schemas.models import ErrorDetails, ErrorDetected, EventSource, StackFrame

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
NAMESPACE = uuid.UUID("0f6b1c3e-7e44-4b8a-9d0e-3a5a1b2c4d5e")


@dataclass
class Scenario:
    name: str
    service: str
    events: list[ErrorDetected] = field(default_factory=list)
    members: list[uuid.UUID] = field(default_factory=list)  # errors the detection must name

    def error(
        self,
        at: timedelta,
        *,
        layer: Layer,
        message: str,
        exception_type: str | None = None,
        function: str = "handle",
        severity: Severity | None = None,
        member: bool = False,
        service: str | None = None,
    ) -> ErrorDetected:
        index = len(self.events)
        event = ErrorDetected(
            event_id=uuid.uuid5(NAMESPACE, f"{self.name}:{index}"),
            occurred_at=T0 + at,
            recorded_at=T0 + at + timedelta(milliseconds=50),
            source=EventSource(service=service or self.service, layer=layer),
            error=ErrorDetails(
                message=message,
                exception_type=exception_type,
                severity=severity,
                frames=(
                    StackFrame(
                        module=f"{self.service}.app",
                        function=function,
                        lineno=10 + index,
                        in_app=True,
                    ),
                )
                if exception_type
                else (),
            ),
        )
        self.events.append(event)
        if member:
            self.members.append(event.event_id)
        return event


def burst(service: str = "checkout-api") -> Scenario:
    """A quiet API, then six timeouts within 30 seconds."""
    s = Scenario("burst", service)
    s.error(timedelta(minutes=0), layer=Layer.API, message="client closed request", function="a")
    s.error(timedelta(minutes=4), layer=Layer.API, message="client closed request", function="a")
    for i in range(6):
        s.error(
            timedelta(minutes=10, seconds=5 * i),
            layer=Layer.API,
            message=f"upstream timed out after {3000 + i} ms",
            exception_type="TimeoutError",
            function=f"call_{i}",
            member=i < 5,
        )
    return s


def cascade(service: str = "storefront") -> Scenario:
    """A database outage climbing from infrastructure up to the API in one service."""
    s = Scenario("cascade", service)
    s.error(
        timedelta(minutes=0),
        layer=Layer.INFRASTRUCTURE,
        message="connection to server at 10.0.0.5 port 5432 failed: Connection refused",
        exception_type="psycopg.OperationalError",
        function="connect",
        member=True,
    )
    s.error(
        timedelta(seconds=20),
        layer=Layer.CORE,
        message="could not load catalogue: database unavailable",
        exception_type="CatalogueUnavailable",
        function="load",
        member=True,
    )
    s.error(
        timedelta(seconds=40),
        layer=Layer.SERVICE,
        message="product service failed: catalogue unavailable",
        exception_type="ServiceUnavailable",
        function="products",
        member=True,
    )
    s.error(
        timedelta(seconds=60),
        layer=Layer.API,
        message="GET /products returned 503",
        exception_type="HTTPError",
        function="get_products",
    )
    return s


def degradation(service: str = "search") -> Scenario:
    """One error a minute for ten minutes, then three a minute for five."""
    s = Scenario("degradation", service)
    for minute in range(10):
        s.error(
            timedelta(minutes=minute, seconds=10),
            layer=Layer.SERVICE,
            message=f"slow query on shard {minute}",
            exception_type="SlowQuery",
            function=f"q{minute % 2}",
        )
    for i in range(15):
        s.error(
            timedelta(minutes=10, seconds=10 + 20 * i),
            layer=Layer.SERVICE,
            message=f"slow query on shard {i}",
            exception_type="SlowQuery",
            function=f"q{i % 2}",
        )
    return s


def regression(service: str = "billing", quiet: timedelta = timedelta(hours=7)) -> Scenario:
    """A group that goes quiet long enough to resolve, then comes back."""
    s = Scenario("regression", service)
    for i in range(2):
        s.error(
            timedelta(minutes=i),
            layer=Layer.CORE,
            message="invoice total mismatch",
            exception_type="InvoiceMismatch",
            function="total",
        )
    s.error(
        timedelta(minutes=1) + quiet,
        layer=Layer.CORE,
        message="invoice total mismatch",
        exception_type="InvoiceMismatch",
        function="total",
        member=True,
    )
    s.error(
        timedelta(minutes=2) + quiet,
        layer=Layer.CORE,
        message="invoice total mismatch",
        exception_type="InvoiceMismatch",
        function="total",
    )
    return s


def flapping(service: str = "gateway", threshold: int = 20) -> Scenario:
    """An API error rate hovering around its threshold for six minutes, then quiet."""
    s = Scenario("flapping", service)
    for minute in range(6):
        over = threshold + 5 if minute % 2 == 0 else threshold - 5
        for i in range(over):
            s.error(
                timedelta(minutes=minute, seconds=i * 59 / over),
                layer=Layer.API,
                message=f"rate limited client {i}",
                exception_type="RateLimited",
                function="limit",
            )
    # a trickle later, far below the threshold, moves event time past the resolution
    for i in range(3):
        s.error(
            timedelta(minutes=12 + i),
            layer=Layer.API,
            message="rate limited client x",
            exception_type="RateLimited",
            function="limit",
        )
    return s


def quiet_baseline(service: str = "catalog", minutes: int = 60) -> Scenario:
    """Two ordinary errors a minute, from a handful of groups, for an hour."""
    s = Scenario("baseline", service)
    for minute in range(minutes):
        for j in range(2):
            s.error(
                timedelta(minutes=minute, seconds=15 + 30 * j),
                layer=Layer.SERVICE,
                message=f"cache miss for key product:{minute * 2 + j}",
                exception_type="CacheMiss",
                function=f"get_{(minute + j) % 4}",
            )
    return s
