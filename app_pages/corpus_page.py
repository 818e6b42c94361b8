"""语料: what is indexed (documents, versions, counts, build time, model) and what is still missing."""
from __future__ import annotations

import streamlit as st

from app_pages._shared import AppContext, doc_sort_key, doc_type_label, ingest_command
from kb.core import missing_catalogue


def render(ctx: AppContext) -> None:
    st.title("语料")
    corpus, manifest = ctx.corpus, ctx.manifest
    docs = sorted(corpus.documents.values(), key=lambda d: doc_sort_key(d.meta))

    c = st.columns(5)
    c[0].metric("文件（版本）", len(docs))
    c[1].metric("条文", manifest.get("articles", len(corpus.by_id)))
    c[2].metric("索引片段", manifest.get("nodes", "—"))
    c[3].metric("现行有效", sum(d.meta.in_force for d in docs))
    c[4].metric("待收录", len(missing_catalogue()))
    st.caption(f"索引建于 {manifest.get('built_at', '未知')}；嵌入模型 {manifest.get('model', '未知')}"
               f"（{manifest.get('dim', '?')} 维，设置 {manifest.get('model_setting', '?')}）；"
               f"索引位置 {ctx.index.path}。语料有变化时运行 `python -m kb build` 更新索引（只处理有变化的条文）。")

    st.subheader("已收录文件")
    rows = [{"标题": d.meta.title, "简称": d.meta.short_title, "版本": d.meta.version,
             "状态": d.meta.status_label, "类型": doc_type_label(d.meta.doc_type),
             "条文数": len(d.articles), "制定机关": d.meta.issuer, "文号": d.meta.doc_number,
             "施行日期": d.meta.effective} for d in docs]
    st.dataframe(rows, hide_index=True, width="stretch")

    errors = list(manifest.get("corpus_errors") or []) + list(corpus.errors)
    if errors:
        st.subheader("语料问题")
        for e in errors:
            st.error(e)

    st.subheader("待收录文件（尚无全文）")
    missing = missing_catalogue()
    if not missing:
        st.caption("没有登记待收录的文件。")
        return
    st.markdown("以下文件已登记但尚未收录全文，问到它们时会说明“该文件尚未收录全文”。"
                "取得官方文本（PDF、DOCX、HTML 或 TXT）后，导入并重建索引：")
    st.code("python -m kb ingest 文件.pdf --title \"文件标题\" --doc-type departmental_rule --issuer \"发布机关\"\n"
            "python -m kb build", language="bash")
    st.dataframe([{"标题": m.get("title", ""), "制定机关": m.get("issuer") or "", "文号": m.get("doc_number") or "",
                   "公布": str(m.get("promulgated") or ""), "施行": str(m.get("effective") or ""),
                   "官方来源": m.get("official_source") or ""} for m in missing],
                 hide_index=True, width="stretch")
    with st.expander("每个文件的导入命令"):
        for m in missing:
            st.markdown(f"**{m.get('title', '')}**")
            st.code(ingest_command(m), language="bash", wrap_lines=True)
