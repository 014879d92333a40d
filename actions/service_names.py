"""Does a message name a service? Tells a follow-up ("那要多少钱") from a new topic ("公积金怎么取").

A guide is named when the message shares a distinctive two-character piece of its title or aliases:
one that few guides' names contain ("公积", "结婚"), unlike "补办" or "证明" which many share.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable

from actions.knowledge_base import KnowledgeBaseLike, get_knowledge_base

MAX_GUIDES_SHARING = 5  # a piece in more guides' names than this says nothing about which one
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
# Question words that aliases such as "补办身份证要多少钱" contain but that name no service.
_QUESTION_WORDS = (
    "要带什么材料，带哪些东西，要多少钱，花多少，怎么补办，怎么办理，怎么申请，我要办，要办理，证件，在哪里，"
    "能不能，可以吗，网上办，手机上，要几天，多久，到期了，丢了，掉了，坏了，咋个整，咋办，怎么弄，那个，这个，"
    "办公地址在哪，怎么领，怎么换，怎么取，怎么交，怎么开，怎么查，需要什么"
)


def pieces(text: str) -> set[str]:
    """Two-character pieces of the Chinese runs in ``text``."""
    return {run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)}


class NameIndex:
    def __init__(self, names: dict[str, Iterable[str]]) -> None:
        self.pieces = {gid: set().union(*(pieces(n) for n in ns)) for gid, ns in names.items()}
        sharing = Counter(p for ps in self.pieces.values() for p in ps)
        generic = pieces(_QUESTION_WORDS)
        self.distinctive = {
            gid: {p for p in ps if sharing[p] <= MAX_GUIDES_SHARING and p not in generic}
            for gid, ps in self.pieces.items()
        }

    def names(self, text: str, guide_id: str) -> bool:
        return bool(pieces(text) & self.distinctive.get(guide_id, set()))


_lock = threading.Lock()
_cache: tuple[int, NameIndex] | None = None


def name_index(kb: KnowledgeBaseLike | None = None) -> NameIndex:
    """Built once per knowledge base from every guide's title and aliases."""
    global _cache
    kb = kb or get_knowledge_base()
    with _lock:
        if _cache is None or _cache[0] != id(kb):
            _cache = (id(kb), NameIndex({g.id: [g.title, *g.aliases] for g in kb.guides()}))
        return _cache[1]


def names_guide(text: str, guide_id: str) -> bool:
    return name_index().names(text, guide_id)
