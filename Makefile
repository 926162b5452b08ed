# Developer entry points. `make` alone lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.9
REQUIREMENTS := requirements.txt requirements-dev.txt

# make run: where it listens and keeps its state (SQLite, broker files, beat schedule).
HOST ?= 127.0.0.1
PORT ?= 8000
VAR_DIR ?= $(CURDIR)/var

# Extra pytest arguments, e.g. make test PYTEST_ARGS="-k triage -x".
PYTEST_ARGS ?=
FUZZ_EXAMPLES ?= 1000
# make test-clock: the instants the suite must also pass at (CI runs all three).
#  02:30 UTC on a Monday: patients in the Americas are still on Sunday, inside quiet hours;
#  the last 30 s of a year: the run crosses midnight UTC and New Year with New York a day behind;
#  06:30 UTC on the Sunday US clocks spring forward (01:30 EST; 02:00 becomes 03:00 mid-run).
CLOCK_INSTANTS ?= 2026-06-15T02:30:00Z 2026-12-31T23:59:30Z 2027-03-14T06:30:00Z

.PHONY: help venv run test test-clock lint fuzz screenshots clean distclean openapi

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

venv: $(VENV)/.installed ## Create .venv and install runtime + test dependencies

# The stamp is newer than both requirement files once they are installed, so this step is
# skipped until one of them changes. uv installs in ~2 s; pip (~20 s) is the fallback.
$(VENV)/.installed: $(REQUIREMENTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	if $(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION) \
	    && $(VENV)/bin/uv pip install -q --python $(PY) $(addprefix -r ,$(REQUIREMENTS)); then :; \
	else \
	    echo "make venv: uv failed; installing with pip" >&2; \
	    $(PY) -m pip install -q --disable-pip-version-check $(addprefix -r ,$(REQUIREMENTS)); \
	fi
	touch $@

run: venv ## Run web + worker + beat on embedded SQLite/filesystem broker (Ctrl-C stops all)
	mkdir -p $(VAR_DIR)
	bash scripts/compile-messages.sh --optional
	HOST=$(HOST) PORT=$(PORT) VAR_DIR=$(VAR_DIR) PYTHON=$(abspath $(PY)) bash scripts/run.sh

test: venv ## Run the test suite against throwaway PostgreSQL + Redis
	# scripts/pytest.sh compiles the translations (.po -> .mo) once with-services has gettext.
	bash scripts/with-services.sh -- bash scripts/pytest.sh $(PYTEST_ARGS)

# Each instant gets its own throwaway services; every instant runs even after a failure, and the
# target fails if any did. Only Python's clock moves (time_machine), not PostgreSQL's or Redis'.
test-clock: venv ## The suite with the clock moved to each CLOCK_INSTANTS (PYTEST_ARGS="-m clock")
	failed=""; \
	for instant in $(CLOCK_INSTANTS); do \
	    echo "make test-clock: --clock-at $$instant" >&2; \
	    bash scripts/with-services.sh -- bash scripts/pytest.sh --clock-at "$$instant" $(PYTEST_ARGS) \
	        || failed="$$failed $$instant"; \
	done; \
	if [[ -n "$$failed" ]]; then echo "make test-clock: FAILED at$$failed" >&2; exit 1; fi

lint: venv ## Ruff lint, then mypy (django-stubs; needs no services)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# API contract (issue 18): docs/openapi.yaml is the published schema; tests/contract fails when it
# differs from the live one. --fail-on-warn keeps the schema free of generator warnings. Integer
# bounds come from the database backend: PostgreSQL's, as deployed (no connection is made).
openapi: venv ## Validate the OpenAPI schema and write it to docs/openapi.yaml
	DEBUG=true VAR_DIR=$(VAR_DIR) DATABASE_URL=postgres://schema@localhost/schema \
	    $(PY) manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

# Tests marked `fuzz` read HYPOTHESIS_PROFILE / FUZZ_MAX_EXAMPLES to run longer than in `make test`.
fuzz: venv ## Longer schema fuzzing (pytest -m fuzz)
	HYPOTHESIS_PROFILE=fuzz FUZZ_MAX_EXAMPLES=$(FUZZ_EXAMPLES) \
	    bash scripts/with-services.sh -- bash scripts/pytest.sh -m fuzz $(PYTEST_ARGS)

screenshots: venv ## Save dashboard and patient app screenshots under docs/screenshots (pytest -m screenshots)
	bash scripts/with-services.sh -- bash scripts/pytest.sh -m screenshots $(PYTEST_ARGS)

clean: ## Delete runtime state and caches (keeps .venv)
	rm -rf var staticfiles .pytest_cache .ruff_cache .coverage htmlcov .hypothesis .schemathesis
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean ## clean, and delete .venv too
	rm -rf $(VENV)
