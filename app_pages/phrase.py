"""精确检索: every article containing an exact phrase (十有两禁, 三同时, 双随机、一公开)."""
from __future__ import annotations

import streamlit as st

from app_pages._shared import AppContext, cite, cited_link, text_block
from kb.retrieval import find_phrase

EXAMPLES = ["三同时", "十有两禁", "双随机、一公开", "安全生产责任制"]
MAX_SHOWN = 100


def render(ctx: AppContext) -> None:
    st.title("精确检索")
    st.caption("按原文逐字查找，列出含有该词句的全部条文。示例：" + "、".join(EXAMPLES))
    with st.form("phrase_form", border=False):
        c1, c2, c3 = st.columns([4, 2, 1], vertical_alignment="bottom")
        phrase = c1.text_input("词句", key="phrase_text", placeholder="例如：三同时")
        include_old = c2.checkbox("包括已修订/废止的旧版本", value=True, key="phrase_old")
        c3.form_submit_button("查找", type="primary", width="stretch")
    phrase = (phrase or "").strip()
    if not phrase:
        return
    matches = find_phrase(ctx.corpus, phrase, include_superseded=include_old)
    if not matches:
        st.info(f"语料中没有“{phrase}”这几个字。精确检索逐字匹配（包括标点），可换个写法，或到“问答”页按意思检索。")
        return
    total = sum(len(p) for _, p in matches)
    docs = len({a.doc_key for a, _ in matches})
    st.success(f"“{phrase}”出现 {total} 次，在 {docs} 个文件的 {len(matches)} 条中。")
    for i, (art, positions) in enumerate(matches[:MAX_SHOWN]):
        with st.expander(f"{cite(ctx, art)}（{len(positions)} 处）", expanded=i < 3):
            if art.chapter_path:
                st.caption(" / ".join(art.chapter_path))
            text_block(art.text, spans=[(p, p + len(phrase)) for p in positions])
            st.markdown(cited_link(ctx, art, "在法规浏览中打开"))
    if len(matches) > MAX_SHOWN:
        st.caption(f"只显示前 {MAX_SHOWN} 条；请用更具体的词句缩小范围。")
