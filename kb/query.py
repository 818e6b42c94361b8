"""Query understanding: direct article references, law names and aliases, versions, everyday words,
language. Produces a QueryPlan that the retriever follows; no retrieval happens here."""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

from .config import DATA_DIR
from .corpus import Corpus
from .errors import NumeralError
from .numerals import CN_NUMERAL_CHARS, cn_to_int, int_to_cn

NUM = f"[{CN_NUMERAL_CHARS}0-9０-９]+"
ARTICLE_REF_RE = re.compile(rf"第?\s*(?P<num>{NUM})\s*条(?:\s*之\s*(?P<sub>{NUM}))?")
ITEM_REF_RE = re.compile(rf"(?:第\s*(?P<num>{NUM})\s*项|[（(](?P<paren>{NUM})[）)]|(?P<ord>{NUM})、)")
CLAUSE_REF_RE = re.compile(rf"第\s*{NUM}\s*款|第\s*[（(]{NUM}[）)]\s*项")   # 第二款, 第（三）项
EN_YEAR_RE = re.compile(r"\b(?P<year>(?:19|20)\d{2})\b(?P<month>)(?P<day>)")
EN_ARTICLE_RE = re.compile(r"\barticle\s+(?P<num>\d{1,4})\b", re.I)
YEAR_RE = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年(?:(?P<month>\d{1,2})月(?:(?P<day>\d{1,2})日)?)?")
OLD_PREFIX = "旧老原"          # 旧安全生产法 / 老突发事件应对法: a law name right after one of these
OLD_WORDS = ("修订前", "修改前", "修正前", "旧法", "旧版", "老版", "原来的", "原先的", "以前的", "过去的", "原法", "老法",
             "以前那", "原来那", "老的那", "旧的那")
NEW_WORDS = ("修订后", "新修订", "新法", "现行", "新版", "最新", "新修的", "现在的", "现在新")
EN_NEW_RE = re.compile(r"\b(revised|current|new|newer|latest|amended|replac(ed|ing|es))\b", re.I)
# A question that compares versions wants both: the older one it names and the one in force.
COMPARE_RE = re.compile(r"相比|对比|比较|比起|有何变化|有什么变化|哪些变化|变化|有何不同|有什么不同|区别|差异|异同|"
                        r"改了什么|改了哪些|修改了什么|修改了哪些|\b(compar|differ|changed|change[sd]? (in|from|since))", re.I)
# What kind of article answers the question: a penalty article, a definition, the effective date.
INTENT_PATTERNS = {
    "penalty": re.compile(r"罚|处罚|法律责任|行政责任|刑事责任|判刑|坐牢|拘留|追究|后果|怎么处理|如何处理|处分|吊销|"
                          r"判几年|犯罪|罪|\b(fine|fined|penalt|punish|prison|jail|sentence|liabilit|crime|criminal)"),
    "definition": re.compile(r"定义|是指|含义|什么是|指的是|包括哪些|哪些属于|界定|\b(defin|what is meant|means)"),
    "effective": re.compile(r"施行|生效|实施日期|\b(take effect|come into force|effective)"),
    "criminal": re.compile(r"判刑|坐牢|犯罪|刑事|罪|蹲监狱|\b(crime|criminal|prison|jail|imprison)"),
}
_FULLWIDTH = str.maketrans("０１２３４５６７８９（）", "0123456789()")
_LANGDETECT_LOCK = threading.Lock()


@dataclass(frozen=True)
class DirectRef:
    law: str            # short title
    label: str          # "95", "134之一", "5"
    version_key: str    # document key of the version meant


