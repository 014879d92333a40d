"""Does a message name a service? Tells a follow-up ("那要多少钱") from a new topic ("公积金怎么取").

A guide is named by a term of its title or aliases: one of the government terms the search's segmenter knows
(knowledge/dictionary, the synonym table: 公积金, 失业金, 社保卡, 换领) or a whole title or alias. Only terms that
few guides' names contain count ("公积金" names the housing-fund guides, "证明" names nothing), and terms that say
who or what happened rather than which service (娃娃, 丢了, 到期) or what is asked (要多少钱) never count.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from actions.knowledge_base import KnowledgeBaseLike, get_knowledge_base
from knowledge.aspects import DOCUMENT_ASKED, asked_words
from knowledge.textproc import dictionary_terms

MAX_GUIDES_SHARING = 5  # a term in more guides' names than this says nothing about which one
# Who a service is for, what happened and what is done to a document: in many questions, naming no service
# ("补办要钱不" after 出生证明; "公司" is where one works as often as a company to register).
_NOT_NAMES = frozenset(
    "娃娃 娃儿 小娃 孩子 小孩 宝宝 老人 老人家 丢了 掉了 弄丢 搞丢 丢失 不见了 到期 过期 办事指南 政务服务 "
    "政务服务网 全程网办 办理地点 办理流程 受理条件 咨询电话 承诺时限 办结时限 工本费 不做了 关门 "
    "补办 补领 换证 遗失 公司".split()
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Words that contain a service's name without naming the service: where someone is registered ("户口在四川",
# "户口所在地的派出所"), documents to bring, the citizen's or someone else's ("要带户口本不", "拿身份证去",
# "身份证复印件", "需要房东的身份证和房产证吗", "报名要户口本房产证"), one already had ("拿到执照后发票怎么申领") and a
# number pasted in ("身份证号5201...", "电话13985012345" is no 12345 hotline). They are read out before names are
# looked for; "户口迁到贵阳" and "身份证掉了" still name their services.
_NOT_NAMING = re.compile(
    r"\d{6,}|身份证号码?|(户口|户籍)(所在地|不在|在)"
    rf"|{DOCUMENT_ASKED.pattern}"
    r"|[\u4e00-\u9fff]{1,4}?(本|簿|证|卡)的?(复印件|原件)"
    r"|(拿到|办好|办完|领到|有了)[\u4e00-\u9fff]{1,6}?(以后|之后|后)"
)


def _bigrams(text: str) -> set[str]:
    return {run[i : i + 2] for run in re.findall(r"[\u4e00-\u9fff]+", text) for i in range(len(run) - 1)}


def _is_generic(term: str) -> bool:
    return term in _NOT_NAMES or any(term in words for words in asked_words())


class NameIndex:
    def __init__(self, names: dict[str, Iterable[str]], terms: Iterable[str]) -> None:
        """``names``: each guide's title, then its aliases; ``terms``: the words that can name a service."""
        listed = {gid: list(ns) for gid, ns in names.items()}
        # Pieces of titles (the first name) tell offered choices apart: "租房那个".
        self.bigrams = {gid: _bigrams(ns[0]) if ns else set() for gid, ns in listed.items()}
        vocabulary = {t for t in terms if len(t) >= 2 and _CJK.search(t)}
        per_guide = {
            gid: {t for t in vocabulary if any(t in n for n in ns)} | {n for n in ns if len(n) >= 2}
            for gid, ns in listed.items()
        }
        # Every term of a guide's names, shared or not: "医保" names no one guide, but tells the topic.
        self.topics = {gid: {t for t in ts if not _is_generic(t)} for gid, ts in per_guide.items()}
        sharing = Counter(t for ts in per_guide.values() for t in ts)
        self.terms = {
            gid: {t for t in ts if sharing[t] <= MAX_GUIDES_SHARING and not _is_generic(t)}
            for gid, ts in per_guide.items()
        }

    def strength(self, text: str, guide_id: str) -> int:
        """How many of the guide's terms ``text`` contains."""
        return self._strength(_NOT_NAMING.sub("，", text), guide_id)

    def _strength(self, text: str, guide_id: str) -> int:
        return sum(1 for t in self.terms.get(guide_id, ()) if t in text)

    def names(self, text: str, guide_id: str) -> bool:
        return self.strength(text, guide_id) > 0

    def among(self, text: str, candidates: list[str]) -> list[str]:
        """The offered guides a reply to a choice names ("租房那个"): by a two-character piece of the title that
        only one of the candidates has, so the reply needs no full service name."""
        found = _bigrams(text)
        return [
            c for c in candidates
            if found & (self.bigrams.get(c, set()) - set().union(*(self.bigrams.get(o, set()) for o in candidates
                                                                   if o != c)))
        ]

    def mentioned(self, text: str) -> set[str]:
        """The guides whose names share a term with ``text``, however many share it ("娃娃的医保也要参保" mentions
        every guide with 医保 in its names): what the message is about, too broad to pick one guide."""
        text = _NOT_NAMING.sub("，", text)
        return {gid for gid, ts in self.topics.items() if any(t in text for t in ts)}

    def named(self, text: str) -> set[str]:
        """The guides ``text`` names most specifically: those sharing the most terms with it ("身份证换领" names
        居民身份证换领 by two terms, 居民身份证补领 by one)."""
        text = _NOT_NAMING.sub("，", text)
        counts = {gid: self._strength(text, gid) for gid in self.terms}
        best = max(counts.values(), default=0)
        return {gid for gid, n in counts.items() if n == best} if best else set()


_lock = threading.Lock()
_cache: tuple[int, NameIndex] | None = None


@lru_cache(maxsize=1)
def _terms() -> frozenset[str]:
    return frozenset(dictionary_terms())


def name_index(kb: KnowledgeBaseLike | None = None) -> NameIndex:
    """Built once per knowledge base from every guide's title and aliases."""
    global _cache
    kb = kb or get_knowledge_base()
    with _lock:
        if _cache is None or _cache[0] != id(kb):
            _cache = (id(kb), NameIndex({g.id: [g.title, *g.aliases] for g in kb.guides()}, _terms()))
        return _cache[1]


def names_guide(text: str, guide_id: str) -> bool:
    return name_index().names(text, guide_id)


def named_guides(text: str) -> set[str]:
    return name_index().named(text)


def without_names(text: str) -> str:
    """``text`` without the terms that name the guides it names ("我家吃着低保" -> "我家吃着")."""
    index = name_index()
    for gid in index.named(text):
        for term in sorted(index.terms[gid], key=len, reverse=True):
            text = text.replace(term, "")
    return text


def mentioned_guides(text: str) -> set[str]:
    return name_index().mentioned(text)


def named_among(text: str, candidates: list[str]) -> list[str]:
    return name_index().among(text, candidates)
