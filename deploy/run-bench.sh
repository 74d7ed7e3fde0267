#!/usr/bin/env bash
# `make bench [ARGS=--quick]`: the benchmark suite (bench/suite.py: writes
# bench/results/<date>.json and prints a Markdown table) against local Kafka and PostgreSQL,
# started and stopped around it unless external or already running (see with-local-infra.sh).
exec "$(dirname "$0")/with-local-infra.sh" .venv/bin/python bench/suite.py "$@"
