"""Quality gates: every quiz item is re-checked before it is used. The stem is a whole sentence naming
its source, the options and key fit the type, the key is stated verbatim by the cited article, no
distractor could also be right, and a quiz asks each fact once.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from .facts import (FLIPS, _context, _swap, balanced, norm, number_value, similar, subject_kind,
                         subjects_overlap)
from .records import CHOICE_BLANK, CLOZE_BLANK, LETTERS, QuizItem

GATES = {"stem": "题干残缺或格式错误", "options": "选项缺失或重复", "key": "答案无法在条文中核实",
         "distractor": "干扰项也可能正确", "duplicate": "与已选题目问同一事实"}


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


# ---- quality gates ---------------------------------------------------------------------------------
PREFIX_RE = re.compile(r"^(?:修订后，)?根据《[^》]+》(?:（[^）]*）)?，")
_PLACEHOLDER_RE = re.compile(r"\{[^}]*\}|TODO|XXX|××|\bNone\b|\?\?|……|<[^>]*>|_{2,}|＿{2,}")


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
