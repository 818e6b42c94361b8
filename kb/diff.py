"""新旧对照: compare two versions of a law article by article, link amendment items to the articles
they change, answer questions about changes, and the `kb diff` command.

The alignment itself lives in kb/align.py; this module is the public face:
  align_versions, word_diff, Alignment, ArticlePair   (re-exported)
  resolve_versions(corpus, law, from, to)             → (old Document, new Document) or DiffError
  amendment_links(amendment, corpus)                  → [AmendmentLink]
  answer_change_question(question, corpus)            → ChangeAnswer | None
  render_text / render_html / alignment_json          → the three output formats of `kb diff`
"""
from __future__ import annotations

import html
import json
import re
import sys
from dataclasses import dataclass, field
from typing import NamedTuple

from .align import (ADDED, DELETED, KIND_LABELS, KINDS, MERGED, SPLIT, Alignment, ArticlePair,  # noqa: F401
                    align_versions, word_diff)
from .errors import DiffError
from .numerals import CN_NUMERAL_CHARS, cn_to_int, int_to_cn
from .schema import Article, Document

NUM = f"[{CN_NUMERAL_CHARS}0-9]+"
EXAMPLES = """examples:
  python -m kb diff 突发事件应对法                          oldest → newest version, text
  python -m kb diff 应对法 --from 2007-08-30 --to 2024-06-28 --only added,deleted
  python -m kb diff 突发事件应对法 --html 对照.html          printable side-by-side page
  python -m kb diff 突发事件应对法 --json > diff.json        for tools
kinds for --only: unchanged, modified, renumbered, split, merged, added, deleted"""


# ---- versions ----------------------------------------------------------------------------------
def resolve_versions(corpus, law: str, from_version: str | None = None,
                     to_version: str | None = None) -> tuple[Document, Document]:
    """The two documents to compare; defaults: oldest → newest. A version may be given by a unique prefix."""
    multi = [name for name in corpus.laws() if len(corpus.versions(name)) > 1]
    short = corpus.resolve_law(law)
    if not short:
        raise DiffError(f"语料中没有名为 {law!r} 的文件。有多个版本、可以对照的文件：{'、'.join(multi) or '无'}"
                        "（运行 python -m kb corpus list 查看全部）。")
    metas = corpus.versions(short)
    listed = "、".join(m.version for m in metas)
    if len(metas) < 2:
        raise DiffError(f"{short} 只收录了一个版本（{listed}），无法对照。"
                        f"有多个版本的文件：{'、'.join(multi) or '无'}。")

    def pick(v: str | None, default, flag: str):
        if not v:
            return default
        found = [m for m in metas if m.version == v] or [m for m in metas if m.version.startswith(v)]
        if len(found) != 1:
            raise DiffError(f"{short} 没有 {v} 版本（{flag}）；已收录版本：{listed}。")
        return found[0]

    old, new = pick(from_version, metas[0], "--from"), pick(to_version, metas[-1], "--to")
    if old.key == new.key:
        raise DiffError(f"--from 和 --to 是同一个版本 {old.version}；已收录版本：{listed}。")
    if metas.index(old) > metas.index(new):
        raise DiffError(f"--from {old.version} 晚于 --to {new.version}；请把较早的版本放在 --from。已收录版本：{listed}。")
    return corpus.documents[old.key], corpus.documents[new.key]


_ALIGNMENTS: dict[tuple, Alignment] = {}


def cached_alignment(old: Document, new: Document) -> Alignment:
    """align_versions without an embedder, once per pair of document versions in this process."""
    key = (old.meta.key, old.meta.sha256, new.meta.key, new.meta.sha256)
    if key not in _ALIGNMENTS:
        _ALIGNMENTS[key] = align_versions(old, new)
    return _ALIGNMENTS[key]


# ---- amendments --------------------------------------------------------------------------------
MODIFY, ADD_ARTICLE, ADD_CLAUSE, DELETE, EFFECTIVE, OTHER = (
    "modify", "add_article", "add_clause", "delete", "effective", "other")
