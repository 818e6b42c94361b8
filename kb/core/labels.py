"""Article labels and ids: the one place that parses and formats them.

A label names an article inside its document: "95" (第九十五条), "134之一" (第一百三十四条之一), or
the number of an item for documents numbered 一、 or （一）. An article id names it in the corpus:
"{short_title}@{version}#{label}", e.g. 安全生产法@2021-06-10#95; the part before "#" is the
document version's id (the corpus file is named after it).
"""
from __future__ import annotations

import re

from .errors import NumeralError, QueryError
from .numerals import CN_NUMERAL_CHARS, cn_to_int, int_to_cn

NUM = f"[{CN_NUMERAL_CHARS}0-9０-９]+"
# 第一百三十四条之一 as written in running text
ARTICLE_IN_TEXT_RE = re.compile(rf"第([{CN_NUMERAL_CHARS}0-9]+)条(?:之([{CN_NUMERAL_CHARS}]+))?")
# what a user types for an article: 95, 九十五, 第九十五条, 134之一, 第一百三十四条之一
USER_LABEL_RE = re.compile(r"\s*第?\s*([0-9０-９一二三四五六七八九十百千零〇两]+)\s*条?\s*"
                           r"(?:之\s*([0-9０-９一二三四五六七八九十]+))?\s*")


def make_label(num: int | str, sub: int | str | None = None) -> str:
    """(134, 1), ('一百三十四', '一') or ('134', None) → '134之一' / '134'. Raises NumeralError."""
    label = str(num if isinstance(num, int) else cn_to_int(num))
    if sub:
        label += "之" + int_to_cn(sub if isinstance(sub, int) else cn_to_int(sub))
    return label


def article_heading(label: str) -> str:
    """'134之一' → '第一百三十四条之一'."""
    num, _, sub = label.partition("之")
    return f"第{int_to_cn(int(num))}条" + (f"之{sub}" if sub else "")


def item_heading(number: int) -> str:
    """How an item of a document numbered 一、/（一） is cited: 5 → '第五项'."""
    return f"第{int_to_cn(number)}项"


def parse_label(text: str) -> str:
    """A label the user typed: '95', '九十五', '第九十五条', '134之一' → '95' / '134之一'."""
    m = USER_LABEL_RE.fullmatch(text)
    if not m:
        raise QueryError(f"无法识别的条号 {text!r}；请写成 95、第九十五条 或 134之一")
    return make_label(m.group(1), m.group(2))


def labels_in(text: str) -> list[str]:
    """The labels of the articles a text names: '…第一百三十四条之一…' → ['134之一']."""
    out = []
    for m in ARTICLE_IN_TEXT_RE.finditer(text):
        try:
            out.append(make_label(m.group(1), m.group(2)))
        except NumeralError:
            continue
    return out


def version_id(short_title: str, version: str) -> str:
    """'安全生产法', '2021-06-10' → '安全生产法@2021-06-10'."""
    return f"{short_title}@{version}"


def article_id(short_title: str, version: str, label: str) -> str:
    """'安全生产法', '2021-06-10', '95' → '安全生产法@2021-06-10#95'."""
    return f"{short_title}@{version}#{label}"


def split_article_id(aid: str) -> tuple[str, str, str]:
    """'安全生产法@2021-06-10#95' → ('安全生产法', '2021-06-10', '95')."""
    doc, _, label = aid.rpartition("#")
    short_title, _, version = doc.partition("@")
    return short_title, version, label
