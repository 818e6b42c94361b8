"""Version choice and questions about changes between versions (新旧对照): which two versions to
compare, the alignment of their articles (cached per pair), and answers to "第X条现在是第几条" /
"新增了哪些" / "删除了哪些" / "修正案改了哪些条文" built from the alignment and the amendment links."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from kb.core.data import is_content_word, version_words
from kb.core.errors import DiffError
from kb.core.labels import article_heading, make_label
from kb.core.numerals import CN_NUMERAL_CHARS, int_to_cn
from kb.core.schema import Article, Document

from .align import ADDED, DELETED, KIND_LABELS, MERGED, SPLIT, Alignment, ArticlePair, align_versions
from .amendments import ADD_ARTICLE, ADD_CLAUSE, AMEND_LABELS, DELETE, EFFECTIVE, MODIFY, AmendmentLink, amendment_links

NUM = f"[{CN_NUMERAL_CHARS}0-9]+"


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


def current_counterpart(corpus, art: Article) -> Article | None:
    """The article of the version in force that a superseded article became, by the alignment of the
    two versions (when it was split, the part that kept most of its words); None when the revision
    deleted it, or when its own version is the one in force."""
    current = corpus.current(art.law)
    if current is None or current.key == art.doc_key:
        return None
    al = cached_alignment(corpus.documents[art.doc_key], corpus.documents[current.key])
    pairs = [p for p in al.for_old(art.label) if p.new is not None]
    return max(pairs, key=lambda p: p.score.ngram).new if pairs else None


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
        if is_content_word(name) and name in q:
            found.append(corpus.names[name])
            q = q.replace(name, "□")
    return list(dict.fromkeys(found)), q


def _cite(art: Article) -> str:
    return f"{art.citation}（{art.version}）"


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
    words = version_words()
    mapping = bool(ref) and any(c in q for c in words["mapping_cues"] + ("改", "变化"))
    if not multi:
        candidates = [name for name in corpus.laws() if len(corpus.versions(name)) > 1]
        strong = mapping and any(w in q for w in words["mapping_old"] + words["mapping_new"])   # "原来的第X条现在是第几条"
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
    label = make_label(ref.group("num"), ref.group("sub"))
    old_words, new_words = version_words()["mapping_old"], version_words()["mapping_new"]
    before, after = q[:ref.start()], q[ref.end():]
    new_side = (any(w in before for w in new_words) or al.new.meta.version[:4] in before
                or any(w in after for w in old_words))
    if any(w in before for w in old_words) or al.old.meta.version[:4] in before:
        new_side = False
    doc = al.new if new_side else al.old
    title, year = doc.meta.title, doc.meta.version[:4]
    if doc.article(label) is None:
        return _base("mapping", al, f"{year}年版《{title}》没有{article_heading(label)}（共{len(doc.articles)}条）。", [])
    pairs = al.for_new(label) if new_side else al.for_old(label)
    oy, ny = al.old.meta.version[:4], al.new.meta.version[:4]
    if new_side:
        olds = [p.old for p in pairs if p.old]
        if not olds:
            s = f"{ny}年修订后的{article_heading(label)}是新增条文，{oy}年版没有对应条文。"
        else:
            s = f"{ny}年修订后的{article_heading(label)}对应{oy}年版的{'、'.join(article_heading(a.label) for a in olds)}"
            s += "（由多条合并而来）。" if len(olds) > 1 else ("（条文未改动）。" if not pairs[0].text_changed else "。")
    else:
        news = [p.new for p in pairs if p.new]
        if not news:
            s = f"{oy}年版的{article_heading(label)}在{ny}年修订时被删除，新法没有对应条文。"
        elif len(news) > 1:
            s = f"{oy}年版的{article_heading(label)}在{ny}年修订后拆分为{'、'.join(article_heading(a.label) for a in news)}。"
        else:
            p = pairs[0]
            others = [article_heading(x.old.label) for x in al.for_new(p.new.label) if x.old and x.old.label != label]
            merged = f"与{oy}年版的{'、'.join(others)}合并，" if others else ""
            same = "条文未改动" if not p.text_changed else "内容有修改"
            s = f"{oy}年版的{article_heading(label)}，在{ny}年修订后是{article_heading(p.new.label)}（{merged}{same}）。"
    return _base("mapping", al, f"《{title}》：{s}", pairs)


def _list_answer(al: Alignment, kind: str) -> ChangeAnswer:
    pairs = [p for p in al.pairs if p.kind == kind]
    t, oy, ny = al.new.meta.title, al.old.meta.version[:4], al.new.meta.version[:4]
    if kind == ADDED:
        s = (f"{ny}年修订的《{t}》共{len(al.new.articles)}条，与{oy}年版相比新增{len(pairs)}条："
             + "、".join(article_heading(p.new.label) for p in pairs) + "。" if pairs else f"{ny}年修订的《{t}》没有新增条文。")
    else:
        c = al.counts()
        s = (f"{ny}年修订删除了{oy}年版《{t}》的{len(pairs)}条：" + "、".join(article_heading(p.old.label) for p in pairs) + "。"
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
        return f"增加{article_heading(lk.target_label)}"
    if lk.kind == ADD_CLAUSE:
        return f"在{article_heading(lk.target_label)}中增加{clause or '一款'}"
    return f"{AMEND_LABELS[lk.kind]}{article_heading(lk.target_label)}{clause}"
