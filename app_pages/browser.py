"""法规浏览: document → chapter → article, previous/next, cross-references, metadata and versions."""
from __future__ import annotations

import streamlit as st

from app_pages._shared import (BROWSE_KEY, AppContext, article_from_params, article_params, article_url, cite,
                               copy_button, doc_label, doc_sort_key, doc_type_label, text_block)
from kb.core import Article, KBError

NO_CHAPTER = "（不分章）"
MAX_INCOMING = 20
DEFAULT_LAW = "安全生产法"
LINK_KEY = "browse_link"     # session key: the link (law, article, version) already followed


def chapter_of(art: Article) -> str:
    return " / ".join(art.chapter_path) or NO_CHAPTER


def default_doc(corpus) -> str:
    """安全生产法 in force if indexed, else the first document in force."""
    meta = corpus.current(DEFAULT_LAW)
    if meta:
        return meta.key
    return next((k for k, d in corpus.documents.items() if d.meta.in_force), next(iter(corpus.documents)))


def render(ctx: AppContext) -> None:
    corpus = ctx.corpus
    ss = st.session_state
    follow_link(corpus)
    art = corpus.by_id.get(ss.get(BROWSE_KEY, ""))
    if art is None:
        art = corpus.documents[default_doc(corpus)].articles[0]
    ss[BROWSE_KEY] = art.id
    doc = corpus.documents[art.doc_key]
    # the address bar names the article shown: bookmark it, share it, cite it in a report
    st.query_params.update(article_params(art))
    ss[LINK_KEY] = link_key(st.query_params)

    # The selectors follow the current article (set by any control below), then report changes back.
    ss["browse_doc"] = art.doc_key
    ss["browse_chapter"] = chapter_of(art)
    ss["browse_article"] = art.id

    st.title("法规浏览")
    docs = sorted(corpus.documents.values(), key=lambda d: doc_sort_key(d.meta))
    doc_labels = {d.meta.key: doc_label(d.meta) for d in docs}
    chapters = list(dict.fromkeys(chapter_of(a) for a in doc.articles))
    in_chapter = [a.id for a in doc.articles if chapter_of(a) == chapter_of(art)]

    c1, c2, c3 = st.columns([3, 3, 2])
    c1.selectbox("文件", list(doc_labels), format_func=doc_labels.__getitem__, key="browse_doc",
                 on_change=_pick_doc, args=(ctx,))
    c2.selectbox("章节", chapters, key="browse_chapter", on_change=_pick_chapter, args=(ctx,))
    c3.selectbox("条文", in_chapter, format_func=lambda i: corpus.by_id[i].heading, key="browse_article",
                 on_change=_pick_article)

    prev, nxt = corpus.neighbours(art.id)
    b1, b2, _ = st.columns([1, 1, 4])
    b1.button("上一条", key="browse_prev", icon=":material/arrow_back:", disabled=prev is None,
              on_click=_go, args=(prev.id if prev else art.id,), width="stretch")
    b2.button("下一条", key="browse_next", icon=":material/arrow_forward:", disabled=nxt is None,
              on_click=_go, args=(nxt.id if nxt else art.id,), width="stretch")

    main, side = st.columns([2, 1], gap="large")
    with main:
        show_article(ctx, art)
    with side:
        show_document(ctx, art)


def link_key(params) -> tuple:
    return tuple(sorted((k, params.get(k) or "") for k in ("law", "article", "version")))


def follow_link(corpus) -> None:
    """A link (?law=安全生产法&article=95&version=2021-06-10) opened or changed decides the article once;
    after that the page's own controls do. A link to an article that is not there says so."""
    ss = st.session_state
    key = link_key(st.query_params)
    if ss.get(LINK_KEY) == key:
        return
    ss[LINK_KEY] = key
    try:
        linked = article_from_params(corpus, st.query_params)
    except KBError as exc:
        st.error(f"{exc} 下面显示的是默认文件。")
        return
    if linked is not None:
        ss[BROWSE_KEY] = linked.id


