"""The knowledge base as the actions see it: opened once per process, on first use, off the event loop."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from knowledge import Guide

logger = logging.getLogger(__name__)


class KnowledgeBaseLike(Protocol):
    """The part of ``knowledge.KnowledgeBase`` the actions use (tests pass a fake with this shape)."""

    def search(self, query: str, k: int = 5, *, guide_id: str | None = None) -> Any: ...

    def guide(self, guide_id: str) -> Any: ...

    def guides(self) -> list[Any]: ...

    def life_events(self) -> list[Any]: ...


_open_lock = threading.Lock()
# Searches share one model; running them one at a time keeps 2 shared cores from thrashing.
_search_lock = threading.Lock()
_kb: KnowledgeBaseLike | None = None


def get_knowledge_base() -> KnowledgeBaseLike:
    """Open and warm up the knowledge base the first time it is needed in this process."""
    global _kb
    if _kb is None:
        with _open_lock:
            if _kb is None:
                from knowledge import KnowledgeBase

                logger.info("opening the knowledge base")
                opened = KnowledgeBase.open()
                opened.warm_up()
                _kb = opened
    return _kb


def use_knowledge_base(kb: KnowledgeBaseLike | None) -> None:
    """Use this knowledge base in this process (tests; ``None`` reopens the real one on next use)."""
    global _kb
    _kb = kb


def _search_blocking(text: str, k: int, guide_id: str | None) -> Any:
    kb = get_knowledge_base()
    with _search_lock:
        try:
            return kb.search(text, k=k, guide_id=guide_id)
        except LookupError:
            if guide_id is None:
                raise
            # A guide remembered in the conversation may have left the index since.
            logger.warning("guide %s is not in the index", guide_id)
            return None


async def search(text: str, *, k: int = 5, guide_id: str | None = None) -> Any:
    """``KnowledgeBase.search`` in a worker thread, so the action server keeps serving other requests.

    Restricted to ``guide_id``, it returns ``None`` when that guide is not in the index.
    """
    return await asyncio.to_thread(_search_blocking, text, k, guide_id)


def find_guide(guide_id: str) -> Guide | None:
    """The full guide, or ``None`` when the id is unknown or the entry is not a structured guide."""
    try:
        guide = get_knowledge_base().guide(guide_id)
    except (KeyError, LookupError, ValueError):
        logger.warning("unknown guide id %s", guide_id)
        return None
    return guide if hasattr(guide, "materials") else None
