# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

HOST ?= 127.0.0.1
PORT ?= 8000
SEED ?= 7
VISITORS ?= 20000

.PHONY: help install install-test demo seed serve test test-future lint typecheck architecture pytest bench clean

help:
	@echo "make demo   install, seed the demo brand, serve on http://$(HOST):$(PORT)/"
	@echo "make test   install everything the tests need, then lint, type-check and test"
	@echo "make bench  run the benchmarks and print their ratios"
	@echo "make test-future  the tests with the clock 400 days ahead (FUTURE=+400d, PYTEST_ARGS=...)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[postgres]'
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install -q -e '.[postgres,dev,spark,clickhouse,ai]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test
	bash scripts/install-system-deps.sh

seed: install
	$(BIN)/mercato db upgrade
	$(BIN)/mercato demo seed --seed $(SEED) --visitors $(VISITORS)

serve: install
	$(BIN)/mercato serve --host $(HOST) --port $(PORT)

demo: seed serve

lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install-test
	$(BIN)/mypy

architecture: install-test
	$(BIN)/lint-imports

pytest: install-test
	$(BIN)/python -m pytest

test: lint typecheck architecture pytest

# The suite with the clock 400 days ahead (libfaketime): no test may depend on today's date.
# Monotonic clocks stay real (faked ones stall timed waits); see tests/support/faketime.py.
FUTURE ?= +400d
test-future: install-test
	FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_FORCE_MONOTONIC_FIX=0 faketime -f '$(FUTURE)' \
		$(BIN)/python -m pytest -p tests.support.faketime $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mercato .pytest_cache .mypy_cache .ruff_cache
