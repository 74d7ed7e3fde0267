#!/usr/bin/env bash
# `make bench [ARGS=--quick]`: start Kafka and PostgreSQL unless they are external or already
# running, run the benchmark suite (bench/suite.py: writes bench/results/<date>.json and prints
# a Markdown table), and stop whatever this script started, whatever happens.
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

.venv/bin/python bench/suite.py "$@"
