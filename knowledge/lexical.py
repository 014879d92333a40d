"""BM25 (bm25s) over jieba word tokens or character bigrams."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from knowledge.textproc import bigram_tokens, word_tokens

logger = logging.getLogger(__name__)

LexicalKind = Literal["words", "chars"]
TOKENIZERS: dict[str, Callable[[str], list[str]]] = {"words": word_tokens, "chars": bigram_tokens}


def _bm25s() -> Any:
    import bm25s

    # bm25s sets its own logger to DEBUG on import, which floods the CLI and the services' logs.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


class BM25Index:
    def __init__(self, kind: LexicalKind, bm25: Any, n_docs: int) -> None:
        self.kind = kind
        self.bm25 = bm25
        self.n_docs = n_docs
        self.tokenize = TOKENIZERS[kind]

    @classmethod
    def build(cls, kind: LexicalKind, texts: Sequence[str]) -> BM25Index:
        bm25s = _bm25s()
        tokenize = TOKENIZERS[kind]
        corpus = [tokenize(t) or [""] for t in texts]
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index(corpus, show_progress=False)
        return cls(kind, bm25, len(texts))

    def scores(self, query: str) -> np.ndarray:
        ids = self.bm25.get_tokens_ids(self.tokenize(query))
        if not ids:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self.bm25.get_scores_from_ids(ids), dtype=np.float32)

    def save(self, path: Path) -> None:
        self.bm25.save(str(path), show_progress=False)

    @classmethod
    def load(cls, kind: LexicalKind, path: Path, n_docs: int) -> BM25Index:
        bm25s = _bm25s()
        return cls(kind, bm25s.BM25.load(str(path)), n_docs)
