"""Exam items (单选/多选/判断/填空) built from what an article states, each re-checked by quality gates.

Facts: numbers with units (二十四小时, 五万元以上十万元以下, 百分之四十), the subject of a duty, right or
prohibition (主要负责人, 从业人员, 应急管理部门), enumerations of 项, and the words 不得/有权/禁止.
The statement behind every key is made of verbatim fragments of the cited article (`QuizItem.quote`),
so items are right by construction; the gates check that again, plus distractors, options and stems.
Exporters live in quiz_export.py.
"""
from __future__ import annotations

import bisect
import functools
import itertools
import math
import random
import re
import sys
import time
import unicodedata
import weakref
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

from .errors import NumeralError, QuizError
from .numerals import cn_to_int, int_to_cn
from .parse import ITEM_RE
from .schema import STATUS_LABELS, Article

TYPES = {"single": "单选题", "multi": "多选题", "judge": "判断题", "cloze": "填空题"}
TYPE_ALIASES = {"single": "single", "单选": "single", "单选题": "single", "multi": "multi", "multiple": "multi",
                "多选": "multi", "多选题": "multi", "judge": "judge", "tf": "judge", "判断": "judge",
                "判断题": "judge", "cloze": "cloze", "blank": "cloze", "填空": "cloze", "填空题": "cloze"}
DEFAULT_TYPES = "single:10,multi:5,judge:10,cloze:5"
LETTERS = "ABCDEF"
CHOICE_BLANK = "（　）"
CLOZE_BLANK = "______"
GATES = {"stem": "题干残缺或格式错误", "options": "选项缺失或重复", "key": "答案无法在条文中核实",
         "distractor": "干扰项也可能正确", "duplicate": "与已选题目问同一事实"}

EXAMPLES = """examples:
  python -m kb quiz --law 安全生产法 --types single:10,multi:5,judge:10,cloze:5 --seed 7 --out quiz.xlsx
  python -m kb quiz --law 安法 --chapter 第三章 --types judge:5 --seed 1          print to the terminal
  python -m kb quiz --law 安全生产法 --articles 90-110 --types single:5,multi:3,judge:5 --out 法律责任.docx
      (writes the paper 法律责任.docx and the answer key 法律责任_答案.docx)
  python -m kb quiz --law 消防法 --law 安全生产法 --out quiz.gift          Moodle GIFT import file
  python -m kb quiz --law 突发事件应对法 --version 2007-08-30 --types single:5,judge:5 --format json
      (a superseded version: every item is marked superseded and says so in its stem)
  python -m kb quiz --law 突发事件应对法 --changed-only --types single:5,judge:5 --seed 3
      (only articles the latest revision changed or added; stems start "修订后，")
  formats: .xlsx .csv .json .docx .gift/.txt; types: single 单选, multi 多选, judge 判断, cloze 填空"""


# ---- records -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class QuizSource:
    law: str
    title: str
    version: str
    article_id: str
    citation: str          # 《中华人民共和国安全生产法》第二十一条
    status: str = "in_force"


@dataclass
class QuizItem:
    type: str                         # single | multi | judge | cloze
    stem: str
    options: list[str]                # A… for single/multi, empty for judge/cloze
    key: list[str] | str              # ["A"], ["A", "C"], "正确"/"错误", or the cloze answer
    explanation: str                  # quotes the article verbatim between “ ”
    source: QuizSource
    difficulty: int = 2               # 1 easy … 3 hard
    tags: list[str] = field(default_factory=list)
    superseded: bool = False
    quote: list[str] = field(default_factory=list)   # verbatim fragments the true statement is made of
    change: tuple[str, str] | None = None            # false 判断: (words of the article, words in the stem)
    fact: str = ""                                   # what is asked; a quiz asks each fact once

    @property
    def answer(self) -> str:
        return ",".join(self.key) if isinstance(self.key, list) else self.key

    @property
    def type_label(self) -> str:
        return TYPES.get(self.type, self.type)

    def to_dict(self) -> dict:
        return asdict(self) | {"answer": self.answer, "type_label": self.type_label}

    @classmethod
    def from_dict(cls, d: dict) -> QuizItem:
        d = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        d["source"] = QuizSource(**d["source"])
        d["change"] = tuple(d["change"]) if d.get("change") else None
        return cls(**d)


class Rejection(NamedTuple):
    """Why a gate refused an item."""
    gate: str      # a key of GATES
    detail: str


@dataclass
class GateReport:
    candidates: int = 0
    passed: int = 0
    rejected: Counter = field(default_factory=Counter)   # gate → candidates it refused
    available: dict = field(default_factory=dict)        # type → distinct facts that passed
    selected: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        parts = "，".join(f"{GATES[g]} {self.rejected.get(g, 0)}" for g in GATES)
        return (f"候选 {self.candidates} 道，通过 {self.passed} 道，选用 {self.selected} 道"
                f"（{self.seconds:.2f} 秒）。\n质量门槛拒绝：{parts}。")


