"""Tokenisation for lexical retrieval: jieba words with the government dictionary, and character bigrams.

Both add the canonical form of every everyday variant found (社保 -> 社会保险) so queries and guides meet.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.synonyms import canonical_map

logger = logging.getLogger(__name__)

DICTIONARY_DIR = Path(__file__).resolve().parent / "dictionary"

STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 哦 嘛 么 我 你 他 她 它 我们 你们 咱 俺 是 在 有 和 与 及 或 就 都 也 还 要 想 "
    "请问 请 问 一下 一个 个 这 那 这个 那个 什么 怎么 怎样 如何 咋 咋个 哪样 啥 能 会 可以 需要 该 得 "
    "给 把 被 让 对 从 到 去 来 办 办理 一 下 吗？ 没 不 很 好 太 又 再 才 呗 哈 噻 嘛 哟 诶 嗯 "
    "现在 今天 然后 所以 因为 但是 如果 的话 自己 家里 刚刚 已经 时候 知道 告诉 帮 帮忙 谢谢".split()
)
_PUNCT = re.compile(r"[\s\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65!-/:-@\[-`{-~…—·、]+")
_lock = threading.Lock()


def dictionary_terms() -> set[str]:
    """Every term of the government dictionary (knowledge/dictionary/*.txt) and of the synonym table."""
    terms = set(canonical_map())
    for path in sorted(DICTIONARY_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if word := line.split(" ", 1)[0].strip():
                terms.add(word)
    return terms


@lru_cache(maxsize=1)
def _project_terms() -> frozenset[str]:
    return frozenset(dictionary_terms())


def is_common_word(word: str) -> bool:
    """A word of jieba's general dictionary that this project did not add (公鸡, 水表; not the variant 护找)."""
    return _jieba().FREQ.get(word, 0) > 0 and word not in _project_terms()


def normalize(text: str) -> str:
    """NFKC, lower case, punctuation and spaces removed."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text).lower())


@lru_cache(maxsize=1)
def _variants_pattern() -> re.Pattern[str]:
    keys = sorted(canonical_map(), key=len, reverse=True)
    return re.compile("|".join(re.escape(k.lower()) for k in keys))


def canonical_terms(text: str) -> list[str]:
    """Canonical terms of every synonym variant in ``text`` (already normalised)."""
    mapping = canonical_map()
    lowered = {k.lower(): v for k, v in mapping.items()}
    found = [lowered[m.group(0)] for m in _variants_pattern().finditer(text)]
    return [t for t in found if t.lower() not in text]


def expand(text: str) -> str:
    t = normalize(text)
    extra = canonical_terms(t)
    return t + "".join(f" {e}" for e in extra) if extra else t


@lru_cache(maxsize=1)
def _jieba() -> Any:
    """A private jieba tokenizer with every ``*.txt`` user dictionary in knowledge/dictionary loaded."""
    import jieba

    with _lock:
        jieba.setLogLevel(logging.WARNING)
        tok = jieba.Tokenizer()
        for path in sorted(DICTIONARY_DIR.glob("*.txt")):
            tok.load_userdict(str(path))
        for word in canonical_map():
            if len(word) > 1:
                tok.add_word(word, freq=2000)
        tok.initialize()
    return tok


def word_tokens(text: str) -> list[str]:
    """jieba search-mode tokens of the synonym-expanded text, stopwords dropped."""
    tok = _jieba()
    out: list[str] = []
    for part in expand(text).split():
        for w in tok.cut_for_search(part):
            w = w.strip()
            if w and w not in STOPWORDS:
                out.append(w)
    return out


def words(text: str) -> list[str]:
    """jieba search-mode words of ``text`` as written (no synonyms, no stopword removal)."""
    return [w for w in _jieba().cut_for_search(text) if w.strip()]


def bigram_tokens(text: str) -> list[str]:
    """Overlapping character bigrams (single characters for one-character pieces)."""
    out: list[str] = []
    for part in expand(text).split():
        if len(part) == 1:
            out.append(part)
        out.extend(part[i : i + 2] for i in range(len(part) - 1))
    return out


def bigram_set(text: str) -> set[str]:
    return set(bigram_tokens(text))
