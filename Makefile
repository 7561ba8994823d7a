# Shutter's one task runner. `make help` lists the targets.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# Two test processes: one per core of the reference machine.
PYTEST_WORKERS ?= 2

.PHONY: help install run test lint format migrate clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

install: $(VENV)/.installed  ## create .venv and install Shutter with its dev tools

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

run: install  ## run Shutter (embedded profile, no services) on http://127.0.0.1:8000
	$(BIN)/shutter serve

lint: install  ## ruff (lint + format check) and mypy (strict on src/)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: lint  ## everything: lint, types, unit, integration (both profiles), e2e
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

format: install  ## apply ruff's formatting and safe fixes
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

migrate: install  ## bring the configured database's schema up to date
	$(BIN)/shutter migrate

clean:  ## remove the virtual environment and caches (keeps shutter-data/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