def show_article(ctx: AppContext, art: Article) -> None:
    corpus = ctx.corpus
    meta = ctx.meta(art)
    st.subheader(cite(ctx, art))
    if art.chapter_path:
        st.caption(" / ".join(art.chapter_path))
    if not meta.in_force:
        newer = corpus.current(meta.short_title)
        st.warning(f"此版本{meta.status_label}" + (f"，现行版本为 {newer.version}。" if newer and newer.key != meta.key else "。"))
        if newer and newer.key != meta.key:
            same = corpus.article(meta.short_title, art.label, newer.version)
            if same:
                st.button(f"查看现行版本的{same.heading}", key="browse_current", on_click=_go, args=(same.id,))
    text_block(art.text)
    copy_button(f"{cite(ctx, art)}\n{art.text}")
    st.caption(f"本条链接：{article_url(art)}")

    targets = list(dict.fromkeys(r.target_id for r in art.refs if r.target_id and r.target_id != art.id
                                 and r.target_id in corpus.by_id))
    if targets:
        st.markdown("**本条引用**")
        for i, tid in enumerate(targets):
            target = corpus.by_id[tid]
            words = next(r.text for r in art.refs if r.target_id == tid)
            st.button(f"{words} → {target.citation}", key=f"browse_ref_{i}", on_click=_go, args=(tid,),
                      icon=":material/link:")
    incoming = [a for a in corpus.articles if a.id != art.id and any(r.target_id == art.id for r in a.refs)]
    if incoming:
        st.markdown("**引用本条的条文**")
        for i, src in enumerate(incoming[:MAX_INCOMING]):
            st.button(src.citation + ("" if ctx.meta(src).in_force else f"（{ctx.meta(src).version}）"),
                      key=f"browse_in_{i}", on_click=_go, args=(src.id,), icon=":material/subdirectory_arrow_left:")
        if len(incoming) > MAX_INCOMING:
            st.caption(f"另有 {len(incoming) - MAX_INCOMING} 条未列出。")


def show_document(ctx: AppContext, art: Article) -> None:
    corpus = ctx.corpus
    meta = ctx.meta(art)
    st.markdown("**文件信息**")
    rows = [("标题", meta.title), ("类型", doc_type_label(meta.doc_type)), ("制定机关", meta.issuer),
            ("文号", meta.doc_number), ("公布日期", meta.promulgated), ("施行日期", meta.effective),
            ("版本", meta.version), ("状态", meta.status_label),
            ("条文数", str(len(corpus.documents[meta.key].articles)))]
    st.markdown("\n".join(f"- {k}：{v}" for k, v in rows if v))
    if meta.note:
        st.caption(meta.note)
    versions = corpus.versions(meta.short_title)
    if len(versions) > 1:
        st.markdown("**其他版本**")
        for v in versions:
            if v.key == meta.key:
                continue
            target = corpus.article(v.short_title, art.label, v.version) or corpus.documents[v.key].articles[0]
            st.button(f"{v.version}（{v.status_label}）{target.heading}", key=f"browse_ver_{v.key}",
                      on_click=_go, args=(target.id,), icon=":material/history:")


# ---- callbacks: they only move the current article; render() syncs the selectors -----------------
def _go(article_id: str) -> None:
    st.session_state[BROWSE_KEY] = article_id


def _pick_doc(ctx: AppContext) -> None:
    _go(ctx.corpus.documents[st.session_state["browse_doc"]].articles[0].id)


def _pick_chapter(ctx: AppContext) -> None:
    current = ctx.corpus.by_id[st.session_state[BROWSE_KEY]]
    doc = ctx.corpus.documents[current.doc_key]
    chapter = st.session_state["browse_chapter"]
    _go(next((a.id for a in doc.articles if chapter_of(a) == chapter), current.id))


def _pick_article() -> None:
    _go(st.session_state["browse_article"])