@dataclass
class Quiz:
    items: list[QuizItem]
    report: GateReport
    seed: int
    scope: list[str]       # article ids in scope
    changed_only: bool = False


CHANGED_TAG = "修订变化"
REVISED_PREFIX = "修订后，"


@dataclass(frozen=True)
class ArticleChange:
    """How the latest revision touched an article of the newer version (from kb.align)."""
    kind: str                  # the pair kind: modified, renumbered, split, merged, added
    old_labels: tuple[str, ...]   # the article(s) of the previous version it comes from; () if added
    year: str                  # year of the revision (the newer version)
    text_changed: bool         # False for an article only renumbered

    @property
    def note(self) -> str:
        """'本条在2024年修订中有变化（原第四十二条）。' / '本条为2024年修订新增。'"""
        if not self.old_labels:
            return f"本条为{self.year}年修订新增。"
        olds = "、".join(_label_cn(x) for x in self.old_labels)
        tail = "：条号变动，条文未改。" if not self.text_changed else "。"
        return f"本条在{self.year}年修订中有变化（原{olds}）{tail}"


def _label_cn(label: str) -> str:
    num, _, sub = label.partition("之")
    return f"第{int_to_cn(int(num))}条" + (f"之{sub}" if sub else "")


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
    # 县级以上各级人民政府 is one of 国务院和县级以上地方各级人民政府: compare without the modifiers
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


# ---- scope -------------------------------------------------------------------------------------------
def parse_types(spec: str | dict | None) -> dict[str, int]:
    """'single:10,multi:5' (or 单选:10) → {"single": 10, "multi": 5}, in the order given."""
    if isinstance(spec, dict):
        spec = ",".join(f"{k}:{v}" for k, v in spec.items())
    spec = (spec or DEFAULT_TYPES).strip()
    valid = "single（单选）、multi（多选）、judge（判断）、cloze（填空）"
    out: dict[str, int] = {}
    for part in filter(None, re.split(r"[,，、\s]+", spec)):
        m = re.fullmatch(r"([^:：=]+)[:：=](\d+)", part)
        if not m:
            raise QuizError(f"无法识别的题型数量 {part!r}：请写成 题型:数量，例如 --types {DEFAULT_TYPES}")
        name = TYPE_ALIASES.get(m.group(1).strip().lower())
        if not name:
            raise QuizError(f"未知题型 {m.group(1)!r}；可用题型：{valid}")
        out[name] = out.get(name, 0) + int(m.group(2))
    if not sum(out.values()):
        raise QuizError(f"题目总数为 0：请在 --types 中至少要求一道题，例如 --types {DEFAULT_TYPES}")
    return out


def parse_ranges(spec: str) -> list[tuple[int, int]]:
    """'21-30,95' or '第二十一条至第三十条' → [(21, 30), (95, 95)]."""
    out = []
    for part in filter(None, re.split(r"[,，、\s]+", spec or "")):
        bounds = re.split(r"[-－~～—至到]", part)
        try:
            nums = [cn_to_int(re.sub(r"^第|条$", "", b.strip())) for b in bounds]
        except NumeralError:
            nums = []
        if len(nums) not in (1, 2) or nums[0] > nums[-1]:
            raise QuizError(f"无法识别的条文范围 {part!r}：请写成 21-30,95 这样的条号或范围")
        out.append((nums[0], nums[-1]))
    return out


def select_articles(corpus, laws=None, chapters=None, articles=None, version: str | None = None) -> list[Article]:
    """The articles in scope: the named laws (all laws if none; version in force unless `version`),
    narrowed to chapters (a 章/节 name or part of it) and article ranges."""
    names = [n for law in (laws or []) for n in re.split(r"[,，、]", law) if n.strip()]
    metas = []
    for name in names or corpus.laws():
        short = corpus.resolve_law(name)
        if not short:
            raise QuizError(f"语料中没有名为 {name!r} 的文件。运行 python -m kb corpus list 查看已收录文件。")
        if version:
            meta = next((m for m in corpus.versions(short) if m.version == version), None)
            if meta is None:
                have = "、".join(m.version for m in corpus.versions(short))
                raise QuizError(f"{short} 没有 {version} 版本；已收录版本：{have}")
        else:
            meta = corpus.current(short)
        if meta not in metas:
            metas.append(meta)
    chapters = [re.sub(r"第(\d+)([编章节])", lambda m: f"第{int_to_cn(int(m.group(1)))}{m.group(2)}", c.strip())
                for c in (chapters or []) if c.strip()]
    ranges = parse_ranges(articles) if isinstance(articles, str) else list(articles or [])
    arts = [a for m in metas for a in corpus.documents[m.key].articles
            if (not chapters or any(c in el for c in chapters for el in a.chapter_path))
            and (not ranges or any(lo <= a.number <= hi for lo, hi in ranges))]
    if not arts:
        what = "、".join(m.short_title for m in metas)
        known = "、".join(dict.fromkeys(h[-1] for m in metas for h in corpus.documents[m.key].headings))[:300]
        raise QuizError(f"所选范围内没有条文（{what}，章节 {chapters or '全部'}，条文 {articles or '全部'}）。"
                        + (f"可选章节：{known}" if known else "请检查 --chapter 与 --articles。"))
    return arts


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
    from .align import UNCHANGED
    from .diff import cached_alignment   # lazy: only documents with an older version need it
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


