"""LLM responses cached on disk by a hash of model settings and prompt, so eval reruns are free."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import warnings
from pathlib import Path
from typing import Any

from langchain_core._api.beta_decorator import LangChainBetaWarning
from langchain_core.caches import RETURN_VAL_TYPE, BaseCache
from langchain_core.load import dumps, loads
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, Generation


class SQLiteLLMCache(BaseCache):
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(self.path), check_same_thread=False)
        self._conn.execute("CREATE TABLE IF NOT EXISTS llm_cache (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._conn.commit()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(prompt: str, llm_string: str) -> str:
        return hashlib.sha256(f"{llm_string}\n{prompt}".encode()).hexdigest()

    def lookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM llm_cache WHERE key=?", (self.key(prompt, llm_string),)).fetchone()
            if row is None:
                self.misses += 1
                return None
            self.hits += 1
        # Cached answers are generations of chat messages: nothing else may be revived.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LangChainBetaWarning)  # `loads` is marked beta; its format is stable
            return loads(row[0], allowed_objects=[ChatGeneration, Generation, AIMessage, AIMessageChunk, ChatGenerationChunk])

    def update(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO llm_cache VALUES (?, ?)", (self.key(prompt, llm_string), dumps(return_val)))
            self._conn.commit()

    def clear(self, **kwargs: Any) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM llm_cache")
            self._conn.commit()

    def close(self) -> None:
        self._conn.close()
