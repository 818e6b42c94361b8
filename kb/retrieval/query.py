"""Query understanding: direct article references, law names and aliases, versions, everyday words,
language, intents, and what the answer layer needs to decide whether the corpus covers the question.
Produces a QueryPlan, read-only, that retrieval and the answer layer follow; no retrieval happens here
and nothing after this re-analyses the question."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

from kb.core.data import (content_words, core_words, core_words_en, domain_vocabulary, en_terms, intent_patterns,
                          is_content_word, lay_terms, missing_catalogue, out_of_scope_fields, sector_fields,
                          version_words)
from kb.core.errors import NumeralError
from kb.core.labels import NUM, article_id, make_label
from kb.corpus import Corpus

from .tokenize import tokenize

ARTICLE_REF_RE = re.compile(rf"第?\s*(?P<num>{NUM})\s*条(?:\s*之\s*(?P<sub>{NUM}))?")
ITEM_REF_RE = re.compile(rf"(?:第\s*(?P<num>{NUM})\s*项|[（(](?P<paren>{NUM})[）)]|(?P<ord>{NUM})、)")
CLAUSE_REF_RE = re.compile(rf"第\s*{NUM}\s*款|第\s*[（(]{NUM}[）)]\s*项")   # 第二款, 第（三）项
EN_YEAR_RE = re.compile(r"\b(?P<year>(?:19|20)\d{2})\b(?P<month>)(?P<day>)")
EN_ARTICLE_RE = re.compile(r"\barticle\s+(?P<num>\d{1,4})\b", re.I)
YEAR_RE = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年(?:(?P<month>\d{1,2})月(?:(?P<day>\d{1,2})日)?)?")
EN_NEW_RE = re.compile(r"\b(revised|current|new|newer|latest|amended|replac(ed|ing|es))\b", re.I)
# A question that compares versions wants both: the older one it names and the one in force.
COMPARE_RE = re.compile(r"相比|对比|比较|比起|有何变化|有什么变化|哪些变化|变化|有何不同|有什么不同|区别|差异|异同|"
                        r"改了什么|改了哪些|修改了什么|修改了哪些|\b(compar|differ|changed|change[sd]? (in|from|since))", re.I)
# A wanted-but-missing document is named by a title or alias at least this long (shorter ones are words).
MISSING_NAME_CHARS = 4
# A topic of a missing document (missing.json "topics") counts from this length: 有限空间 yes, 化工 no.
MISSING_TOPIC_CHARS = 3
# A question that names an article that does not exist is "only about" it when at most this many
# content words are left once the reference is taken out ("安全生产法第999条是什么").
REF_ONLY_WORDS = 2
_FULLWIDTH = str.maketrans("０１２３４５６７８９（）", "0123456789()")
_LANGDETECT_LOCK = threading.Lock()


@dataclass(frozen=True)
class DirectRef:
    law: str            # short title
    label: str          # "95", "134之一", "5"
    version_key: str    # document key of the version meant
    article_id: str     # the article: {short_title}@{version}#{label}


@dataclass(frozen=True)
class NeighbourField:
    """A neighbouring field the question names (out_of_scope.json), with the cue words found."""
    field: dict
    cues: tuple[str, ...]


@dataclass(frozen=True)
class MissingTopic:
    """A wanted-but-missing document whose subject the question names (有限空间 → its 规定)."""
    document: dict
    topics: tuple[str, ...]


@dataclass(frozen=True)
class QueryPlan:
    """Everything later stages need to know about a question. Built once by QueryAnalyzer; read-only."""
    text: str                              # the question, normalised
    keywords: str = ""                     # the question without law names and article numbers (BM25)
    language: str = "zh"                   # "zh" or "en" (or another langdetect code)
    laws: list[str] = field(default_factory=list)          # short titles named in the question
    direct: list[DirectRef] = field(default_factory=list)
    doc_keys: frozenset[str] | None = None  # documents allowed (None = versions in force)
    version_note: str = ""                 # why a non-current version was chosen
    expansions: list[str] = field(default_factory=list)    # legal terms added for lay words
    translations: list[str] = field(default_factory=list)  # Chinese terms for an English question
    intents: frozenset[str] = frozenset()  # "penalty", "definition", "effective", "criminal"
    domain_terms: list[str] = field(default_factory=list)  # words of this field found in the question
    unknown_refs: list[str] = field(default_factory=list)  # "安全生产法第999条": named, but no such article
    unknown_ref_text: list[str] = field(default_factory=list)  # the same as written ("安法第999条")
    refs_only: bool = False                # the question is little more than its unknown references
    missing: list[dict] = field(default_factory=list)      # wanted-but-missing documents named
    missing_topics: list[MissingTopic] = field(default_factory=list)  # … or whose subject is named
    neighbour: NeighbourField | None = None  # a neighbouring field (wages, traffic, tax …) it is about
    off_field: list[str] = field(default_factory=list)     # sector documents whose field the question never names
    # tokens, computed once here and reused by retrieval and the answer layer
    tokens: tuple[str, ...] = ()           # of `keywords`: what BM25 searches
    text_tokens: tuple[str, ...] = ()      # of the whole question
    expansion_tokens: tuple[str, ...] = ()   # of the lay terms' legal terms
    translation_tokens: tuple[str, ...] = ()  # of an English question's glossary terms

    @property
    def content_words(self) -> frozenset[str]:
        """The question's content words as searched, plus its lay and glossary terms."""
        return frozenset(content_words(self.tokens + self.translation_tokens + self.expansion_tokens))


