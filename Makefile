# Two commands do everything on a fresh Debian machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test lint typecheck contracts pytest bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  echo "Python's venv module is missing: on Debian run 'sudo apt-get install python3-venv'"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/airparley notice validate examples/syria-iraq.geojson
	$(BIN)/airparley check examples/syria-iraq.geojson

lint: setup
	$(BIN)/ruff check src tests bench

typecheck: setup
	$(BIN)/mypy src/airparley

contracts: setup
	$(BIN)/lint-imports

pytest: setup
	$(BIN)/pytest -n 2

test: lint typecheck contracts pytest

bench: setup
	$(BIN)/python bench/strategic.py
	$(BIN)/python bench/tactical.py
	$(BIN)/python bench/alerting.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .mypy_cache .ruff_cache .pytest_cache .hypothesis
