# Every target bootstraps .venv first; the venv is re-installed only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := factory agents harness policies sandboxes

.PHONY: demo test check lint typecheck unit chaos bench image clean chromium-notice

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

# pytest-xdist workers per tier, measured on the 2-core machine (docs/performance.md): the unit
# and reliability tiers spend their time on the CPU, so two workers are all that pay; the
# integration tier mostly waits on Docker, PostgreSQL and child processes; the e2e tier's runs
# are CPU-heavy too, and its lease and deadline scenarios want the machine less crowded.
CPU_WORKERS ?= 2
INTEGRATION_WORKERS ?= 4
E2E_WORKERS ?= 3
PYTEST := $(BIN)/pytest -q
# The slowest tests of each tier, in the log, so a tier that grows slow says which tests did it.
DURATIONS := --durations=15

unit: $(STAMP)
	$(PYTEST) -n $(CPU_WORKERS) tests/unit

# What a developer runs between edits: lint, then the unit and reliability tiers without the
# tests that need the Docker engine (neither Docker nor a database server is needed).
check: lint
	$(PYTEST) -n $(CPU_WORKERS) -m "not docker" tests/unit tests/reliability

# Every tier, one pytest each so the log shows each tier's time. The PostgreSQL tests use
# FACTORY_TEST_POSTGRES_URL, else the throwaway cluster .ci/postgres.sh finds or starts (it
# prints a loud notice, and those tests skip, when PostgreSQL is absent).
test: $(STAMP) lint image chromium-notice
	$(PYTEST) -n $(CPU_WORKERS) $(DURATIONS) tests/unit tests/reliability
	FACTORY_TEST_POSTGRES_URL="$$(bash .ci/postgres.sh)" $(PYTEST) -n $(INTEGRATION_WORKERS) $(DURATIONS) tests/integration
	FACTORY_TEST_POSTGRES_URL="$$(bash .ci/postgres.sh)" $(PYTEST) -n $(E2E_WORKERS) $(DURATIONS) --dist load --maxschedchunk 1 -m "not engine_restart" tests/e2e tests/faults tests/attacks
	$(PYTEST) -m engine_restart tests/faults

# The fault and attack suites (tests marked `chaos`; `make test` runs them too), driven for
# real: Docker, PostgreSQL, chromium. Restarting the Docker engine stops every container on the
# machine, so that one case runs only where FACTORY_TEST_RESTART_ENGINE=1 says the engine is
# this suite's alone (.ci/run sets it), and `make test` runs it last, alone.
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
