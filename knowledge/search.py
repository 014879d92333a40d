"""Hybrid ranking: dense + jieba BM25 + character-bigram BM25 + alias matches, fused per guide."""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from knowledge.aspects import NamedAspects
from knowledge.calibration import Calibration
from knowledge.chunking import entry_aliases
from knowledge.homophones import Homophones
from knowledge.index import LoadedIndex
from knowledge.schema import Aspect
from knowledge.textproc import bigram_set, expand, normalize

logger = logging.getLogger(__name__)

Method = Literal["hybrid", "rrf", "dense", "words", "chars"]
RRF_K = 60
RETRIEVERS = ("dense", "words", "chars", "alias")
DENSE_CANDIDATES = 100
LEXICAL_CANDIDATES = 100
NORM_DEPTH = 20
# Button follow-ups ("需要哪些材料", "在哪里办") and common questions repeat across citizens; a hit skips the
# query embedding, which is most of a search's CPU time.
QUERY_CACHE_SIZE = 4096


@dataclass
class Signals:
    """Raw retriever outputs for one query: chunk row -> score, and entry position -> alias score."""

    query: str
    aspect: Aspect | None
    chunk_scores: dict[str, dict[int, float]]
    alias: dict[int, float]
    guide_scores: dict[str, dict[int, float]] = field(default_factory=dict)


def _name_grams(text: str) -> set[str]:
    """Bigrams that can match a name in part: digits in a pasted phone number do not ("12345举报")."""
    return {g for g in bigram_set(text) if not g.isdigit()}


class AliasMatcher:
    """Title and alias matching through an inverted index of character bigrams."""

    def __init__(self, index: LoadedIndex) -> None:
        self.names: list[tuple[int, str, set[str]]] = []
        self.postings: dict[str, list[int]] = defaultdict(list)
        # A number as a name ("12345") names its guide only standing alone, not inside a phone number pasted in.
        self.numbers: list[tuple[int, re.Pattern[str]]] = []
        for pos, entry in enumerate(index.entries):
            for name in entry_aliases(entry):
                norm = normalize(name)
                if norm.isdigit():
                    self.numbers.append((pos, re.compile(rf"(?<!\d){norm}(?!\d)")))
                    continue
                if len(norm) < 2:
                    continue
                grams = _name_grams(name)
                slot = len(self.names)
                self.names.append((pos, norm, grams))
                for g in grams:
                    self.postings[g].append(slot)

    def scores(self, query: str) -> dict[int, float]:
        q_norm = expand(query)
        q_grams = _name_grams(query)
        overlap: dict[int, int] = defaultdict(int)
        for g in q_grams:
            for slot in self.postings.get(g, ()):
                overlap[slot] += 1
        out: dict[int, float] = {}
        for slot, n in overlap.items():
            pos, norm, grams = self.names[slot]
            score = 1.0 if norm in q_norm else 0.8 * n / len(grams)
            if score >= 0.4 and score > out.get(pos, 0.0):
                out[pos] = score
        for pos, number in self.numbers:
            if number.search(q_norm):
                out[pos] = 1.0
        return out


def _top_dict(scores: np.ndarray, n: int) -> dict[int, float]:
    n = min(n, scores.shape[0])
    if n == 0:
        return {}
    idx = np.argpartition(-scores, n - 1)[:n]
    return {int(i): float(scores[i]) for i in idx if scores[i] > 0}


class Searcher:
    def __init__(self, index: LoadedIndex, model: Any) -> None:
        self.index = index
        self.model = model
        self.aliases = AliasMatcher(index)
        self.homophones = Homophones((e.title, entry_aliases(e)) for e in index.entries)
        self.aspect_of = NamedAspects(name for e in index.entries for name in (e.title, *entry_aliases(e)))
        self.rows_by_entry: dict[int, list[int]] = defaultdict(list)
        for row, pos in enumerate(index.chunk_guide.tolist()):
            self.rows_by_entry[pos].append(row)
        self.position = {e.id: i for i, e in enumerate(index.entries)}
        self._embed_lock = threading.Lock()
        import faiss

        faiss.omp_set_num_threads(1)  # one query at a time: threads only add contention
        self.embed_query = functools.lru_cache(maxsize=QUERY_CACHE_SIZE)(self._embed_query)

    def _embed_query(self, query: str) -> np.ndarray:
        # The packaged engines are not documented as thread-safe; one query at a time is also fastest on 2 cores.
        with self._embed_lock:
            vec = self.model.encode_query([query], normalize_embeddings=True, convert_to_numpy=True)
        vec = np.asarray(vec, dtype=np.float32)
        vec.setflags(write=False)  # shared by every later caller of the same query
        return vec

    def signals(self, query: str, *, only: int | None = None) -> Signals:
        """Run every retriever; ``only`` restricts to one entry position (follow-up questions).

        Service names mistyped with a pinyin input method are read as the names they sound like first.
        """
        query = self.homophones.correct(query)
        qvec = self.embed_query(query)
        if only is None:
            scores, ids = self.index.store.search(qvec, DENSE_CANDIDATES)
            dense = {int(i): float(s) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0}
            words = _top_dict(self.index.words.scores(query), LEXICAL_CANDIDATES)
            chars = _top_dict(self.index.chars.scores(query), LEXICAL_CANDIDATES)
            alias = self.aliases.scores(query)
        else:
            rows = self.rows_by_entry.get(only, [])
            vecs = self.index.store.vectors(rows)
            dense = {r: float(s) for r, s in zip(rows, (vecs @ qvec[0]).tolist(), strict=True)}
            w_all, c_all = self.index.words.scores(query), self.index.chars.scores(query)
            words = {r: float(w_all[r]) for r in rows}
            chars = {r: float(c_all[r]) for r in rows}
            alias = {only: self.aliases.scores(query).get(only, 0.0)}
        sig = Signals(query, self.aspect_of(query), {"dense": dense, "words": words, "chars": chars}, alias)
        owner = self.index.chunk_guide
        for name, per_chunk in sig.chunk_scores.items():
            per_guide: dict[int, float] = {}
            for row, s in per_chunk.items():
                pos = int(owner[row])
                if s > per_guide.get(pos, float("-inf")):
                    per_guide[pos] = s
            sig.guide_scores[name] = per_guide
        sig.guide_scores["alias"] = alias
        return sig


