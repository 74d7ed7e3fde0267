#!/usr/bin/env bash
# `make test`: the unit and integration tests on real Kafka and PostgreSQL, started and stopped
# around them unless external or already running (see with-local-infra.sh).
exec "$(dirname "$0")/with-local-infra.sh" .venv/bin/pytest -q -p no:cacheprovider "$@"
