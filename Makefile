# Jiebang — `make run` serves the demo site, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= marketplace.settings.dev

.PHONY: help venv run test test-fast test-browser lint format bench messages clean-data

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s "$$(printf '\t')"

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP) ## Create the virtualenv and install the pinned requirements

run: venv ## Migrate SQLite, load demo data once, rebuild the index, propose matches, serve on 127.0.0.1:8000
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	# The embedded index is derived data: rebuilt at start so it always matches the
	# database and the current index schema (a few seconds for the demo data).
	$(PY) manage.py rebuild_index --no-progress
	# The curators' match queue and the dashboard's supply–demand gap come from the
	# engine's nightly run; run it once now (idempotent, a few seconds for the demo).
	$(PY) manage.py propose_matches --no-progress
	$(PY) manage.py runserver $(HOST):$(PORT)

browser: ## Install Debian's chromium for the browser tests (when root and missing)
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "chromium missing: browser tests will be skipped"; }

# One pytest worker per core (pytest-xdist); `make test WORKERS=0` runs in one process.
WORKERS ?= auto
test: venv browser ## Run the whole suite on every core (DATABASE_URL picks the database; SQLite by default)
	DJANGO_SETTINGS_MODULE=marketplace.settings.test $(PY) -m pytest -n $(WORKERS) $(PYTEST_ARGS)

test-browser: venv browser ## Only the real-browser journeys
	DJANGO_SETTINGS_MODULE=marketplace.settings.test $(PY) -m pytest -m browser $(PYTEST_ARGS)

lint: venv ## ruff check and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv ## Apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: venv ## Update and compile the translation catalogues (needs Debian's gettext)
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=data --ignore=bench
	$(PY) manage.py compilemessages -l en --ignore=.venv

bench: venv ## Search/matching benchmark vs the BM25 reference (others: bench/README.md)
	$(PY) bench/bench_search.py --sizes 10000 100000 --queries 300 --rss

clean-data: ## Delete the local database, index and uploads (data/)
	rm -rf data
