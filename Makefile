# Every target bootstraps .venv first; the venv is re-installed only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := factory agents harness policies sandboxes

.PHONY: demo test lint typecheck unit bench image clean chromium-notice chaos

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The sandbox image: pulled/built from the Dockerfile where a registry is reachable,
# otherwise built offline from a debootstrapped Debian root filesystem.
image: $(STAMP)
	$(BIN)/factory sandbox build-base

demo: $(STAMP) image
	$(BIN)/factory demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy $(PACKAGES) tests bench

unit: $(STAMP)
	$(BIN)/pytest tests/unit -q

# The PostgreSQL tests use FACTORY_TEST_POSTGRES_URL, else the throwaway cluster .ci/postgres.sh
# finds or starts (it prints a loud notice, and those tests skip, when PostgreSQL is absent).
test: $(STAMP) lint image chromium-notice
	FACTORY_TEST_POSTGRES_URL="$$(bash .ci/postgres.sh)" $(BIN)/pytest -q

# The fault and attack suites (marker `chaos`), driven for real: Docker, PostgreSQL, chromium.
# `make test` runs them too.
chaos: $(STAMP) image chromium-notice
	FACTORY_TEST_POSTGRES_URL="$$(bash .ci/postgres.sh)" $(BIN)/pytest -q -m chaos

# The dashboard's browser tests drive Debian's chromium (never a Playwright download);
# .ci/run installs it, a developer machine may not have it.
chromium-notice:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'; \
	  echo '!! chromium is not installed: the dashboard browser tests will be SKIPPED.  !!'; \
	  echo '!! Install it with: sudo apt-get install -y chromium   (CI always has it)   !!'; \
	  echo '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'; }

bench: $(STAMP) image
	FACTORY_TEST_POSTGRES_URL="$$(bash .ci/postgres.sh)" $(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
