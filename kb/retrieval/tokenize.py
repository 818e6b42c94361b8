"""Word segmentation for BM25: jieba (search mode) plus the corpus user dictionary (kb/data/userdict.txt),
without the stopwords of kb/data/stopwords.txt.

bm25s's default splitter keeps a whole run of Chinese as one token, so we pass our own tokens.
"""
from __future__ import annotations

import logging
import math
import re
import threading
from functools import lru_cache

from kb.core.data import is_content_word, stopwords, userdict_path
from kb.core.errors import NumeralError
from kb.core.numerals import cn_to_int

_PUNCT = re.compile(r"^[\W_]+$", re.U)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _jieba():
    import jieba
    jieba.setLogLevel(logging.WARNING)
    with _lock:
        jieba.initialize()
        if userdict_path().exists():
            jieba.load_userdict(str(userdict_path()))
    return jieba


def add_words(words: list[str]) -> None:
    """Teach the segmenter extra words (law titles and aliases from the corpus)."""
    jb = _jieba()
    for w in words:
        if is_content_word(w):
            jb.add_word(w, freq=2000)


def tokenize(text: str) -> list[str]:
    """Search-mode segmentation, lower-cased, without punctuation and stopwords, plus one token per
    time span (durations())."""
    jb = _jieba()
    stop = stopwords()
    out = []
    for tok in jb.cut_for_search(text.lower()):
        tok = tok.strip()
        if not tok or tok in stop or _PUNCT.match(tok):
            continue
        out.append(tok)
    return out + durations(text)


def word_information(word: str) -> float:
    """How informative a word is in general Chinese: -log of its frequency in jieba's dictionary (built
    from a general corpus, not from ours). 单位 says little; 增值税 or 离婚 a lot."""
    jb = _jieba()
    return -math.log((jb.dt.FREQ.get(word, 0) + 1) / jb.dt.total)


def content_tokens(text: str) -> list[str]:
    """The tokens of a text that can carry meaning (kb.core.data.is_content_word)."""
    return [t for t in tokenize(text) if is_content_word(t)]


# A number and a unit of time: jieba splits "1小时内" into 1 / 小时 / 内向 and writes "十五日内" as
# 十五 / 五日 / 十五日, so "within one hour" (1小时) or "15天内" could not find the one article that
# sets that time limit. One canonical token per span (十五日 = 15天 → "15日") can.
_DURATION = re.compile(r"(\d+|[零〇一二两三四五六七八九十百]+)\s*(小时|日|天|个月|年)")
_UNIT = {"天": "日"}


def durations(text: str) -> list[str]:
    """Canonical time-span tokens: 1小时内 → 1小时, 十五日内 / 15天 → 15日, 三个月 → 3个月."""
    out = []
    for m in _DURATION.finditer(text):
        num, unit = m.groups()
        try:
            n = int(num) if num.isdigit() else cn_to_int(num)   # 两, 〇 included
        except NumeralError:
            continue
        out.append(f"{n}{_UNIT.get(unit, unit)}")
    return out