def article_changes(corpus, key: str) -> dict[str, ArticleChange]:
    """Public: the changed/added articles of document version `key` (see _change_map)."""
    return _context(corpus).changes(key)


def mark_changes(items: list[QuizItem], corpus) -> list[QuizItem]:
    """Tag items whose source article the latest revision changed ("修订变化") and add the note
    '本条在YYYY年修订中有变化（原第X条）' to the explanation (in place; returns the items)."""
    ctx = _context(corpus)
    for it in items:
        art = corpus.by_id.get(it.source.article_id)
        if art is None or art.status != "in_force":
            continue
        change = ctx.changes(art.doc_key).get(art.id)
        if change is None or CHANGED_TAG in it.tags:
            continue
        it.tags = [CHANGED_TAG] + it.tags
        it.explanation = it.explanation + change.note
    return items


_CONTEXTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _context(corpus) -> _Context:
    if corpus not in _CONTEXTS:
        _CONTEXTS[corpus] = _Context(corpus)
    return _CONTEXTS[corpus]


# ---- candidates ------------------------------------------------------------------------------------
def _prefix(art: Article) -> str:
    old = "" if art.status == "in_force" else f"（{art.version} 版，{STATUS_LABELS.get(art.status, art.status)}）"
    return f"根据《{art.title}》{old}，"


def _make(typ, stem, options, key, expl, art, quote, difficulty, tags, fact, change=None) -> QuizItem:
    src = QuizSource(art.law, art.title, art.version, art.id, art.citation, art.status)
    chapter = [art.chapter_path[-1]] if art.chapter_path else []
    old = [STATUS_LABELS.get(art.status, art.status)] if art.status != "in_force" else []
    return QuizItem(typ, stem, options, key, expl, src, max(1, min(3, difficulty)),
                    list(dict.fromkeys(tags + chapter + old)), art.status != "in_force", list(quote), change, fact)


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


def _alternatives(info: _DocFacts, st: Statement, fact, avoid: str, n: int, rng) -> list[str]:
    """Up to n values of the same kind as the fact, none in `avoid` (normalised text), preferring other
    articles and the same shape (range / 以上 / 以下); numbers fall back to scaled values."""
    kind, words, cls = fact
    if kind == "modal":
        return [FLIPS[words]]
    if kind == "number":
        seen, same, other = {number_value(words)}, [], []
        for w, _ in info.numbers.get(cls, []):
            v = number_value(w)
            if v not in seen and norm(w) not in avoid:
                seen.add(v)
                (same if _shape(w) == _shape(words) else other).append(w)
        # plausible distractors are of the same order of magnitude: draw from the 2n closest
        same = sorted((w for w in same if _distance(w, words) <= _FAR), key=lambda w: _distance(w, words))
        other = sorted((w for w in other if _distance(w, words) <= _FAR), key=lambda w: _distance(w, words))
        pool = rng.sample(same[:2 * n], min(n, len(same)))
        pool += rng.sample(other[:2 * n], min(n - len(pool), len(other)))
        for f in SCALES["range" if _shape(words) == "range" else "plain"]:
            w = _scaled(words, f) if len(pool) < n else None
            if w and number_value(w) not in seen and norm(w) not in avoid:
                seen.add(number_value(w))
                pool.append(w)
        return pool[:n]
    # the subjects the law names most often are the plausible distractors; random among equals
    freq = info.subject_freq
    cands = list(dict.fromkeys(w for w, aid in info.subjects.get(cls, []) if aid != st.article.id and norm(w) not in avoid))
    ties = {w: rng.random() for w in cands}
    cands.sort(key=lambda w: (-freq[w], ties[w]))
    cands = rng.sample(cands[:2 * n], min(2 * n, len(cands))) + cands[2 * n:]
    out: list[str] = []
    for w in cands:
        if not subjects_overlap(w, words) and not any(subjects_overlap(w, o) for o in out):
            out.append(w)
    return out[:n]


