"""问答: a question in, the answer with verbatim, cited articles out (officer mode, the default page).

Uses kb.answer.answer when it is available; otherwise shows the ranked articles from the retriever.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from app_pages._shared import (AppContext, citation_line, doc_type_label, highlight, ingest_command,
                               md_escape, md_text, text_block)

try:
    from kb.answer import answer as kb_answer
except ImportError:          # the answer module is not there yet: fall back to ranked articles
    kb_answer = None

HISTORY_KEY = "officer_history"
EXAMPLES = ["安全生产法第九十五条", "生产经营单位主要负责人未履行安全生产管理职责，怎么处罚？",
            "有限空间作业前要检测什么", "发生生产安全事故后多长时间内要上报？"]
TOP_K = 5


def render(ctx: AppContext) -> None:
    st.title("问答")
    filters = sidebar_filters(ctx)
    history: list[dict] = st.session_state.setdefault(HISTORY_KEY, [])
    if not history:
        st.caption("用中文或英文提问，回答引用法规原文及条号。示例：" + "；".join(EXAMPLES))
    for n, turn in enumerate(history):
        show_turn(ctx, turn, n)
    question = st.chat_input("请输入问题，例如：安全生产法第九十五条")
    if question and question.strip():
        turn = {"question": question.strip(), "filters": filters}
        with st.chat_message("user"):
            st.markdown(md_escape(turn["question"]))
        with st.chat_message("assistant"):
            with st.spinner("正在检索法规……"):
                previous = history[-1]["result"] if history else None   # a follow-up is read with it
                turn["result"] = ask(ctx, turn["question"], filters, previous)
            show_result(ctx, turn["result"], len(history))
        history.append(turn)
    if history and st.sidebar.button("清空对话", key="officer_clear"):
        history.clear()
        st.rerun()


def sidebar_filters(ctx: AppContext) -> dict[str, Any]:
    corpus = ctx.corpus
    sb = st.sidebar
    sb.subheader("检索范围")
    titles = {law: corpus.current(law).title for law in corpus.laws()}
    laws = sb.multiselect("法规文件", list(titles), format_func=lambda s: titles[s], key="officer_laws",
                          placeholder="全部文件")
    types = sorted({d.meta.doc_type for d in corpus.documents.values()})
    doc_types = sb.multiselect("文件类型", types, format_func=doc_type_label, key="officer_types",
                               placeholder="全部类型")
    include_superseded = sb.checkbox("包括已修订/废止的旧版本", key="officer_superseded")
    as_of = sb.date_input("适用日期（按该日有效的版本）", value=None, key="officer_as_of",
                          min_value=date(1949, 10, 1), max_value=date(2100, 12, 31))
    return {"laws": laws or None, "doc_types": doc_types or None, "include_superseded": include_superseded,
            "as_of": as_of.isoformat() if isinstance(as_of, date) else None}


def ask(ctx: AppContext, question: str, filters: dict[str, Any], previous=None):
    """An Answer from kb.answer (a question that refers back is read with the previous answer), or
    (fallback) the list of Hits."""
    if kb_answer is not None:
        prior = previous if getattr(previous, "status", None) else None
        return kb_answer(question, ctx.retriever, previous=prior, **filters)
    return ctx.retriever.search(question, k=TOP_K, **filters)


def show_turn(ctx: AppContext, turn: dict, n: int) -> None:
    with st.chat_message("user"):
        st.markdown(md_escape(turn["question"]))
    with st.chat_message("assistant"):
        show_result(ctx, turn["result"], n)


def show_result(ctx: AppContext, result, n: int) -> None:
    if isinstance(result, list):
        show_hits(ctx, result, n)
    else:
        show_answer(ctx, result, n)


# ---- an Answer ---------------------------------------------------------------------------------
def show_answer(ctx: AppContext, ans, n: int) -> None:
    en = getattr(ans, "language", "zh") == "en"
    if ans.status == "answered":
        st.markdown(f"**{'Answer' if en else '结论'}：** {md_text(ans.conclusion)}")
    else:
        st.warning(md_text(ans.conclusion) or ("Not covered by the indexed documents." if en else "现有语料未涵盖这个问题。"))
    for m in ans.missing:
        show_missing(m, en)
    if ans.citations:
        st.markdown(f"**{'Cited articles' if en else '引用条文'}**")
    for i, c in enumerate(ans.citations):
        show_citation(ctx, c, f"{n}-c{i}", expanded=(i == 0), en=en)
    if ans.related:
        st.markdown(f"**{'Related articles' if en else '相关条文'}**")
        for i, c in enumerate(ans.related):
            show_citation(ctx, c, f"{n}-r{i}", expanded=False, en=en, related=True)
    for note in ans.notes:
        st.info(md_text(note))


def show_citation(ctx: AppContext, c, key: str, expanded: bool, en: bool, related: bool = False) -> None:
    title = f"{c.line}　〔{c.reason}〕" if related and c.reason else c.line
    with st.expander(title, expanded=expanded):
        if c.chapter_path:
            st.caption(" / ".join(c.chapter_path))
        if c.quote:
            st.markdown(f'<div class="kb-quote">{highlight(c.quote, c.matched_terms)}</div>',
                        unsafe_allow_html=True)
        st.markdown(f"**{'Full text' if en else '条文全文'}**")
        text_block(c.text, c.matched_terms)
        st.caption("复制引用" if not en else "Copy citation (复制引用)")
        st.code(f"{c.line}\n{c.quote or c.text}", language=None, wrap_lines=True)
        open_button(ctx, c.article_id, key)


def show_missing(m: dict, en: bool) -> None:
    facts = "，".join(x for x in (m.get("issuer"), m.get("doc_number"),
                                 m.get("promulgated") and f"{m['promulgated']} 公布",
                                 m.get("effective") and f"{m['effective']} 施行") if x)
    src = f"官方来源：{md_text(str(m['official_source']))} 。" if m.get("official_source") else ""
    with st.container(border=True):
        st.warning(f"《{m.get('title', '')}》该文件尚未收录全文（{facts}）。{src}"
                   "取得官方文本后，用下面两条命令导入并重建索引：")
        st.code(f"{ingest_command(m)}\npython -m kb build", language="bash", wrap_lines=True)


# ---- fallback: ranked articles -----------------------------------------------------------------
def show_hits(ctx: AppContext, hits: list, n: int) -> None:
    if not hits:
        st.warning("没有找到相关条文。可换个说法，或在侧栏放宽检索范围。")
        return
    st.caption(f"以下是与问题最相关的 {len(hits)} 条条文（按相关度排序）。")
    for i, h in enumerate(hits):
        art = ctx.corpus.by_id.get(h.article_id)
        line = citation_line(art, ctx.meta(art)) if art else f"《{h.title}》{h.heading}"
        with st.expander(line, expanded=(i == 0)):
            if h.chapter_path:
                st.caption(" / ".join(h.chapter_path))
            text_block(h.text, h.matched_terms)
            st.caption("复制引用")
            st.code(f"{line}\n{h.text}", language=None, wrap_lines=True)
            open_button(ctx, h.article_id, f"{n}-h{i}")


def open_button(ctx: AppContext, article_id: str, key: str) -> None:
    if article_id in ctx.corpus.by_id and "browser" in ctx.pages:
        if st.button("在法规浏览中打开", key=f"officer-open-{key}", icon=":material/open_in_new:"):
            ctx.open_article(article_id)
