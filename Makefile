# consolezero: every target sets up what it needs (a virtualenv in .venv) by itself.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint docs check-docs bench fmt clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

## demo: lint, access report, plan and apply against a local AWS emulator (no account needed)
demo: $(STAMP)
	$(BIN)/consolezero demo

## test: ruff, the rule docs check, and the whole pytest suite
test: $(STAMP)
	$(BIN)/ruff check tooling tests benchmarks
	$(BIN)/consolezero rules --check-docs docs/rules
	$(BIN)/python -m pytest

## lint: lint this repository's own organization
lint: $(STAMP)
	$(BIN)/consolezero lint .

## docs: regenerate docs/rules/ from the rules
docs: $(STAMP)
	$(BIN)/consolezero rules --write-docs docs/rules

## bench: the benchmarks (figures printed, nothing asserted)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(BIN)/python benchmarks/lint_bench.py

clean:
	rm -rf $(VENV) build dist *.egg-info tooling/*.egg-info
