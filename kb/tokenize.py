"""Word segmentation for BM25: jieba (search mode) plus the corpus user dictionary.

bm25s's default splitter keeps a whole run of Chinese as one token, so we pass our own tokens.
"""
from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from pathlib import Path

from .config import DATA_DIR
from .errors import NumeralError
from .numerals import cn_to_int

USERDICT = DATA_DIR / "userdict.txt"
# Function words and legal boilerplate that carry no retrieval signal.
STOPWORDS = frozenset("""
的 了 和 与 及 或 或者 以及 等 对 在 是 为 其 之 由 被 把 将 于 以 按照 依照 根据 应当 可以 不得 必须
有 有关 本 该 并 并且 且 也 就 都 而 中 上 下 时 后 前 内 外 所 者 这 那 哪些 什么 怎么 怎样 如何 吗 呢 吧
啊 要 会 能 给 让 我 我们 你 他 她 它 他们 一 个 条 款 项 规定 什么样 多少 是否 哪 谁 请问 问
the a an of to in on for is are be by with what which who how must shall may do does
出 一道 出题 选题 单选 多选 单选题 多选题 判断题 填空题 考考 学员 考查 考试 题目 题
""".split())   # the last line: a trainer's framing ("出一道…的单选题", "考考学员") is not the topic
_PUNCT = re.compile(r"^[\W_]+$", re.U)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _jieba():
    import jieba
    jieba.setLogLevel(logging.WARNING)
    with _lock:
        jieba.initialize()
        if USERDICT.exists():
            jieba.load_userdict(str(USERDICT))
    return jieba


def add_words(words: list[str]) -> None:
    """Teach the segmenter extra words (law titles and aliases from the corpus)."""
    jb = _jieba()
    for w in words:
        if len(w) >= 2:
            jb.add_word(w, freq=2000)


def tokenize(text: str) -> list[str]:
    """Search-mode segmentation, lower-cased, without punctuation and stopwords, plus one token per
    time span (durations())."""
    jb = _jieba()
    out = []
    for tok in jb.cut_for_search(text.lower()):
        tok = tok.strip()
        if not tok or tok in STOPWORDS or _PUNCT.match(tok):
            continue
        out.append(tok)
    return out + durations(text)


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


def userdict_path() -> Path:
    return USERDICT
