"""The one citation format of the project: 《中华人民共和国安全生产法》第九十五条（2021年修正，现行有效）.
The CLI, the answer layer, the app's pages, quiz items and their exports all name an article with
citation_line, so an officer copying a citation from any of them gets the same words."""
from __future__ import annotations

import re

from kb.core.labels import item_heading
from kb.core.schema import Article, DocMeta

HISTORY_LINE = re.compile(r"^(\d{4})年\d{1,2}月\d{1,2}日")


def version_phrase(meta: DocMeta, preamble: str) -> str:
    """'2021年修正', '2024年修订', '2019年公布' — from the history lines where they match this version."""
    year = (meta.promulgated or meta.version)[:4]
    for line in reversed(preamble.split("\n")):
        m = HISTORY_LINE.match(line)
        if m and m.group(1) == year:
            kind = "修正" if "修正" in line else "修订" if "修订" in line else "公布"
            return f"{year}年{kind}"
    return f"{year}年公布" if year.isdigit() else meta.version


def cited_heading(corpus, art: Article) -> str:
    """How an article is named in a citation: 第九十五条, or 第五项 for documents numbered by items."""
    return art.heading.rstrip("、") if corpus.documents[art.doc_key].layout == "articles" else item_heading(art.number)


def citation_line(corpus, art: Article) -> str:
    """《中华人民共和国安全生产法》第九十五条（2021年修正，现行有效）."""
    doc = corpus.documents[art.doc_key]
    return f"《{doc.meta.title}》{cited_heading(corpus, art)}（{version_phrase(doc.meta, doc.preamble)}，{doc.meta.status_label}）"
