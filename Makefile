# consolezero: every target sets up what it needs (a virtualenv in .venv) by itself.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test check-workflows lint docs check-docs bench fmt clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

## demo: lint, access, plan and apply, alerts, census and a JIT grant against a local AWS emulator (no account needed)
demo: $(STAMP)
	$(BIN)/consolezero demo

## test: ruff, the rule docs check, the workflow checkers, and the whole pytest suite (in parallel)
# pytest runs with bytecode caching on even where PYTHONDONTWRITEBYTECODE is set: its workers and the CLI
# subprocesses of the tests would otherwise each compile every module of the package anew (__pycache__ is ignored by git)
test: $(STAMP) check-workflows
	$(BIN)/ruff check tooling tests benchmarks
	$(BIN)/consolezero rules --check-docs docs/rules
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n auto --dist worksteal

## check-workflows: the GitHub workflows, offline: zizmor and GitHub's workflow schema
check-workflows: $(STAMP)
	$(BIN)/zizmor --offline --strict-collection .github
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

## lint: lint this repository's own organization
lint: $(STAMP)
	$(BIN)/consolezero lint .

## docs: regenerate docs/rules/ from the rules
docs: $(STAMP)
	$(BIN)/consolezero rules --write-docs docs/rules

## bench: the benchmarks (figures printed, nothing asserted); parliament etc. come with the bench extra
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(BIN)/python benchmarks/lint_vs_tools.py
	$(BIN)/python benchmarks/lint_bench.py
	$(BIN)/python benchmarks/engine_bench.py
	$(BIN)/python benchmarks/access_bench.py
	$(BIN)/python benchmarks/diff_bench.py
	$(BIN)/python benchmarks/plan_calls.py

clean:
	rm -rf $(VENV) build dist *.egg-info tooling/*.egg-info
