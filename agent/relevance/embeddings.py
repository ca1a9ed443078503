"""Dense embeddings for the semantic stage, from any OpenAI-compatible `/embeddings` endpoint (`[models.embeddings]`).

Vectors are cached by model and text in the data directory, so a paper is embedded once however many days it is
scored (library papers every day, background papers while they stay recent).
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import numpy as np

from agent.config import ResolvedModel
from agent.relevance.relevance_model import library_rank


class EmbeddingCache:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")

    def get(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = self._db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(chunk))})", chunk)
            found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        return found

    def put(self, items: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                 [(k, v.astype(np.float32).tobytes()) for k, v in items.items()])

    def close(self) -> None:
        self._db.close()


class Embedder:
    """Unit-length vectors for texts; only texts not cached go to the endpoint, in batches."""

    def __init__(self, model: ResolvedModel, cache_path: Path, *, batch_size: int = 64, client=None):
        self.model = model
        self.batch_size = batch_size
        self._cache = EmbeddingCache(cache_path)
        self._client = client

    def _endpoint(self):
        if self._client is None:
            from langchain_openai import OpenAIEmbeddings  # only when an embeddings endpoint is configured

            self._client = OpenAIEmbeddings(
                model=self.model.model, base_url=self.model.base_url,
                api_key=self.model.api_key.get_secret_value() if self.model.api_key else "not-needed",
                # Plain strings: the endpoint may not share OpenAI's tokenizer.
                check_embedding_ctx_length=False, timeout=self.model.timeout, max_retries=self.model.max_retries,
            )
        return self._client

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model.base_url}\n{self.model.model}\n{text}".encode()).hexdigest()

    def embed(self, texts: list[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        known = self._cache.get(list(dict.fromkeys(keys)))
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in known))
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start : start + self.batch_size]
            vectors = self._endpoint().embed_documents(batch)
            fresh = {self._key(t): _unit(np.asarray(v, dtype=np.float32)) for t, v in zip(batch, vectors, strict=True)}
            self._cache.put(fresh)
            known.update(fresh)
        return np.vstack([known[k] for k in keys]) if keys else np.zeros((0, 0), dtype=np.float32)

    def close(self) -> None:
        self._cache.close()


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm else v


class DenseScores:
    """Cosine similarity of each candidate to its nearest reference (the profile text, then the library papers),
    and each library paper's similarity to its nearest *other* reference: the leave-one-out distribution."""

    def __init__(self, embedder: Embedder, references: list[str], titles: list[str], candidates: list[str]):
        ref = embedder.embed(references)
        cand = embedder.embed(candidates)
        sims = cand @ ref.T
        best = sims.argmax(axis=1)
        self.similarity = sims[np.arange(len(candidates)), best].astype(float)
        self.nearest = [titles[i] for i in best]
        within = ref @ ref.T
        np.fill_diagonal(within, -np.inf)
        # Row 0 is the profile text; library paper i's nearest other reference, in library order, then sorted.
        self.loo_by_paper = within[1:].max(axis=1) if len(references) > 1 else np.zeros(0)
        self.loo = np.sort(self.loo_by_paper)

    def library_rank(self, value: float) -> float:
        """Share of the library's own (leave-one-out) similarities at or below `value`."""
        return library_rank(self.loo, value)
