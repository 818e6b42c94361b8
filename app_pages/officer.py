"""问答: a question in, the answer with verbatim, cited articles out (officer mode, the default page).
Each cited article: its citation line linking to the article's page, the quote once, the full text behind
one expander, one copy button."""
from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from app_pages._shared import (AppContext, cited_link, copy_button, doc_type_label, highlight, md_escape, md_text,
                               text_block)
from kb.answer import answer as kb_answer
from kb.answer import english_gloss

HISTORY_KEY = "officer_history"
EXAMPLES = ["安全生产法第九十五条", "生产经营单位主要负责人未履行安全生产管理职责，怎么处罚？",
            "有限空间作业前要检测什么", "发生生产安全事故后多长时间内要上报？"]


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
    """An Answer from kb.answer; a question that refers back is read with the previous answer."""
    prior = previous if getattr(previous, "status", None) else None
    return kb_answer(question, ctx.retriever, previous=prior, **filters)


def show_turn(ctx: AppContext, turn: dict, n: int) -> None:
    with st.chat_message("user"):
        st.markdown(md_escape(turn["question"]))
    with st.chat_message("assistant"):
        show_result(ctx, turn["result"], n)


def show_result(ctx: AppContext, result, n: int) -> None:
    show_answer(ctx, result, n)


# ---- an Answer ---------------------------------------------------------------------------------
def show_answer(ctx: AppContext, ans, n: int) -> None:
    en = getattr(ans, "language", "zh") == "en"
    if ans.status == "answered":
        st.markdown(f"**{'Answer' if en else '结论'}：** {md_text(ans.conclusion)}")
    else:
        st.warning(md_text(ans.conclusion) or ("Not covered by the indexed documents." if en else "现有语料未涵盖这个问题。"))
    for m in ans.missing:
        show_missing(ctx, m, en)
    for i, c in enumerate(ans.citations):
        show_citation(ctx, c, f"{n}-c{i}", en=en)
    if ans.related:
        with st.expander(f"{'Related articles' if en else '相关条文'}（{len(ans.related)}）", expanded=not ans.citations):
            for i, c in enumerate(ans.related):
                show_citation(ctx, c, f"{n}-r{i}", en=en, related=True)
    for note in ans.notes:
        st.info(md_text(note))


def show_citation(ctx: AppContext, c, key: str, en: bool, related: bool = False) -> None:
    """The citation line (a link to the article), the quote once with the question's specific words
    marked, the full text behind one expander (the quoted words marked there), one copy button."""
    art = ctx.corpus.by_id.get(c.article_id)
    reason = f"　〔{md_escape(c.reason)}〕" if related and c.reason else ""
    st.markdown(f"**{cited_link(ctx, art, c.line) if art else md_escape(c.line)}**{reason}")
    if c.chapter_path:
        st.caption(" / ".join(c.chapter_path))
    quote = c.quote or c.text
    st.markdown(f'<div class="kb-quote">{highlight(quote, c.matched_terms)}</div>', unsafe_allow_html=True)
    if en:
        terms = english_gloss(quote)
        if terms:
            st.caption("Key terms: " + "; ".join(f"{zh} = {name}" for zh, name in terms))
    spans = quote_spans(c.text, quote)
    if c.quote and not quotes_everything(c.text, spans, c.heading):
        with st.expander("Full text of the article" if en else "条文全文"):
            text_block(c.text, spans=spans)
    copy_button(f"{c.line}\n{quote}", "Copy citation" if en else "复制引用", "Copied" if en else "已复制")


def quote_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Where the quoted pieces (joined by ……) stand in the full text."""
    spans = []
    for piece in (p for p in quote.split("……") if p):
        start = text.find(piece)
        if start >= 0:
            spans.append((start, start + len(piece)))
    return spans


def quotes_everything(text: str, spans: list[tuple[int, int]], heading: str = "") -> bool:
    """True when the quote leaves out nothing but the article's own heading (第九十五条) and spacing:
    then a 条文全文 expander would only repeat it."""
    left = [True] * len(text)
    label = [(0, len(heading))] if heading and text.startswith(heading) else []
    for s, e in label + spans:
        left[s:e] = [False] * (e - s)
    return not any(keep and not ch.isspace() for keep, ch in zip(left, text))


def show_missing(ctx: AppContext, m: dict, en: bool) -> None:
    """A wanted document whose text is missing, in plain words, with the way to add it (the 语料 page)."""
    facts = "，".join(x for x in (m.get("issuer"), m.get("doc_number"),
                                 m.get("promulgated") and f"{m['promulgated']} 公布",
                                 m.get("effective") and f"{m['effective']} 施行") if x)
    with st.container(border=True):
        if en:
            st.markdown(f"The full text of 《{md_escape(m.get('title', ''))}》 is not in the knowledge base yet "
                        f"({md_escape(facts)}). Once the official file is obtained, it can be added on the 语料 page.")
        else:
            st.markdown(f"《{md_escape(m.get('title', ''))}》尚未收录全文（{md_escape(facts)}）。"
                        "取得官方文本后，可在“语料”页上传导入，导入后即可引用。")
        if m.get("official_source"):
            st.caption(f"{'Official source' if en else '官方来源'}：{md_text(str(m['official_source']))}")
        if "corpus_page" in ctx.pages:
            st.page_link(ctx.pages["corpus_page"], label="Add it on the 语料 page" if en else "去“语料”页导入",
                         icon=":material/upload_file:")
