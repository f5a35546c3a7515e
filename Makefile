# Gavel's two commands: `make run` (the site on embedded defaults, demo data included) and
# `make test` (lint + the whole test suite); `make serve` runs it in production. All create .venv
# and install on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve test lint format bench clean faults

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The laptop (config/laptop.py): an embedded hot state every process of this run shares, the
# demo data, the development server and the worker; exits at once when PORT is taken.
run: install
	HOST=$(HOST) PORT=$(PORT) $(PY) -m config.laptop

# Production (docs/design.md §5): needs DATABASE_URL, REDIS_URL, DJANGO_SECRET_KEY,
# DJANGO_ALLOWED_HOSTS; starts WEB_CONCURRENCY web processes (default: one per core) on HOST:PORT
# and the worker.
serve: install
	HOST=$(HOST) PORT=$(PORT) $(PY) -m config.serve

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# axe-core (the accessibility checks of the browser tests), fetched once with npm, pinned by
# version and checksum; the tests find it at $(AXE_JS).
AXE_VERSION := 4.14.1
AXE_SHA256 := e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745
AXE_DIR := .cache/axe-core-$(AXE_VERSION)
AXE_JS := $(AXE_DIR)/axe.min.js

$(AXE_JS):
	mkdir -p $(AXE_DIR)
	cd $(AXE_DIR) && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null
	echo "$(AXE_SHA256)  $(AXE_DIR)/axe-core-$(AXE_VERSION).tgz" | sha256sum -c --quiet -
	tar -xzf $(AXE_DIR)/axe-core-$(AXE_VERSION).tgz -C $(AXE_DIR) --strip-components=1 package/axe.min.js
	rm $(AXE_DIR)/axe-core-$(AXE_VERSION).tgz

test: lint $(AXE_JS)
	GAVEL_AXE_JS=$(AXE_JS) $(VENV)/bin/pytest

# The fault-injection suite: its own PostgreSQL and Redis, killed and restarted under load
# (docs/faults.md). Needs redis-server and PostgreSQL's initdb; CI runs it after `make test`.
faults: install
	$(PY) -m tests.faults

bench: install
	$(PY) -m tests.bench

clean:
	rm -rf $(VENV) .cache db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles
