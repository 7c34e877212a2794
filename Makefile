# The portal's two commands: `make run` and `make test` (plus `make bench` and `make load`).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test bench load install clean serve

$(BIN)/activate:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（$(PYTHON)）"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) seed-deadlines
	@# the worker runs the background jobs (imports, re-matching …) beside the server and stops with it
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Production (README "Production"): checks, then gunicorn with several workers plus the worker, from ONE list
# (portal/serving.py, processes()). Needs SECRET_KEY, DATABASE_URL and the data key in the environment.
serve: install
	$(FLASK) db upgrade
	$(FLASK) serve-production

# The SQLite and PostgreSQL halves run side by side (tools/run_tests.py); at the end, both summaries and the
# folder of the browser tests' screenshots.
test: install
	$(BIN)/python tools/run_tests.py

$(VENV)/.bench-installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

bench: install $(VENV)/.bench-installed
	$(BIN)/python -m bench $(if $(ONLY),--only $(ONLY),)

# The deadline-day crowd (README "Load"): 200 school users and a county over HTTP against gunicorn + PostgreSQL,
# then + SQLite (load/); then SQLite's four users beside a 1,000,000-row library import (issue 16 point 3).
load: install $(VENV)/.bench-installed
	$(BIN)/python -m load $(if $(ONLY),--only $(ONLY),)
	PORTAL_LOAD_ROWS=1000000 $(BIN)/python -m pytest tests/jobs/test_sqlite_under_load.py -q -p no:cacheprovider

clean:
	rm -rf $(VENV) *.egg-info
