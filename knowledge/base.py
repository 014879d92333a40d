"""``KnowledgeBase``: the public entry point (open cheaply, ``warm_up()`` loads models and indexes)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from knowledge.calibration import Calibration, load_calibration, with_index_weights
from knowledge.documents import Entry
from knowledge.life_event_search import LifeEventFinder
from knowledge.loader import GuideLoadError, load_life_events
from knowledge.schema import Aspect, Guide, LifeEvent
from knowledge.search import Method, Searcher, Signals, best_chunk, features, rank

logger = logging.getLogger(__name__)

Decision = Literal["answer", "clarify", "fallback"]


class UnknownGuideError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown guide"


class Hit(BaseModel):
    model_config = ConfigDict(frozen=True)

    guide_id: str
    title: str
    section: str  # an Aspect value or "faq"
    section_title: str
    text: str
    score: float
    url: str | None = None


class SearchResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    query: str
    hits: list[Hit]
    aspect: Aspect | None
    confidence: float
    decision: Decision
    life_event: str | None = None  # the life event (高效办成一件事) the question is about, when it is one


class KnowledgeBase:
    def __init__(
        self,
        index_dir: Path,
        embedder: str,
        calibration: Calibration | None = None,
        life_events_dir: Path | None = None,
    ) -> None:
        self.index_dir = index_dir
        self.embedder = embedder
        self.calibration = calibration or load_calibration()
        self.life_events_dir = life_events_dir
        self._lock = threading.Lock()
        self._searcher: Searcher | None = None
        self._entries: list[Entry] | None = None
        self._events: list[LifeEvent] | None = None
        self._event_finder: LifeEventFinder | None = None

    @classmethod
    def open(cls, index_dir: Path | None = None, *, embedder: str | None = None) -> KnowledgeBase:
        """Cheap: nothing is loaded until ``warm_up()`` or the first search."""
        from govchat.settings import get_settings

        settings = get_settings()
        return cls(Path(index_dir) if index_dir else settings.index_dir, embedder or settings.embedder,
                   life_events_dir=settings.life_events_dir)

    def warm_up(self, model: Any = None) -> None:
        """Load the embedder, FAISS and BM25 indexes; idempotent and thread-safe."""
        if self._searcher is not None:
            return
        with self._lock:
            if self._searcher is not None:
                return
            from knowledge.embedders import load_embedder
            from knowledge.index import open_index

            index = open_index(self.index_dir, self.embedder)
            model = model if model is not None else load_embedder(self.embedder)
            model.encode_query(["预热"])  # first call allocates buffers
            self._entries = index.entries
            self.calibration = with_index_weights(self.calibration, index.path, index.meta.embedder)
            self._event_finder = LifeEventFinder(
                self.life_events(),
                lambda texts: model.encode_query(texts, normalize_embeddings=True, convert_to_numpy=True),
            )
            self._searcher = Searcher(index, model)
            logger.info("knowledge base ready: %d entries, %d chunks", len(index.entries), len(index.chunks))

    @property
    def searcher(self) -> Searcher:
        self.warm_up()
        assert self._searcher is not None
        return self._searcher

    def _all_entries(self) -> list[Entry]:
        if self._entries is None:
            from knowledge.index import IndexMeta, read_entries

            IndexMeta.read(self.index_dir.resolve())  # clear error if there is no index
            self._entries = read_entries(self.index_dir.resolve())
        return self._entries

    def guides(self) -> list[Guide]:
        return [e for e in self._all_entries() if isinstance(e, Guide)]

    def life_events(self) -> list[LifeEvent]:
        """The life events built on the indexed guides; a broken events folder is logged and leaves guides
        working (``python -m knowledge validate`` names the file and field)."""
        if self._events is None:
            events: list[LifeEvent] = []
            if self.life_events_dir is not None and self.life_events_dir.is_dir():
                try:
                    events = load_life_events(self.life_events_dir, self.guides())
                except GuideLoadError as exc:
                    logger.error("life events not loaded: %s", exc)
            self._events = events
        return self._events

    def guide(self, guide_id: str) -> Guide:
        for e in self._all_entries():
            if e.id == guide_id:
                if isinstance(e, Guide):
                    return e
                raise UnknownGuideError(f"{guide_id!r} is an imported document, not a full service guide")
        raise UnknownGuideError(f"unknown guide id {guide_id!r} in index {self.index_dir}")

    def signals(self, query: str, *, guide_id: str | None = None) -> Signals:
        s = self.searcher
        only = None
        if guide_id is not None:
            if guide_id not in s.position:
                raise UnknownGuideError(f"unknown guide id {guide_id!r} in index {self.index_dir}")
            only = s.position[guide_id]
        return s.signals(query, only=only)

    def result(self, sig: Signals, k: int = 5, method: Method = "hybrid") -> SearchResult:
        s = self.searcher
        ranking = rank(sig, method, self.calibration)
        hits = []
        for pos, score in ranking[:k]:
            row = best_chunk(s.index, sig, pos, s.rows_by_entry[pos], self.calibration.faq_margin)
            c = s.index.chunks[row]
            hits.append(Hit(guide_id=c.guide_id, title=c.title, section=c.section, section_title=c.section_title,
                            text=c.text, score=round(float(score), 4), url=c.url))
        confidence = self.calibration.confidence(features(sig, ranking)) if hits else 0.0
        decision = self.calibration.decide(confidence)
        return SearchResult(query=sig.query, hits=hits, aspect=sig.aspect, confidence=round(confidence, 4),
                            decision=decision, life_event=self._life_event(sig, ranking))  # type: ignore[arg-type]

    def _life_event(self, sig: Signals, ranking: list[tuple[int, float]]) -> str | None:
        finder = self._event_finder
        if finder is None or not finder.events or not ranking:
            return None
        return finder.find(
            sig.query,
            self.searcher.embed_query(sig.query),
            guide_dense=max(sig.guide_scores["dense"].values(), default=0.0),
            ranked_guides=[self.searcher.index.entries[pos].id for pos, _ in ranking[:20]],
            named_guides={self.searcher.index.entries[pos].id for pos, a in sig.alias.items() if a >= 1.0},
            aspect=sig.aspect,
            cal=self.calibration,
        )

    def search(self, query: str, k: int = 5, *, guide_id: str | None = None, method: Method = "hybrid") -> SearchResult:
        """Guides best first, each with its best section, plus a calibrated confidence and a decision."""
        query = (query or "").strip()
        if not query:
            return SearchResult(query="", hits=[], aspect=None, confidence=0.0, decision="fallback")
        result = self.result(self.signals(query, guide_id=guide_id), k, method)
        # A search restricted to one guide is a follow-up on it, never a life event.
        return result.model_copy(update={"life_event": None}) if guide_id is not None else result