def off_field_laws(text: str, laws: list[str], terms: list[str]) -> list[str]:
    """Sector documents the question gives no sign of: none of their words in the question or in the
    legal/glossary terms found for it, and not named in it."""
    hay = " ".join([text, *terms])
    return [law for law, words in sector_fields().items()
            if law not in laws and not any(w in hay for w in words)]


def other_field(text: str) -> tuple[dict, list[str]] | None:
    """The neighbouring field a question is about, and the cues found, if it names one and has no
    work-safety word outside those cues (交通事故 is not 事故 in our sense; 灭火器过期 stays ours)."""
    low = text.lower()
    for f in out_of_scope_fields():
        cues = [c for c in f.get("cues", []) if c in text]
        cues += [c for c in f.get("cues_en", []) if re.search(rf"\b{re.escape(c.lower())}\b", low)]
        if not cues:
            continue
        rest = low
        for c in sorted(cues, key=len, reverse=True):
            rest = rest.replace(c.lower(), " ")
        if any(w in rest for w in core_words()) or any(w in rest for w in core_words_en()):
            continue
        return f, cues
    return None


def translate_terms(text: str) -> list[str]:
    """Chinese query terms for an English question (glossary lookup, longest phrase wins)."""
    low = " " + re.sub(r"[^a-z0-9]+", " ", text.lower()) + " "
    out: list[str] = []
    for en, zh in en_terms():
        needle = f" {en} "
        if needle in low:
            low = low.replace(needle, " | ")
            out.extend(z for z in zh if z not in out)
    return out


SURROGATE_RE = re.compile(r"[\ud800-\udfff]")


def keyword_text(text: str, spans: list[tuple[int, int, str]]) -> str:
    """The question with law names and article/item numbers blanked out. Within a named law its
    name says nothing about which article is meant, and numerals would match article headings
    ("刑法修正案（十一）" → 十一 → the amendment's item 十一、); both are handled by the plan instead."""
    chars = list(text)
    for start, end, _ in spans:
        chars[start:end] = " " * (end - start)
    out = "".join(chars)
    for rx in (ARTICLE_REF_RE, CLAUSE_REF_RE, ITEM_REF_RE):
        out = rx.sub(" ", out)
    return out.strip()


def normalise(text: str) -> str:
    # A lone surrogate (undecodable bytes in argv arrive as \udcff) cannot be encoded as UTF-8,
    # which the embedder and the output need: it is dropped.
    text = SURROGATE_RE.sub("", text)
    text = text.translate(_FULLWIDTH).replace("\u3000", " ")
    return re.sub(r"\s+", " ", text).strip()


