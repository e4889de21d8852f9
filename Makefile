# Mission Control: `make run` serves on http://127.0.0.1:3000, `make test` runs every check.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_DB ?= sqlite
PYTEST_ARGS ?=

.PHONY: run test lint typecheck test-sqlite test-postgres test-browser install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/mc serve --host 127.0.0.1 --port 3000

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src

test-sqlite: $(STAMP)
	$(BIN)/pytest --db=sqlite $(PYTEST_ARGS)

test-postgres: $(STAMP)
	$(BIN)/pytest --db=postgres $(PYTEST_ARGS)

# Everything CI checks: lint, types, the suite on SQLite and on PostgreSQL.
test: lint typecheck test-sqlite test-postgres

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
