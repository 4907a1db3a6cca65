# Nudge developer interface. Every target installs what it needs on first use.
#   make run      the whole API locally (PORT=3000, EMULATOR_PORT=5000)   make test   lint + all tests
#                 [PARAMETERS='AllowedOrigins=http://localhost:5173 ...': template parameters]
#   make token USER=<id> [ADMIN=1] [BRAND=<brand>]       make invoke FN=<folder> EVENT=<file>
#   make recalc   the nightly archetype recalculation, now (against `make run`'s emulator if it is up)
#   make retention the daily retention job (inactive users warned, then erased), now (likewise)
#   make endpoint the URL of `make run`'s emulator (AWS_ENDPOINT_URL for scripts and the aws CLI)
#   make lint | build | bench | openapi

SHELL := /bin/bash
PORT ?= 3000
EMULATOR_PORT ?= 5000
VENV := .venv
SAM_VENV := .venv-sam
PY := $(VENV)/bin/python
SAM := $(SAM_VENV)/bin/sam

# Python 3.13: $(PYTHON) if given, else python3.13 on PATH, else pyenv's.
PYTHON ?= $(shell for candidate in python3.13 $$HOME/.pyenv/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do \
	"$$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1 && { echo "$$candidate"; break; }; done)
export PYTHON

.PHONY: run test lint unit integration e2e token invoke recalc retention endpoint build bench openapi install install-sam clean

$(VENV)/.installed: pyproject.toml layers/nudge/requirements.txt
	@if [ -z "$(PYTHON)" ]; then \
		echo "Python 3.13 not found. Install it (e.g. 'pyenv install 3.13') or run with PYTHON=/path/to/python3.13." >&2; exit 1; fi
	@echo "Installing the development environment into $(VENV) with $(PYTHON)" >&2
	@"$(PYTHON)" -m venv $(VENV) >&2
	@$(PY) -m pip install --quiet --upgrade "pip>=25.1" >&2
	@$(PY) -m pip install --quiet --requirement layers/nudge/requirements.txt --group dev >&2
	@touch $@

$(SAM_VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.13 not found (see above)." >&2; exit 1; fi
	@echo "Installing aws-sam-cli and cfn-lint into $(SAM_VENV)" >&2
	@"$(PYTHON)" -m venv $(SAM_VENV) >&2
	@$(SAM_VENV)/bin/python -m pip install --quiet --upgrade "pip>=25.1" >&2
	@$(SAM_VENV)/bin/python -m pip install --quiet --group sam >&2
	@touch $@

install: $(VENV)/.installed
install-sam: $(SAM_VENV)/.installed

run: install
	@$(PY) -m local_runtime serve --port $(PORT) --emulator-port $(EMULATOR_PORT) $(if $(PARAMETERS),--parameter-overrides $(PARAMETERS))

token: install
	@test "$(origin USER)" = "command line" || { echo "usage: make token USER=<user id> [ADMIN=1] [BRAND=<brand id>]" >&2; exit 2; }
	@$(PY) -m local_runtime token "$(USER)" $(if $(filter 1 true yes,$(ADMIN)),--admin) $(if $(BRAND),--brand "$(BRAND)")

invoke: install
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=<function folder> EVENT=<event file>" >&2; exit 2; }
	@$(PY) -m local_runtime invoke "$(FN)" "$(EVENT)"

recalc: install
	@$(PY) -m local_runtime recalculate-archetypes

retention: install
	@$(PY) -m local_runtime apply-retention

endpoint: install
	@$(PY) -m local_runtime endpoint

openapi: install
	$(PY) -m local_runtime openapi

lint: install install-sam
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy layers/nudge/nudge functions local_runtime tests benchmarks .ci
	$(PY) -m local_runtime openapi --check
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --template template.yaml
	$(SAM_VENV)/bin/python .ci/translate_template.py template.yaml .aws-sam/translated-template.json
	$(SAM_VENV)/bin/cfn-lint .aws-sam/translated-template.json

unit: install
	$(PY) -m pytest tests/unit
# The integration and e2e suites check every call against the translated template (the SAM translator lives in .venv-sam).
integration: install install-sam
	$(PY) -m pytest tests/integration
e2e: install install-sam
	$(PY) -m pytest tests/e2e

test: lint
	$(PY) -m pytest

build: install-sam
	PATH="$(dir $(PYTHON)):$$PATH" SAM_CLI_TELEMETRY=0 $(SAM) build --template template.yaml

bench: install
	$(PY) benchmarks/run.py

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
