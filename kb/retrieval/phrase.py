"""Exact phrase search over article texts ("十有两禁", "三同时", "双随机、一公开").

Retrieval ranks by meaning; an officer looking for a slogan or a term of art wants every article
that contains those exact words, in corpus order. The match is a plain substring match on the
verbatim text: no tokenising, no normalising of punctuation (so the positions can be used to
highlight the text as stored).
"""
from __future__ import annotations

from kb.core.errors import QueryError
from kb.core.schema import Article
from kb.corpus import Corpus


def find_phrase(corpus: Corpus, phrase: str, include_superseded: bool = True
                ) -> list[tuple[Article, list[int]]]:
    """Every article whose text contains `phrase`, with the start offsets of each
    non-overlapping occurrence in `article.text`. Documents and articles keep corpus order.

    `include_superseded=False` keeps only documents in force."""
    phrase = phrase.strip()
    if not phrase:
        raise QueryError("请输入要查找的词句，例如：三同时")
    out: list[tuple[Article, list[int]]] = []
    for doc in corpus.documents.values():
        if not include_superseded and not doc.meta.in_force:
            continue
        for art in doc.articles:
            positions = occurrences(art.text, phrase)
            if positions:
                out.append((art, positions))
    return out


def occurrences(text: str, phrase: str) -> list[int]:
    """Start offsets of the non-overlapping occurrences of `phrase` in `text`."""
    positions, start = [], text.find(phrase)
    while start != -1:
        positions.append(start)
        start = text.find(phrase, start + len(phrase))
    return positions
