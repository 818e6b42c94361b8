"""Cross-references inside an article: 依照本法第三十条, 前款, 《中华人民共和国刑法》第一百三十四条, 刑法第一百三十四条."""
from __future__ import annotations

import re
from typing import Callable, Iterable

from kb.core.errors import NumeralError
from kb.core.labels import make_label
from kb.core.numerals import CN_NUMERAL_CHARS, cn_to_int
from kb.core.schema import CrossRef

NUM = f"[{CN_NUMERAL_CHARS}0-9]+"
SELF_NAMES = ("本法", "本条例", "本规定", "本办法", "本解释", "本决定", "本细则", "本准则")
# Bare short names that commonly precede 第X条 without book-title marks. The corpus adds its own.
DEFAULT_NAMES = ("刑法", "民法典", "行政处罚法", "行政许可法", "行政强制法", "治安管理处罚法",
                 "安全生产法", "消防法", "突发事件应对法", "刑事诉讼法", "行政诉讼法", "劳动法")
ITEM_LINE_RE = re.compile(rf"^[（(]{NUM}[）)]")
CLAUSE_REF_RE = re.compile(rf"前(?P<n>[两二三四五])?款|本条第(?P<c>{NUM})款")
# Text between two references that continues a list: "第N条某某罪、第M条" (a crime name, then 、)
_LIST_GLUE = re.compile(r"^[^，。；：《》\n]{0,10}?(、|和|或者|或|及|以及|至|，|,)$")


def _article_re(names: Iterable[str]) -> re.Pattern:
    alts = "|".join(sorted({re.escape(n) for n in (*SELF_NAMES, *names) if n}, key=len, reverse=True))
    return re.compile(
        rf"(?:《(?P<book>[^》]{{2,60}})》|(?P<name>{alts}))?"
        rf"第(?P<num>{NUM})条(?:之(?P<sub>{NUM}))?(?:第(?P<clause>{NUM})款)?(?:第(?P<item>{NUM})项)?"
    )


_DEFAULT_RE = _article_re(DEFAULT_NAMES)


def extract_refs(text: str, self_law: str = "", doc_type: str = "",
                 names: Iterable[str] | None = None) -> list[CrossRef]:
    """Find references in an article's text (heading included; a heading is never a reference)."""
    pattern = _DEFAULT_RE if names is None else _article_re((*DEFAULT_NAMES, *names))
    refs: list[CrossRef] = []
    clause_no = 0
    for i, line in enumerate(text.split("\n")):
        if not ITEM_LINE_RE.match(line):
            clause_no += 1
        start = _heading_end(line) if i == 0 else 0
        refs.extend(_article_refs(line, start, pattern, self_law))
        refs.extend(_clause_refs(line, start, clause_no))
    return refs


def _heading_end(line: str) -> int:
    m = re.match(rf"^第{NUM}条(?:之{NUM})?[ \u3000]*", line)
    return m.end() if m else 0


def _article_refs(line: str, start: int, pattern: re.Pattern, self_law: str) -> list[CrossRef]:
    out: list[CrossRef] = []
    prev_end, prev_law = -1, None
    for m in pattern.finditer(line, start):
        law = m.group("book") or m.group("name") or ""
        if not law and prev_law is not None and _LIST_GLUE.match(line[prev_end:m.start()] or "、"):
            law = prev_law      # "刑法第134条、第135条": the second inherits the law
        if law in SELF_NAMES:
            law = ""
        try:
            label = make_label(m.group("num"), m.group("sub"))
            clause = cn_to_int(m.group("clause")) if m.group("clause") else 0
            item = cn_to_int(m.group("item")) if m.group("item") else 0
        except NumeralError:
            continue
        out.append(CrossRef(text=m.group(0), kind="article", law=law, label=label,
                            clause=clause, item=item))
        prev_end, prev_law = m.end(), law
    return out


def _clause_refs(line: str, start: int, clause_no: int) -> list[CrossRef]:
    out: list[CrossRef] = []
    for m in CLAUSE_REF_RE.finditer(line, start):
        if m.group("c"):
            target = cn_to_int(m.group("c"))
        else:
            back = cn_to_int(m.group("n")) if m.group("n") else 1
            target = max(clause_no - back, 1) if back == 1 else 1  # 前两款 → from the first
        out.append(CrossRef(text=m.group(0), kind="clause", law="", label="", clause=target))
    return out


def resolve_refs(refs: list[CrossRef], self_id: str, self_key_prefix: str,
                 lookup: Callable[[str, str], str]) -> list[CrossRef]:
    """Fill target_id. `lookup(law, label)` returns an article id or "" (law "" = this document)."""
    out = []
    for r in refs:
        if r.kind == "clause":
            target = self_id
        elif not r.law:
            target = lookup("", r.label)
        else:
            target = lookup(r.law, r.label)
        out.append(CrossRef(r.text, r.kind, r.law, r.label, r.clause, r.item, target))
    return out
