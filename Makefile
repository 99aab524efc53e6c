# Rashinban — two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit install clean bench

$(STAMP): pyproject.toml
	@$(BIN)/python -m pip --version >/dev/null 2>&1 || $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

DEMO_DB    ?= rashinban.duckdb
DEMO_SCALE ?= medium
DEMO_PORT  ?= 8000

demo: $(STAMP)
	$(BIN)/rashinban demo generate --db $(DEMO_DB) --scale $(DEMO_SCALE) --replace
	$(BIN)/rashinban status --db $(DEMO_DB) --team 営業本部 --as-of $$(date +%F) | head -n 25
	@echo ""
	@echo "Rashinban demo: http://127.0.0.1:$(DEMO_PORT)/  (logins: admin / manager / partner / rep001, password: rashinban-demo)"
	$(BIN)/rashinban serve --db $(DEMO_DB) --host 127.0.0.1 --port $(DEMO_PORT)

LINT_PATHS := rashinban tests $(wildcard bench)

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q --durations=25

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
