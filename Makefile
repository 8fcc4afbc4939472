# Noor: `make run` starts the service and its demo on embedded defaults; `make test` runs every check.
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
export UV_LINK_MODE ?= copy
export LANGGRAPH_CLI_NO_ANALYTICS := 1
export LANGGRAPH_NO_VERSION_CHECK := true

.PHONY: help bootstrap install system-deps run test check lint format pytest bench studio clean

# Debian packages the tests use: Chromium for the managers' inbox browser tests, espeak-ng/sox/ffmpeg to
# make voice notes for the speech-to-text tests, poppler-utils (pdftoppm) to check quotation PDFs render.
SYSTEM_PACKAGES := chromium chromium-driver espeak-ng sox libsox-fmt-all ffmpeg poppler-utils

help:
	@echo "make run    start Noor with its sandbox (fake Wazzup, Zoho, Telegram, OpenRouter) on embedded defaults"
	@echo "make test   install, lint (ruff), type-check (mypy --strict) and run the test suite"
	@echo "make bench  run the benchmarks in bench/ (results go in docs/benchmarks.md)"
	@echo "make studio open the graphs in LangGraph Studio (langgraph dev --port 2025)"

bootstrap:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"

install: bootstrap
	@$(UV) sync --frozen --extra voice --quiet

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		($$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null) \
			|| echo "warning: could not install$$missing; the tests that need them will be skipped"; \
	fi

# `make run` syncs the environment only when uv.lock or pyproject.toml changed since its last sync, and compiles
# the bytecode (the packages' and ours, when a source changed): otherwise every start compiles ~1,500 modules
# again wherever .pyc files are not written (PYTHONDONTWRITEBYTECODE, read-only trees).
RUN_SYNCED := .venv/.noor-run-synced
RUN_COMPILED := .venv/.noor-run-compiled
PACKAGES := agent tools graphs prompts server sandbox

$(RUN_SYNCED): uv.lock pyproject.toml
	@$(MAKE) --no-print-directory bootstrap
	@$(UV) sync --frozen --extra voice --quiet --compile-bytecode
	@touch $@

run: $(RUN_SYNCED)
	@if [ ! -f $(RUN_COMPILED) ] || [ -n "$$(find $(PACKAGES) -name '*.py' -newer $(RUN_COMPILED) -print -quit)" ]; then \
		touch $(RUN_COMPILED); $(UV) run --no-sync python -m compileall -q $(PACKAGES) >/dev/null; fi
	$(UV) run --no-sync noor run

test: install system-deps check pytest

check: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy
	$(UV) run lint-imports --no-logo

pytest: install
	$(UV) run pytest

format: install
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

bench: install
	@for script in bench/*.py; do \
		name=$$(basename $$script .py); [ "$$name" = "__init__" ] && continue; \
		echo "== $$name"; $(UV) run python -m bench.$$name || exit 1; done

# Studio's langgraph-api and the dev group's schemathesis pin different jsonschema-rs: Studio gets its own environment.
studio: bootstrap
	UV_PROJECT_ENVIRONMENT=.venv-studio $(UV) run --frozen --no-dev --group studio --extra voice \
		langgraph dev --port 2025 --no-browser --no-reload

clean:
	rm -rf .data .mypy_cache .ruff_cache .pytest_cache

# Evals (docs/evals.md): the active scenarios with the offline model; fails when any scenario fails.
# EVAL_ARGS adds options, e.g. make eval EVAL_ARGS="--trials 3 --tag quotation".
.PHONY: eval
eval: install
	$(UV) run python -m evals --status active --strict $(EVAL_ARGS)
eval-metamorphic: install  # active scenarios rewritten by meaning-preserving transformations (docs/evals.md); EVAL_ARGS="--transform typos --limit 10"
	$(UV) run python -m evals.metamorphic $(EVAL_ARGS)
