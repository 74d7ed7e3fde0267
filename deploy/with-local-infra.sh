#!/usr/bin/env bash
# Run a command with Kafka and PostgreSQL available: start each unless it is external
# (KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL) or already running, and stop whatever this script
# started when the command ends, whatever happens. Exit code: the command's.
#   deploy/with-local-infra.sh COMMAND [ARGS...]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
started=()
cleanup() {
  local rc=$?
  for ((i=${#started[@]}-1; i>=0; i--)); do "${started[$i]}" stop >/dev/null 2>&1 || true; done
  exit $rc
}
trap cleanup EXIT INT TERM

if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ] && ! deploy/kafka/kafka.sh status >/dev/null 2>&1; then
  deploy/kafka/kafka.sh start || exit 1
  started+=(deploy/kafka/kafka.sh)
fi
if [ -z "${DATABASE_URL:-}" ] && ! deploy/postgres/pg.sh status >/dev/null 2>&1; then
  deploy/postgres/pg.sh start || exit 1
  started+=(deploy/postgres/pg.sh)
fi

"$@"