def _fill_items(info, st: Statement, fact, typ: str, rng) -> QuizItem | None:
    art, (kind, words, cls) = st.article, fact
    blank = CLOZE_BLANK if typ == "cloze" else CHOICE_BLANK
    stem = _prefix(art) + _join(_swap(st.frags, words, blank), st.seps) + "。"
    expl = f"依据{art.citation}：“{st.evidence}”。"
    hard = 3 if len(words) > 6 else 2
    if typ == "cloze":
        return _make("cloze", stem, [], words, expl, art, st.frags, hard, st.tags, st.key)
    wrong = _alternatives(info, st, fact, info.norm_texts[art.id], 3, rng)
    if len(wrong) < 3:
        return None
    options = [words] + wrong
    rng.shuffle(options)
    letter = LETTERS[options.index(words)]
    return _make("single", stem, options, [letter], expl + f"故选 {letter}。", art, st.frags, hard, st.tags, st.key)


def _judge_items(info, st: Statement, rng) -> list[QuizItem]:
    art = st.article
    prefix = _prefix(art)
    true = _make("judge", prefix + st.core + "。", [], "正确", f"正确。{art.citation}规定：“{st.evidence}”。",
                 art, st.frags, 1, st.tags, st.key)
    out = [true]
    for fact in st.facts:
        # another value of the same article in another role makes a good false statement; another subject
        # of the same article may share the duty (生产经营单位 also trains 被派遣劳动者), so not those
        avoid = info.norm_texts[art.id] if fact[0] == "subject" else norm(st.core)
        alt = _alternatives(info, st, fact, avoid, 1, rng)
        if not alt or alt[0] in st.core:
            continue
        words, new = fact[1], alt[0]
        stem = prefix + _join(_swap(st.frags, words, new), st.seps) + "。"
        expl = f"错误。{art.citation}规定：“{st.evidence}”，题干将「{words}」改成了「{new}」。"
        out.append(_make("judge", stem, [], "错误", expl, art, st.frags, 1 if fact[0] == "modal" else 2,
                         st.tags, st.key, change=(words, new)))
    return out


def _ask(lead: str, which: str) -> str:
    s = re.sub(r"(下列|以下)([^，。；:：的]{0,6}?)之一", rf"\g<1>{which}\g<2>", lead, count=1)
    return s if s != lead else re.sub(r"(下列|以下)", rf"\g<1>{which}", lead, count=1)


def _choice_items(info, en: Enumeration, typ: str, rng) -> QuizItem | None:
    art = en.article
    usable = [(b, line) for b, line in zip(en.bodies, en.lines) if 4 <= len(b) <= 80]
    if "下列规定" in en.lead or len(usable) < 2:
        return None
    n_right = 1 if typ == "single" else rng.randint(2, min(4, len(usable)))
    n_wrong = 3 if typ == "single" else max(1, rng.choice((4, 5)) - n_right)
    avoid, lead = info.norm_texts[art.id], norm(en.lead)
    mine = info.items.get(art.id, [])
    acts = sum(b.endswith("的") for b in en.bodies) * 2 > len(en.bodies)   # "…的" 行为/情形, or duties
    pool = [(b, k) for b, aid, k, ld in info.enum_pool if aid != art.id and norm(ld) != lead and norm(b) not in avoid
            and b.endswith("的") == acts]
    rng.shuffle(pool)
    pool.sort(key=lambda bk: bk[1] != en.kind)    # 项 of the same kind (职责, 行为 …) first
    wrong: list[str] = []
    for b, _ in pool:   # a near copy of one of this article's 项 could be read as right
        if b not in wrong and all(similar(b, m) < 0.5 for m in mine):
            wrong.append(b)
            if len(wrong) == n_wrong:
                break
    if len(wrong) < n_wrong:
        return None
    right = sorted(rng.sample(usable, n_right), key=usable.index)   # quoted in the order of the article
    options = [b for b, _ in right] + wrong
    rng.shuffle(options)
    key = sorted(LETTERS[options.index(b)] for b, _ in right)
    bad = "、".join(LETTERS[i] for i, o in enumerate(options) if o in wrong)
    expl = (f"依据{art.citation}：“{en.lead}……{'……'.join(line for _, line in right)}”。"
            f"{bad} 项不是本条所列{en.kind or '内容'}。")
    stem = _prefix(art) + _ask(en.lead, "哪些" if typ == "multi" else "哪一项") + "？"
    tags = ["列举"] + ([en.kind] if en.kind and len(en.kind) <= 4 else [])
    diff = 3 if typ == "multi" and n_right >= 3 else 2
    return _make(typ, stem, options, key, expl, art, [en.lead], diff, tags, f"{art.id}|{lead}")


# ---- quality gates ---------------------------------------------------------------------------------
PREFIX_RE = re.compile(r"^(?:修订后，)?根据《[^》]+》(?:（[^）]*）)?，")
_PLACEHOLDER_RE = re.compile(r"\{[^}]*\}|TODO|XXX|××|\bNone\b|\?\?|……|<[^>]*>|_{2,}|＿{2,}")
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


