"""The Kafka transport of the Faust workers: faust's aiokafka driver with an idempotent producer.

Faust turns on idempotence only inside its exactly-once transactions, which are unreliable
(faust #323, #517). errorstream runs at-least-once with deterministic event ids instead, and an
idempotent producer keeps broker retries from duplicating or reordering what an agent sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faust.transport import drivers
from faust.transport.drivers import aiokafka as aiokafka_driver

SCHEME = "errorstream"


class IdempotentProducer(aiokafka_driver.Producer):
    def _settings_extra(self) -> Mapping[str, Any]:
        return {**super()._settings_extra(), "acks": "all", "enable_idempotence": True}


class IdempotentTransport(aiokafka_driver.Transport):
    Producer = IdempotentProducer


drivers.TRANSPORTS.aliases[SCHEME] = f"{__name__}:IdempotentTransport"


def broker_url(bootstrap_servers: str) -> str:
    """Faust's broker URL for a comma-separated bootstrap list."""
    servers = ";".join(s.strip() for s in bootstrap_servers.split(",") if s.strip())
    return f"{SCHEME}://{servers}"
