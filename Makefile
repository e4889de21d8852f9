# Mission Control: `make run` serves on http://127.0.0.1:3000, `make test` runs every check.
# python3.11 when present, else python3; the venv recipe refuses anything older than 3.11.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null || echo python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_DB ?= sqlite
PYTEST_ARGS ?=

.PHONY: run test lint typecheck test-sqlite test-postgres test-browser install clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "Mission Control needs Python 3.11 or newer; $(PYTHON) is not. Run: make PYTHON=/path/to/python3.11" >&2; \
	  exit 1; }
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

# The browser tests alone (headless Chromium against a real server), on TEST_DB.
test-browser: $(STAMP)
	$(BIN)/pytest --db=$(TEST_DB) tests/web $(PYTEST_ARGS)

# Everything CI checks: lint, types, the suite on SQLite and on PostgreSQL.
test: lint typecheck test-sqlite test-postgres

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