def gate_stem(item: QuizItem) -> str | None:
    """A whole sentence naming its source, one blank in a 填空 only, no placeholder, balanced brackets."""
    s = item.stem
    if not 10 <= len(s) <= 300:
        return f"题干长度 {len(s)} 不在 10–300 字之间"
    blanks = len(re.findall(r"_{2,}|＿{2,}", s))
    if item.type == "cloze" and (blanks != 1 or CHOICE_BLANK in s):
        return f"填空题应恰有一个空（{CLOZE_BLANK}），实有 {blanks} 个"
    bad = _PLACEHOLDER_RE.search(re.sub(r"_{2,}|＿{2,}", "", s, count=1) if item.type == "cloze" else s)
    if bad:
        return f"题干含占位符或残缺标记：{bad.group()!r}"
    asks = {"single": s.count(CHOICE_BLANK) == 1 or ("哪一项" in s and CHOICE_BLANK not in s),
            "multi": "哪些" in s and CHOICE_BLANK not in s, "judge": CHOICE_BLANK not in s, "cloze": True}
    if not asks.get(item.type, False):
        return f"题干与题型 {item.type} 不符（括号空或“哪些/哪一项”）"
    if not balanced(s) or "\n" in s:
        return "题干括号或引号不成对"
    if not PREFIX_RE.match(s) or s[-1] not in "。？":
        return "题干应以“根据《…》，”（或“修订后，根据《…》，”）开头、以句号或问号结尾"
    return None


def gate_options(item: QuizItem) -> str | None:
    """Option count and key fit the type; options non-empty and unique."""
    opts, key = item.options, item.key
    if item.type in ("judge", "cloze"):
        if opts:
            return f"{item.type_label}不应有选项"
        if item.type == "judge" and key not in ("正确", "错误"):
            return f"判断题答案应为 正确/错误，收到 {key!r}"
        if item.type == "cloze" and (not isinstance(key, str) or not key.strip() or "_" in key):
            return "填空题缺少答案"
        return None
    if not 4 <= len(opts) <= len(LETTERS):
        return f"选择题应有 4–6 个选项，实有 {len(opts)} 个"
    if any(not isinstance(o, str) or not o.strip() or len(o) > 120 or _PLACEHOLDER_RE.search(o) or not balanced(o)
           for o in opts):
        return "有空的、过长的或残缺的选项"
    if len({norm(o).rstrip("的") for o in opts}) != len(opts):
        return "选项重复"
    if not isinstance(key, list) or len(set(key)) != len(key) or any(k not in LETTERS[:len(opts)] for k in key):
        return f"答案 {key!r} 不是有效的选项字母"
    if item.type == "single" and len(key) != 1:
        return "单选题应恰有一个答案"
    if item.type == "multi" and not 2 <= len(key) < len(opts):
        return "多选题应有至少两个正确选项和至少一个干扰项"
    return None


def _core(item: QuizItem) -> str:
    return PREFIX_RE.sub("", item.stem).rstrip("。？")


def _composes(text: str, frags) -> bool:
    """Is `text` exactly the fragments in order, joined by nothing, '：' or '，'?"""
    t, pos = norm(text), 0
    for i, f in enumerate(norm(f) for f in frags):
        if i and not t.startswith(f, pos) and t[pos:pos + 1] in (":", ","):
            pos += 1
        if not f or not t.startswith(f, pos):
            return False
        pos += len(f)
    return pos == len(t)


def gate_key(item: QuizItem, corpus) -> str | None:
    """The key is in the cited article: the true statement is made of its verbatim words, a false one
    differs from them in exactly the recorded change, and the explanation quotes it verbatim."""
    art = corpus.by_id.get(item.source.article_id)
    if art is None:
        return f"出处条文 {item.source.article_id} 不存在"
    quotes = re.findall(r"“([^”]+)”", item.explanation)
    if not quotes or any(p not in art.text for q in quotes for p in q.split("……") if p):
        return "解析未逐字引用条文原文"
    if not item.quote or any(f not in art.text for f in item.quote):
        return "依据的原文不在所引条文中"
    core, text = _core(item), norm(art.text)
    if item.type in ("multi", "single") and CHOICE_BLANK not in core:
        right = [item.options[LETTERS.index(k)] for k in item.key]
        missing = [o for o in right if norm(o) not in text]
        return f"正确选项「{missing[0]}」不在{art.citation}中" if missing else None
    if item.type == "single":
        core = core.replace(CHOICE_BLANK, item.options[LETTERS.index(item.key[0])], 1)
    elif item.type == "cloze":
        core = re.sub(r"_{2,}|＿{2,}", lambda m: item.key, core, count=1)
    elif item.key == "错误":
        if not item.change or item.change[0] == item.change[1] or core.count(item.change[1]) != 1:
            return "错误的判断题应记录恰好一处改动"
        false = _swap(item.quote, item.change[0], item.change[1])
        where = _context(corpus).doc(art.doc_key).stated(false)
        if where:
            return f"改动后的陈述在 {where} 中成立，不是错误陈述"
        core = core.replace(item.change[1], item.change[0], 1)
    elif item.change:
        return "正确的判断题不应有改动"
    return None if _composes(core, item.quote) else f"题干陈述与{art.citation}原文不一致"


