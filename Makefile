# Two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export SEGMENTLY_BCRYPT_ROUNDS ?= 12

.PHONY: run test lint setup assets migrate bench test-fast clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

segmently/web/static/dist/.built: node_modules/.package-lock.json scripts/build.mjs $(shell find segmently/web/ts snippet -name '*.ts' 2>/dev/null)
	npm run --silent build
	touch $@

setup: $(STAMP) segmently/web/static/dist/.built

assets: segmently/web/static/dist/.built

migrate: setup
	$(PY) -m segmently migrate

run: setup migrate
	$(PY) -m segmently demo --only-if-empty
	$(PY) -m segmently serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(VENV)/bin/ruff check segmently tests
	$(VENV)/bin/ruff format --check segmently tests
	$(VENV)/bin/mypy segmently
	$(VENV)/bin/mypy --strict segmently/core
	$(VENV)/bin/lint-imports
	npx --no-install tsc --noEmit -p tsconfig.json

# Two workers: the suite is mostly waiting on databases and Chromium, and the machine has 2 cores.
PYTEST_ARGS ?= -n 2

test: setup lint
	SEGMENTLY_BCRYPT_ROUNDS=10 $(PY) -m pytest $(PYTEST_ARGS)

test-fast: setup
	SEGMENTLY_BCRYPT_ROUNDS=10 $(PY) -m pytest -m "not browser and not slow" $(PYTEST_ARGS)

bench: setup
	$(PY) -m segmently bench assign
	$(PY) -m segmently bench snippet
	$(PY) -m segmently bench ingest
	$(PY) -m segmently bench results

clean:
	rm -rf $(VENV) node_modules segmently/web/static/dist .pytest_cache .mypy_cache .ruff_cache
