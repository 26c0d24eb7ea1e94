# Coursework — the two commands a newcomer needs are `make run` and `make test`.
VENV    ?= .venv
PYTHON  ?= python3
HOST    ?= 127.0.0.1
PORT    ?= 5000
WORKERS ?= 2
# The app derives PUBLIC_URL from these unless it is set, so links follow the port served on.
export HOST PORT
PY      := $(VENV)/bin/python
FLASK   := $(VENV)/bin/flask --app wsgi
# Gunicorn's combined format plus the request id (secrets in URLs are redacted by the logger class).
ACCESS_LOG := %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s
LOCK    := requirements.lock
STAMP   := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | cksum | cut -d' ' -f1)

# Consumer processes for the task queue: threads per process (mail waits on the network).
WORKER_ARGS ?= --workers 4 --worker-type thread
CONSUMER := $(VENV)/bin/huey_consumer coursework.worker.huey $(WORKER_ARGS)

.PHONY: install lock run serve worker test fuzz bench lint format clean messages translations

# Every package comes from requirements.lock, pinned and checked against its hashes; the
# project itself goes on top without resolving anything, and `pip check` proves the lock
# still satisfies pyproject.toml.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m pip check
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP) translations

## Compile each package's catalogues (.po -> .mo; the .mo files are build output, not
## committed). `make install` runs it, so `make run` and `make test` serve every language.
translations: $(STAMP)
	$(PY) -c "from coursework.i18n import compile_catalogues; compile_catalogues()"

## After marking strings: extract each package's messages and merge them into its French
## and Arabic catalogues (new entries come in empty, changed ones fuzzy, for translators).
I18N_PACKAGES := coursework quizzes lessons
I18N_LANGUAGES := fr ar
messages: $(STAMP)
	for package in $(I18N_PACKAGES); do \
		mkdir -p $$package/translations; \
		$(VENV)/bin/pybabel -q extract -F babel.cfg -k lazy_gettext -k plural_forms:1,2 --no-location --sort-output --project=Coursework \
			-o $$package/translations/messages.pot $$package || exit 1; \
		for language in $(I18N_LANGUAGES); do \
			if [ -f $$package/translations/$$language/LC_MESSAGES/messages.po ]; then \
				$(VENV)/bin/pybabel -q update --no-wrap -i $$package/translations/messages.pot \
					-d $$package/translations -l $$language || exit 1; \
			else \
				$(VENV)/bin/pybabel -q init --no-wrap -i $$package/translations/messages.pot \
					-d $$package/translations -l $$language || exit 1; \
			fi; \
		done; \
	done

## Re-resolve requirements.lock from pyproject.toml after changing a dependency. Versions
## already locked stay unless pyproject.toml excludes them; LOCK_ARGS=--upgrade takes the
## newest allowed versions of everything.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -x $(VENV)/bin/uv || $(PY) -m pip install --quiet 'uv>=0.5,<1'
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --extra dev --generate-hashes \
		--universal --python-version 3.11 --quiet $(LOCK_ARGS) -o $(LOCK)

## Migrate, load the default course (and demo accounts in development), serve on HOST:PORT,
## with a queue consumer beside the server (mail, reminders) that stops with it.
run: install
	$(FLASK) setup
	$(CONSUMER) & consumer=$$!; trap 'kill $$consumer' EXIT; \
		$(FLASK) run --host $(HOST) --port $(PORT)

## A queue consumer on its own: with REDIS_URL set, run as many as needed, on any machine.
worker: install
	$(CONSUMER)

## The same, behind gunicorn, as in production (run `make worker` beside it for the queue).
serve: install
	$(FLASK) setup
	$(VENV)/bin/gunicorn -c python:coursework.serving --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - \
		--logger-class coursework.access_log.RedactingLogger --access-logformat '$(ACCESS_LOG)' wsgi:app

## The whole suite. Browser tests need Chromium; PostgreSQL runs when TEST_DATABASE_URL is set.
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

## Generated input against every operation of the OpenAPI document (schemathesis):
## FUZZ_EXAMPLES cases per operation, every check; FUZZ_REPORT=file writes the counts.
fuzz: install
	$(PY) -m pytest -m fuzz -p no:cacheprovider tests/fuzz $(PYTEST_ARGS)

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
