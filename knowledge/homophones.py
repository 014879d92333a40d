"""Service names typed with a pinyin input method's near misses: 社包卡, 身分证, 护找, 驾使证, 公积斤.

Citizens pick the wrong character of the right sound all day. A window of the question that sounds like a word
of a guide's title or alias (same syllables, tones ignored) and already shares a character with it is read as that
piece: "社包卡丢了" is searched as "社保卡丢了". Requiring a shared character keeps ordinary words that merely
sound alike ("公鸡") from turning into service names. Names typed as pinyin ("canji证 butie", "ershoufang guohu") are
written as the names they spell.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from pypinyin import lazy_pinyin

from knowledge.textproc import dictionary_terms, is_common_word, words

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LETTERS = re.compile(r"[A-Za-z]+(?:\s+[A-Za-z]+)*")
# A name spelled in fewer letters is found by accident inside ordinary pinyin.
SHORTEST_SPELLING = 4
LONGEST = 4  # pieces of names up to this many characters
# A two-character piece must be this rare among the guides' names to stand for a service, unless it is a term of
# the government dictionary ("医宝" is 医保, though six guides' names hold it; "申请" and "登记" are too common).
MAX_GUIDES_SHARING = 5
# Words of grammar are typed on purpose: "办不办" is no slip for 补办, "要没要" none for 要么.
_GRAMMAR = frozenset("不没了的吗呢吧是在也都就还又要会能和跟与或很太")


@lru_cache(maxsize=8192)
def syllable(char: str) -> str:
    return lazy_pinyin(char)[0] if _CJK.match(char) else char


def _sound(text: str) -> tuple[str, ...]:
    return tuple(syllable(c) for c in text)


def _pieces(names: Iterable[str]) -> set[str]:
    """The words of 2 to LONGEST Chinese characters in ``names`` (jieba's words, so a piece never cuts a word in
    two: "社保一" is no piece of "社保异地")."""
    return {w for name in names for w in words(name) if 2 <= len(w) <= LONGEST and all(_CJK.match(c) for c in w)}


class Homophones:
    """Pieces of names by their sound, and the rewriting of a question with them."""

    def __init__(self, names: Iterable[tuple[str, Iterable[str]]]) -> None:
        """``names``: each guide's title and aliases."""
        in_titles: Counter[str] = Counter()
        guides: Counter[str] = Counter()  # in how many guides' names a piece stands
        for title, aliases in names:
            from_title = _pieces([title])
            in_titles.update(from_title)
            guides.update(from_title | _pieces(aliases))
        self.pieces = frozenset(guides)
        terms = dictionary_terms()
        self.by_sound: dict[tuple[str, ...], str] = {}
        # A title's spelling wins over an alias's (aliases keep common misspellings on purpose), then the commonest.
        for piece in sorted(guides, key=lambda p: (-in_titles[p], -guides[p], p)):
            if len(piece) == 2 and guides[piece] > MAX_GUIDES_SHARING and piece not in terms:
                continue
            self.by_sound.setdefault(_sound(piece), piece)
        self.by_spelling = {
            spelling: piece
            for sound, piece in self.by_sound.items()
            if len(spelling := "".join(sound)) >= SHORTEST_SPELLING
        }

    def _spelled(self, letters: str) -> str:
        """A run of pinyin with every name it spells written in characters, longest first; other letters stay."""
        text = re.sub(r"\s+", "", letters).lower()
        out: list[str] = []
        i = 0
        while i < len(text):
            piece = next(
                (self.by_spelling[text[i:j]] for j in range(len(text), i + SHORTEST_SPELLING - 1, -1)
                 if text[i:j] in self.by_spelling),
                None,
            )
            if piece is None:
                out.append(text[i])
                i += 1
            else:
                out.append(piece)
                i += len("".join(_sound(piece)))
        spelled = "".join(out)
        return letters if spelled == text else spelled

    def correct(self, text: str) -> str:
        """``text`` with every sound-alike word of a name written as the name writes it, longest words first.

        A correctly spelled word protects its characters from shorter ones: "老年人优待证" keeps 待 although "代证"
        sounds alike, and "装个水表" keeps its 水表 although "个税" sounds like "个水".
        """
        chars = list(_LETTERS.sub(lambda m: self._spelled(m.group()), text))
        protected = [False] * len(chars)
        for n in range(LONGEST, 1, -1):
            # At each length, a name's own words first ("水表"), then what sounds like one ("个水" -> "个税")
            # where no word of this length or longer stands.
            for i in range(len(chars) - n + 1):
                if "".join(chars[i : i + n]) in self.pieces:
                    protected[i : i + n] = [True] * n
            for i in range(len(chars) - n + 1):
                window = "".join(chars[i : i + n])
                if any(protected[i : i + n]) or not all(_CJK.match(c) for c in window):
                    continue
                if n == 2 and is_common_word(window):  # "公鸡" is no typo of "公积"
                    continue
                piece = self.by_sound.get(_sound(window))
                if piece is None or any(c in _GRAMMAR for c, p in zip(window, piece, strict=True) if c != p):
                    continue
                if any(a == b for a, b in zip(piece, window, strict=True)):
                    chars[i : i + n] = list(piece)
                    protected[i : i + n] = [True] * n
        return "".join(chars)