def detect_language(text: str) -> str:
    """'zh' when the question is mostly Chinese; otherwise langdetect's guess (seeded, deterministic)."""
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    if cjk >= latin / 4 or latin < 3:
        return "zh"
    try:
        from langdetect import DetectorFactory, detect
        # langdetect loads its profiles into a global on first use without a lock: a second
        # thread could see a half-loaded factory and get a different answer.
        with _LANGDETECT_LOCK:
            DetectorFactory.seed = 0
            lang = detect(text)
    except Exception:  # noqa: BLE001 - langdetect raises on texts without features
        return "en"
    return "en" if lang.startswith("zh") is False and lang in ("en", "fr", "de", "nl", "it", "es", "pt") \
        else ("zh" if lang.startswith("zh") else lang)


class QueryAnalyzer:
    """Turns a question into a QueryPlan, using the corpus's names and versions."""

    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        # Longest names first, so 破坏性地震应急条例 wins over 应急条例 inside it.
        self.names = sorted(corpus.names.items(), key=lambda kv: len(kv[0]), reverse=True)
        self.missing = missing_catalogue()

    def analyze(self, question: str, as_of: str | None = None, include_superseded: bool = False) -> QueryPlan:
        text = normalise(question)
        language = detect_language(text)
        spans = self._find_laws(text)
        laws = list(dict.fromkeys(law for _, _, law in spans))
        translations: list[str] = []
        if language != "zh":
            translations = translate_terms(text)
            laws += [law for law in dict.fromkeys(self.corpus.resolve_law(t) for t in translations)
                     if law and law not in laws]
        doc_keys, version_note = self._choose_versions(text, language, laws, spans, as_of, include_superseded)
        direct, unknown, unknown_text = self._direct_refs(text, spans, language, laws, doc_keys)
        keywords = keyword_text(text, spans)
        text_tokens = tuple(tokenize(text))
        expansions = self._lay_expansions(text, text_tokens)
        return QueryPlan(
            text=text, keywords=keywords, language=language, laws=laws, direct=direct, doc_keys=doc_keys,
            version_note=version_note, expansions=expansions, translations=translations,
            intents=frozenset(name for name, rx in intent_patterns().items() if rx.search(text.lower())),
            domain_terms=self._domain_terms(text, text_tokens, laws, expansions, translations),
            unknown_refs=unknown, unknown_ref_text=unknown_text,
            refs_only=bool(unknown) and self._only_about(text, unknown_text),
            missing=self._find_missing(text), missing_topics=self._missing_topics(text, expansions),
            neighbour=_neighbour(text), off_field=off_field_laws(text, laws, expansions + translations),
            tokens=tuple(tokenize(keywords)), text_tokens=text_tokens,
            expansion_tokens=tuple(tokenize(" ".join(expansions))),
            translation_tokens=tuple(tokenize(" ".join(translations))))

    @staticmethod
    def _domain_terms(text: str, text_tokens: tuple[str, ...], laws: list[str], expansions: list[str],
                      translations: list[str]) -> list[str]:
        """Evidence that the question is about this field at all (used to refuse off-topic questions)."""
        vocab = domain_vocabulary()
        found = [t for t in content_words(text_tokens) if t in vocab]
        found += [w for w in core_words() if w in text]
        return list(dict.fromkeys(found + laws + expansions + translations))

    @staticmethod
    def _only_about(text: str, refs: list[str]) -> bool:
        """True when little is left of the question once the references are taken out ("…是什么")."""
        rest = text
        for ref in refs:
            rest = rest.replace(ref, " ")
        return len(content_words(tokenize(rest))) <= REF_ONLY_WORDS

    def _missing_topics(self, text: str, expansions: list[str]) -> list[MissingTopic]:
        """Wanted-but-missing documents whose topic the question (or its legal terms) names."""
        asked = text + " " + " ".join(expansions)
        out = []
        for d in self.missing:
            topics = tuple(t for t in d.get("topics", []) if len(t) >= MISSING_TOPIC_CHARS and t in asked)
            if topics:
                out.append(MissingTopic(d, topics))
        return out

    # -- law names ---------------------------------------------------------------------
    def _find_laws(self, text: str) -> list[tuple[int, int, str]]:
        found: list[tuple[int, int, str]] = []
        taken = [False] * len(text)
        for name, law in self.names:
            if not is_content_word(name):   # a one-character name would match everywhere
                continue
            start = text.find(name)
            while start >= 0:
                end = start + len(name)
                if not any(taken[start:end]):
                    found.append((start, end, law))
                    for i in range(start, end):
                        taken[i] = True
                start = text.find(name, end)
        return sorted(found)

    def _find_missing(self, text: str) -> list[dict]:
        hits = []
        for doc in self.missing:
            names = [doc.get("title", ""), doc.get("short_title", ""), *doc.get("aliases", [])]
            if any(n and len(n) >= MISSING_NAME_CHARS and n in text for n in names):
                hits.append(doc)
        return hits

    # -- versions ----------------------------------------------------------------------
    def _choose_versions(self, text: str, language: str, laws: list[str], spans: list[tuple[int, int, str]],
                         as_of: str | None, include_superseded: bool) -> tuple[frozenset[str], str]:
        """(the documents to search, a note on the version chosen). By default only versions in force;
        an explicit year, date or 修订前/旧法 selects another."""
        corpus = self.corpus
        words = version_words()
        keys = {k for k, d in corpus.documents.items() if d.meta.in_force}
        if include_superseded:
            keys = set(corpus.documents)
        chosen: dict[str, str] = {}
        year = YEAR_RE.search(text) or (EN_YEAR_RE.search(text) if language != "zh" else None)
        old = any(w in text for w in words.get("old", ())) or \
            any(s > 0 and text[s - 1] in words.get("old_prefix", "") for s, _, _ in spans)
        for law in corpus.laws():
            versions = corpus.versions(law)
            if len(versions) < 2:
                continue
            meta = None
            if as_of:
                meta = corpus.version_at(law, as_of)
            elif year and (law in laws or not laws):
                y = year.group("year")
                exact = [m for m in versions if m.version.startswith(y) or m.promulgated.startswith(y)]
                date = f"{y}-{int(year.group('month') or 12):02d}-{int(year.group('day') or 28):02d}"
                meta = exact[-1] if exact else corpus.version_at(law, date)
            elif old and (law in laws or not laws):
                current = corpus.current(law)
                older = [m for m in versions if m.key != current.key and (m.promulgated or m.version) <
                         (current.promulgated or current.version)]
                meta = older[-1] if older else None
            if meta is not None and not meta.in_force:
                keys -= {m.key for m in versions}
                keys.add(meta.key)
                chosen[law] = meta.key
        # "以前那部…哪年施行？现在新修的那部呢？" / "the revised law … replacing the 2007 version" name both
        # sides: that is a comparison too
        newer = any(w in text for w in words.get("new", ())) or bool(EN_NEW_RE.search(text))
        compare = bool(chosen) and not as_of and (bool(COMPARE_RE.search(text)) or ((old or bool(year)) and newer))
        if compare:
            keys |= {corpus.current(law).key for law in chosen}
        if as_of:   # a date also excludes laws not yet in force then
            keys = {k for k in keys if (corpus.documents[k].meta.effective or "0000")[:10] <= as_of}
        note = ""
        if compare:
            note = "、".join(f"{law}对比{corpus.documents[k].meta.version}版本与现行"
                            f"{corpus.current(law).version}版本" for law, k in chosen.items())
        elif chosen:
            note = "、".join(f"{law}按{corpus.documents[k].meta.version}版本" for law, k in chosen.items())
        return frozenset(keys), note

    # -- direct references -------------------------------------------------------------
    def _direct_refs(self, text: str, spans: list[tuple[int, int, str]], language: str, laws: list[str],
                     doc_keys: frozenset[str] | None) -> tuple[list[DirectRef], list[str], list[str]]:
        """(articles named, references to articles that do not exist as normalised, the same as written)."""
        refs: list[DirectRef] = []
        unknown: list[str] = []
        unknown_text: list[str] = []
        for m in ARTICLE_REF_RE.finditer(text):
            named = self._law_before(m.start(), spans, text)
            law = named or (laws[0] if len(laws) == 1 else None)
            if not law:
                continue
            try:
                label = make_label(m.group("num"), m.group("sub"))
            except NumeralError:
                label = ""
            if not (label and self._add_ref(refs, law, label, doc_keys)) and named:
                unknown.append(f"{law}{m.group(0).strip()}")
                unknown_text.append(text[self._law_start(m.start(), spans):m.end()])
        if language != "zh" and len(laws) == 1:    # "Article 134 of the Criminal Law"
            for m in EN_ARTICLE_RE.finditer(text):
                self._add_ref(refs, laws[0], str(int(m.group("num"))), doc_keys)
        for law in laws:        # documents numbered by items: 修正案第三项 / 工作要点（七）
            for key in self._keys_for(law, doc_keys):
                if self.corpus.documents[key].layout == "articles":
                    continue
                for m in ITEM_REF_RE.finditer(text):
                    if any(start <= m.start() < end for start, end, _ in spans):
                        continue        # the "（十一）" of 刑法修正案（十一） names the law, not an item
                    try:
                        label = make_label(m.group("num") or m.group("paren") or m.group("ord"))
                    except NumeralError:
                        continue
                    self._add_ref(refs, law, label, doc_keys)
        return refs, unknown, unknown_text

    def _law_start(self, pos: int, spans: list[tuple[int, int, str]]) -> int:
        """Where the law name written right before position `pos` starts."""
        return max((start for start, end, _ in spans if end <= pos), default=pos)

    def _law_before(self, pos: int, spans: list[tuple[int, int, str]], text: str) -> str | None:
        """The law named right before an article number ("安法第95条", "刑法134条之一")."""
        for start, end, law in reversed(spans):
            if end <= pos and re.fullmatch(r"[\s的》]*", text[end:pos]):
                return law
        return None

    def _keys_for(self, law: str, doc_keys: frozenset[str] | None) -> list[str]:
        keys = [m.key for m in self.corpus.versions(law) if doc_keys is None or m.key in doc_keys]
        return keys or [m.key for m in self.corpus.versions(law)]

    def _add_ref(self, refs: list[DirectRef], law: str, label: str, doc_keys: frozenset[str] | None) -> bool:
        """Add the article if it exists in an allowed version; False if there is no such article."""
        found = False
        for key in self._keys_for(law, doc_keys):
            meta = self.corpus.documents[key].meta
            aid = article_id(meta.short_title, meta.version, label)
            if aid in self.corpus.by_id:
                found = True
                ref = DirectRef(law, label, key, aid)
                if ref not in refs:
                    refs.append(ref)
        return found

    # -- everyday words ----------------------------------------------------------------
    def _lay_expansions(self, text: str, text_tokens: tuple[str, ...]) -> list[str]:
        tokens = set(text_tokens)
        plain = text.replace("了", "")          # 扣了工资 / 受了伤 say 扣工资 / 受伤
        out: list[str] = []
        for lay, legal in lay_terms():
            if any(_lay_match(w, text, plain, tokens) for w in lay):
                out.extend(t for t in legal if t not in text and t not in out)
        return out


def _neighbour(text: str) -> NeighbourField | None:
    found = other_field(text)
    return NeighbourField(found[0], tuple(found[1])) if found else None


LAY_GAP = 12    # "逼…干" matches 逼我们在没有防护的情况下去干: at most this many characters between parts


def _lay_match(word: str, text: str, plain: str, tokens: set[str]) -> bool:
    """Short lay words (跑, 厂) match whole jieba tokens, longer ones substrings; "A…B" matches A
    followed by B within LAY_GAP characters, for phrases that people split with their own words."""
    if "…" in word:
        return bool(_gap_pattern(word).search(text))
    if len(word) < 2:
        return word in tokens
    return word in text or word in plain


@lru_cache(maxsize=None)
def _gap_pattern(word: str) -> re.Pattern:
    parts = [re.escape(p) for p in word.split("…") if p]
    return re.compile(f"[^，。？！；,.?!;]{{0,{LAY_GAP}}}".join(parts))
