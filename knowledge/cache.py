"""Embedding cache keyed by model and content hash, so a rebuild only embeds what changed."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)


def content_key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """SQLite table (key -> float32 bytes); safe for concurrent builds and cheap to extend."""

    batch = 256

    def lookup(self, model: str, texts: Sequence[str]) -> dict[int, np.ndarray]:
        """Cached vectors by position, for callers that must not embed (benchmarks)."""
        keys = [content_key(model, t) for t in texts]
        where = {k: i for i, k in enumerate(keys)}
        out: dict[int, np.ndarray] = {}
        with self._connect() as db:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                marks = ",".join("?" * len(part))
                for key, blob in db.execute(f"SELECT key, vec FROM emb WHERE key IN ({marks})", part):  # noqa: S608
                    out[where[key]] = np.frombuffer(blob, dtype=np.float32)
        return out

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection that commits on success and is always closed."""
        db = sqlite3.connect(self.path, timeout=30)
        try:
            with db:
                yield db
        finally:
            db.close()

    def embed(
        self, model: str, texts: Sequence[str], encode: Callable[[list[str]], np.ndarray], dim: int
    ) -> tuple[np.ndarray, int]:
        """Vectors for ``texts`` (cached ones reused) and how many had to be computed."""
        keys = [content_key(model, t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._connect() as db:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, blob in db.execute(f"SELECT key, vec FROM emb WHERE key IN ({marks})", chunk):  # noqa: S608
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        missing = sorted({k: i for i, k in enumerate(keys) if k not in found or found[k].shape[0] != dim}.items(),
                         key=lambda kv: kv[1])
        # Embed and store in batches so an interrupted build keeps what it already computed.
        for start in range(0, len(missing), self.batch):
            part = missing[start : start + self.batch]
            new = np.asarray(encode([texts[i] for _, i in part]), dtype=np.float32)
            with self._connect() as db:
                db.executemany(
                    "INSERT OR REPLACE INTO emb (key, vec) VALUES (?, ?)",
                    [(k, new[j].tobytes()) for j, (k, _) in enumerate(part)],
                )
            for j, (k, _) in enumerate(part):
                found[k] = new[j]
            logger.info("embedded %d/%d new texts", min(start + self.batch, len(missing)), len(missing))
        out = np.vstack([found[k] for k in keys]) if keys else np.zeros((0, dim), dtype=np.float32)
        return out.astype(np.float32, copy=False), len(missing)
