# errorstream — the two commands are `make demo` and `make test`; the rest are for day-to-day work.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements-dev.lock
STAMP := $(VENV)/.installed-$(shell sha1sum $(LOCK) pyproject.toml 2>/dev/null | sha1sum | cut -c1-12)

.PHONY: help install demo test test-unit test-integration up down status logs lint format bench lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

$(STAMP): $(LOCK) pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "errorstream needs Python 3.11 (set PYTHON=...)")'
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q --no-deps --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install -q --no-deps -e . 2>&1 | grep -v -i warning || true
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP) ## create .venv with the locked dependencies and fetch the Kafka jars
	@deploy/kafka/kafka.sh fetch

demo: install ## start Kafka, PostgreSQL, workers; push a realistic workload; show the result
	$(BIN)/errorstream demo

test: install ## unit + integration tests on real Kafka and PostgreSQL (started and stopped here)
	deploy/run-tests.sh

test-unit: install ## unit tests only (no Kafka, no PostgreSQL)
	$(BIN)/pytest -q -m "not integration"

up: install ## start Kafka and PostgreSQL, create topics, migrate (add ARGS=--workers for workers)
	$(BIN)/errorstream up $(ARGS)

down: ## stop everything errorstream started
	@if [ -x $(BIN)/errorstream ]; then $(BIN)/errorstream down; \
	else deploy/kafka/kafka.sh stop; deploy/postgres/pg.sh stop; fi

status: ## what runs, where
	@$(BIN)/errorstream status

logs: ## the worker's log (C=kafka|postgres|projections for others)
	@$(BIN)/errorstream logs $(or $(C),worker) -n 200

lint: install ## ruff and mypy (strict)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	deploy/typecheck.sh

format: install ## apply ruff's formatting and fixable lints
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install ## benchmarks against local Kafka and PostgreSQL; writes bench/results/<date>.json
	deploy/run-bench.sh $(ARGS)

lock: ## re-resolve requirements*.lock from pyproject.toml (needs the package index)
	@[ -x .run/tools/bin/uv ] || { $(PYTHON) -m venv .run/tools && .run/tools/bin/pip install -q uv; }
	rm -f requirements.lock requirements-dev.lock
	.run/tools/bin/uv pip compile pyproject.toml --override requirements-overrides.txt --generate-hashes \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_28 --no-header -q -o requirements.lock
	.run/tools/bin/uv pip compile pyproject.toml --extra dev --override requirements-overrides.txt --generate-hashes \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_28 --no-header -q -o requirements-dev.lock

clean: down ## stop everything and delete .run/ (Kafka and PostgreSQL data)
	deploy/postgres/pg.sh destroy || true
	rm -rf .run