@dataclass
class QueryPlan:
    text: str                              # the question, normalised
    keywords: str = ""                     # the question without law names and article numbers (BM25)
    language: str = "zh"                   # "zh" or "en" (or another langdetect code)
    laws: list[str] = field(default_factory=list)          # short titles named in the question
    direct: list[DirectRef] = field(default_factory=list)
    doc_keys: set[str] | None = None       # documents allowed (None = versions in force)
    version_note: str = ""                 # why a non-current version was chosen
    expansions: list[str] = field(default_factory=list)    # legal terms added for lay words
    translations: list[str] = field(default_factory=list)  # Chinese terms for an English question
    intents: set[str] = field(default_factory=set)         # "penalty", "definition", "effective"
    domain_terms: list[str] = field(default_factory=list)  # words of this field found in the question
    unknown_refs: list[str] = field(default_factory=list)  # "安全生产法第999条": named, but no such article
    unknown_ref_text: list[str] = field(default_factory=list)  # the same as written ("安法第999条")
    missing: list[dict] = field(default_factory=list)      # wanted-but-missing documents named
    off_field: list[str] = field(default_factory=list)     # sector documents whose field the question never names


@lru_cache(maxsize=1)
def lay_terms() -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    path = DATA_DIR / "lay_terms.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [(tuple(t["lay"]), tuple(t["legal"])) for t in data.get("terms", [])]


@lru_cache(maxsize=1)
def missing_catalogue() -> list[dict]:
    path = DATA_DIR / "missing.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data.get("documents", data if isinstance(data, list) else []))


@lru_cache(maxsize=1)
def sector_fields() -> dict[str, tuple[str, ...]]:
    """Sector document (short title) → words that show a question is in its field (fields.json)."""
    path = DATA_DIR / "fields.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {law: tuple(words) for law, words in data.get("fields", {}).items()}


def off_field_laws(text: str, laws: list[str], terms: list[str]) -> list[str]:
    """Sector documents the question gives no sign of: none of their words in the question or in the
    legal/glossary terms found for it, and not named in it."""
    hay = " ".join([text, *terms])
    return [law for law, words in sector_fields().items()
            if law not in laws and not any(w in hay for w in words)]


# Words that mark a question as belonging to this field, matched as substrings. Place names and
# generic legal words (法律, 规定) are deliberately absent: "武汉天气" is not a safety question.
CORE_WORDS = ("安全", "事故", "危险", "防护", "应急", "消防", "火灾", "着火", "失火", "灭火", "隐患", "救援",
              "救灾", "灾害", "受灾", "作业", "职业病", "罚款", "处罚", "执法", "监管", "预案", "演练", "培训",
              "防汛", "洪水", "洪涝", "地震", "森林", "山火", "煤矿", "矿山", "化学品", "爆炸", "爆破",
              "特种设备", "伤亡", "工伤", "中毒", "窒息", "有限空间", "劳动保护", "突发事件", "预警", "疏散",
              "撤离", "避难", "气象", "台风", "暴雨", "安全生产", "生产经营", "犯罪", "判刑", "坐牢", "刑法",
              "尘肺", "矽肺", "粉尘", "噪声", "触电", "坠落", "坍塌", "泄漏", "燃气", "煤气", "有毒", "冒险",
              "电梯", "锅炉", "起重", "叉车", "压力容器", "气瓶", "游乐设施", "索道")   # 特种设备 (EN_CORE_WORDS too)


# The English counterpart of CORE_WORDS, for deciding that a question is about another field.
EN_CORE_WORDS = ("safety", "hazard", "danger", "fire", "explos", "chemical", "emergenc", "occupational",
                 "workplace", "work injur", "work-injur", "work accident", "mine", "mining", "flood", "earthquake",
                 "disaster", "rescue", "evacuat", "poison", "toxic", "elevator", "boiler", "criminal law")


@lru_cache(maxsize=1)
def out_of_scope_fields() -> list[dict]:
    """Neighbouring fields the corpus does not cover (labour contracts, traffic, tax …), with cues."""
    path = DATA_DIR / "out_of_scope.json"
    if not path.exists():
        return []
    return list(json.loads(path.read_text(encoding="utf-8")).get("fields", []))


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
        if any(w in rest for w in CORE_WORDS) or any(w in rest for w in EN_CORE_WORDS):
            continue
        return f, cues
    return None


@lru_cache(maxsize=1)
def domain_vocabulary() -> frozenset[str]:
    """Terms of the field: both sides of the everyday-words table (whole jieba tokens)."""
    words: set[str] = set()
    for lay, legal in lay_terms():
        words.update(w for w in (*lay, *legal) if len(w) >= 2)
    return frozenset(words)