AMEND_LABELS = {MODIFY: "修改", ADD_ARTICLE: "增加一条", ADD_CLAUSE: "增加一款", DELETE: "删去",
                EFFECTIVE: "施行日期", OTHER: "其他"}
_REF = rf"(?P<law>[^第“”，。]{{0,20}}?)第(?P<num>{NUM})条(?:之(?P<sub>{NUM}))?(?:第(?P<clause>{NUM})款)?"
_AMEND_RES = [
    (ADD_ARTICLE, re.compile(rf"在{_REF}后增加一条，?作为第(?P<nnum>{NUM})条(?:之(?P<nsub>{NUM}))?")),
    (ADD_CLAUSE, re.compile(rf"在{_REF}(?:中|后)增加一款，?(?:作为第(?P<nclause>{NUM})款)?")),
    (MODIFY, re.compile(rf"将{_REF}(?:第{NUM}项)?修改为")),
    (DELETE, re.compile(rf"删去{_REF}")),
    (EFFECTIVE, re.compile(r"本(?:修正案|决定)自(?P<date>.+?)起施行")),
]


@dataclass
class AmendmentLink:
    item_id: str          # the amendment item, e.g. "刑法修正案（十一）@2020-12-26#3"
    item_heading: str     # "三、"
    kind: str             # modify | add_article | add_clause | delete | effective | other
    instruction: str      # the words outside the quoted new text, e.g. "将刑法第N条第二款修改为："
    law: str = ""         # short title of the amended law
    target_label: str = ""  # "134", "134之一"; "" for an effective-date item
    target_id: str = ""   # id in the corpus (current version of the law); "" if not in the corpus
    clause: int = 0       # 款 changed or added, 0 if not stated
    date: str = ""        # for an effective-date item

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _label(num: str, sub: str | None) -> str:
    return str(cn_to_int(num)) + (f"之{int_to_cn(cn_to_int(sub))}" if sub else "")


def amendment_links(amendment: Document, target_corpus) -> list[AmendmentLink]:
    """Link each item of an amendment (修正案) to the article of the amended law it changes or adds."""
    default_law = re.sub(r"修正案.*$", "", amendment.meta.short_title)
    out = []
    for art in amendment.articles:
        instruction = art.body.split("“")[0].split("\n")[0]
        link = AmendmentLink(art.id, art.heading, OTHER, instruction)
        for kind, rx in _AMEND_RES:
            m = rx.search(instruction)
            if not m:
                continue
            link.kind = kind
            if kind == EFFECTIVE:
                link.date = m.group("date")
                break
            link.law = target_corpus.resolve_law(m.group("law") or default_law) or \
                target_corpus.resolve_law(default_law) or ""
            new_no = kind == ADD_ARTICLE      # "作为第X条之Y" names the new article
            link.target_label = _label(m.group("nnum" if new_no else "num"), m.group("nsub" if new_no else "sub"))
            clause = m.groupdict().get("nclause") or m.group("clause")
            link.clause = cn_to_int(clause) if clause else 0
            meta = target_corpus.current(link.law) if link.law else None
            target = f"{meta.short_title}@{meta.version}#{link.target_label}" if meta else ""
            link.target_id = target if target in target_corpus.by_id else ""
            break
        out.append(link)
    return out


# ---- questions about changes -------------------------------------------------------------------
class ChangeRow(NamedTuple):
    old_id: str | None    # for an amendment answer: the amendment item
    new_id: str | None    # for an amendment answer: the article of the amended law
    kind: str


@dataclass
class ChangeAnswer:
    kind: str             # "mapping" | "added" | "deleted" | "overview" | "amendment"
    summary: str          # a short conclusion in Chinese
    rows: list[ChangeRow] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)   # one line per row, with both citations
    law: str = ""
    from_version: str = ""
    to_version: str = ""


