"""Knowledge base of service guides (办事指南) with hybrid search.

Importing this package is cheap: models and indexes load in ``KnowledgeBase.warm_up()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from knowledge.schema import ASPECTS, Aspect, Guide

if TYPE_CHECKING:
    from knowledge.aspects import detect_aspect
    from knowledge.base import Hit, KnowledgeBase, SearchResult

__all__ = ["ASPECTS", "Aspect", "Guide", "Hit", "KnowledgeBase", "SearchResult", "detect_aspect"]

_LAZY = {
    "KnowledgeBase": "knowledge.base",
    "SearchResult": "knowledge.base",
    "Hit": "knowledge.base",
    "detect_aspect": "knowledge.aspects",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'knowledge' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
