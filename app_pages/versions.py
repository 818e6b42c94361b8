"""新旧对照: pick a document with two or more versions and two of its versions; summary counts, the
renumbering map, and the articles side by side with the changed words marked (<del> old, <ins> new).

Each pair has one label (kb.versions.pair_labels: 条文未改, 条文修改, 拆分, 合并, 新增, 删除) and the counts
shown are of those labels, so they add up to the pairs listed. No score is shown: plain words say how
alike two articles are (`kb diff --json` keeps the scores and the aligner's reasons).

The alignment is kb.versions.cached_alignment (kb/versions/align.py); this page only renders it. Law text is
HTML-escaped piece by piece, so it can never inject markup.
"""
from __future__ import annotations

import html

import streamlit as st

from app_pages._shared import AppContext, md_escape
from kb.core import DiffError
from kb.versions import (LABELS, cached_alignment, pair_labels, plain_note, render_html, resolve_versions, summary,
                         word_diff)

PAGE_SIZE = 25
CSS = """
<style>
.kb-diff { line-height: 1.8; white-space: normal; }
.kb-diff ins { background: #d6f5d6; text-decoration: underline; }
.kb-diff del { background: #f8d4d4; text-decoration: line-through; }
.kb-diff .kb-none { color: #888; }
</style>
"""


def diff_html(old: str | None, new: str | None) -> tuple[str, str]:
    """(old side, new side) as HTML: deleted words in <del> on the left, inserted words in <ins> on the right."""
    e = html.escape
    if old is not None and new is not None:
        ops = word_diff(old, new)
        left = "".join(e(t) if op == "equal" else f"<del>{e(t)}</del>" for op, t in ops if op != "insert")
        right = "".join(e(t) if op == "equal" else f"<ins>{e(t)}</ins>" for op, t in ops if op != "delete")
    else:
        left = f"<del>{e(old)}</del>" if old is not None else '<span class="kb-none">（旧版无此条）</span>'
        right = f"<ins>{e(new)}</ins>" if new is not None else '<span class="kb-none">（新版无此条）</span>'
    return left.replace("\n", "<br>"), right.replace("\n", "<br>")


def render(ctx: AppContext) -> None:
    st.title("新旧对照")
    corpus = ctx.corpus
    multi = [law for law in corpus.laws() if len(corpus.versions(law)) > 1]
    if not multi:
        st.info("语料中没有收录了两个及以上版本的文件，无法对照。导入旧版本后运行 python -m kb build。")
        return
    st.markdown(CSS, unsafe_allow_html=True)
    picked = pick_versions(corpus, multi)
    if picked is None:
        return
    law, old, new = picked
    al = cached_alignment(old, new)
    labels = pair_labels(al)
    st.caption(f"《{new.meta.title}》{old.meta.version}（{len(old.articles)} 条）→ {new.meta.version}"
               f"（{len(new.articles)} 条）。逐条比较两版的文字，找出每一条的去向。")
    show_counts(summary(al, labels), len(al.pairs))

    kinds = st.multiselect("显示的变化类型", list(LABELS), format_func=LABELS.__getitem__, key="versions_kinds",
                           placeholder="全部类型")
    listed = [(p, lb) for p, lb in zip(al.pairs, labels) if not kinds or lb.key in kinds]

    st.download_button("下载对照报告（HTML，可打印）", render_html(al, kinds or None).encode("utf-8"),
                       file_name=f"{law}_新旧对照_{old.meta.version}_{new.meta.version}.html", mime="text/html",
                       key="versions_download", icon=":material/download:", on_click="ignore")
    with st.expander("条号对照表（旧 → 新）"):
        st.dataframe(mapping_rows(al, labels), hide_index=True, width="stretch")

    st.subheader(f"逐条对照（{len(listed)} 对）")
    if not listed:
        st.info("没有符合所选类型的条文。")
        return
    pages = (len(listed) + PAGE_SIZE - 1) // PAGE_SIZE
    page = 1
    if pages > 1:
        page = int(st.selectbox("页", list(range(1, pages + 1)), key="versions_page",
                                format_func=lambda n: f"第 {n} 页（共 {pages} 页）"))
    for p, lb in listed[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]:
        show_pair(p, lb, old.meta.version, new.meta.version)


def pick_versions(corpus, multi: list[str]):
    """(law, old document, new document) chosen in three select boxes; None (with an error box) if invalid."""
    titles = {law: corpus.current(law).title for law in multi}
    c1, c2, c3 = st.columns([3, 2, 2])
    law = c1.selectbox("文件", multi, format_func=titles.__getitem__, key="versions_law")
    versions = [m.version for m in corpus.versions(law)]
    names = {m.version: f"{m.version}（{m.status_label}）" for m in corpus.versions(law)}
    if st.session_state.get("versions_from") not in versions:
        st.session_state["versions_from"] = versions[0]
    if st.session_state.get("versions_to") not in versions:
        st.session_state["versions_to"] = versions[-1]
    v_from = c2.selectbox("旧版本", versions, format_func=names.__getitem__, key="versions_from")
    v_to = c3.selectbox("新版本", versions, format_func=names.__getitem__, key="versions_to")
    try:
        old, new = resolve_versions(corpus, law, v_from, v_to)
    except DiffError as exc:
        st.error(str(exc))
        return None
    return law, old, new


def show_counts(counts: dict[str, int], total: int) -> None:
    """One metric per label (they add up to `total`), and the renumbered ones apart: a number that
    changed is said beside a label, never counted as one."""
    for col, key in zip(st.columns(len(LABELS)), LABELS):
        col.metric(LABELS[key], counts[key])
    one_to_one = counts["same"] + counts["revised"]
    st.caption(f"以上合计 {total} 对。条文未改、条文修改的 {one_to_one} 对中，{counts['renumbered']} 对条号有变动"
               "（见条号对照表）。")


def mapping_rows(al, labels) -> list[dict]:
    """Every link in the order of the old version (deleted articles included), then the added ones."""
    index = {a.id: k for k, a in enumerate(al.old.articles)}
    new_index = {a.id: k for k, a in enumerate(al.new.articles)}
    rows = sorted(zip(al.pairs, labels), key=lambda pl: (index[pl[0].old.id] if pl[0].old else len(index),
                                                         new_index[pl[0].new.id] if pl[0].new else -1))
    return [{"旧条文": p.old.heading if p.old else "（无）", "新条文": p.new.heading if p.new else "（删除）",
             "变化": lb.text} for p, lb in rows]


def show_pair(p, label, v_old: str, v_new: str) -> None:
    head = f"{p.old.heading if p.old else '（旧法无）'} → {p.new.heading if p.new else '（新法无）'}　〔{label.text}〕"
    with st.container(border=True):
        st.markdown(f"**{md_escape(head)}**")
        left, right = diff_html(p.old.body if p.old else None, p.new.body if p.new else None)
        c1, c2 = st.columns(2)
        c1.caption(f"旧（{v_old}）" + (f" {p.old.heading}" if p.old else ""))
        c1.markdown(f'<div class="kb-diff">{left}</div>', unsafe_allow_html=True)
        c2.caption(f"新（{v_new}）" + (f" {p.new.heading}" if p.new else ""))
        c2.markdown(f'<div class="kb-diff">{right}</div>', unsafe_allow_html=True)
        note = plain_note(p, label)
        if note:
            st.caption(note)
