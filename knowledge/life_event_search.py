"""Finding a life event beside the guides: "生娃娃了要办哪些手续" is the newborn checklist, "出生医学证明在哪开"
still the one guide (docs/life-events.md, "Search").

Each event is known by its title, aliases and summary, embedded once with the search's model. A question is the
event's when it contains one of the event's names, or when it is close to the event (``life_event_at``) and closer
to it than to any guide by the calibration's ``life_event_margin`` — unless it names one guide exactly and asks one
thing of it (where, what to bring, how long), which is that guide's question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from knowledge.calibration import Calibration
from knowledge.schema import Aspect, LifeEvent
from knowledge.textproc import expand, normalize

# A question that names a service asks this of it, not what a whole life event needs.
_ONE_THING: frozenset[Aspect | None] = frozenset(
    {"materials", "fees", "benefits", "time", "place", "conditions", "online", "phone"}
)


# "要办哪些手续", "要办些啥子", "该干啥": the question asks what a whole situation needs, not one thing of one service.
_ASKS_MANY = re.compile(
    r"(哪些|哪几|啥子|什么|些啥|些什么|哪样|好多|几样)(手续|事情|事项|证件|部门)|"
    r"(办|弄|搞|跑)(哪些|些啥|些什么|啥子|什么)(?!材料|资料|东西|证明)|"
    r"都要办|都得办|要办的事|一套手续|全部手续|所有手续|(该|要)(干|做)(啥|什么|哪些)"
)


def asks_many(query: str) -> bool:
    return bool(_ASKS_MANY.search(query))


class LifeEventFinder:
    def __init__(self, events: Sequence[LifeEvent], encode: Callable[[list[str]], np.ndarray]) -> None:
        self.events = {e.id: e for e in events}
        self.owner: list[str] = []
        texts: list[str] = []
        self.names: dict[str, list[str]] = {}
        for event in events:
            self.names[event.id] = [n for n in (normalize(t) for t in (event.title, *event.aliases)) if len(n) >= 3]
            for text in (event.title, *event.aliases, event.summary):
                texts.append(text)
                self.owner.append(event.id)
        self.vectors = np.asarray(encode(texts), dtype=np.float32) if texts else np.zeros((0, 1), np.float32)

    def named(self, query: str) -> str | None:
        """The event whose title or alias the question contains (the longest such name)."""
        text = expand(query)
        found = [(len(n), eid) for eid, names in self.names.items() for n in names if n in text]
        return max(found)[1] if found else None

    def by_signs(self, query: str) -> str | None:
        """The event whose situation word comes first in the question ("父亲去世，他名下的房子…" is after-death)."""
        found = [(i, e.id) for e in self.events.values() for sign in e.signs if (i := query.find(sign)) >= 0]
        return min(found)[1] if found else None

    def several_named(self, named_guides: set[str]) -> str | None:
        """The one event two or more of whose services the question names."""
        counts = {e.id: len(named_guides & {s.guide for s in e.services}) for e in self.events.values()}
        several = [e for e, n in counts.items() if n >= 2]
        return several[0] if len(several) == 1 else None

    def closest(
        self, query_vector: np.ndarray, ranked_guides: Sequence[str], margin: float
    ) -> tuple[str | None, float]:
        """The event nearest the question (dense cosine of its nearest name) and that similarity.

        Events closer than ``margin`` to the nearest are not told apart by their names ("娃娃上小学要办哪些手续" is
        as near "生娃娃要办哪些手续"): among them, the one holding the guide the search ranks highest wins.
        """
        if not self.owner:
            return None, 0.0
        sims = self.vectors @ query_vector.reshape(-1)
        nearest: dict[str, float] = {}
        for event_id, sim in zip(self.owner, sims.tolist(), strict=True):
            nearest[event_id] = max(nearest.get(event_id, -1.0), sim)
        top = max(nearest.values())
        close = [e for e, s in nearest.items() if s > top - margin]
        rank = {g: n for n, g in enumerate(ranked_guides)}

        def first_guide(event_id: str) -> int:
            return min((rank.get(s.guide, len(rank)) for s in self.events[event_id].services), default=len(rank))

        best = min(close, key=lambda e: (first_guide(e), -nearest[e]))
        return best, nearest[best]

    def find(
        self,
        query: str,
        query_vector: np.ndarray,
        *,
        guide_dense: float,
        ranked_guides: Sequence[str],
        named_guides: set[str],
        aspect: Aspect | None,
        cal: Calibration,
    ) -> str | None:
        """The event the question is about, or ``None`` for a guide's question.

        ``guide_dense`` is the best guide's dense similarity, ``ranked_guides`` the guide ids best first,
        ``named_guides`` the guides whose title or alias the question contains.
        """
        named = self.named(query)
        if named is not None:
            return named
        # Two services of one event in one message, asking how ("出生证、上户口、医保这些咋个弄"), ask for its list;
        # asking one thing ("生育津贴要带啥，出生证明要原件不") names the other as a document.
        if aspect not in _ONE_THING and (several := self.several_named(named_guides)) is not None:
            return several
        event_id, similarity = self.closest(query_vector, ranked_guides, cal.life_event_margin)
        guide_named = bool(ranked_guides) and ranked_guides[0] in named_guides
        if event_id is None or (guide_named and aspect in _ONE_THING):
            return None
        # A question that asks what a situation needs is its event's (the one whose situation it names, else the
        # nearest), however near one guide is.
        if asks_many(query) and similarity >= cal.life_event_asks_many_at:
            return self.by_signs(query) or event_id
        if similarity < cal.life_event_at or similarity - guide_dense < cal.life_event_margin:
            return None
        return self.by_signs(query) or event_id
