"""Vector stores behind one ``typing.Protocol``: exact inner product, and HNSW above a size threshold.

Vectors are L2-normalised, so inner product is cosine similarity.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

logger = logging.getLogger(__name__)

StoreKind = Literal["exact", "hnsw"]
ANN_THRESHOLD = 20_000  # chunks; below this exact search is fast enough and has perfect recall
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96


@runtime_checkable
class VectorStore(Protocol):
    kind: StoreKind

    def __len__(self) -> int: ...

    def add(self, vectors: np.ndarray) -> None: ...

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of shape (n_queries, k); ids are -1 where fewer than k vectors exist."""
        ...

    def vectors(self, ids: list[int]) -> np.ndarray: ...

    def save(self, path: Path) -> None: ...


class _FaissStore:
    kind: StoreKind

    def __init__(self, index: Any) -> None:
        self.index = index

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def add(self, vectors: np.ndarray) -> None:
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = max(1, min(k, len(self)))
        scores, ids = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return scores, ids

    def vectors(self, ids: list[int]) -> np.ndarray:
        if not ids:
            return np.zeros((0, self.index.d), dtype=np.float32)
        return np.vstack([self.index.reconstruct(int(i)) for i in ids])

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))


class ExactStore(_FaissStore):
    """``IndexFlatIP``: brute force, exact."""

    kind: StoreKind = "exact"

    def __init__(self, dim: int, index: Any = None) -> None:
        import faiss

        super().__init__(index if index is not None else faiss.IndexFlatIP(dim))


class HNSWStore(_FaissStore):
    """``IndexHNSWFlat`` with inner product: approximate, sub-linear; recall measured against ``ExactStore``."""

    kind: StoreKind = "hnsw"

    def __init__(self, dim: int, index: Any = None, ef_search: int = HNSW_EF_SEARCH) -> None:
        import faiss

        if index is None:
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = ef_search
        super().__init__(index)


def choose_kind(n_vectors: int, threshold: int = ANN_THRESHOLD) -> StoreKind:
    return "hnsw" if n_vectors >= threshold else "exact"


def new_store(kind: StoreKind, dim: int) -> VectorStore:
    return HNSWStore(dim) if kind == "hnsw" else ExactStore(dim)


def load_store(path: Path, kind: StoreKind) -> VectorStore:
    import faiss

    index = faiss.read_index(str(path))
    return HNSWStore(index.d, index) if kind == "hnsw" else ExactStore(index.d, index)


def recall_at_k(approx_ids: np.ndarray, exact_ids: np.ndarray, k: int) -> float:
    """Share of the exact top-k that the approximate search also returns."""
    hits = sum(len(set(a[:k]) & set(e[:k])) for a, e in zip(approx_ids, exact_ids, strict=True))
    return hits / (k * len(exact_ids)) if len(exact_ids) else 1.0
