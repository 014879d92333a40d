"""Build an index directory (FAISS + BM25 + metadata) and swap it in atomically; open one for search.

``index_dir`` is a symlink to a versioned build folder beside it, replaced with ``os.replace`` so a reader
never sees a half-built index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.cache import EmbeddingCache
from knowledge.calibration import INDEX_WEIGHTS_FILE
from knowledge.chunking import Chunk, chunk_entry
from knowledge.documents import Document, Entry
from knowledge.embedders import canonical_name, embedding_dimension, load_embedder
from knowledge.lexical import BM25Index
from knowledge.schema import Guide
from knowledge.stores import StoreKind, VectorStore, choose_kind, load_store, new_store
from knowledge.textproc import DICTIONARY_DIR

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
META = "meta.json"
KEEP_BUILDS = 2


class IndexError_(RuntimeError):
    """Base for index problems (missing, foreign, corrupt)."""


class IndexMissingError(IndexError_):
    pass


class ForeignIndexError(IndexError_):
    """The index was built with another embedder (or dimension) than the one configured."""


@dataclass
class IndexMeta:
    embedder: str
    dimension: int
    corpus_hash: str
    store: StoreKind
    n_chunks: int
    n_entries: int
    format: int = FORMAT_VERSION
    guides_dir: str | None = None
    built_at: float = field(default_factory=time.time)
    build_seconds: float = 0.0

    @classmethod
    def read(cls, index_dir: Path) -> IndexMeta:
        path = index_dir / META
        if not path.exists():
            raise IndexMissingError(f"no index at {index_dir}: run `python -m knowledge build`")
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def _entry_record(entry: Entry, origin: str) -> dict[str, Any]:
    kind = "guide" if isinstance(entry, Guide) else "document"
    return {"kind": kind, "origin": origin, "data": entry.model_dump(mode="json")}


def entry_from_record(rec: dict[str, Any]) -> Entry:
    model = Guide if rec["kind"] == "guide" else Document
    return model.model_validate(rec["data"])


def _tokenizer_fingerprint() -> str:
    from knowledge import synonyms, textproc

    h = hashlib.sha256()
    for path in sorted(DICTIONARY_DIR.glob("*.txt")):
        h.update(path.read_bytes())
    h.update(Path(synonyms.__file__).read_bytes())
    h.update(Path(textproc.__file__).read_bytes())
    return h.hexdigest()[:16]


def corpus_hash(chunks: list[Chunk], entries: list[Entry]) -> str:
    h = hashlib.sha256(f"format={FORMAT_VERSION};tok={_tokenizer_fingerprint()}".encode())
    for c in chunks:
        h.update(json.dumps(c.to_dict(), ensure_ascii=False, sort_keys=True).encode())
    for e in entries:
        h.update(json.dumps(e.model_dump(mode="json"), ensure_ascii=False, sort_keys=True).encode())
    return h.hexdigest()


def is_up_to_date(index_dir: Path, embedder: str, digest: str) -> bool:
    try:
        meta = IndexMeta.read(index_dir)
    except (IndexError_, TypeError, ValueError):
        return False
    return meta.corpus_hash == digest and meta.embedder == embedder and meta.format == FORMAT_VERSION


def read_entries(index_dir: Path, origin: str | None = None) -> list[Entry]:
    path = index_dir / "entries.jsonl"
    if not path.exists():
        return []
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if origin is None or rec["origin"] == origin:
                out.append(entry_from_record(rec))
    return out


@dataclass
class BuildReport:
    index_dir: Path
    up_to_date: bool
    n_entries: int
    n_chunks: int
    embedded: int = 0
    seconds: float = 0.0
    store: str = ""


def build_index(
    index_dir: Path,
    entries: list[tuple[Entry, str]],
    *,
    embedder: str,
    cache_dir: Path,
    guides_dir: Path | None = None,
    force: bool = False,
    model: Any = None,
    store_kind: StoreKind | None = None,
) -> BuildReport:
    """Build ``entries`` (each with its origin, "guides" or "import") into ``index_dir`` unless up to date."""
    started = time.perf_counter()
    name = canonical_name(embedder)
    ordered = sorted(entries, key=lambda pair: pair[0].id)
    ids = [e.id for e, _ in ordered]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate entry ids in corpus")
    chunks = [c for e, _ in ordered for c in chunk_entry(e)]
    digest = corpus_hash(chunks, [e for e, _ in ordered])
    if not force and is_up_to_date(index_dir, name, digest):
        return BuildReport(index_dir, True, len(ordered), len(chunks))
    if not chunks:
        raise ValueError("nothing to index: the corpus is empty")

    model = model if model is not None else load_embedder(name)
    dim = embedding_dimension(model)
    cache = EmbeddingCache(cache_dir / "embeddings.sqlite")
    texts = [c.search_text for c in chunks]
    vectors, embedded = cache.embed(
        name, texts, lambda t: model.encode_document(t, batch_size=64, normalize_embeddings=True), dim
    )
    kind = store_kind or choose_kind(len(chunks))
    store = new_store(kind, dim)
    store.add(vectors)

    builds = _builds_dir(index_dir)
    builds.mkdir(parents=True, exist_ok=True)
    # Unique even for two builds of one corpus in the same second (a forced rebuild): the swap must never collide.
    target = builds / f"{time.strftime('%Y%m%d-%H%M%S')}-{digest[:12]}-{uuid.uuid4().hex[:8]}"
    tmp = target.with_name(target.name + ".partial")
    tmp.mkdir()
    try:
        store.save(tmp / "vectors.faiss")
        for lex in ("words", "chars"):
            BM25Index.build(lex, texts).save(tmp / f"bm25_{lex}")  # type: ignore[arg-type]
        with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as fh:
            for c in chunks:
                fh.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
        with (tmp / "entries.jsonl").open("w", encoding="utf-8") as fh:
            for e, origin in ordered:
                fh.write(json.dumps(_entry_record(e, origin), ensure_ascii=False) + "\n")
        seconds = time.perf_counter() - started
        meta = IndexMeta(
            embedder=name,
            dimension=dim,
            corpus_hash=digest,
            store=kind,
            n_chunks=len(chunks),
            n_entries=len(ordered),
            guides_dir=str(guides_dir) if guides_dir else None,
            build_seconds=round(seconds, 3),
        )
        (tmp / META).write_text(json.dumps(meta.__dict__, ensure_ascii=False, indent=1), encoding="utf-8")
        if (index_dir / INDEX_WEIGHTS_FILE).exists():  # weights fitted for this corpus stay with it
            shutil.copy2(index_dir / INDEX_WEIGHTS_FILE, tmp / INDEX_WEIGHTS_FILE)
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    swap_in(index_dir, target)
    logger.info("built index %s: %d chunks, %d embedded, %.1fs", target, len(chunks), embedded, seconds)
    return BuildReport(index_dir, False, len(ordered), len(chunks), embedded, seconds, kind)


def _builds_dir(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.builds"


def swap_in(index_dir: Path, target: Path) -> None:
    """Point ``index_dir`` at ``target`` atomically; keep the previous build, drop older ones."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    if index_dir.exists() and not index_dir.is_symlink():
        # A plain directory from elsewhere: move it among the builds so the link can replace it.
        index_dir.rename(_builds_dir(index_dir) / f"legacy-{time.strftime('%Y%m%d-%H%M%S')}")
    link = index_dir.with_name(f".{index_dir.name}.link-{os.getpid()}")
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(os.path.relpath(target, index_dir.parent), link)
    os.replace(link, index_dir)
    builds = sorted(
        (p for p in _builds_dir(index_dir).iterdir() if p.is_dir() and not p.name.endswith(".partial")),
        key=lambda p: p.stat().st_mtime,
    )
    for old in builds[:-KEEP_BUILDS]:
        if old.resolve() != target.resolve():
            shutil.rmtree(old, ignore_errors=True)