_ART_REF = re.compile(rf"第\s*(?P<num>{NUM})\s*条(?:\s*之\s*(?P<sub>{NUM}))?")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
OLD_WORDS = ("原来", "原先", "旧法", "旧版", "老法", "修订前", "修改前", "以前", "过去")
NEW_WORDS = ("新法", "新版", "现行", "修订后", "修改后", "新修订", "现在的")
_MAPPING_CUES = ("第几条", "哪一条", "哪条", "对应", "现在是", "变成", "改成", "挪到", "移到")
_ADDED = re.compile(r"(新增|增加|新加|增设|新设)了?(哪些|什么|几条|多少)")
_DELETED = re.compile(r"(删除|删去|删掉|去掉|取消|废除)了?(哪些|什么|几条|多少)")
_OVERVIEW = re.compile(r"(有|做了|作了)?(哪些|什么|多大)(主要)?(变化|修改|改动|不同)|改了(哪些|什么)")
SAFETY_CRIMES = ("刑法", 134, 139)   # 安全生产犯罪: 刑法 articles 134 to 139之一


# What a whole-law overview question consists of; anything else is a topic ("…对虚假信息的处罚有什么变化"),
# which retrieval answers with the articles of both versions.
_OVERVIEW_WORDS = re.compile(r"(?:19|20)\d{2}\s*年?|[0-9０-９]+|中华人民共和国|现行|现在|新版|旧版|新法|旧法|老版|原来|以前|修订(前|后)?|"
                             r"修改|修正|版本?|与|和|跟|同|相比|对比|比较|比起|之间|前后|新旧|对照|主要|有|做了|作了|哪些|什么|"
                             r"多大|变化|改动|不同|区别|差异|了|的|吗|呢|请|问|一下|说说|介绍|看看|考考学员|出一道.{0,4}题")


def _is_overview(question: str, corpus) -> bool:
    rest = _OVERVIEW_WORDS.sub("", _split_laws(question, corpus)[1])
    return len(re.findall(r"[\u4e00-\u9fff]", rest)) < 3


def _find_laws(question: str, corpus) -> list[str]:
    return _split_laws(question, corpus)[0]


def _split_laws(question: str, corpus) -> tuple[list[str], str]:
    """(the laws the question names, longest name first; the question with those names replaced by □)."""
    found, q = [], question
    for name in sorted(corpus.names, key=len, reverse=True):
        if len(name) >= 2 and name in q:
            found.append(corpus.names[name])
            q = q.replace(name, "□")
    return list(dict.fromkeys(found)), q


def _cite(art: Article) -> str:
    return f"{art.citation}（{art.version}）"


def _cn(label: str) -> str:
    num, _, sub = label.partition("之")
    return f"第{int_to_cn(int(num))}条" + (f"之{sub}" if sub else "")


def answer_change_question(question: str, corpus) -> ChangeAnswer | None:
    """Answer "第X条现在是第几条" / "新增了哪些" / "删除了哪些" / "修正案改了哪些条文" from the alignment;
    None when the question is not about changes between versions."""
    q = question.translate(str.maketrans("０１２３４５６７８９", "0123456789")).strip()
    laws = _find_laws(q, corpus)
    amend = [name for name in laws if "修正案" in name]
    if amend and re.search(r"改|修正|增加|涉及|哪些条|变化", q):
        return _amendment_answer(q, corpus, corpus.documents[corpus.current(amend[0]).key])
    multi = [name for name in laws if len(corpus.versions(name)) > 1]
    ref = _ART_REF.search(q)
    mapping = bool(ref) and any(c in q for c in _MAPPING_CUES + ("改", "变化"))
    if not multi:
        candidates = [name for name in corpus.laws() if len(corpus.versions(name)) > 1]
        strong = mapping and any(w in q for w in OLD_WORDS + NEW_WORDS)   # "原来的第X条现在是第几条"
        if laws or len(candidates) != 1 or not (strong or any(w in q for w in ("修订", "新旧"))):
            return None
        multi = candidates
    law = multi[0]
    metas = corpus.versions(law)
    by_year = {m.version[:4]: m for m in metas}
    years = [by_year[y] for y in _YEAR.findall(q) if y in by_year]
    old_meta = years[0] if years and years[0] != metas[-1] else metas[0]
    old, new = corpus.documents[old_meta.key], corpus.documents[metas[-1].key]
    al = cached_alignment(old, new)
    if mapping:
        return _mapping_answer(q, ref, al)
    if _ADDED.search(q):
        return _list_answer(al, ADDED)
    if _DELETED.search(q):
        return _list_answer(al, DELETED)
    if (_OVERVIEW.search(q) or "新旧对照" in q) and _is_overview(q, corpus):
        return _overview_answer(al)
    return None