def gate_distractors(item: QuizItem, corpus) -> str | None:
    """No wrong option (or changed word) is also right: not in the cited article, not the same value or an
    overlapping subject, not a near copy of the article's 项, and not true of the stem elsewhere in the law."""
    art = corpus.by_id.get(item.source.article_id)
    if art is None or item.type == "cloze" or (item.type == "judge" and not item.change):
        return None
    info, text = _context(corpus).doc(art.doc_key), norm(art.text)
    if item.type == "judge":
        old, new = item.change
        if norm(new) in norm("".join(item.quote)):
            return f"改动后的「{new}」本来就在该句中"
        if subject_kind(old) and norm(new) in text:
            return f"换入的主体「{new}」也出现在{art.citation}中，可能同样负有此义务"
        return _same_answer(old, new)
    right = [item.options[LETTERS.index(k)] for k in item.key if k in LETTERS[:len(item.options)]]
    for d in (o for o in item.options if o not in right):
        if norm(d) in text:
            return f"干扰项「{d}」也出现在{art.citation}中"
        if CHOICE_BLANK in item.stem:
            problem = _same_answer(right[0], d) if right else None
            where = info.stated(_swap(item.quote, right[0], d)) if right else None
            if problem or where:
                return problem or f"干扰项「{d}」代入题干后在 {where} 中成立"
            continue
        near = max((similar(d, b) for b in info.items.get(art.id, [])), default=0)
        if near >= 0.5:
            return f"干扰项「{d}」与本条所列项几乎相同（相似度 {near:.2f}）"
        lead = norm(item.quote[0]) if item.quote else ""
        where = next((aid for aid, t in info.norm_texts.items() if norm(d) in t and lead and lead in t), None)
        if where:
            return f"干扰项「{d}」在 {where} 中同样属于本题所问"
    return None


def _same_answer(a: str, b: str) -> str | None:
    va, vb = number_value(a), number_value(b)
    if va is not None or vb is not None:
        return f"「{b}」与「{a}」数值相同" if va == vb else None
    return f"「{b}」与「{a}」所指主体重叠" if subjects_overlap(a, b) and a not in FLIPS else None


def gate_duplicates(items: list[QuizItem]) -> list[int]:
    """Indexes of items that repeat an earlier stem or ask an already asked fact."""
    seen, out = set(), []
    for i, it in enumerate(items):
        keys = {("stem", norm(it.stem))} | ({("fact", it.fact)} if it.fact else set())
        if keys & seen:
            out.append(i)
        seen |= keys
    return out


def check_item(item: QuizItem, corpus) -> list[Rejection]:
    """Every per-item gate that refuses the item (empty list: it passes)."""
    out = []
    for gate, fn in (("stem", gate_stem), ("options", gate_options), ("key", gate_key), ("distractor", gate_distractors)):
        try:
            detail = fn(item) if gate in ("stem", "options") else fn(item, corpus)
        except (IndexError, ValueError, TypeError, AttributeError) as exc:   # a malformed item fails, not crashes
            detail = f"无法检查（{type(exc).__name__}）"
        if detail:
            out.append(Rejection(gate, detail))
    return out


def check_quiz(items: list[QuizItem], corpus) -> list[tuple[int, Rejection]]:
    out = [(i, r) for i, it in enumerate(items) for r in check_item(it, corpus)]
    return out + [(i, Rejection("duplicate", "重复的题目")) for i in gate_duplicates(items)]


# ---- generation --------------------------------------------------------------------------------------
def _first_rejection(item: QuizItem, corpus) -> Rejection | None:
    """The first gate that refuses the item: cheap gates first, so each candidate is counted once."""
    for gate, fn in (("stem", gate_stem), ("options", gate_options), ("key", gate_key), ("distractor", gate_distractors)):
        detail = fn(item) if gate in ("stem", "options") else fn(item, corpus)
        if detail:
            return Rejection(gate, detail)
    return None


def generate_quiz(corpus, laws=None, *, chapters=None, articles=None, version: str | None = None,
                  types=None, seed: int | None = None, strict: bool = True, changed_only: bool = False) -> Quiz:
    """Build candidates from every fact in scope, keep those that pass the gates, then draw the requested
    number of each type with random.Random(seed), at most one item per fact and spread over articles.

    Items from an article the latest revision changed are tagged "修订变化" with a note in the explanation.
    With `changed_only`, the scope is narrowed to the articles the revision added or whose text it changed,
    and every stem starts "修订后，".
    With `strict`, a type that cannot be filled raises QuizError saying how many could be made."""
    t0 = time.perf_counter()
    counts = parse_types(types)
    seed = random.SystemRandom().randrange(1_000_000) if seed is None else int(seed)
    rng = random.Random(seed)
    arts = select_articles(corpus, laws, chapters, articles, version)
    if changed_only:
        arts = changed_articles(corpus, arts)
    report = GateReport()
    pools = _candidates(corpus, arts, counts, rng, report, changed_only)
    items = mark_changes(_select(pools, counts, rng, report), corpus)
    report.available = {t: len({it.fact for it in pools[t]}) for t in counts}
    report.selected, report.seconds = len(items), time.perf_counter() - t0
    short = {t: n for t, n in counts.items() if sum(it.type == t for it in items) < n}
    if short and strict:
        made = "、".join(f"{TYPES[t]} {sum(it.type == t for it in items)} 道（要求 {n} 道）" for t, n in short.items())
        raise QuizError(f"所选范围内只能生成 {made}。请扩大范围（--law/--chapter/--articles）或减少 --types 中的数量。")
    return Quiz(items, report, seed, [a.id for a in arts], changed_only)