@dataclass
class LoadedIndex:
    meta: IndexMeta
    chunks: list[Chunk]
    entries: list[Entry]
    store: VectorStore
    words: BM25Index
    chars: BM25Index
    chunk_guide: np.ndarray  # chunk row -> entry position
    path: Path


def open_index(index_dir: Path, embedder: str) -> LoadedIndex:
    """Load an index, refusing one built with another embedder."""
    real = index_dir.resolve()
    meta = IndexMeta.read(real)
    name = canonical_name(embedder)
    if meta.embedder != name:
        raise ForeignIndexError(
            f"index {index_dir} was built with embedder {meta.embedder!r}, but {name!r} is configured; "
            "rebuild it with `python -m knowledge build` or set GOVCHAT_EMBEDDER"
        )
    if meta.format != FORMAT_VERSION:
        raise ForeignIndexError(f"index {index_dir} has format {meta.format}, expected {FORMAT_VERSION}: rebuild it")
    with (real / "chunks.jsonl").open(encoding="utf-8") as fh:
        chunks = [Chunk(**json.loads(line)) for line in fh]
    entries = read_entries(real)
    position = {e.id: i for i, e in enumerate(entries)}
    store = load_store(real / "vectors.faiss", meta.store)
    if len(store) != len(chunks) or len(chunks) != meta.n_chunks:
        raise IndexError_(f"index {index_dir} is inconsistent: rebuild it")
    return LoadedIndex(
        meta=meta,
        chunks=chunks,
        entries=entries,
        store=store,
        words=BM25Index.load("words", real / "bm25_words", len(chunks)),
        chars=BM25Index.load("chars", real / "bm25_chars", len(chunks)),
        chunk_guide=np.array([position[c.guide_id] for c in chunks], dtype=np.int64),
        path=real,
    )
