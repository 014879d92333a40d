"""The embedder for knowledge-gap clustering: the project's own, loaded on first use, never at import; and the
cache of gap results the analytics router's lifespan opened.

Tests replace the embedder with ``app.dependency_overrides[get_gap_embedder]``.
"""

import logging
import threading
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request

from api.analytics.cache import GapCache
from api.dependencies import SettingsDep

logger = logging.getLogger(__name__)


class Embedder(Protocol):
    def encode(self, sentences: list[str], **kwargs: Any) -> Any: ...

_lock = threading.Lock()
_loaded: dict[str, Embedder] = {}


def get_gap_embedder(settings: SettingsDep) -> Embedder | str:
    """The embedder, or a Chinese message saying why it is not available."""
    name = settings.embedder
    with _lock:
        if name in _loaded:
            return _loaded[name]
        try:
            from knowledge.embedders import load_embedder

            model: Embedder = load_embedder(name)  # type: ignore[assignment]
        except Exception as exc:  # any failure means "not available"; the page explains and goes on
            logger.warning("gap clustering: embedder %s unavailable: %s", name, exc)
            return (f"语义聚类不可用：知识库索引或语义模型（{name}）尚未构建或无法加载，"
                    "请先运行 python -m knowledge build。")
        _loaded[name] = model
        return model


GapEmbedderDep = Annotated[Any, Depends(get_gap_embedder)]


def get_gap_cache(request: Request) -> GapCache:
    cache: GapCache = request.app.state.gap_cache
    return cache


GapCacheDep = Annotated[GapCache, Depends(get_gap_cache)]