def _base(kind: str, al: Alignment, summary: str, pairs: list[ArticlePair]) -> ChangeAnswer:
    rows = [ChangeRow(p.old_id, p.new_id, p.kind) for p in pairs]
    lines = [f"{_cite(p.old) if p.old else '（旧法无）'} → {_cite(p.new) if p.new else '（新法无）'}"
             f"  [{KIND_LABELS[p.kind]}{'' if p.text_changed or not (p.old and p.new) else '，条文未改'}]"
             for p in pairs]
    return ChangeAnswer(kind, summary, rows, lines, al.new.meta.short_title, al.old.meta.version,
                        al.new.meta.version)


def _mapping_answer(q: str, ref, al: Alignment) -> ChangeAnswer:
    label = _label(ref.group("num"), ref.group("sub"))
    before, after = q[:ref.start()], q[ref.end():]
    new_side = (any(w in before for w in NEW_WORDS) or al.new.meta.version[:4] in before
                or any(w in after for w in OLD_WORDS))
    if any(w in before for w in OLD_WORDS) or al.old.meta.version[:4] in before:
        new_side = False
    doc = al.new if new_side else al.old
    title, year = doc.meta.title, doc.meta.version[:4]
    if doc.article(label) is None:
        return _base("mapping", al, f"{year}年版《{title}》没有{_cn(label)}（共{len(doc.articles)}条）。", [])
    pairs = al.for_new(label) if new_side else al.for_old(label)
    oy, ny = al.old.meta.version[:4], al.new.meta.version[:4]
    if new_side:
        olds = [p.old for p in pairs if p.old]
        if not olds:
            s = f"{ny}年修订后的{_cn(label)}是新增条文，{oy}年版没有对应条文。"
        else:
            s = f"{ny}年修订后的{_cn(label)}对应{oy}年版的{'、'.join(_cn(a.label) for a in olds)}"
            s += "（由多条合并而来）。" if len(olds) > 1 else ("（条文未改动）。" if not pairs[0].text_changed else "。")
    else:
        news = [p.new for p in pairs if p.new]
        if not news:
            s = f"{oy}年版的{_cn(label)}在{ny}年修订时被删除，新法没有对应条文。"
        elif len(news) > 1:
            s = f"{oy}年版的{_cn(label)}在{ny}年修订后拆分为{'、'.join(_cn(a.label) for a in news)}。"
        else:
            p = pairs[0]
            others = [_cn(x.old.label) for x in al.for_new(p.new.label) if x.old and x.old.label != label]
            merged = f"与{oy}年版的{'、'.join(others)}合并，" if others else ""
            same = "条文未改动" if not p.text_changed else "内容有修改"
            s = f"{oy}年版的{_cn(label)}，在{ny}年修订后是{_cn(p.new.label)}（{merged}{same}）。"
    return _base("mapping", al, f"《{title}》：{s}", pairs)


