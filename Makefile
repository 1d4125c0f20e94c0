# Quanzi: `make run` serves the app on a fresh clone; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
BENCH_SCALE ?= S
BENCH_ARGS ?=

.PHONY: install run test lint typecheck pytest test-pg test-scaled translations serve bench clean

# Creates .venv with the pinned dependencies and compiles the translations (idempotent).
install: $(VENV)/.installed translations

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-nodeps.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-nodeps.txt
	touch $@

translations: $(VENV)/.installed
	$(PY) scripts/i18n.py compile

# Fresh machine -> venv, install, migrate, demo data on first run, serve.
run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy app

pytest: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Lint, types, then the suite. With TEST_DATABASE_URL set the suite runs on PostgreSQL.
test: lint typecheck pytest

# The PostgreSQL + Redis run that CI does after the SQLite one (browser and fresh-clone
# tests do not depend on the database, so they run once, on SQLite).
test-pg: install
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/15} \
	$(VENV)/bin/pytest -m "not browser and not fresh_clone" $(PYTEST_ARGS)

# The scaled-out shape of docs/deploy.md: gunicorn with 4 workers on a fresh PostgreSQL
# database with Redis, driven by the browser tests and the multi-worker HTTP tests.
test-scaled: install
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/15} \
	QUANZI_LIVE_WORKERS=$${QUANZI_LIVE_WORKERS:-4} \
	$(VENV)/bin/pytest -m "browser or scaled" $(PYTEST_ARGS)

# The benchmark (README "Benchmark"): seeds instance/bench-<scale> on first use, measures
# latency, statement counts and throughput, writes bench/results/, checks the budgets.
# DATABASE_URL=postgresql+psycopg://... benchmarks PostgreSQL (both search backends).
bench: install
	BENCH_SCALE=$(BENCH_SCALE) $(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
