# Shutter's one task runner. `make help` lists the targets.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# Three test processes on the two-core reference machine: a test spends most of its time
# waiting (its server's start and stop, the stores' round trips), so a third process
# overlaps the waits (README, "What `make test` does").
PYTEST_WORKERS ?= 3

.PHONY: help install browser promtool run test lint format migrate clean bench

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

install: $(VENV)/.installed  ## create .venv and install Shutter with its dev tools

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# The browser tests drive Debian's chromium (Playwright never downloads its own). Installed
# here when missing and we are root; otherwise the tests skip loudly (fail under CI=true).
CHROMIUM ?= /usr/bin/chromium

# axe-core (the accessibility checks) comes from npm, pinned in tests/e2e/package-lock.json.
AXE := tests/e2e/node_modules/axe-core/axe.min.js
# megalodon (a Mastodon client for Node, tests/interop), pinned in tests/interop/package-lock.json.
MEGALODON := tests/interop/node_modules/megalodon/package.json

browser: $(AXE) $(MEGALODON)  ## install Debian's chromium (if missing and root), axe-core and megalodon for the browser and interop tests
	@if [ ! -x $(CHROMIUM) ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi
	@[ -x $(CHROMIUM) ] || echo "!! no chromium at $(CHROMIUM): the browser tests will be skipped (failed under CI=true)"

$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	@if command -v npm >/dev/null; then \
		cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/axe-core/axe.min.js; \
	else echo "!! no npm: the accessibility tests will be skipped (failed under CI=true)"; fi

$(MEGALODON): tests/interop/package.json tests/interop/package-lock.json
	@if command -v npm >/dev/null; then \
		cd tests/interop && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/megalodon/package.json; \
	else echo "!! no npm: the megalodon interop test will be skipped (failed under CI=true)"; fi

# The alert rules are checked with promtool (Debian's `prometheus` package), installed here
# when missing and we are root; otherwise those checks skip loudly (fail under CI=true).
promtool:  ## install Debian's promtool (if missing and root) for the alert-rule checks
	@if ! command -v promtool >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing prometheus (promtool) for the alert-rule checks"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; \
	fi
	@command -v promtool >/dev/null || echo "!! no promtool: the alert-rule checks will be skipped (failed under CI=true)"

run: install  ## run Shutter (embedded profile, no services) on http://127.0.0.1:8000
	$(BIN)/shutter serve

lint: install  ## ruff (lint + format check) and mypy (strict on src/)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: lint browser promtool  ## everything: lint, types, unit, integration (both profiles), e2e
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=20 \
		--ignore-glob='tests/e2e/test_web*.py'
	@# Playwright's sync API owns the event loop of its process: the browser tests get their
	@# own processes, two of them, each a whole module at a time (its server, its chromium).
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=5 tests/e2e/test_web*.py

format: install  ## apply ruff's formatting and safe fixes
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

migrate: install  ## bring the configured database's schema up to date
	$(BIN)/shutter migrate

BENCH_PROFILE ?= embedded
BENCH_ARGS ?=
bench: install  ## benchmark over real HTTP (BENCH_PROFILE=distributed, BENCH_ARGS=--quick)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(BIN)/shutter bench --profile $(BENCH_PROFILE) $(BENCH_ARGS)

clean:  ## remove the virtual environment and caches (keeps shutter-data/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache tests/e2e/node_modules