@lru_cache(maxsize=1)
def en_terms() -> list[tuple[str, tuple[str, ...]]]:
    """English phrase → Chinese legal terms, longest phrase first."""
    path = DATA_DIR / "en_terms.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    pairs = [(en.lower(), tuple(t["zh"])) for t in data.get("terms", []) for en in t["en"]]
    return sorted(pairs, key=lambda p: len(p[0]), reverse=True)


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
        plan = QueryPlan(text=text, language=detect_language(text))
        spans = self._find_laws(text)
        plan.laws = list(dict.fromkeys(law for _, _, law in spans))
        if plan.language != "zh":
            plan.translations = translate_terms(text)
            plan.laws += [law for law in dict.fromkeys(self.corpus.resolve_law(t) for t in plan.translations)
                          if law and law not in plan.laws]
        plan.missing = self._find_missing(text)
        self._choose_versions(plan, text, spans, as_of, include_superseded)
        plan.direct = self._direct_refs(text, spans, plan)
        plan.keywords = keyword_text(text, spans)
        plan.expansions = self._lay_expansions(text)
        plan.intents = {name for name, rx in INTENT_PATTERNS.items() if rx.search(text.lower())}
        plan.domain_terms = self._domain_terms(text, plan)
        plan.off_field = off_field_laws(text, plan.laws, plan.expansions + plan.translations)
        return plan

    def _domain_terms(self, text: str, plan: QueryPlan) -> list[str]:
        """Evidence that the question is about this field at all (used to refuse off-topic questions)."""
        from .tokenize import tokenize
        vocab = domain_vocabulary()
        found = [t for t in tokenize(text) if len(t) >= 2 and t in vocab]
        found += [w for w in CORE_WORDS if w in text]
        return list(dict.fromkeys(found + plan.laws + plan.expansions + plan.translations))

    # -- law names ---------------------------------------------------------------------
    def _find_laws(self, text: str) -> list[tuple[int, int, str]]:
        found: list[tuple[int, int, str]] = []
        taken = [False] * len(text)
        for name, law in self.names:
            if len(name) < 2:
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
            if any(n and len(n) >= 4 and n in text for n in names):
                hits.append(doc)
        return hits

    # -- versions ----------------------------------------------------------------------
    def _choose_versions(self, plan: QueryPlan, text: str, spans: list[tuple[int, int, str]],
                         as_of: str | None, include_superseded: bool) -> None:
        """By default only versions in force; an explicit year, date or 修订前/旧法 selects another."""
        corpus = self.corpus
        keys = {k for k, d in corpus.documents.items() if d.meta.in_force}
        if include_superseded:
            keys = set(corpus.documents)
        chosen: dict[str, str] = {}
        year = YEAR_RE.search(text) or (EN_YEAR_RE.search(text) if plan.language != "zh" else None)
        old = any(w in text for w in OLD_WORDS) or any(s > 0 and text[s - 1] in OLD_PREFIX for s, _, _ in spans)
        for law in corpus.laws():
            versions = corpus.versions(law)
            if len(versions) < 2:
                continue
            meta = None
            if as_of:
                meta = corpus.version_at(law, as_of)
            elif year and (law in plan.laws or not plan.laws):
                y = year.group("year")
                exact = [m for m in versions if m.version.startswith(y) or m.promulgated.startswith(y)]
                date = f"{y}-{int(year.group('month') or 12):02d}-{int(year.group('day') or 28):02d}"
                meta = exact[-1] if exact else corpus.version_at(law, date)
            elif old and (law in plan.laws or not plan.laws):
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
        newer = any(w in text for w in NEW_WORDS) or bool(EN_NEW_RE.search(text))
        compare = bool(chosen) and not as_of and (bool(COMPARE_RE.search(text)) or ((old or bool(year)) and newer))
        if compare:
            keys |= {corpus.current(law).key for law in chosen}
        if as_of:   # a date also excludes laws not yet in force then
            keys = {k for k in keys if (corpus.documents[k].meta.effective or "0000")[:10] <= as_of}
        plan.doc_keys = keys
        if compare:
            plan.version_note = "、".join(f"{law}对比{corpus.documents[k].meta.version}版本与现行"
                                          f"{corpus.current(law).version}版本" for law, k in chosen.items())
        elif chosen:
            plan.version_note = "、".join(f"{law}按{corpus.documents[k].meta.version}版本" for law, k in chosen.items())

    # -- direct references -------------------------------------------------------------
    def _direct_refs(self, text: str, spans: list[tuple[int, int, str]], plan: QueryPlan) -> list[DirectRef]:
        refs: list[DirectRef] = []
        for m in ARTICLE_REF_RE.finditer(text):
            named = self._law_before(m.start(), spans, text)
            law = named or (plan.laws[0] if len(plan.laws) == 1 else None)
            if not law:
                continue
            try:
                label = str(cn_to_int(m.group("num")))
                if m.group("sub"):
                    label += "之" + int_to_cn(cn_to_int(m.group("sub")))
            except NumeralError:
                label = ""
            if not (label and self._add_ref(refs, law, label, plan)) and named:
                plan.unknown_refs.append(f"{law}{m.group(0).strip()}")
                plan.unknown_ref_text.append(text[self._law_start(m.start(), spans):m.end()])
        if plan.language != "zh" and len(plan.laws) == 1:    # "Article 134 of the Criminal Law"
            for m in EN_ARTICLE_RE.finditer(text):
                self._add_ref(refs, plan.laws[0], str(int(m.group("num"))), plan)
        for law in plan.laws:        # documents numbered by items: 修正案第三项 / 工作要点（七）
            for key in self._keys_for(law, plan):
                if self.corpus.documents[key].layout == "articles":
                    continue
                for m in ITEM_REF_RE.finditer(text):
                    if any(start <= m.start() < end for start, end, _ in spans):
                        continue        # the "（十一）" of 刑法修正案（十一） names the law, not an item
                    try:
                        n = cn_to_int(m.group("num") or m.group("paren") or m.group("ord"))
                    except NumeralError:
                        continue
                    self._add_ref(refs, law, str(n), plan)
        return refs

    def _law_start(self, pos: int, spans: list[tuple[int, int, str]]) -> int:
        """Where the law name written right before position `pos` starts."""
        return max((start for start, end, _ in spans if end <= pos), default=pos)

    def _law_before(self, pos: int, spans: list[tuple[int, int, str]], text: str) -> str | None:
        """The law named right before an article number ("安法第95条", "刑法134条之一")."""
        for start, end, law in reversed(spans):
            if end <= pos and re.fullmatch(r"[\s的》]*", text[end:pos]):
                return law
        return None

    def _keys_for(self, law: str, plan: QueryPlan) -> list[str]:
        keys = [m.key for m in self.corpus.versions(law) if plan.doc_keys is None or m.key in plan.doc_keys]
        return keys or [m.key for m in self.corpus.versions(law)]

    def _add_ref(self, refs: list[DirectRef], law: str, label: str, plan: QueryPlan) -> bool:
        """Add the article if it exists in an allowed version; False if there is no such article."""
        found = False
        for key in self._keys_for(law, plan):
            meta = self.corpus.documents[key].meta
            if f"{meta.short_title}@{meta.version}#{label}" in self.corpus.by_id:
                found = True
                ref = DirectRef(law, label, key)
                if ref not in refs:
                    refs.append(ref)
        return found

    # -- everyday words ----------------------------------------------------------------
    def _lay_expansions(self, text: str) -> list[str]:
        from .tokenize import tokenize
        tokens = set(tokenize(text))
        plain = text.replace("了", "")          # 扣了工资 / 受了伤 say 扣工资 / 受伤
        out: list[str] = []
        for lay, legal in lay_terms():
            if any(_lay_match(w, text, plain, tokens) for w in lay):
                out.extend(t for t in legal if t not in text and t not in out)
        return out


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
