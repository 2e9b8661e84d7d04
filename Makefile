# Contact Points — the documented verbs. `make` alone lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv from PATH, or installed with pip on first use (python3 -m uv works either way).
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --locked
# Commands that only inspect the code (lint, migrations check) run with development
# settings, so they need no secret.
DEV := DEBUG=true

.PHONY: audit help install run serve import-postcodes import-wards test test-fast test-browser lint format bench demo-reset check-deploy clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

install: ## Install uv if missing, the locked environment, and the tests' reference evaluators (npm)
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --locked
	@# The OSM opening_hours evaluator the export tests read our strings with (package-lock.json).
	@if command -v npm >/dev/null 2>&1; then \
	  [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the export tests need node and npm (apt-get install -y nodejs npm)."; fi

# The shared open data beside the project, when present (the workspace layout): every
# London postcode (Code-Point Open 2014, 181,565 rows).
POSTCODES ?= ../shared/data/codepoint-open-2014-08/london_all_boroughs_codepoint_2014_08_wgs84_slim.csv.gz
# Postcode district centres over whole districts, in and beyond London (Code-Point Open 2014).
DISTRICTS ?= ../shared/data/outcodes/london_postal_areas_district_centroids_from_codepoint_2014_08.csv
# London's 649 wards (2013, generalised), for the coverage maps.
WARDS ?= ../shared/data/boundaries/london_wards_2013.geojson

run: install ## Migrate, load postcodes, the real London list and the demo, serve http://127.0.0.1:8000 (SQLite)
	$(DEV) $(RUN) python manage.py migrate --noinput
	@$(MAKE) --no-print-directory import-postcodes
	@$(MAKE) --no-print-directory import-wards
	$(DEV) $(RUN) python manage.py build_demo --with-staff
	$(DEV) $(RUN) python manage.py runserver 127.0.0.1:8000

# gunicorn's sync workers: two per core plus one (gunicorn's own advice; each serves one
# request at a time, and most of a request's time is the database). Override: WORKERS=n.
WORKERS ?= $(shell python3 -c 'import os; print(2 * (os.cpu_count() or 1) + 1)')
PORT ?= 8000

serve: install ## The production stack here: collectstatic, migrate, gunicorn (2 workers a core + 1) on 127.0.0.1:8000; DATABASE_URL, else SQLite
	@set -e; \
	if [ -z "$$SECRET_KEY" ]; then \
	  echo "SECRET_KEY is not set: using a throw-away key for this run (sign-ins end when it stops)."; \
	  export SECRET_KEY=$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))'); \
	fi; \
	export DEBUG=false ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost} \
	  SECURE_SSL_REDIRECT=$${SECURE_SSL_REDIRECT:-false} SECURE_COOKIES=$${SECURE_COOKIES:-false} \
	  CONN_MAX_AGE=$${CONN_MAX_AGE:-60}; \
	$(RUN) python manage.py collectstatic --noinput -v 0; \
	$(RUN) python manage.py migrate --noinput -v 0; \
	exec $(RUN) gunicorn config.wsgi -b 127.0.0.1:$(PORT) -w $(WORKERS) --timeout 30 \
	  --graceful-timeout 20 --access-logfile - \
	  --access-logformat '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'

import-postcodes: install ## Import the London postcodes in $(POSTCODES) (idempotent, about 25 s)
	@if [ -f "$(POSTCODES)" ]; then \
	  $(DEV) $(RUN) python manage.py import_postcodes "$(POSTCODES)"; \
	else echo "No postcode data at $(POSTCODES): postcode search will use the remote geocoder only. See README, 'Postcode data'."; fi
	@if [ -f "$(DISTRICTS)" ]; then \
	  $(DEV) $(RUN) python manage.py import_districts "$(DISTRICTS)"; \
	else echo "No district centres at $(DISTRICTS): a district search is centred on the postcodes we hold for it."; fi

import-wards: install ## Import the London wards in $(WARDS) for the coverage maps (idempotent)
	@if [ -f "$(WARDS)" ]; then \
	  $(DEV) $(RUN) python manage.py import_boundaries "$(WARDS)" --source "2013 wards (generalised)"; \
	else echo "No ward boundaries at $(WARDS): /coverage/ will have no wards. See README, 'Coverage'."; fi

lint: install ## ruff (lint + format check), mypy, lint-imports (the layers), makemigrations --check
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(DEV) $(RUN) mypy .
	$(RUN) lint-imports
	$(DEV) $(RUN) python manage.py makemigrations --check --dry-run

format: install ## Apply ruff's fixes and formatting
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

test: lint ## Lint, then the whole test suite on SQLite, on every core (browser tests need /usr/bin/chromium)
	@start=$$(date +%s); $(RUN) pytest -n auto; status=$$?; \
	  echo "make test: the suite took $$(( $$(date +%s) - start )) s"; exit $$status

audit: install ## pip-audit over every locked dependency (needs PyPI's vulnerability data)
	@req=$$(mktemp); uv export --frozen --format requirements-txt --no-emit-project --no-hashes > $$req; \
	  $(RUN) pip-audit --disable-pip --no-deps --strict --progress-spinner off -r $$req; status=$$?; rm -f $$req; exit $$status

test-fast: install ## The suite without the browser tests
	$(RUN) pytest -n auto -m "not browser"

test-browser: install ## Only the browser tests (Playwright + Debian's Chromium)
	$(RUN) pytest -n auto -m browser

check-deploy: install ## Django's deployment checklist against production settings
	DEBUG=false SECRET_KEY=$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  ALLOWED_HOSTS=contactpoints.example.org $(RUN) python manage.py check --deploy --fail-level WARNING

PG_BENCH_URL ?= postgres://postgres@127.0.0.1:5432/contactpoints_bench

bench: install ## Benchmarks on SQLite, then on PostgreSQL at 127.0.0.1:5432 if reachable (faults: on its own cluster and Redis)
	DATABASE_URL= $(RUN) python -m bench
	@if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then \
	  DATABASE_URL=$(PG_BENCH_URL) $(RUN) python -m bench; \
	else echo "PostgreSQL not reachable on 127.0.0.1:5432: PostgreSQL figures not measured."; fi

demo-reset: install ## Put the demo contact points back as shipped
	$(DEV) $(RUN) python manage.py load_demo --reset

clean: ## Remove the local database and collected static files
	rm -rf db.sqlite3 staticfiles