def _list_answer(al: Alignment, kind: str) -> ChangeAnswer:
    pairs = [p for p in al.pairs if p.kind == kind]
    t, oy, ny = al.new.meta.title, al.old.meta.version[:4], al.new.meta.version[:4]
    if kind == ADDED:
        s = (f"{ny}年修订的《{t}》共{len(al.new.articles)}条，与{oy}年版相比新增{len(pairs)}条："
             + "、".join(_cn(p.new.label) for p in pairs) + "。" if pairs else f"{ny}年修订的《{t}》没有新增条文。")
    else:
        c = al.counts()
        s = (f"{ny}年修订删除了{oy}年版《{t}》的{len(pairs)}条：" + "、".join(_cn(p.old.label) for p in pairs) + "。"
             if pairs else f"{ny}年修订没有整条删除{oy}年版《{t}》的条文：原{len(al.old.articles)}条都能在新法中"
             f"找到对应（有的被拆分、合并或删改了部分内容，拆分 {c[SPLIT]} 处、合并 {c[MERGED]} 处）。")
    return _base(kind, al, s, pairs)


def _overview_answer(al: Alignment) -> ChangeAnswer:
    c = al.counts()
    changed = [p for p in al.pairs if p.kind in (ADDED, DELETED, SPLIT, MERGED) or p.text_changed]
    s = (f"《{al.new.meta.title}》{al.old.meta.version[:4]}年版{len(al.old.articles)}条，"
         f"{al.new.meta.version[:4]}年修订后{len(al.new.articles)}条：新增 {c[ADDED]} 条，删除 {c[DELETED]} 条，"
         f"拆分 {c[SPLIT]} 处、合并 {c[MERGED]} 处，条号变动 {c['renumbered']} 条，同号修改 {c['modified']} 条。")
    return _base("overview", al, s, changed)


def _amendment_answer(q: str, corpus, doc: Document) -> ChangeAnswer:
    all_links = amendment_links(doc, corpus)
    links = [lk for lk in all_links if lk.target_id]
    law, lo, hi = SAFETY_CRIMES
    if "安全生产" in q:
        links = [lk for lk in links if lk.law == law and lo <= corpus.by_id[lk.target_id].number <= hi]
    title, items = doc.meta.title, corpus.by_id
    target = "、".join(dict.fromkeys(f"《{corpus.current(lk.law).title}》" for lk in links))
    scope = (f"安全生产犯罪条文（{law}第{int_to_cn(lo)}条至第{int_to_cn(hi)}条之一）" if "安全生产" in q
             else f"{target}条文")
    if not links:
        s = f"《{title}》没有修改或增加{scope}。"
    elif len(links) <= 6:
        s = f"《{title}》涉及{scope}{len(links)}处：" + "；".join(
            f"第{lk.item_heading.rstrip('、')}条{_amend_phrase(lk)}" for lk in links) + "。"
    else:
        n = {k: sum(1 for lk in links if lk.kind == k) for k in (MODIFY, ADD_ARTICLE, ADD_CLAUSE, DELETE)}
        s = (f"《{title}》涉及{scope}{len(links)}处：修改 {n[MODIFY]} 条，增加 {n[ADD_ARTICLE]} 条，"
             f"增加款 {n[ADD_CLAUSE]} 处" + (f"，删去 {n[DELETE]} 条" if n[DELETE] else "") + "。")
    dates = [lk.date for lk in all_links if lk.kind == EFFECTIVE]
    if dates:
        s += f"修正案自{dates[0]}起施行。"
    rows = [ChangeRow(lk.item_id, lk.target_id, lk.kind) for lk in links]
    lines = [f"《{title}》第{lk.item_heading.rstrip('、')}条 → {_cite(items[lk.target_id])}  [{_amend_phrase(lk)}]"
             for lk in links]
    return ChangeAnswer("amendment", s, rows, lines, doc.meta.short_title, doc.meta.version, "")


