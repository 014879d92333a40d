"""Finding a life event beside the guides: "生娃娃了要办哪些手续" is the newborn checklist, "出生医学证明在哪开"
still the one guide (docs/life-events.md, "Search").

Each event is known by its title, aliases and summary, embedded once with the search's model. A question is the
event's when it contains one of the event's names; when it tells of the event's situation and names two of its
services or asks what the situation needs; or when it is close to the event (``life_event_at``) and closer to it
than to any guide by the calibration's ``life_event_margin`` — unless it names one guide exactly and asks one thing
of it (where, what to bring, how long), which is that guide's question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
from pypinyin import lazy_pinyin

from knowledge.calibration import Calibration
from knowledge.schema import Aspect, LifeEvent
from knowledge.textproc import expand, normalize

# A question that names a service asks this of it, not what a whole life event needs.
_ONE_THING: frozenset[Aspect | None] = frozenset(
    {"materials", "fees", "benefits", "time", "place", "conditions", "online", "phone"}
)


# "要办哪些手续", "要办些啥子", "该干啥", "还能申请什么", "这些手续", "一次办完": the question asks what a whole
# situation needs, or for all of it at once, not one thing of one service.
_ASKS_MANY = re.compile(
    r"(哪些|哪几|哪几个|几个|啥子|什么|些啥|些什么|哪样|好多|几样|好多样)(手续|事情|事项|证件|部门)|"
    r"一站式|一网通办|先后顺序|"
    r"(手续|事情|事项)(有|是)(哪些|啥子|什么|些啥)|"
    r"(办|弄|搞|跑)(哪些|些啥|些什么|啥子|什么|啥|些哪样|哪样)(?!材料|资料|东西|证明)|"
    r"还(有|要|得)(其他|别的|哪些|啥子|什么|些啥)(要|能|可以)?(办|弄|跑|享受)|还(能|可以)(申请|办|领)(什么|啥|哪些|些啥)|"
    r"其他(的)?(咋个|怎么)(整|办|弄)|"
    r"(这些|那些|其他|别的|全套|这一套|整套)(手续|事情|事)|这一套|该办的|"
    r"(?<!第)一次(性)?(办|弄|搞|跑)|一起(办|申请|弄)|(?<!第)一次(性)?把|"
    r"都要办|都得办|要办的事|一套手续|全部手续|所有手续|(该|要)(干|做)(啥|什么|哪些)|"
    r"哪些流程|哪些证照|证照和手续|合法经营|才(能|可以)(开业|营业|开张)|从哪(一步|里|儿|点)(开始|下手)|"
    r"(接下来|下一步)(该|要|还要)?(咋个|怎么|干啥|做啥|做什么|办啥|办什么|弄啥)|"
    r"能(办|享受|领|申请)(哪些|些啥|啥子|什么|哪样)"
)
# Told with its situation ("娃娃确诊自闭症…有哪些补贴", "要读一年级了，要准备啥子"), asking what help there is or
# what to get ready asks for the situation's list; without one ("种粮有哪些补贴", "护照要准备啥") it asks of one
# service.
_ASKS_WHAT_IT_NEEDS = re.compile(
    r"(啥子|什么|哪些|些啥|哪样)(帮扶|帮助|好处|福利|照顾|扶持|优待|补贴|补助|政策|保障)|帮(我们|我|他|她|我家)?(啥子|什么|哪些)|"
    r"准备(啥子|什么|哪些|些啥|啥)(?!材料|资料|东西|证件)|(要|该)(弄|办|跑)的|能享受|手续都(办|弄)|(整个|全部)流程|"
    r"哪些步骤"
)

# A situation the citizen wants, said just before its word ("我想在菜市场边上开个小店"), not one they are in.
_WANTS = re.compile(r"(想|准备|打算|计划)(?!问|了解|咨询|知道|请教|晓得)[^，。,.！!？?]{0,12}$")

# "手续咋个办": the paperwork of a situation as a whole, not one thing of it ("手续交上去好久能拿到").
_HOW_ARE_THE_STEPS = re.compile(r"手续(要)?(咋个|怎么|咋|如何)(办|弄|整|走)")

# A message typed partly in pinyin ("kai个小chi店", "canji证 butie") is matched on its sound too.
_LATIN = re.compile(r"[a-z]{2,}")
# Shorter pinyin strings match by accident inside longer ones ("fu", "an").
_PINYIN_AT_LEAST = 4


def asks_many(query: str) -> bool:
    return bool(_ASKS_MANY.search(query))


def asks_what_it_needs(query: str) -> bool:
    return bool(_ASKS_WHAT_IT_NEEDS.search(query))


@lru_cache(maxsize=4096)
def _pinyin(text: str) -> str:
    return "".join(lazy_pinyin(normalize(text))).replace(" ", "")


class _Text:
    """A question as the finder reads it: its words as typed (a synonym the search adds is no service named) and,
    when it has pinyin in it, its sound."""

    def __init__(self, query: str) -> None:
        self.text = normalize(query)
        self.sound = _pinyin(query) if _LATIN.search(self.text) else ""

    def span(self, word: str) -> tuple[int, int] | None:
        """Where ``word`` is in the question, written or (a long enough word) as pinyin; ``None`` when absent.

        Spans in the sound come after every span in the text, so the two never overlap."""
        w = normalize(word)
        if (at := self.text.find(w)) >= 0:
            return at, at + len(w)
        sound = _pinyin(word) if self.sound else ""
        if len(sound) >= _PINYIN_AT_LEAST and (at := self.sound.find(sound)) >= 0:
            start = len(self.text) + 1 + at
            return start, start + len(sound)
        return None

    def find(self, word: str) -> int:
        """Where ``word`` starts in the question; -1 when absent."""
        found = self.span(word)
        return found[0] if found else -1


class LifeEventFinder:
    def __init__(self, events: Sequence[LifeEvent], encode: Callable[[list[str]], np.ndarray]) -> None:
        self.events = {e.id: e for e in events}
        self.owner: list[str] = []
        texts: list[str] = []
        self.names: dict[str, list[str]] = {}
        self.services = {e.id: {s.guide for s in e.services} for e in events}
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

    def by_signs(
        self, text: _Text, among: set[str] | None = None, mentioned: dict[str, set[str]] | None = None
    ) -> str | None:
        """The event whose situation word comes first in the question ("父亲去世，他名下的房子…" is after-death); of
        several, first the one with the most of its services ``mentioned`` ("为了娃娃读书买了个二手房，过户以后…"),
        then one the citizen wants ("老公瘫了…我想开个卖米豆腐的小店" is the shop)."""
        found = [
            (-len((mentioned or {}).get(e.id, ())), not _WANTS.search(text.text[:i]), i, e.id)
            for e in self.events.values()
            if among is None or e.id in among
            for sign in e.signs
            if (i := text.find(sign)) >= 0
        ]
        return min(found)[-1] if found else None

    def mentioned(self, text: _Text, named_guides: set[str]) -> dict[str, set[str]]:
        """Per event, the services the question names, by a guide's own name or a word of the event's file.

        A word inside a longer one found is not a second service: "养老金资格认证" is one service, not 养老金 too."""
        found: dict[str, set[str]] = {}
        for event in self.events.values():
            spans = sorted(
                ((span, s.guide) for s in event.services for m in s.mentions if (span := text.span(m)) is not None),
                key=lambda item: item[0][0] - item[0][1],  # longest first
            )
            taken: list[tuple[int, int]] = []
            services = {s.guide for s in event.services if s.guide in named_guides}
            for (start, end), guide in spans:
                # One word may name several services ("水电气"), but a word inside another found is none of its own.
                if (start, end) in taken or all(end <= a or start >= b for a, b in taken):
                    taken.append((start, end))
                    services.add(guide)
            found[event.id] = services
        return found

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
        text = _Text(query)
        event_id, similarity = self.closest(query_vector, ranked_guides, cal.life_event_margin)
        # The situations the question tells of, by their signs.
        situated = {e.id for e in self.events.values() if any(text.find(sign) >= 0 for sign in e.signs)}
        # Telling of the situation and naming two of its services ("奶奶去世了，户口要销不，丧葬费哪点领") or asking
        # what it needs ("满50了单位让我去办退休，我要弄些啥子") asks for the whole list, whatever one thing it asks.
        mentioned = self.mentioned(text, named_guides)
        two_named = {e for e, services in mentioned.items() if len(services) >= 2}
        if situated & two_named:
            return self.by_signs(text, situated & two_named, mentioned)
        # Three of its services in one message ("过户完了水电气他不管…还有公积金能取不") are the event without its word
        # (of two events sharing 水电气, the one with more of its services named).
        most = max((len(services) for services in mentioned.values()), default=0)
        three_named = [e for e, services in mentioned.items() if len(services) == most]
        if most >= 3 and len(three_named) == 1:
            return three_named[0]
        guide_named = bool(ranked_guides) and ranked_guides[0] in named_guides
        one_thing_of_a_guide = guide_named and aspect in _ONE_THING
        if (
            situated
            and (asks_many(text.text) or (asks_what_it_needs(text.text) and not one_thing_of_a_guide))
            and similarity >= cal.life_event_asks_many_at
        ):
            return self.by_signs(text, situated, mentioned)
        if event_id is None:
            return None
        # A question that asks what a situation needs is its event's (the nearest), however near one guide is —
        # unless it names the guide and asks one thing of it.
        if asks_many(text.text) and similarity >= cal.life_event_asks_many_at and not one_thing_of_a_guide:
            return event_id
        # Otherwise a question naming a guide is that guide's ("残疾证怎么申请", "娃娃生了咋个上户口").
        if guide_named or similarity < cal.life_event_at:
            return None
        # Telling of the situation of the nearest event, naming none of its services and asking nothing of one
        # ("我爸截肢了，坐轮椅，残疾人那些从哪一步开始办", "开个卤菜店，手续咋个办") is its question if the event is
        # nearer than any guide at all; otherwise by the margin ("宝宝的出生纸搞丢了，去哪里补" is one guide's).
        only_situation = (
            event_id in situated and not mentioned[event_id]
            and (aspect is None or _HOW_ARE_THE_STEPS.search(text.text) is not None)
        )
        if similarity - guide_dense < (0.0 if only_situation else cal.life_event_margin):
            return None
        # Near an event by its names alone, the question is its only when the search's best guide is one of its
        # services or it tells of its situation ("买了个二手车，要过户" is near 买二手房 and about a car).
        signed = self.by_signs(text)
        if signed is None and ranked_guides and ranked_guides[0] not in self.services[event_id]:
            return None
        return signed or event_id
