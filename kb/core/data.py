"""Loaders for the curated, reviewable files in kb/data/ and the word rules built on them.

Every vocabulary an expert may edit lives in kb/data/ (law aliases, everyday words → legal terms, the
English glossary, the catalogue of wanted-but-missing documents, sector fields, neighbouring fields,
domain and version words, stopwords, the kiosk's plain words and topics); code reads it only through
these functions. Each loader reads its file once per process.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from .settings import DATA_DIR

# A content word has at least this many characters: a single character (的, 罚, 人) matches almost
# every article, so it says nothing about which article a question means.
MIN_WORD_CHARS = 2


def is_content_word(token: str) -> bool:
    return len(token) >= MIN_WORD_CHARS


def content_words(tokens) -> list[str]:
    """The tokens that can carry meaning (is_content_word), in order."""
    return [t for t in tokens if len(t) >= MIN_WORD_CHARS]


def load_json(name: str, default: Any = None) -> Any:
    """A JSON file of kb/data/, or `default` when the file is absent."""
    path = DATA_DIR / name
    if not path.exists():
        return default
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def aliases() -> dict[str, list[str]]:
    """Short title → other names of a law (安法, 事故报告条例 …)."""
    data = load_json("aliases.json", {})
    return {k: list(v) for k, v in data.items() if not k.startswith("_")}


@lru_cache(maxsize=1)
def lay_terms() -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Everyday words → the legal terms they stand for (lay_terms.json)."""
    data = load_json("lay_terms.json", {})
    return [(tuple(t["lay"]), tuple(t["legal"])) for t in data.get("terms", [])]


@lru_cache(maxsize=1)
def domain_vocabulary() -> frozenset[str]:
    """Terms of the field: both sides of the everyday-words table (whole jieba tokens)."""
    words: set[str] = set()
    for lay, legal in lay_terms():
        words.update(w for w in (*lay, *legal) if is_content_word(w))
    return frozenset(words)


@lru_cache(maxsize=1)
def en_terms() -> list[tuple[str, tuple[str, ...]]]:
    """English phrase → Chinese legal terms, longest phrase first (en_terms.json)."""
    data = load_json("en_terms.json", {})
    pairs = [(en.lower(), tuple(t["zh"])) for t in data.get("terms", []) for en in t["en"]]
    return sorted(pairs, key=lambda p: len(p[0]), reverse=True)


@lru_cache(maxsize=1)
def missing_catalogue() -> list[dict]:
    """Wanted documents whose text is not in the corpus (missing.json)."""
    data = load_json("missing.json", [])
    return list(data.get("documents", []) if isinstance(data, dict) else data)


@lru_cache(maxsize=1)
def sector_fields() -> dict[str, tuple[str, ...]]:
    """Sector document (short title) → words that show a question is in its field (fields.json)."""
    data = load_json("fields.json", {})
    return {law: tuple(words) for law, words in data.get("fields", {}).items()}


@lru_cache(maxsize=1)
def out_of_scope_fields() -> list[dict]:
    """Neighbouring fields the corpus does not cover (labour contracts, traffic, tax …), with cues."""
    return list(load_json("out_of_scope.json", {}).get("fields", []))


@lru_cache(maxsize=1)
def _domain_words() -> dict:
    return load_json("domain_words.json", {})


def core_words() -> tuple[str, ...]:
    """Words that mark a question as belonging to this field, matched as substrings."""
    return tuple(_domain_words().get("core", ()))


def core_words_en() -> tuple[str, ...]:
    """The English counterpart of core_words, for deciding that a question is about another field."""
    return tuple(_domain_words().get("core_en", ()))


@lru_cache(maxsize=1)
def intent_patterns() -> dict[str, re.Pattern]:
    """Intent name → the pattern of its cue words: Chinese cues anywhere, English cues at a word start."""
    out = {}
    for name, cues in _domain_words().get("intents", {}).items():
        pattern = "|".join(cues.get("zh", []))
        if cues.get("en"):
            pattern += r"|\b(" + "|".join(cues["en"]) + ")"
        out[name] = re.compile(pattern)
    return out


@lru_cache(maxsize=1)
def version_words() -> dict[str, Any]:
    """Words about versions and changes (version_words.json; its _comment says which list does what)."""
    data = load_json("version_words.json", {})
    return {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if not k.startswith("_")}


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Function words and legal boilerplate that carry no retrieval signal (stopwords.txt)."""
    path = DATA_DIR / "stopwords.txt"
    if not path.exists():
        return frozenset()
    lines = (line.split("#", 1)[0] for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(w for line in lines for w in line.split())


@lru_cache(maxsize=1)
def plain_words() -> tuple[tuple[str, str], ...]:
    """Legal word → everyday word, in the order they are applied (plain_words.json)."""
    return tuple((legal, lay) for legal, lay in load_json("plain_words.json", {}).get("words", []))


def userdict_path():
    """The jieba user dictionary: law names and terms of art kept as one token."""
    return DATA_DIR / "userdict.txt"


@lru_cache(maxsize=1)
def incident_rules() -> dict[str, Any]:
    """The rules of 事故定性 (incident_rules.json): thresholds, fines, charges, each with its article and phrase."""
    return load_json("incident_rules.json", {})


def cited_phrases(node: Any, article: str = "", where: str = "") -> list[tuple[str, str, str]]:
    """(where, article id, phrase) for every phrase a data file quotes from the law: any key ending in
    "phrase", under the nearest "article" key above or beside it."""
    out: list[tuple[str, str, str]] = []
    if isinstance(node, dict):
        article = node.get("article", article)
        for key, value in node.items():
            if key.endswith("phrase") and isinstance(value, str):
                out.append((f"{where}.{key}".lstrip("."), article, value))
            elif isinstance(value, (dict, list)):
                out += cited_phrases(value, article, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += cited_phrases(value, article, f"{where}[{i}]")
    return out


def data_file_phrases() -> list[tuple[str, str, str]]:
    """cited_phrases of every JSON file in kb/data/, `where` prefixed with the file name."""
    out = []
    for path in sorted(DATA_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out += [(f"{path.name}:{where}", aid, phrase) for where, aid, phrase in cited_phrases(data)]
    return out