def _normalised(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    top = sorted(scores.values(), reverse=True)[:NORM_DEPTH]
    hi, lo = top[0], (top[-1] if len(top) > 1 else 0.0)
    if hi <= lo:
        return {k: (1.0 if v >= hi and hi > 0 else 0.0) for k, v in scores.items()}
    return {k: max(0.0, (v - lo) / (hi - lo)) for k, v in scores.items()}


def rank(sig: Signals, method: Method, cal: Calibration) -> list[tuple[int, float]]:
    """Entry positions with scores, best first."""
    if method == "rrf":  # plain reciprocal rank fusion, kept as the baseline the weighted fusion must beat
        rrf: dict[int, float] = defaultdict(float)
        for name in RETRIEVERS:
            ordered = sorted(sig.guide_scores[name].items(), key=lambda kv: -kv[1])
            for r, (pos, _) in enumerate(ordered, 1):
                rrf[pos] += 1.0 / (RRF_K + r)
        return sorted(rrf.items(), key=lambda kv: -kv[1])
    if method != "hybrid":
        return sorted(sig.guide_scores[method].items(), key=lambda kv: -kv[1])
    fused: dict[int, float] = defaultdict(float)
    for name in RETRIEVERS:
        w = cal.weights.get(name, 0.0)
        if w == 0.0:
            continue
        scores = sig.guide_scores[name]
        norm = scores if name == "alias" else _normalised(scores)
        for pos, v in norm.items():
            fused[pos] += w * v
    return sorted(fused.items(), key=lambda kv: -kv[1])


def features(sig: Signals, ranking: list[tuple[int, float]]) -> dict[str, float]:
    """Inputs of the confidence model, all roughly in 0..1."""
    if not ranking:
        return dict.fromkeys(("dense", "dense_margin", "words", "chars", "alias", "fused_margin", "agreement"), 0.0)
    top = ranking[0][0]
    dense = sig.guide_scores["dense"]
    d_top = dense.get(top, 0.0)
    d_other = max((v for k, v in dense.items() if k != top), default=0.0)
    words = sig.guide_scores["words"].get(top, 0.0)
    chars = sig.guide_scores["chars"].get(top, 0.0)
    f_top = ranking[0][1]
    f_second = ranking[1][1] if len(ranking) > 1 else 0.0
    agreement = 0
    for name in ("dense", "words", "chars"):
        scores = sig.guide_scores[name]
        if scores and max(scores.items(), key=lambda kv: kv[1])[0] == top:
            agreement += 1
    return {
        "dense": d_top,
        "dense_margin": d_top - d_other,
        "words": words / (words + 5.0),
        "chars": chars / (chars + 10.0),
        "alias": sig.alias.get(top, 0.0),
        "fused_margin": (f_top - f_second) / f_top if f_top > 0 else 0.0,
        "agreement": agreement / 3.0,
    }


def best_chunk(index: LoadedIndex, sig: Signals, pos: int, rows: list[int], faq_margin: float) -> int:
    """The chunk of one guide that answers the question.

    The asked-about section if the guide has it, unless one of its FAQs is closer to the question by
    ``faq_margin`` ("二手房过户要交哪些税" is the deed-tax FAQ, not only the registration fee); a question about
    what the citizen receives (no section says it) is a FAQ's; otherwise the chunk most similar to the question.
    The "names" chunk (title and aliases) helps finding a guide but says nothing, so it is never quoted.
    """
    rows = [r for r in rows if not index.chunks[r].chunk_id.endswith("#names")] or rows
    dense = sig.chunk_scores["dense"]
    faqs = [r for r in rows if index.chunks[r].section == "faq"]
    best_faq = max(faqs, key=lambda r: dense.get(r, 0.0), default=None)
    faq_score = dense.get(best_faq, 0.0) if best_faq is not None else 0.0
    if sig.aspect is not None:
        for row in rows:
            if index.chunks[row].section == sig.aspect:
                return best_faq if best_faq is not None and faq_score >= dense.get(row, 0.0) + faq_margin else row
        if sig.aspect == "benefits" and best_faq is not None and faq_score > 0:
            return best_faq
    words = sig.chunk_scores["words"]
    w_max = max((words.get(r, 0.0) for r in rows), default=0.0) or 1.0

    def score(row: int) -> float:
        return dense.get(row, 0.0) + 0.2 * words.get(row, 0.0) / w_max

    overview = next((r for r in rows if index.chunks[r].section == "overview"), rows[0])
    best = max(rows, key=score)
    return best if score(best) > 0 else overview
