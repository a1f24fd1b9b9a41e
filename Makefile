# The two commands of the README: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format bench snapshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

## Open csm on the demo book of business: built the first time, then as you left it
## (`csm demo --fresh` builds it again).
run: $(STAMP)
	$(BIN)/csm demo

## The whole test suite, on every core (pytest-xdist; each worker starts its own PostgreSQL
## server when one is installed). Serially: $(BIN)/python -m pytest -n 0
test: $(STAMP)
	$(BIN)/python -m pytest

## The checks that hold the style, as CI runs them: formatting, lint rules, types.
lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

## Rewrite the tree in the house style (ruff's formatter and its safe fixes).
format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Performance measurements on generated books (writes benchmarks/results/).
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

## Regenerate SVG snapshots after a deliberate UI change; review the diff before committing.
## In one process (-n 0): under pytest-xdist syrupy neither finds nor deletes unused snapshots.
snapshots: $(STAMP)
	$(BIN)/python -m pytest -n 0 tests/ui --snapshot-update

clean:
	rm -rf $(VENV) .pytest_cache dist build
