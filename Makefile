# Coursework — the two commands a newcomer needs are `make run` and `make test`.
VENV    ?= .venv
PYTHON  ?= python3
HOST    ?= 127.0.0.1
PORT    ?= 5000
WORKERS ?= 2
PY      := $(VENV)/bin/python
FLASK   := $(VENV)/bin/flask --app wsgi
STAMP   := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: install run serve test lint format clean bench

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

## Migrate, load the default course (and demo accounts in development), serve on HOST:PORT.
run: install
	$(FLASK) setup --url http://$(HOST):$(PORT)
	$(FLASK) run --host $(HOST) --port $(PORT)

## The same, behind gunicorn, as in production.
serve: install
	$(FLASK) setup --url http://$(HOST):$(PORT)
	$(VENV)/bin/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - wsgi:app

## The whole suite. Browser tests need Chromium; PostgreSQL runs when TEST_DATABASE_URL is set.
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

## Seed an organisation on PostgreSQL and measure the app beside a bare Flask reference
## (not part of `make test`). BENCH_ARGS="--people 100000" for the full size.
bench: install
	$(PY) -m benchmarks.run $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