def _amend_phrase(lk: AmendmentLink) -> str:
    """'修改第一百三十四条第二款' / '增加第一百三十四条之一' / '在第三百四十一条中增加第三款'."""
    clause = f"第{int_to_cn(lk.clause)}款" if lk.clause else ""
    if lk.kind == ADD_ARTICLE:
        return f"增加{_cn(lk.target_label)}"
    if lk.kind == ADD_CLAUSE:
        return f"在{_cn(lk.target_label)}中增加{clause or '一款'}"
    return f"{AMEND_LABELS[lk.kind]}{_cn(lk.target_label)}{clause}"


# ---- rendering ---------------------------------------------------------------------------------
def _selected(al: Alignment, only: list[str] | None) -> list[ArticlePair]:
    return [p for p in al.pairs if not only or p.kind in only]


def _head(p: ArticlePair) -> str:
    note = "，条文未改" if p.old and p.new and not p.text_changed else ""
    return (f"{f'旧第{p.old.label}条' if p.old else '（旧法无）'} → {f'新第{p.new.label}条' if p.new else '（新法无）'}"
            f"  [{KIND_LABELS[p.kind]}{note}]")


def _map_cells(al: Alignment) -> list[str]:
    """'4→16', '7→17,18', '10→删除' for every old article, in old order."""
    return [f"{a.label}→{','.join(p.new_label for p in al.for_old(a.label) if p.new) or '删除'}"
            for a in al.old.articles]


def _score_note(p: ArticlePair) -> str:
    return (f"ngram {p.score.ngram:.2f}" + (f" embed {p.score.embed:.2f}" if p.score.embed is not None else "")
            + " · " if p.old and p.new else "") + p.score.reason


def render_text(al: Alignment, only: list[str] | None = None) -> str:
    c, om, nm = al.counts(), al.old.meta, al.new.meta
    out = [f"《{nm.title}》新旧对照：{om.version}（{len(al.old.articles)} 条）→ {nm.version}（{len(al.new.articles)} 条）",
           "统计：" + "，".join(f"{KIND_LABELS[k]} {c[k]}" for k in KINDS),
           "条号对照（旧 → 新）："]
    cells = _map_cells(al)
    out += ["  " + "  ".join(cells[k:k + 8]) for k in range(0, len(cells), 8)] + [""]
    for p in _selected(al, only):
        out.append(f"== {_head(p)}  {_score_note(p)}")
        if p.old and p.new:
            out.append("".join(t if op == "equal" else f"〔-{t}-〕" if op == "delete" else f"〔+{t}+〕"
                               for op, t in word_diff(p.old.body, p.new.body)) if p.text_changed else "（条文未改动）")
        else:
            out.append(f"〔+{p.new.body}+〕" if p.new else f"〔-{p.old.body}-〕")
        out.append("")
    return "\n".join(out)


def alignment_json(al: Alignment, only: list[str] | None = None) -> dict:
    """Alignment.to_dict() with, per listed pair, both texts and the diff as [op, text] lists."""
    d = al.to_dict()
    d["pairs"] = [p.to_dict() | {"old_text": p.old.text if p.old else None, "new_text": p.new.text if p.new else None,
                                 "diff": [list(x) for x in word_diff(p.old.body, p.new.body)] if p.old and p.new else None}
                  for p in _selected(al, only)]
    return d


_CSS = """body{font-family:"Noto Serif CJK SC","Source Han Serif SC","SimSun",serif;margin:2em;line-height:1.7}
table{border-collapse:collapse;width:100%;table-layout:fixed;margin:1em 0}
th,td{border:1px solid #bbb;padding:.35em .6em;vertical-align:top;text-align:left}
td.t{white-space:pre-wrap}th.pair{background:#f3f3f3;font-weight:normal}
ins{background:#d6f5d6;text-decoration:underline}del{background:#f8d4d4;text-decoration:line-through}
.small{font-size:.85em;color:#555}
@media print{body{margin:0}ins{background:none;font-weight:bold}del{background:none}tr{page-break-inside:avoid}}"""


