# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

HOST ?= 127.0.0.1
PORT ?= 8000
SEED ?= 7
VISITORS ?= 20000

.PHONY: help system system-test system-bench install install-test demo seed next-steps serve test test-future lint typecheck architecture pytest bench clean

help:
	@echo "make demo   install, seed the demo brand, serve on http://$(HOST):$(PORT)/"
	@echo "make test   install everything the tests need, then lint, type-check and test"
	@echo "make bench  run the benchmarks and print their ratios"
	@echo "make test-future  the tests with the clock 400 days ahead (FUTURE=+400d, PYTEST_ARGS=...)"

# What the machine must have (a Python >= 3.11 with venv; for the tests Java >= 17, a
# Chromium outside snap, PostgreSQL): checked, installed where possible, or named exactly.
system:
	PYTHON=$(PYTHON) bash scripts/install-system-deps.sh python

system-test:
	PYTHON=$(PYTHON) bash scripts/install-system-deps.sh test

$(BIN)/python:
	PYTHON=$(PYTHON) bash scripts/install-system-deps.sh python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[postgres]'
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install -q -e '.[postgres,dev,spark,clickhouse]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test system-test

seed: install
	$(BIN)/mercato db upgrade
	$(BIN)/mercato demo seed --seed $(SEED) --visitors $(VISITORS)

serve: install
	$(BIN)/mercato serve --host $(HOST) --port $(PORT)

next-steps:
	@echo ""
	@echo "Next: open http://$(HOST):$(PORT)/ and log in with the demo login printed above."
	@echo "Then Settings -> Sites: add your shop and copy its tracker snippet into your pages."
	@echo "Other mercato commands work while the server runs (mercato --help). Ctrl-C stops it."
	@echo ""

demo: seed next-steps serve

lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install-test
	$(BIN)/mypy

architecture: install-test
	$(BIN)/lint-imports

# The Spark standalone cluster test needs a process where no local SparkSession has started
# (the rest of the suite shares one): it runs in a pytest run of its own.
pytest: install-test
	$(BIN)/python -m pytest -m "not cluster"
	$(BIN)/python -m pytest -m cluster

test: lint typecheck architecture pytest

# The suite with the clock 400 days ahead (libfaketime): no test may depend on today's date.
# Monotonic clocks stay real (faked ones stall timed waits); see tests/support/faketime.py.
FUTURE ?= +400d
test-future: install-test
	FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_FORCE_MONOTONIC_FIX=0 faketime -f '$(FUTURE)' \
		$(BIN)/python -m pytest -p tests.support.faketime -m "not cluster" $(PYTEST_ARGS)

system-bench:
	PYTHON=$(PYTHON) bash scripts/install-system-deps.sh bench

bench: install-test system-bench
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mercato .pytest_cache .mypy_cache .ruff_cache
