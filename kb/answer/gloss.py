"""Glosses for a quoted article, shown under the verbatim quote and never in place of it: legal terms in
everyday words for the kiosk (kb/data/plain_glossary.json), and the English names of the glossary terms
for an English question (kb/data/en_terms.json)."""
from __future__ import annotations

from functools import lru_cache

from kb.core.data import load_json, stopwords


@lru_cache(maxsize=1)
def plain_glossary() -> tuple[tuple[str, str], ...]:
    """(legal term, everyday meaning), longer terms first (plain_glossary.json)."""
    return tuple(sorted(((t, m) for t, m in load_json("plain_glossary.json", {}).get("terms", [])),
                        key=lambda p: -len(p[0])))


@lru_cache(maxsize=1)
def english_names() -> tuple[tuple[str, str], ...]:
    """(Chinese legal term, its English name) from the entries whose first Chinese term it is; legal
    boilerplate (规定, 应当 — kb/data/stopwords.txt) is not glossed."""
    names: dict[str, list[str]] = {}
    for entry in load_json("en_terms.json", {}).get("terms", []):
        if entry.get("zh") and entry.get("en") and entry["zh"][0] not in stopwords():
            names.setdefault(entry["zh"][0], []).extend(entry["en"])
    # the most explicit name: the longest singular phrase ("principal person in charge", not "boss")
    return tuple(sorted(((zh, max(en, key=lambda e: (not e.endswith("s"), len(e)))) for zh, en in names.items()),
                        key=lambda p: -len(p[0])))


def _terms_in(text: str, table: tuple[tuple[str, str], ...], limit: int) -> list[tuple[str, str]]:
    """The table's terms found in the text, in reading order, none inside a longer one already taken."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str, str]] = []
    for term, meaning in table:                       # longest first
        start = text.find(term)
        if start < 0 or any(s <= start < e for s, e in taken):
            continue
        taken.append((start, start + len(term)))
        found.append((start, term, meaning))
    return [(t, m) for _, t, m in sorted(found)][:limit]


def plain_gloss(text: str, limit: int = 4) -> list[tuple[str, str]]:
    """Legal terms of the text with their everyday meaning: [("生产经营单位", "工厂、商店……"), …]."""
    return _terms_in(text, plain_glossary(), limit)


def english_gloss(text: str, limit: int = 6) -> list[tuple[str, str]]:
    """Glossary terms of the text with their English names: [("主要负责人", "principal person in charge"), …]."""
    return _terms_in(text, english_names(), limit)
