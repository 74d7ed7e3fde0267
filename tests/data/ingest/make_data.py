#!/usr/bin/env python3
"""Writes the ingest test files beside this script (deterministic; rerun after editing).

- six_hours.jsonl: three services' sparse errors over six hours of event time (never five of
  one service and layer within a minute), and one burst: eight payment timeouts within 35
  seconds at 03:00:05. Every record has an id.
- malformed.jsonl: good records between every kind of bad line (see MALFORMED below).
- app.log: a plain application log with a Python traceback and a Java trace.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
T0 = datetime(2024, 3, 4, 0, 0, tzinfo=UTC)

PYTHON_TRACE = (
    "Traceback (most recent call last):\n"
    '  File "/srv/{service}/handlers.py", line {line}, in {function}\n'
    "    result = client.call(request)\n"
    '  File "/srv/{service}/client.py", line 88, in call\n'
    "    raise {kind}(message)\n"
    "{kind}: {message}"
)

SPARSE = {
    "checkout": (
        "api",
        [
            ("HTTPError", "POST /cart returned 502 from pricing"),
            ("ValidationError", "quantity must be positive, got -1"),
            ("TimeoutError", "pricing call timed out after 3000 ms"),
        ],
    ),
    "orders": (
        "service",
        [
            ("KeyError", "'customer_id'"),
            ("OperationalError", "could not connect to server: Connection refused"),
            (None, "order 4711 stuck in state PENDING for user alice@example.com"),
        ],
    ),
    "inventory": (
        "core",
        [
            ("ValueError", "invalid literal for int() with base 10: 'abc'"),
            ("PermissionError", "[Errno 13] Permission denied: '/var/lib/inventory/lock'"),
        ],
    ),
}


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def six_hours() -> list[dict[str, object]]:
    rng = random.Random(7)
    records: list[dict[str, object]] = []
    for service, (layer, kinds) in SPARSE.items():
        at = T0 + timedelta(seconds=rng.randrange(60, 240))
        n = 0
        while at < T0 + timedelta(hours=6):
            kind, message = kinds[n % len(kinds)]
            record: dict[str, object] = {
                "id": f"{service}-{n:03d}",
                "occurred_at": iso(at),
                "service": service,
                "layer": layer,
                "message": message,
                "environment": "staging",
            }
            if kind is not None:
                record["exception_type"] = kind
                record["stack_trace"] = PYTHON_TRACE.format(
                    service=service, line=40 + n % 3, function="handle", kind=kind, message=message
                )
            if n % 5 == 0:
                record["tags"] = {"region": "eu-west-1"}
                record["request_id"] = f"req-{n}"  # unknown: kept in context.inbound
            records.append(record)
            n += 1
            at += timedelta(seconds=rng.randrange(240, 600))
    burst_start = T0 + timedelta(hours=3, seconds=5)
    for i in range(8):
        records.append(
            {
                "id": f"payments-burst-{i}",
                "occurred_at": iso(burst_start + timedelta(seconds=5 * i)),
                "service": "payments",
                "layer": "service",
                "message": f"card processor timed out after {2000 + i} ms",
                "exception_type": "ProcessorTimeout",
                "severity": "high",
                "stack_trace": [
                    {
                        "module": "payments.charge",
                        "function": "authorise",
                        "lineno": 51,
                        "in_app": True,
                        "filename": "payments/charge.py",
                    },
                    {
                        "module": "payments.processor",
                        "function": "send",
                        "lineno": 12 + i % 2,
                        "in_app": True,
                        "filename": "payments/processor.py",
                    },
                ],
                "context": {"card_number": "4111111111111111", "amount": 1200 + i},
            }
        )
    for i, when in enumerate((10, 200, 330)):  # payments before and after the burst
        records.append(
            {
                "id": f"payments-quiet-{i}",
                "occurred_at": iso(T0 + timedelta(minutes=when)),
                "service": "payments",
                "layer": "service",
                "message": "refund rejected: amount exceeds original charge",
                "exception_type": "RefundError",
            }
        )
    records.sort(key=lambda r: (str(r["occurred_at"]), str(r["id"])))
    return records


# (line bytes, expected reason or None for a good line); blank lines are skipped, not counted.
MALFORMED: list[tuple[bytes, str | None]] = [
    (
        b'{"id": "m-01", "service": "ledger", "message": "balance mismatch", '
        b'"occurred_at": "2024-03-04T01:00:00Z"}',
        None,
    ),
    (b'{"id": "m-02", "service": "ledger", "message": "unterminated', "invalid_json"),
    (b'{"id": "m-03", "service": "ledger", "error_code": "E1"}', "missing_message"),
    (
        b'{"id": "m-04", "service": "ledger", "message": "x", "occurred_at": "yesterday"}',
        "bad_timestamp",
    ),
    (
        json.dumps(
            {
                "id": "m-05",
                "service": "ledger",
                "occurred_at": "2024-03-04T01:00:05Z",
                "message": "huge " + "x" * 20000,
                "stack_trace": "line\n" * 30000,
            }
        ).encode(),
        None,
    ),
    (
        json.dumps({"id": "m-06", "service": "s" * 300, "message": "oversize service"}).encode(),
        "invalid_field",
    ),
    (b"\xff\xfe\x00\x01binary\x9c\x80garbage\xc3", "not_utf8"),
    (b"", None),
    (b"[1, 2, 3]", "not_object"),
    (
        b'{"id": "m-10", "service": "ledger", "message": "second good one", '
        b'"occurred_at": 1709514000123}',
        None,
    ),
    (
        b'{"id": "m-11", "service": "ledger", "message": "from the future", '
        b'"occurred_at": "2999-01-01T00:00:00Z"}',
        "bad_timestamp",
    ),
    (
        b'{"id": "m-12", "service": "ledger", "message": "x", "severity": "urgent!!"}',
        "invalid_field",
    ),
    (b'{"id": "m-13", "service": "ledger", "message": "x", "count": -1}', "invalid_field"),
    (b'{"id": "m-14", "message": "no service here"}', "missing_service"),
    (
        b'{"id": "m-15", "service": "ledger", "message": "no time: ingest time", '
        b'"api_key": "sk_live_51HxQ2eZvKYlo2C0a9f8e7d6c5b4a3"}',
        None,
    ),
    (b"   ", None),
    (b'{"id": "m-17", "service": "ledger", "message": "last line, no newline"}', None),
]

APP_LOG = """\
2024-03-04 05:00:01,120 INFO starting worker 3
2024-03-04 05:00:02,441 ERROR payment capture failed for order 991
Traceback (most recent call last):
  File "/srv/billing/capture.py", line 77, in capture
    gateway.capture(order)
  File "/srv/billing/gateway.py", line 31, in capture
    raise GatewayTimeout("no answer in 30s")
billing.gateway.GatewayTimeout: no answer in 30s
2024-03-04 05:00:03,002 WARNING retrying with password=hunter2hunter2 in 5s
2024-03-04 05:00:09,876 ERROR java side: upstream failure
java.lang.IllegalStateException: ledger closed
\tat com.example.ledger.Ledger.post(Ledger.java:120)
\tat com.example.api.PostHandler.handle(PostHandler.java:44)
Caused by: java.io.IOException: stream closed
\tat com.example.io.Stream.read(Stream.java:10)
\t... 2 more
2024-03-04 05:00:11,000 CRITICAL disk full on /var/lib/billing
"""


def main() -> None:
    with (HERE / "six_hours.jsonl").open("w") as out:
        for record in six_hours():
            out.write(json.dumps(record) + "\n")
    data = b"\n".join(line for line, _ in MALFORMED)  # no newline after the last line
    (HERE / "malformed.jsonl").write_bytes(data)
    (HERE / "app.log").write_text(APP_LOG.replace("\\t", "\t"))


if __name__ == "__main__":
    main()
