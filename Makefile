# Local Partners: `make run` serves the portal with demo data; `make test` runs every test.
# Both set up what they need: a virtualenv in .venv, Python packages, the GOV.UK
# front-end assets from npm, and (for run) an SQLite database under instance/.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# The links in the emails the demo queues point at the server `make run` starts; a
# BASE_URL set in the environment or on the command line wins.
BASE_URL ?= http://$(HOST):$(PORT)
# VERBOSE=1 also prints the emails the demo data queues (about 370 lines), before the logins.
VERBOSE ?=
# The Welsh catalogue, compiled by setup (see `translations` below).
CATALOGUE := marketplace/translations/cy/LC_MESSAGES/messages

.PHONY: run test test-fast test-clocks lint setup assets db demo clean check-python

run: setup db demo
	@echo
	@echo "Local Partners is at http://$(HOST):$(PORT)  (Ctrl+C stops it)"
	BASE_URL='$(BASE_URL)' $(FLASK) run --host $(HOST) --port $(PORT)

# The tests run in PYTEST_JOBS processes (pytest-xdist; `auto` is one per core, 0 runs them
# in pytest's own process). --dist loadgroup keeps the tests that share a costly fixture on
# one worker (tests/conftest.py groups them). PYTEST_ARGS passes pytest options and paths.
PYTEST_JOBS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_JOBS) --dist loadgroup

test: setup
	$(PYTEST) $(PYTEST_ARGS)

# The edit-test loop: every test on SQLite only, without the browser tests (a -m of
# PYTEST_ARGS replaces the "not browser").
test-fast: setup
	TEST_DATABASES=sqlite $(PYTEST) -m "not browser" $(PYTEST_ARGS)

# The date-sensitive tests (marked `clock`) as if run at a few fixed instants, on SQLite
# (tests/clocks.py lists the instants and why each). CLOCKS="<ISO time> ..." chooses others,
# CLOCK_JOBS how many run at once.
CLOCKS ?=
CLOCK_JOBS ?= 2
test-clocks: setup
	$(BIN)/python -m tests.clocks --jobs $(CLOCK_JOBS) $(CLOCKS) -- $(PYTEST_ARGS)

# Style (ruff: format and the rule set in pyproject.toml), types (mypy on marketplace/) and
# the one-way imports between packages (import-linter's contract in pyproject.toml).
LINTED := marketplace tests bench config.py wsgi.py
lint: setup
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/mypy
	$(BIN)/lint-imports

setup: check-python $(VENV)/.installed static/css/govuk-frontend.min.css $(CATALOGUE).mo

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Local Partners needs Python 3.11 or newer; set PYTHON=python3.11 (or newer)")'
	@command -v npm >/dev/null || { echo "Local Partners needs Node.js and npm for the GOV.UK front-end assets"; exit 1; }

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

static/css/govuk-frontend.min.css: node_modules/.installed
	npm run --silent build:assets

assets: static/css/govuk-frontend.min.css

# The Welsh catalogue (marketplace/i18n.py). `make translations` finds every string for
# gettext in the code and templates (babel.cfg), adds new ones to the Welsh catalogue for
# translating, and compiles it; setup only compiles it when the .po is newer.
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k pgettext:1c,2 -k npgettext:1c,2,3
$(CATALOGUE).mo: $(CATALOGUE).po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $(CATALOGUE).po -o $@ -l cy

.PHONY: translations
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --no-location --sort-output -o marketplace/translations/messages.pot marketplace templates
	$(BIN)/pybabel --quiet update --no-fuzzy-matching -i marketplace/translations/messages.pot -d marketplace/translations -l cy
	$(BIN)/pybabel compile --statistics -i $(CATALOGUE).po -o $(CATALOGUE).mo -l cy

db: setup
	$(FLASK) db upgrade
	$(FLASK) load-reference

# The demo logins are the last thing it prints, so `make run` shows them just before the server starts.
demo: db
	BASE_URL='$(BASE_URL)' $(FLASK) demo-data $(if $(filter 1,$(VERBOSE)),--verbose)

clean:
	rm -rf $(VENV) node_modules static/css static/js static/fonts static/images static/manifest.json instance .pytest_cache

# The public pages under load (locust, 20 users), each paired with a ceiling app: see
# bench/pages.py. PostgreSQL with 100,000 needs, built once in instance/bench-pages/.
.PHONY: bench-pages
bench-pages: setup
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.pages $(BENCH_ARGS)

.PHONY: bench-needs
bench-needs: setup
	$(BIN)/python -m bench.needs_list

.PHONY: bench-dashboard
bench-dashboard: setup
	$(BIN)/python -m bench.dashboard $(BENCH_ARGS)

.PHONY: bench-home
bench-home: setup
	$(BIN)/python -m bench.home $(BENCH_ARGS)

.PHONY: bench-ocds
bench-ocds: setup
	$(BIN)/python -m bench.ocds $(BENCH_ARGS)
