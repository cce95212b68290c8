# Two commands: `make run` (install and start Medley with its sandbox) and `make test` (install and test).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers: one more than the cores, as most tests wait on servers and timers (on 2 cores: 7 min
# instead of 9.5); `make test PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print(len(os.sched_getaffinity(0)) + 1)')

.PHONY: run test lint typecheck pytest sandbox bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: install python3-venv (apt-get install python3-venv)"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/medley serve --host $(HOST) --port $(PORT)

sandbox: $(VENV)/.installed
	$(BIN)/medley sandbox --host $(HOST) --port 8001

test: $(VENV)/.installed-test lint typecheck pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

pytest: $(VENV)/.installed-test
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist worksteal --durations=15

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) .medley .pytest_cache .mypy_cache .ruff_cache
