"""Facts a quiz item asks about, read from the article text: numbers with units and their values, the
subject of a duty, right or prohibition, the words 不得/有权/禁止, sentences and enumerations of 项, and
per-document pools of same-kind values (distractors come from there).

Also the text helpers both the item builders (kb.quiz) and the quality gates (kb.quiz_gates) compare with:
norm, numbers_in/number_value, subject_kind/subjects_overlap, similar, balanced.
"""
from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
import unicodedata
import weakref
from collections import Counter
from dataclasses import dataclass, field

from kb.core.errors import NumeralError
from kb.core.numerals import cn_to_int, int_to_cn
from kb.core.schema import Article
from kb.corpus.parse import ITEM_RE
from kb.versions.align import UNCHANGED
from kb.versions.changes import cached_alignment

from .records import ArticleChange


# ---- text helpers --------------------------------------------------------------------------------
@functools.lru_cache(maxsize=65536)
def norm(text: str) -> str:
    """Width- and space-insensitive form for comparisons (NFKC maps ：，（ to :,( )."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


_N = r"(?:\d+(?:\.\d+)?[万亿]?|[零〇一二两三四五六七八九十百千万亿]+)"
_VALUE = {   # one value of each kind of number; a fact is a value or a range "V以上V以下"
    "percent": rf"百分之{_N}|{_N}[%％]",
    "money": rf"{_N}元(?![素件旦])",
    "age": rf"{_N}周岁",
    "time": rf"{_N}(?:个)?(?:小时|工作日|日|天|周(?!岁))|{_N}个月|(?<![本当次去明今每同])(?<!^[上下])(?<![^以][上下]){_N}年(?![度龄级份代纪收])",
    "people": rf"{_N}人(?![民员身口类格工群力大次士事质数])",
    "multiple": rf"{_N}倍",
    "measure": rf"{_N}(?:平方米|立方米|平方公里|千米|公里|米|吨|千克|公斤|千瓦|毫米|厘米)",
}
_NUM_START = r"(?<![第\d.零〇一二两三四五六七八九十百千万亿])"
NUMBER_RE = re.compile("|".join(f"{_NUM_START}(?P<{k}>(?:{v})(?:以上(?:{v})以下|以上|以下)?)" for k, v in _VALUE.items()))
_DATE_RE = re.compile(rf"{_N}年{_N}月(?:{_N}日)?|{_N}月{_N}日")
_TO_BASE = {"小时": 1, "工作日": 24, "日": 24, "天": 24, "周": 168, "个月": 720, "年": 8760, "万": 1e4, "亿": 1e8}
NUMBER_TAGS = {"percent": "比例", "money": "数额", "time": "期限", "people": "人数", "multiple": "倍数",
               "age": "年龄", "measure": "数量"}


def numbers_in(text: str) -> list[tuple[str, str, int]]:
    """(words, kind, position) of every number with a unit; dates are not numbers here."""
    masked = _DATE_RE.sub(lambda m: "＃" * len(m.group()), text)
    out = []
    for m in NUMBER_RE.finditer(masked):
        if number_value(m.group()) is not None:
            out.append((m.group(), m.lastgroup, m.start()))
    return out


def _cn_number(s: str) -> float | None:
    if re.fullmatch(r"\d+(?:\.\d+)?", s):  # "10万" goes on below
        return float(s)
    total = 0.0
    try:
        for unit in ("亿", "万"):
            if unit in s:
                head, s = s.split(unit, 1)
                total += (cn_to_int(head) if head else 1) * _TO_BASE[unit]
        return total + (cn_to_int(s) if s else 0)
    except NumeralError:
        return None


@functools.lru_cache(maxsize=65536)
def number_value(words: str) -> tuple | None:
    """A canonical value: 二十四小时 == 一日, 10万元以下 == 十万元以下; None if not a number with a unit."""
    m = NUMBER_RE.fullmatch(words)
    if not m:
        return None
    kind, values = m.lastgroup, []
    for piece in re.finditer(_VALUE[kind], words):
        p = piece.group()
        num = (re.search(rf"(?<=之){_N}", p) or re.match(_N, p)).group()
        v = _cn_number(num)
        if v is None:
            return None
        unit = next((u for u in ("小时", "工作日", "个月", "日", "天", "周", "年") if kind == "time" and u in p), "")
        values.append(v * _TO_BASE.get(unit, 1))
    if kind == "time" and "年" in words and max(values) >= 1000 * 8760:   # a year (2021年), not a duration
        return None
    return kind, tuple(values), tuple(re.findall("以上|以下", words))


# Made-up values when the law has too few of a kind: both ends of a range move by different factors,
# so the options do not betray the key as the one the others are multiples of.
SCALES = {"plain": (2, 0.5, 3, 5, 0.2, 10, 1.5), "range": ((1, 2), (0.5, 1), (2, 2), (1, 3), (0.5, 0.5), (2, 4), (3, 3))}


def _scaled(words: str, factor) -> str | None:
    """The same kind of number with the values multiplied: 二万元以上五万元以下 ×(1, 2) → 二万元以上十万元以下."""
    kind = number_value(words)[0]
    pat = rf"(?<=之){_N}" if kind == "percent" else rf"(?:(?<=^)|(?<=以上)){_N}"
    factors = iter(factor if isinstance(factor, tuple) else itertools.repeat(factor))

    def render(m):
        v = _cn_number(m.group()) * next(factors)
        if v != int(v) or v <= 0 or (kind == "percent" and v > 100):
            raise ValueError
        v = int(v)
        if m.group()[0].isdigit():
            return f"{v // 10_000}万" if m.group().endswith("万") and v % 10_000 == 0 else str(v)
        if v >= 10_000 and v % 10_000 == 0:
            return int_to_cn(v // 10_000) + "万"   # NumeralError past 9999万
        return int_to_cn(v)                        # NumeralError for 12500 and the like

    try:
        out = re.sub(pat, render, words)
    except (ValueError, NumeralError, StopIteration):
        return None
    value = number_value(out)   # None for e.g. 一千零五十万 that cn_to_int does not read back
    return out if value and list(value[1]) == sorted(set(value[1])) else None   # a range stays low < high


_FAR = math.log(100)   # values two orders of magnitude apart (1小时 / 三年) make a silly option


def _distance(a: str, b: str) -> float:
    va, vb = number_value(a)[1], number_value(b)[1]
    return abs(math.log((sum(va) / len(va) + 1) / (sum(vb) / len(vb) + 1)))


def _shape(words: str) -> str:
    return ("range" if "以上" in words and "以下" in words else
            "above" if words.endswith("以上") else "below" if words.endswith("以下") else "plain")


# Subjects: the noun phrase before the first of these words in a clause.
MODALS = ("应当", "必须", "不得", "有权", "可以", "负责(?!人)", "禁止")
FLIPS = {"不得": "可以", "有权": "无权", "禁止": "允许"}
MODAL_TAGS = {"不得": "禁止性规定", "禁止": "禁止性规定", "有权": "权利", "应当": "义务", "必须": "义务"}
_HEADS = {"person": ("负责人", "人员", "工程师", "劳动者", "投资人", "职工", "学生", "个人", "公民", "设计人", "承包人"),
          "gov": ("人民政府", "政府", "部门", "机关", "国务院", "办事处", "检察院", "法院"),
          "org": ("单位", "机构", "企业", "组织", "工会", "委员会", "协会", "学校", "队伍", "中心", "公司")}
_BAD_START = ("对", "在", "由", "经", "因", "除", "为", "向", "将", "把", "被", "从", "自", "当", "如", "若", "凡",
              "但", "并", "且", "而", "或", "也", "又", "均", "都", "本", "该", "其", "依", "按", "根据", "上述",
              "建立", "接到", "发现", "进行", "取得", "发生", "提供", "需要")
_GENERIC = ("任何", "所有", "全部", "有关", "其他", "相关", "各", "一切")
_BARE = {"单位", "个人", "部门", "人员", "机构", "企业", "组织", "负责人"}
_MODIFIERS_RE = re.compile("地方|各级|有关|其他|相关|本级|主管")
_CONJ_RE = re.compile("以及|或者|和|及|与|、")


def subject_kind(words: str) -> str | None:
    if not 2 <= len(words) <= 24 or words in _BARE or words.startswith(_BAD_START + _GENERIC) \
            or re.search(r"[，。；：:（）()“”由对向将把]", words):   # 目录由国务院… is no subject
        return None
    return next((k for k, heads in _HEADS.items() if words.endswith(heads)), None)


def subjects_overlap(a: str, b: str) -> bool:
    """Could one be the other (so a distractor might also be right)? 主要负责人/单位负责人, 国务院/国务院有关部门."""
    # 县级以上各级人民政府 is one of "国务院和县级以上地方…人民政府": compare without the modifiers
    pa = [_MODIFIERS_RE.sub("", x) for x in _CONJ_RE.split(a) + [a]]
    pb = [_MODIFIERS_RE.sub("", x) for x in _CONJ_RE.split(b) + [b]]
    if a in b or b in a or any(x and y and (x in y or y in x) for x in pa for y in pb):
        return True
    if a.endswith("负责人") and b.endswith("负责人"):
        return True
    if any(x.endswith(("从业人员", "职工", "工作人员")) for x in (a, b)) and subject_kind(a) == subject_kind(b) == "person":
        return True   # every role of a unit's staff is one of its 从业人员
    wide = ("监督管理职责的部门", "监督管理部门", "主管部门")
    return (a.endswith("部门") and b.endswith("部门")) and any(w in a or w in b for w in wide)


def similar(a: str, b: str) -> float:
    """Share of character bigrams of the shorter text found in the other (near-duplicate 项)."""
    ga, gb = _bigrams(a), _bigrams(b)
    return len(ga & gb) / max(1, min(len(ga), len(gb)))


@functools.lru_cache(maxsize=65536)
def _bigrams(text: str) -> frozenset:
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def _swap(frags, old: str, new: str) -> list[str]:
    """Replace the one occurrence of `old` in the fragments."""
    out, done = [], False
    for f in frags:
        if not done and old in f:
            f, done = f.replace(old, new, 1), True
        out.append(f)
    return out


def _join(frags, seps) -> str:
    return frags[0] + "".join(s + f for s, f in zip(seps, frags[1:]))


_PAIRS = {"）": "（", ")": "(", "》": "《", "”": "“", "」": "「", "】": "【", "]": "[", "’": "‘", "}": "{"}
_OPENERS = set(_PAIRS.values())


def balanced(text: str) -> bool:
    stack = []
    for ch in text:
        if ch in _OPENERS:
            stack.append(ch)
        elif ch in _PAIRS and (not stack or stack.pop() != _PAIRS[ch]):
            return False
    return not stack and text.count('"') % 2 == 0


# ---- facts -------------------------------------------------------------------------------------------
@dataclass
class Statement:
    """A true statement made of verbatim fragments of one article, and the facts it states."""
    article: Article
    frags: tuple[str, ...]
    seps: tuple[str, ...]             # joiners between fragments ("", "：", "，")
    evidence: str                     # verbatim words quoted in the explanation ("……" between pieces)
    key: str                          # fact key: one item per statement in a quiz
    facts: list[tuple[str, str, str]] = field(default_factory=list)   # (kind, words, class)
    tags: list[str] = field(default_factory=list)

    @property
    def core(self) -> str:
        return _join(self.frags, self.seps)


@dataclass
class Enumeration:
    article: Article
    lead: str                         # the sentence introducing the 项, verbatim
    kind: str                         # 职责, 行为, 情形 …
    bodies: list[str]                 # 项 without label and closing punctuation
    lines: list[str]                  # 项 verbatim


_LEAD_RE = re.compile(r"(下列|以下)([^，。；:：的]{0,6}?)(?:之一)?(?:的|[:：]|$|，)")
# A sentence that opens like this leans on the one before it and cannot stand alone in a stem.
_DEPENDENT = ("但", "其中", "同时", "此外", "并", "以上", "该", "此", "这", "其", "逾期", "情节", "有前款", "对其")
_SKIP_RE = re.compile(r"前款|前两款|前三款|前述|上述|下列|以下[^，。；]{0,6}[:：]")


def _body_lines(art: Article) -> list[tuple[str, list[str]]]:
    """(款 text without the heading, its 项 lines)."""
    out = []
    for i, c in enumerate(art.clauses):
        text = c.text[len(art.heading):].lstrip(" \u3000") if i == 0 and c.text.startswith(art.heading) else c.text
        out.append((text, [it.text for it in c.items]))
    return out


def extract(art: Article) -> tuple[list[Statement], list[Enumeration]]:
    statements, enums = [], []
    for text, items in _body_lines(art):
        for sent in re.findall(r"[^。]+。?", text):
            if sent.count("“") > sent.count("”"):   # 修改为：“…  — the amended words stand alone
                sent = sent[sent.rindex("“") + 1:]
            if _SKIP_RE.search(sent) or sent.startswith(_DEPENDENT):
                continue
            ends = [m.start() for m in re.finditer("[；;]", sent)] + [len(sent.rstrip("。"))]
            for k, end in enumerate(ends):
                start = ends[k - 1] + 1 if k else 0
                st = Statement(art, (sent[:end],), (), sent[:end], f"{art.id}|{norm(sent[:end])}")
                _find_facts(st, sent[start:end])
                if st.facts and 8 <= len(st.core) <= 160:
                    statements.append(st)
        if items:
            enum = _enumeration(art, text, items)
            if enum:
                enums.append(enum)
                statements.extend(_restated(enum))
    return statements, enums


def _find_facts(st: Statement, part: str) -> None:
    core = st.core
    for words, kind, _ in numbers_in(part):
        if core.count(words) == 1:
            st.facts.append(("number", words, kind))
            st.tags.append(NUMBER_TAGS[kind])
    m = re.search("|".join(MODALS), part)
    if m:
        subj = re.split(r"[，：:]", part[:m.start()])[-1]
        if subject_kind(subj) and core.count(subj) == 1:
            st.facts.append(("subject", subj, subject_kind(subj)))
            st.tags.append("责任主体")
        st.tags.append(MODAL_TAGS.get(m.group(), ""))
    for word in FLIPS:
        if word in part and core.count(word) == 1 and not re.search(word + "[不]", core):
            st.facts.append(("modal", word, word))
    st.tags = [t for t in dict.fromkeys(st.tags) if t]


def _enumeration(art: Article, text: str, items: list[str]) -> Enumeration | None:
    lead = next((s for s in re.split(r"[；;。]", text) if _LEAD_RE.search(s)), None)
    if not lead:
        return None
    lead = lead.rstrip(":： ")
    bodies = [re.sub(r"[；;。.，,]+$", "", ITEM_RE.sub("", line, count=1)) for line in items]
    return Enumeration(art, lead, _LEAD_RE.search(lead).group(2), bodies, items)


def _restated(enum: Enumeration) -> list[Statement]:
    """Statements joining a 项 to its lead: 'X有下列行为之一的，Y' → X + 项 + Y; '…依照下列规定…' → lead：项."""
    out = []
    m = re.search(r"，?有下列[^，]{0,6}之一的，", enum.lead)
    for body, line in zip(enum.bodies, enum.lines):
        if m and m.start() > 0 and enum.lead[m.end():]:
            frags, seps = (enum.lead[:m.start()], body, enum.lead[m.end():]), ("", "，")
        elif "下列规定" in enum.lead:
            frags, seps = (enum.lead, body), ("：",)
        else:
            continue
        st = Statement(enum.article, frags, seps, f"{enum.lead}……{line}", f"{enum.article.id}|{norm(enum.lead)}")
        for words, kind, _ in numbers_in(st.core):
            if st.core.count(words) == 1:
                st.facts.append(("number", words, kind))
                st.tags.append(NUMBER_TAGS[kind])
        st.tags = list(dict.fromkeys(st.tags))
        if st.facts and len(st.core) <= 160:
            out.append(st)
    return out


# ---- per-document facts and distractor pools -------------------------------------------------------
class _DocFacts:
    """Statements, enumerations and pools of same-kind values of one document (distractors come from here)."""

    def __init__(self, doc):
        self.norm_texts = {a.id: norm(a.text) for a in doc.articles}
        self.statements: dict[str, list[Statement]] = {}
        self.enums: dict[str, list[Enumeration]] = {}
        self.items: dict[str, list[str]] = {}                    # article id → its 项 bodies
        self.numbers: dict[str, list[tuple[str, str]]] = {}      # kind → (words, article id)
        self.subjects: dict[str, list[tuple[str, str]]] = {}
        self.enum_pool: list[tuple[str, str, str, str]] = []     # (项, article id, kind, lead)
        for art in doc.articles:
            sts, ens = extract(art)
            self.statements[art.id], self.enums[art.id] = sts, ens
            self.items[art.id] = [re.sub(r"[；;。]+$", "", ITEM_RE.sub("", it.text, count=1))
                                  for c in art.clauses for it in c.items]
            for words, kind, _ in numbers_in(art.text):
                if all(w != words for w, _ in self.numbers.setdefault(kind, [])):
                    self.numbers[kind].append((words, art.id))
            for st in sts:
                for kind, words, cls in st.facts:
                    if kind == "subject":
                        self.subjects.setdefault(cls, []).append((words, art.id))
            for en in (e for e in ens if "下列规定" not in e.lead):
                self.enum_pool.extend((b, art.id, en.kind, en.lead) for b in en.bodies if 4 <= len(b) <= 80)

        self.subject_freq = Counter(w for pool in self.subjects.values() for w, _ in pool)

        self._ids = list(self.norm_texts)
        self._joined = "\0".join(self.norm_texts.values())   # one string: find() instead of a loop
        self._starts = list(itertools.accumulate((len(t) + 1 for t in self.norm_texts.values()), initial=0))

    def stated(self, frags) -> str | None:
        """The id of an article that states all these fragments, if any."""
        nf = sorted((norm(f) for f in frags), key=len, reverse=True)
        pos = self._joined.find(nf[0])
        while pos >= 0:
            i = bisect.bisect_right(self._starts, pos) - 1
            aid = self._ids[i]
            if all(f in self.norm_texts[aid] for f in nf[1:]):
                return aid
            pos = self._joined.find(nf[0], self._starts[i + 1])
        return None


class _Context:
    def __init__(self, corpus):
        self.corpus = corpus
        self.docs: dict[str, _DocFacts] = {}
        self.change_maps: dict[str, dict[str, ArticleChange]] = {}

    def doc(self, key: str) -> _DocFacts:
        if key not in self.docs:
            self.docs[key] = _DocFacts(self.corpus.documents[key])
        return self.docs[key]

    def changes(self, key: str) -> dict[str, ArticleChange]:
        if key not in self.change_maps:
            self.change_maps[key] = _change_map(self.corpus, key)
        return self.change_maps[key]


def previous_version(corpus, key: str):
    """The document version just before `key` in the corpus, or None (only one version)."""
    doc = corpus.documents[key]
    metas = corpus.versions(doc.meta.short_title)
    keys = [m.key for m in metas]
    if key not in keys or keys.index(key) == 0:
        return None
    return corpus.documents[keys[keys.index(key) - 1]]


def _change_map(corpus, key: str) -> dict[str, ArticleChange]:
    """article id (of version `key`) → ArticleChange, for every article the revision from the previous
    version changed (pair kind ≠ unchanged) or added; {} if the corpus holds no earlier version."""
    old = previous_version(corpus, key)
    if old is None:
        return {}
    new = corpus.documents[key]
    al = cached_alignment(old, new)
    year = (new.meta.promulgated or new.meta.version)[:4]
    out: dict[str, ArticleChange] = {}
    for art in new.articles:
        pairs = al.for_new(art.label)
        if not pairs or all(p.kind == UNCHANGED for p in pairs):
            continue
        olds = tuple(dict.fromkeys(p.old.label for p in pairs if p.old))
        out[art.id] = ArticleChange(pairs[0].kind, olds, year, any(p.text_changed for p in pairs))
    return out


_CONTEXTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _context(corpus) -> _Context:
    if corpus not in _CONTEXTS:
        _CONTEXTS[corpus] = _Context(corpus)
    return _CONTEXTS[corpus]