def render_html(al: Alignment, only: list[str] | None = None) -> str:
    e = html.escape
    c, om, nm = al.counts(), al.old.meta, al.new.meta
    title = f"《{nm.title}》新旧对照 {om.version} → {nm.version}"
    rows = []
    for p in _selected(al, only):
        if p.old and p.new:
            ops = word_diff(p.old.body, p.new.body)
            left = "".join(e(t) if op == "equal" else f"<del>{e(t)}</del>" for op, t in ops if op != "insert")
            right = "".join(e(t) if op == "equal" else f"<ins>{e(t)}</ins>" for op, t in ops if op != "delete")
        else:
            left = f"<del>{e(p.old.body)}</del>" if p.old else ""
            right = f"<ins>{e(p.new.body)}</ins>" if p.new else ""
        lh = e(p.old.heading) + " " if p.old else ""
        rh = e(p.new.heading) + " " if p.new else ""
        rows.append(f'<tr><th class="pair" colspan="2">{e(_head(p))} <span class="small">{e(_score_note(p))}'
                    f'</span></th></tr>\n<tr><td class="t"><b>{lh}</b>{left}</td>'
                    f'<td class="t"><b>{rh}</b>{right}</td></tr>')
    counts = "".join(f"<td>{e(KIND_LABELS[k])} {c[k]}</td>" for k in KINDS)
    cells = _map_cells(al)
    mapping = "".join("<tr>" + "".join(f"<td>{e(x)}</td>" for x in cells[k:k + 10]) + "</tr>"
                      for k in range(0, len(cells), 10))
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{e(title)}</title>'
            f"<style>{_CSS}</style></head><body>\n<h1>{e(title)}</h1>\n"
            f"<p>旧版 {len(al.old.articles)} 条，新版 {len(al.new.articles)} 条。"
            f'<span class="small">对齐方法：字符二元组相似度{"＋" + e(al.embedder) if al.embedder else ""}</span></p>\n'
            f"<table><tr>{counts}</tr></table>\n<h2>条号对照（旧 → 新）</h2>\n"
            f"<table>{mapping}</table>\n<h2>逐条对照</h2>\n"
            f"<table><tr><th>旧（{e(om.version)}）</th><th>新（{e(nm.version)}）</th></tr>\n"
            + "\n".join(rows) + "\n</table></body></html>\n")


# ---- command line ------------------------------------------------------------------------------
def add_diff_arguments(p) -> None:
    p.add_argument("law", help="law name: full title, short title or alias")
    p.add_argument("--from", dest="from_version", metavar="VERSION", help="older version (default: oldest)")
    p.add_argument("--to", dest="to_version", metavar="VERSION", help="newer version (default: newest)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--html", metavar="FILE", help="also write a printable side-by-side HTML page")
    p.add_argument("--only", metavar="KINDS", help="comma-separated kinds to list, e.g. added,deleted,modified")
    p.add_argument("--embed", action="store_true", help="let the embedding model (--model) decide uncertain pairs (slower)")


def parse_only(text: str | None) -> list[str] | None:
    if not text:
        return None
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise DiffError(f"--only 中的 {'、'.join(bad) or text!r} 无法识别；可用：{', '.join(KINDS)}")
    return kinds


def run_diff(args) -> int:
    from pathlib import Path
    from .cli import _settings, load_corpus_for
    only = parse_only(args.only)
    corpus = load_corpus_for(args)
    old, new = resolve_versions(corpus, args.law, args.from_version, args.to_version)
    embedder = None
    if args.embed:
        from .dense import load_embedder
        embedder = load_embedder(_settings(args).model)
    al = align_versions(old, new, embedder=embedder)
    if args.html:
        path = Path(args.html)
        try:
            path.write_text(render_html(al, only), encoding="utf-8")
        except OSError as exc:
            raise DiffError(f"无法写入 {path}：{exc.strerror}。请检查路径。") from None
        print(f"已写入 {path}", file=sys.stderr)
    if args.json:
        print(json.dumps(alignment_json(al, only), ensure_ascii=False, indent=1))
    elif not args.html:
        print(render_text(al, only))
    return 0