def changed_articles(corpus, arts: list[Article]) -> list[Article]:
    """The articles of `arts` that the latest revision added or whose text it changed; QuizError if none
    (e.g. the document has no earlier version in the corpus)."""
    ctx = _context(corpus)
    keep = [a for a in arts if (c := ctx.changes(a.doc_key).get(a.id)) is not None and c.text_changed]
    if not keep:
        docs = list(dict.fromkeys(a.doc_key for a in arts))
        without = [corpus.documents[k].meta.short_title for k in docs if previous_version(corpus, k) is None]
        multi = [n for n in corpus.laws() if len(corpus.versions(n)) > 1]
        why = (f"{'、'.join(without)} 在语料中没有更早的版本，无法判断哪些条文有修订变化"
               if without else "所选范围内没有修订中新增或改动的条文")
        raise QuizError(f"{why}。有多个版本的文件：{'、'.join(multi) or '无'}。")
    return keep


def _candidates(corpus, arts: list[Article], counts: dict[str, int], rng, report: GateReport,
                changed_only: bool = False) -> dict[str, list[QuizItem]]:
    """Every candidate item of the requested types over the articles that passes the gates, per type."""
    ctx = _context(corpus)
    pools: dict[str, list[QuizItem]] = {t: [] for t in TYPES}

    def attempt(build, tries: int = 3) -> None:
        for _ in range(tries):
            item = build()
            if item is None:
                return
            if changed_only and not item.stem.startswith(REVISED_PREFIX):
                item.stem = REVISED_PREFIX + item.stem
            report.candidates += 1
            why = _first_rejection(item, corpus)
            if why is None:
                report.passed += 1
                pools[item.type].append(item)
                return
            report.rejected[why.gate] += 1

    for art in arts:
        info = ctx.doc(art.doc_key)
        for st in info.statements.get(art.id, []):
            for fact in st.facts:
                if fact[0] == "modal":
                    continue
                if counts.get("single"):
                    attempt(lambda: _fill_items(info, st, fact, "single", rng))
                if counts.get("cloze"):
                    attempt(lambda: _fill_items(info, st, fact, "cloze", rng), 1)
            if counts.get("judge"):
                for item in _judge_items(info, st, rng):
                    attempt(lambda: item, 1)
        for en in info.enums.get(art.id, []):
            for typ in ("multi", "single"):
                if counts.get(typ):
                    attempt(lambda: _choice_items(info, en, typ, rng))
    return pools


def regenerate_item(corpus, quiz: Quiz, index: int, seed: int | None = None) -> QuizItem:
    """A new item of the same type over the quiz's scope to replace quiz.items[index]: another fact than
    every item of the quiz (the replaced one included), passing every gate; a 判断题 keeps its key
    (正确/错误) when it can, so the quiz stays balanced. `seed` (default: quiz.seed + index + 1) draws it.
    Returns the item; the caller puts it in place (quiz.items[index] = item). QuizError if none is left."""
    if not 0 <= index < len(quiz.items):
        raise QuizError(f"没有第 {index + 1} 题（共 {len(quiz.items)} 题）。")
    old = quiz.items[index]
    rng = random.Random(quiz.seed + index + 1 if seed is None else int(seed))
    arts = [corpus.by_id[a] for a in quiz.scope if a in corpus.by_id]
    pools = _candidates(corpus, arts, {old.type: 1}, rng, GateReport(), quiz.changed_only)
    used = {x for it in quiz.items for x in (it.fact, norm(it.stem)) if x}
    pool = [it for it in pools[old.type] if it.fact not in used and norm(it.stem) not in used]
    if old.type == "judge":
        pool = [it for it in pool if it.key == old.key] or pool
    if not pool:
        raise QuizError(f"所选范围内没有可替换第 {index + 1} 题的其他{old.type_label}；请删除该题或扩大范围。")
    # prefer an article the quiz does not ask about yet, then any
    asked = {it.source.article_id for it in quiz.items}
    fresh = [it for it in pool if it.source.article_id not in asked]
    return mark_changes([rng.choice(fresh or pool)], corpus)[0]


