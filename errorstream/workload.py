"""A seeded generator of realistic multi-service error traffic, for the demo, tests and benchmarks.

Traffic is a steady background of errors whose group sizes are heavy-tailed (a few groups make
most of the noise, as in production), plus injected incidents: bursts, a cascade from a database
outage up through the layers to the API, and slow degradations. The same seed yields the same
events, ids included.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from errorstream.schemas.enums import Layer, Severity
from errorstream.schemas.models import ErrorDetails, ErrorDetected, EventSource, StackFrame

WORKLOAD_NAMESPACE = uuid.UUID("a3c2b1e0-5d4f-4e3a-9b8c-7d6e5f4a3b2c")


@dataclass(frozen=True)
class ErrorKind:
    """One family of errors a service produces (one true group per service)."""

    name: str
    layer: Layer
    message: str  # str.format template; fields filled from `variables`
    exception_type: str | None = None
    error_code: str | None = None
    frames: tuple[tuple[str, str, str], ...] = ()  # (module, function, filename)
    severity: Severity | None = None
    language: str = "python"


KINDS: tuple[ErrorKind, ...] = (
    ErrorKind(
        "db-timeout",
        Layer.INFRASTRUCTURE,
        "canceling statement due to statement timeout (query took {ms} ms)",
        "psycopg.errors.QueryCanceled",
        "57014",
        (
            ("app.orders.repository", "load_order", "app/orders/repository.py"),
            ("psycopg.cursor", "execute", "site-packages/psycopg/cursor.py"),
        ),
    ),
    ErrorKind(
        "db-connection",
        Layer.INFRASTRUCTURE,
        'connection to server at "10.0.{a}.{b}", port 5432 failed: Connection refused',
        "psycopg.OperationalError",
        "08006",
        (("app.db.pool", "acquire", "app/db/pool.py"),),
        Severity.HIGH,
    ),
    ErrorKind(
        "deadlock",
        Layer.INFRASTRUCTURE,
        "deadlock detected: Process {pid} waits for ShareLock on transaction {tx}",
        "psycopg.errors.DeadlockDetected",
        "40P01",
        (("app.inventory.reserve", "reserve_items", "app/inventory/reserve.py"),),
    ),
    ErrorKind(
        "upstream-503",
        Layer.SERVICE,
        "upstream payments-gateway returned 503 Service Unavailable for POST /v1/charges/{id}",
        "httpx.HTTPStatusError",
        "503",
        (
            ("app.payments.client", "charge", "app/payments/client.py"),
            ("httpx._models", "raise_for_status", "site-packages/httpx/_models.py"),
        ),
    ),
    ErrorKind(
        "read-timeout",
        Layer.SERVICE,
        "HTTPSConnectionPool(host='api.shipping.example', port=443): Read timed out. (read timeout={s})",
        "requests.exceptions.ReadTimeout",
        None,
        (("app.shipping.rates", "quote", "app/shipping/rates.py"),),
    ),
    ErrorKind(
        "key-error",
        Layer.CORE,
        "KeyError: 'discount_code' while pricing cart {id}",
        "KeyError",
        None,
        (
            ("app.pricing.engine", "apply_promotions", "app/pricing/engine.py"),
            ("app.pricing.rules", "lookup", "app/pricing/rules.py"),
        ),
    ),
    ErrorKind(
        "npe",
        Layer.CORE,
        'Cannot invoke "com.shop.model.Customer.getTier()" because "customer" is null',
        "java.lang.NullPointerException",
        None,
        (
            ("com.shop.loyalty.PointsService", "award", "PointsService.java"),
            ("com.shop.loyalty.PointsController", "post", "PointsController.java"),
        ),
        language="java",
    ),
    ErrorKind(
        "validation",
        Layer.API,
        "422 Unprocessable Entity: field 'quantity' must be greater than 0 (got {neg})",
        "pydantic.ValidationError",
        "422",
        (("app.api.cart", "add_item", "app/api/cart.py"),),
        Severity.LOW,
    ),
    ErrorKind(
        "auth-expired",
        Layer.API,
        "401 Unauthorized: token expired at {ts} for client {client}",
        "jwt.exceptions.ExpiredSignatureError",
        "401",
        (("app.api.auth", "verify", "app/api/auth.py"),),
        Severity.LOW,
    ),
    ErrorKind(
        "forbidden",
        Layer.API,
        "403 Forbidden: user {user} lacks permission orders:refund",
        "PermissionError",
        "403",
        (("app.api.refunds", "create_refund", "app/api/refunds.py"),),
    ),
    ErrorKind(
        "oom",
        Layer.INFRASTRUCTURE,
        "Out of memory: Killed process {pid} (java) total-vm:{kb}kB, anon-rss:{kb}kB",
        None,
        "OOMKilled",
        (),
        Severity.CRITICAL,
    ),
    ErrorKind(
        "disk-full",
        Layer.INFRASTRUCTURE,
        'could not write to file "pg_wal/xlogtemp.{pid}": No space left on device',
        "OSError",
        "ENOSPC",
        (),
        Severity.CRITICAL,
    ),
    ErrorKind(
        "go-panic",
        Layer.SERVICE,
        "runtime error: index out of range [{n}] with length {n}",
        "runtime.Error",
        None,
        (
            ("github.com/shop/search/index", "(*Shard).Lookup", "index/shard.go"),
            ("github.com/shop/search/api", "handleQuery", "api/query.go"),
        ),
        language="go",
    ),
    ErrorKind(
        "node-type-error",
        Layer.API,
        "TypeError: Cannot read properties of undefined (reading 'price')",
        "TypeError",
        None,
        (
            ("src/cart/summary", "computeTotals", "src/cart/summary.js"),
            ("src/routes/cart", "getCart", "src/routes/cart.js"),
        ),
        language="node",
    ),
    ErrorKind(
        "rate-limit",
        Layer.SERVICE,
        "ThrottlingException: Rate exceeded for DynamoDB table sessions (request {id})",
        "botocore.exceptions.ClientError",
        "ThrottlingException",
        (("app.sessions.store", "put_session", "app/sessions/store.py"),),
    ),
    ErrorKind(
        "config-missing",
        Layer.CORE,
        "environment variable FEATURE_FLAGS_URL is not set",
        "KeyError",
        None,
        (("app.settings", "load", "app/settings.py"),),
        Severity.HIGH,
    ),
    ErrorKind(
        "model-failure",
        Layer.CORE,
        "model recommender-v{n} inference failed: input tensor shape mismatch",
        "ValueError",
        None,
        (("ml.recommender.serve", "predict", "ml/recommender/serve.py"),),
    ),
    # The layers a database outage climbs through (used by the cascade incidents).
    ErrorKind(
        "repository-unavailable",
        Layer.CORE,
        "order repository unavailable: no database connection for {s}s",
        "RepositoryUnavailable",
        None,
        (("app.orders.repository", "save_order", "app/orders/repository.py"),),
        Severity.HIGH,
    ),
    ErrorKind(
        "dependency-unavailable",
        Layer.SERVICE,
        "orders service unavailable: 503 from http://orders.internal/v1/orders/{id}",
        "httpx.HTTPStatusError",
        "503",
        (("app.payments.orders_client", "confirm", "app/payments/orders_client.py"),),
    ),
    ErrorKind(
        "edge-503",
        Layer.API,
        "POST /checkout returned 503 Service Unavailable to client {client}",
        "HTTPException",
        "503",
        (("app.api.checkout", "submit", "app/api/checkout.py"),),
        Severity.HIGH,
    ),
)

SERVICES: dict[str, tuple[str, ...]] = {
    "checkout-api": ("validation", "auth-expired", "node-type-error", "upstream-503", "forbidden"),
    "orders": ("db-timeout", "deadlock", "key-error", "db-connection"),
    "payments": ("upstream-503", "read-timeout", "db-timeout", "rate-limit"),
    "inventory": ("deadlock", "db-connection", "oom", "disk-full"),
    "search": ("go-panic", "read-timeout", "oom"),
    "loyalty": ("npe", "db-timeout", "config-missing"),
    "recommendations": ("model-failure", "rate-limit", "read-timeout"),
    "sessions": ("rate-limit", "auth-expired", "db-connection"),
}

_BY_NAME = {kind.name: kind for kind in KINDS}


@dataclass
class WorkloadSpec:
    """Knobs of the generator; defaults make a few hundred errors over an hour."""

    seed: int = 7
    errors: int = 400
    start: datetime = field(default_factory=lambda: datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    duration: timedelta = timedelta(hours=1)
    services: int = len(SERVICES)
    bursts: int = 2
    burst_size: int = 12  # errors in each burst, within 30 s
    cascades: int = 1
    degradations: int = 1
    malformed: int = 0  # counted separately: raw garbage, not events
    # Benchmarks: distinct groups per (service, kind) — variants differ in their in-app frames —
    # and whether the background visits every one of them at least once (state of N groups).
    groups_per_kind: int = 1
    cover_groups: bool = False


def _fill(template: str, rng: random.Random) -> str:
    values = {
        "ms": rng.randint(5000, 30000),
        "a": rng.randint(0, 255),
        "b": rng.randint(1, 254),
        "pid": rng.randint(1000, 65000),
        "tx": rng.randint(10**6, 10**7),
        "id": uuid.UUID(int=rng.getrandbits(128)).hex[:12],
        "s": rng.choice((5, 10, 30)),
        "neg": -rng.randint(0, 5),
        "ts": f"2026-11-26T0{rng.randint(0, 9)}:{rng.randint(10, 59)}:00Z",
        "client": f"svc-{rng.randint(1, 40)}",
        "user": f"u{rng.randint(1000, 9999)}",
        "kb": rng.randint(10**6, 10**7),
        "n": rng.randint(1, 64),
    }
    return template.format(**values)


def _frames(kind: ErrorKind, rng: random.Random) -> tuple[StackFrame, ...]:
    return tuple(
        StackFrame(
            module=module,
            function=function,
            filename=filename,
            lineno=rng.randint(10, 400),
            in_app="site-packages" not in filename,
        )
        for module, function, filename in kind.frames
    )


def _letters(number: int) -> str:
    """0 → a, 25 → z, 26 → ba: a variant tag the template masks leave alone (no digits)."""
    text = ""
    while True:
        number, digit = divmod(number, 26)
        text = chr(ord("a") + digit) + text
        if number == 0:
            return text


def _variant(kind: ErrorKind, variant: int) -> ErrorKind:
    """Kind `kind` as a distinct group: its in-app frames carry the variant's tag."""
    tag = _letters(variant)
    frames = tuple(
        (module, function if "site-packages" in filename else f"{function}_{tag}", filename)
        for module, function, filename in kind.frames
    )
    if not frames:  # a frameless kind (grouped by its message) gets an in-app frame of its own
        frames = ((f"app.{kind.name.replace('-', '_')}.{tag}", f"handle_{tag}", f"app/{tag}.py"),)
    return replace(kind, name=f"{kind.name}#{variant}", frames=frames)


