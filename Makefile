# Two commands do everything on a fresh Debian machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup web demo test lint typecheck contracts pytest bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  echo "Python's venv module is missing: on Debian run 'sudo apt-get install python3-venv'"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

# The desk UI's third-party files (Leaflet, Leaflet-Geoman), its offline basemap (Natural Earth via
# world-atlas) and the API docs' Swagger UI and ReDoc come from the npm registry at set-up time, never from a
# CDN at run time: `npm ci` installs the versions pinned in web/package-lock.json, web/build.mjs copies and
# converts them into src/airparley/web/static/{vendor,basemap}/ and src/airparley/node/docs_assets/ (build
# outputs, not committed). docs/ui.md; README, Running a node (/docs and /redoc).
WEB_STAMP := src/airparley/web/static/vendor/.built

$(WEB_STAMP): web/package.json web/package-lock.json web/build.mjs
	@command -v npm >/dev/null 2>&1 || { \
	  echo "npm is missing: on Debian run 'sudo apt-get install nodejs npm'"; exit 1; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	node web/build.mjs
	@touch $(WEB_STAMP)

web: $(WEB_STAMP)

# The main job: the Syria/Iraq scenario (it ships in the package: src/airparley/sim/scenarios/) played live
# on one node (embedded SQLite), in real time, with the desk UI at http://127.0.0.1:8787/ and a login token
# printed for each desk; Ctrl-C stops it.
SCENARIOS := src/airparley/sim/scenarios
demo: setup web
	$(BIN)/airparley notice validate $(SCENARIOS)/syria-iraq.geojson
	$(BIN)/airparley check $(SCENARIOS)/syria-iraq.geojson
	$(BIN)/airparley demo syria-iraq

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: setup
	$(BIN)/mypy src/airparley

contracts: setup
	$(BIN)/lint-imports

pytest: setup web
	$(BIN)/pytest -n 2 --durations=20

test: lint typecheck contracts pytest

# The benchmarks also need the `bench` extra: BlueSky, the reference the tactical scan is measured against.
BENCH_STAMP := $(VENV)/.bench-stamp

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

bench: setup $(BENCH_STAMP)
	$(BIN)/python bench/strategic.py
	$(BIN)/python bench/tactical.py
	$(BIN)/python bench/cli.py
	$(BIN)/python bench/alerting.py
	$(BIN)/python bench/live.py --n 1000,5000,20000 --seconds 60
	$(BIN)/python bench/hotline.py
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/catchup.py
	$(BIN)/python bench/ha.py
	$(BIN)/python bench/ha.py --stress
	$(BIN)/python bench/live.py --n 20000 --seconds 60 --processes 2

clean:
	rm -rf $(VENV) build dist src/*.egg-info .mypy_cache .ruff_cache .pytest_cache .hypothesis
	rm -rf web/node_modules src/airparley/web/static/vendor src/airparley/web/static/basemap