def _select(pools, counts, rng, report) -> list[QuizItem]:
    """Draw per type in random order, round-robin over articles; 判断 half true, half false."""
    chosen: list[QuizItem] = []
    used: set[str] = set()
    # the type with the fewest facts to spare picks first (多选 and 单选 both feed on enumerations)
    spare = {t: len({it.fact for it in pools[t]}) / max(1, n) for t, n in counts.items()}
    for typ in sorted(counts, key=lambda t: spare[t]):
        n, pool = counts[typ], list(pools[typ])
        rng.shuffle(pool)
        if typ == "judge":
            n_true = n // 2 + (n % 2 and rng.random() < 0.5)
            trues = _draw([it for it in pool if it.key == "正确"], n_true, used, report)
            picked = trues + _draw([it for it in pool if it.key == "错误"], n - len(trues), used, report)
            picked += _draw([it for it in pool if it.key == "正确"], n - len(picked), used, report)
            rng.shuffle(picked)
        else:
            picked = _draw(pool, n, used, report)
        chosen.extend(picked)
    _swap_facts(chosen, pools, counts, used)
    order = list(counts)
    return sorted(chosen, key=lambda it: order.index(it.type))


def _swap_facts(chosen: list[QuizItem], pools, counts, used: set[str]) -> None:
    """A type left short takes a fact held by another type when that type can move to a free fact."""
    for typ, n in counts.items():
        for want in pools[typ]:
            if sum(it.type == typ for it in chosen) >= n:
                break
            if norm(want.stem) in used:
                continue
            holder = next((it for it in chosen if it.fact == want.fact and it.type != typ), None)
            alt = holder and next((a for a in pools[holder.type] if a.fact not in used and norm(a.stem) not in used
                                   and (holder.type != "judge" or a.key == holder.key)), None)
            if alt:
                chosen[chosen.index(holder)] = alt
                chosen.append(want)
                used.update((alt.fact, norm(alt.stem), norm(want.stem)))


def _draw(pool: list[QuizItem], n: int, used: set[str], report) -> list[QuizItem]:
    by_art: dict[str, list[QuizItem]] = {}
    for it in pool:
        by_art.setdefault(it.source.article_id, []).append(it)
    out: list[QuizItem] = []
    while len(out) < n and any(by_art.values()):
        for aid in list(by_art):
            while by_art[aid] and len(out) < n:
                it = by_art[aid].pop(0)
                if it.fact in used or norm(it.stem) in used:
                    report.rejected["duplicate"] += 1
                    continue
                used.update((it.fact, norm(it.stem)))
                out.append(it)
                break
    return out


# ---- command line --------------------------------------------------------------------------------------
def add_quiz_arguments(p) -> None:
    p.add_argument("--law", action="append", metavar="NAME", help="law: title, short title or alias (repeatable; default all)")
    p.add_argument("--chapter", action="append", metavar="TEXT", help="chapter or section, e.g. 第三章 (repeatable)")
    p.add_argument("--articles", metavar="RANGES", help="article numbers, e.g. 21-30,95")
    p.add_argument("--version", help="version label, e.g. 2007-08-30 (default: the version in force)")
    p.add_argument("--changed-only", action="store_true",
                   help="only articles the latest revision added or changed (needs an earlier version in the corpus)")
    p.add_argument("--types", default=DEFAULT_TYPES, metavar="SPEC", help=f"types and counts (default {DEFAULT_TYPES})")
    p.add_argument("--seed", type=int, help="random seed; the same seed gives the same quiz (default: random, printed)")
    p.add_argument("--out", "-o", metavar="FILE", help="write .xlsx .csv .json .docx or .gift/.txt (format from the extension)")
    p.add_argument("--format", choices=["xlsx", "csv", "json", "docx", "gift", "text"], help="output format (overrides the extension)")


def run_quiz(args) -> int:
    from .cli import load_corpus_for
    from .quiz_export import check_output, export_quiz, format_items
    if args.format in ("xlsx", "docx") and not args.out:
        raise QuizError(f"{args.format} 是二进制格式，请用 --out 文件名.{args.format} 指定输出文件。")
    parse_types(args.types)   # fail fast on bad --types / --out, before loading the corpus
    if args.out:
        check_output(args.out, args.format)
    quiz = generate_quiz(load_corpus_for(args), args.law, chapters=args.chapter, articles=args.articles,
                         version=args.version, types=args.types, seed=args.seed,
                         changed_only=getattr(args, "changed_only", False))
    print(quiz.report.summary() + f"\n随机种子 {quiz.seed}（用 --seed {quiz.seed} 可重现同一份题目）", file=sys.stderr)
    if args.out:
        for path in export_quiz(quiz.items, args.out, args.format):
            print(f"已写出 {path}", file=sys.stderr)
    else:
        sys.stdout.write(format_items(quiz.items, args.format or "text"))
    return 0
