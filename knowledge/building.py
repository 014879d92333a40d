"""What goes into an index: the guides folder plus anything imported into that index before."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from knowledge.documents import Entry
from knowledge.index import BuildReport, IndexMeta, IndexMissingError, build_index, read_entries
from knowledge.loader import load_guides

logger = logging.getLogger(__name__)


def default_paths() -> tuple[Path, Path, str, Path]:
    """(index_dir, guides_dir, embedder, cache_dir) from the settings."""
    from govchat.settings import get_settings

    s = get_settings()
    return s.index_dir, s.guides_dir, s.embedder, s.data_dir / "cache"


def corpus_guides_dir(index_dir: Path, guides_dir: Path | None) -> Path | None:
    """The guides folder an index is built from: as given, else the configured one for the default index (so a
    changed ``GOVCHAT_GUIDES_DIR`` is not left unbuilt), else as recorded (an index made by ``import --index``
    holds just what was imported)."""
    if guides_dir is not None:
        return guides_dir
    default_index, default_guides, _, _ = default_paths()
    if index_dir == default_index:
        return default_guides
    try:
        meta = IndexMeta.read(index_dir.resolve())
    except IndexMissingError:
        return None
    return Path(meta.guides_dir) if meta.guides_dir else None


def rebuild(
    index_dir: Path | None = None,
    guides_dir: Path | None = None,
    *,
    extra: list[Entry] | None = None,
    embedder: str | None = None,
    force: bool = False,
    model: Any = None,
) -> BuildReport:
    """Build (or confirm up to date) an index from its guides folder, its imports and ``extra`` imports."""
    d_index, _, d_embedder, cache_dir = default_paths()
    index_dir = index_dir or d_index
    source = corpus_guides_dir(index_dir, guides_dir)
    entries: dict[str, tuple[Entry, str]] = {}
    if index_dir.exists():
        for e in read_entries(index_dir.resolve(), origin="import"):
            entries[e.id] = (e, "import")
    for e in extra or []:
        entries[e.id] = (e, "import")
    if source is not None:
        for g in load_guides(source):
            entries[g.id] = (g, "guides")
    return build_index(
        index_dir,
        list(entries.values()),
        embedder=embedder or d_embedder,
        cache_dir=cache_dir,
        guides_dir=source,
        force=force,
        model=model,
    )
