"""A small service that reports its errors through the errorstream SDK (for integration tests).

    python tests/data/sample_service.py secrets   # three kinds of report, then dies uncaught
    python tests/data/sample_service.py burst N   # N distinct errors, flush, print STATS

Settings come from the environment (ERRORSTREAM_*, KAFKA_BOOTSTRAP_SERVERS), as a deployed
service's would. Every error carries secrets — in its message, its locals and its context — so
the test can check none of them leaves the process.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import errorstream

SERVICE = "sample-checkout"
log = logging.getLogger("sample.checkout")


class PaymentDeclined(Exception):
    pass


def charge(order_id: int, card_number: str) -> None:
    api_key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"  # noqa: F841  (a local the SDK must redact)
    raise PaymentDeclined(
        f"card {card_number} declined for order {order_id}; retry with password=hunter2Secret"
    )


def settle(order_id: int) -> None:
    password = "hunter2Secret"  # noqa: F841
    try:
        charge(order_id, "4111 1111 1111 1111")
    except PaymentDeclined as exc:
        raise RuntimeError(f"settling order {order_id} failed") from exc


def read_order(raw: str) -> Any:
    return json.loads(raw)


def secrets() -> None:
    """A handled error with context, a logged one (stdlib frames), a burst, an uncaught one."""
    for _ in range(5):  # one burst: one report with count=5
        try:
            settle(8812)
        except RuntimeError as exc:
            event_id = errorstream.report_error(
                exc,
                severity="high",
                tags=["payments"],
                context={
                    "request": {
                        "method": "POST",
                        "path": "/orders/8812/settle",
                        "headers": {
                            "Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI4ODEyIn0."
                            "c2lnbmF0dXJlc2lnbmF0dXJl",
                            "X-Request-Id": "req-8812",
                        },
                    },
                    "customer": {"email": "jane.doe@example.com"},
                },
            )
    print(f"REPORTED {event_id}", flush=True)
    try:
        read_order("{'order': 8812, 'token': 'tok_9f8e7d6c5b4a3928'}")
    except ValueError:
        log.exception("could not read order payload")
    print("LOGGED", flush=True)
    settle(8813)  # uncaught: sys.excepthook reports it, atexit delivers it


def burst(count: int) -> None:
    """Distinct errors while Kafka may be down: the service must keep running."""
    for n in range(count):
        try:
            charge(n, "4111 1111 1111 1111")
        except PaymentDeclined as exc:
            errorstream.report_error(exc, fingerprint=f"order-{n}")
    print(f"STILL RUNNING after {count} reports", flush=True)
    undelivered = errorstream.flush(1.0)
    stats = errorstream.stats()
    print(
        "STATS "
        + json.dumps(
            {
                "undelivered": undelivered,
                "reported": stats.reported,
                "deduplicated": stats.deduplicated,
                "sent": stats.sent,
                "dropped": dict(stats.dropped),
                "in_flight": stats.in_flight,
                "pending": stats.pending,
                "broker_errors": stats.broker_errors,
            }
        ),
        flush=True,
    )


def main(argv: list[str]) -> None:
    errorstream.configure(service=SERVICE, release="1.2.3", capture_locals=True)
    errorstream.install_excepthook()
    logging.basicConfig(level=logging.INFO)
    logging.getLogger().addHandler(errorstream.ErrorStreamHandler())
    if argv[:1] == ["secrets"]:
        secrets()
    elif argv[:1] == ["burst"]:
        burst(int(argv[1]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