def _event(
    rng: random.Random, seed: int, index: int, service: str, kind: ErrorKind, moment: datetime
) -> ErrorDetected:
    return ErrorDetected(
        event_id=uuid.uuid5(WORKLOAD_NAMESPACE, f"{seed}:{index}"),
        occurred_at=moment,
        recorded_at=moment + timedelta(milliseconds=rng.randint(1, 900)),
        source=EventSource(
            service=service,
            layer=kind.layer,
            environment="production",
            host=f"{service}-{rng.randint(1, 4)}",
            version=f"2026.11.{rng.randint(1, 3)}",
        ),
        error=ErrorDetails(
            message=_fill(kind.message, rng),
            exception_type=kind.exception_type,
            error_code=kind.error_code,
            frames=_frames(kind, rng),
            severity=kind.severity,
            context={"request_id": uuid.UUID(int=rng.getrandbits(128)).hex, "region": "eu-west-1"},
            tags=(kind.language, kind.layer.value),
        ),
    )


def generate(spec: WorkloadSpec) -> Iterator[ErrorDetected]:
    """Events in occurred_at order (per service), deterministic for a seed."""
    rng = random.Random(spec.seed)
    services = (
        list(SERVICES)[: spec.services]
        if spec.services <= len(SERVICES)
        else [f"service-{i:04d}" for i in range(spec.services)]
    )
    kinds_of = {s: SERVICES.get(s, tuple(rng.sample(list(_BY_NAME), 3))) for s in services}
    by_name = dict(_BY_NAME)
    if spec.groups_per_kind > 1:
        for kind in KINDS:
            for variant in range(1, spec.groups_per_kind):
                by_name[f"{kind.name}#{variant}"] = _variant(kind, variant)
        kinds_of = {
            s: tuple(
                k if v == 0 else f"{k}#{v}" for k in kinds for v in range(spec.groups_per_kind)
            )
            for s, kinds in kinds_of.items()
        }
    # Heavy-tailed popularity: Zipf-like weights over (service, kind) pairs.
    pairs = [(s, k) for s in services for k in kinds_of[s]]
    rng.shuffle(pairs)
    weights = [1.0 / (rank + 1) ** 1.2 for rank in range(len(pairs))]
    cumulative = list(accumulate(weights))  # what choices() would sum on every call
    incident_budget = spec.bursts * spec.burst_size + spec.cascades * 8 + spec.degradations * 30
    background = max(0, spec.errors - min(incident_budget, spec.errors // 2))
    seconds = spec.duration.total_seconds()
    timeline: list[tuple[datetime, str, ErrorKind]] = []
    covered = pairs[:background] if spec.cover_groups else []
    for service, kind_name in covered:
        moment = spec.start + timedelta(seconds=rng.uniform(0, seconds))
        timeline.append((moment, service, by_name[kind_name]))
    for _ in range(background - len(covered)):
        service, kind_name = rng.choices(pairs, cum_weights=cumulative)[0]
        moment = spec.start + timedelta(seconds=rng.uniform(0, seconds))
        timeline.append((moment, service, by_name[kind_name]))
    remaining = spec.errors - background
    for burst in range(spec.bursts):
        if remaining <= 0:
            break
        service, kind_name = rng.choice(pairs)
        at = spec.start + timedelta(seconds=seconds * (burst + 1) / (spec.bursts + 2))
        size = min(spec.burst_size, remaining)
        for i in range(size):
            timeline.append((at + timedelta(seconds=i * 30 / size), service, by_name[kind_name]))
        remaining -= size
    for cascade in range(spec.cascades):
        if remaining <= 0:
            break
        at = spec.start + timedelta(seconds=seconds * (cascade + 0.5) / (spec.cascades + 1))
        chain = (  # a database outage climbing infrastructure → core → service → api
            ("inventory", "db-connection"),
            ("orders", "repository-unavailable"),
            ("payments", "dependency-unavailable"),
            ("checkout-api", "edge-503"),
        )
        for step in range(min(8, remaining)):
            service, kind_name = chain[min(step // 2, 3)]
            timeline.append((at + timedelta(seconds=step * 4), service, _BY_NAME[kind_name]))
        remaining -= min(8, remaining)
    for _degradation in range(spec.degradations):
        if remaining <= 0:
            break
        service, kind_name = rng.choice(pairs)
        at = spec.start + timedelta(seconds=seconds * 0.6)
        count = min(30, remaining)
        # Rate rising over ten minutes: gaps shrink from 40 s to 5 s.
        offset = 0.0
        for i in range(count):
            offset += 40 - 35 * i / max(1, count - 1)
            timeline.append((at + timedelta(seconds=offset), service, by_name[kind_name]))
        remaining -= count
    while remaining > 0:
        service, kind_name = rng.choices(pairs, cum_weights=cumulative)[0]
        timeline.append(
            (spec.start + timedelta(seconds=rng.uniform(0, seconds)), service, by_name[kind_name])
        )
        remaining -= 1
    timeline.sort(key=lambda item: item[0])
    for index, (moment, service, kind) in enumerate(timeline):
        yield _event(rng, spec.seed, index, service, kind, moment)


def malformed_payloads(count: int, seed: int = 7) -> list[bytes]:
    """Garbage a misbehaving producer might send: not Avro, truncated, wrong magic."""
    rng = random.Random(seed)
    samples = [
        b'{"message": "json is not avro"}',
        b"\xc3\x01" + b"\x00" * 8 + b"\x02",
        b"\xc3\x01\xff\xff",
        b"",
        b"plain text error line",
    ]
    return [
        samples[i % len(samples)] if i < len(samples) else rng.randbytes(rng.randint(1, 64))
        for i in range(count)
    ]
