"""语料: what is indexed (documents, versions, counts, build time, model), adding a document from the
browser (upload → metadata form → preview of the parsed articles → save → index update with a progress
bar) and what is still missing.

The conversion is kb.corpus.preview_document / save_preview (the same code as `kb ingest`); the build
runs in a background thread (kb.retrieval.start_build) so every session keeps answering from the old
index until the new one is swapped in."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time

import streamlit as st

from app_pages._shared import (
    AppContext,
    doc_sort_key,
    doc_type_label,
    md_escape,
    reload_index,
)
from kb.core import DOC_TYPES, STATUS_LABELS, IngestError, missing_catalogue
from kb.corpus import MAX_UPLOAD_BYTES, preview_document, save_preview
from kb.retrieval import current_build, start_build

log = logging.getLogger("kb.app")

FIELDS = ("title", "short_title", "doc_type", "issuer", "doc_number", "promulgated", "effective", "status")
DATE_FIELDS = ("promulgated", "effective")
NO_MATCH = "（不对应待收录文件）"
FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
POLL_SECONDS = 1.0
MIN_DATE, MAX_DATE = dt.date(1949, 10, 1), dt.date(2100, 12, 31)
K = "corpus_"          # prefix of this page's session-state keys


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
               f"索引位置 {ctx.index.path}。")
    store_line(ctx)

    index_section(ctx)
    add_document(ctx)

    st.subheader("已收录文件")
    rows = [{"标题": d.meta.title, "版本": d.meta.version, "状态": d.meta.status_label,
             "类型": doc_type_label(d.meta.doc_type), "条文数": len(d.articles), "制定机关": d.meta.issuer}
            for d in docs]
    # Column widths add up to less than the page at 1366×768 (the rest is shared out): nothing is cut off.
    st.dataframe(rows, hide_index=True, width="stretch", height="content", column_config={
        "标题": st.column_config.TextColumn(width=300), "版本": st.column_config.TextColumn(width=95),
        "状态": st.column_config.TextColumn(width=70), "类型": st.column_config.TextColumn(width=95),
        "条文数": st.column_config.NumberColumn(width=60), "制定机关": st.column_config.TextColumn(width=200)})

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
    st.markdown("以下文件已登记但尚未收录全文，问到它们时会说明“该文件尚未收录全文”。取得官方文本"
                "（PDF、DOCX、HTML 或 TXT）后，在上方“添加文件”中上传：标题与下表一致时，文号、制定机关和日期会自动填好。")
    st.dataframe([{"标题": m.get("title", ""), "制定机关": m.get("issuer") or "", "文号": m.get("doc_number") or "",
                   "施行": str(m.get("effective") or m.get("promulgated") or ""),
                   "官方来源": m.get("official_source") or None} for m in missing],
                 hide_index=True, width="stretch", height="content", column_config={
                     "标题": st.column_config.TextColumn(width=280), "制定机关": st.column_config.TextColumn(width=190),
                     "文号": st.column_config.TextColumn(width=200), "施行": st.column_config.TextColumn(width=90),
                     "官方来源": st.column_config.LinkColumn(display_text="打开", width=60)})


# ---- the index: update it, show the progress of a running update -----------------------------------
def index_section(ctx: AppContext) -> None:
    job = current_build(ctx.settings)
    if job is not None and job.running:
        st.subheader("更新索引")
        build_progress(ctx)
        return
    if job is not None:
        settle(job)
        when = time.strftime("%H:%M:%S", time.localtime(job.finished))
        if job.ok:
            st.success(f"{when} 索引已更新，新增或改动的文件已可检索。{job.report.summary()}")
        else:
            st.error(f"{when} 索引更新失败，仍在使用原来的索引（已保存的文件仍在语料文件夹中，"
                     f"问题解决后点“只更新索引”即可）。原因：{job.error}")


@st.fragment(run_every=POLL_SECONDS)
def build_progress(ctx: AppContext) -> None:
    """Redrawn every second while the build runs; when it ends, the whole page reruns (and reloads)."""
    job = current_build(ctx.settings)
    if job is None:
        return
    if job.running:
        st.progress(job.fraction, text=job.stage)
        st.caption("更新期间仍可正常检索和问答（使用原来的索引），完成后自动切换到新索引。")
        return
    st.rerun(scope="app")


def store_line(ctx: AppContext) -> None:
    """Which store serves the queries (local FAISS + BM25, or Milvus) and its build."""
    try:
        from kb.retrieval import store_summary
        st.caption(store_summary(ctx.settings))
    except Exception:
        log.exception("store status unavailable")


def settle(job) -> None:
    """Once per finished build and session: the session that started it drops the cached index, so the
    next run loads the new one (other sessions pick it up on their next run: app.py keys its cache on
    the live index)."""
    if st.session_state.get(K + "settled") == job.started:
        return
    st.session_state[K + "settled"] = job.started
    if job.ok and st.session_state.get(K + "owner") == job.started:
        reload_index()
        st.rerun()


def start_update(ctx: AppContext) -> None:
    job = start_build(ctx.settings)
    st.session_state[K + "owner"] = job.started


# ---- adding a document -------------------------------------------------------------------------------
def add_document(ctx: AppContext) -> None:
    st.subheader("添加文件")
    dest = ctx.settings.writable_corpus_dir
    if dest is None:
        st.info(f"本机的设置不允许从网页添加文件：用户文件夹 {ctx.settings.user_docs} 不是语料目录之一。"
                "请管理员把它加入语料目录（见下方说明）。")
        admin_note(ctx)
        return
    st.caption(f"上传法规的官方文本（PDF、DOCX、HTML 或 TXT，不超过 {MAX_UPLOAD_BYTES // 2**20} MB；"
               f"扫描件请先做文字识别）。保存到 {dest}，随后自动更新索引。")
    n = st.session_state.get(K + "upload_round", 0)
    upload = st.file_uploader("选择文件", key=f"{K}upload_{n}")
    if upload is not None:
        with st.container(border=True):
            document_form(ctx, upload, dest)
    admin_note(ctx)


def converted(name: str, verb: str, convert):
    """convert() → a Preview, or None after a visible error: IngestError says what is wrong with the file in
    its own words; anything else is logged with its traceback and shown as one plain line."""
    try:
        return convert()
    except IngestError as exc:
        st.error(str(exc))
    except Exception as exc:  # noqa: BLE001 - a broken upload is a message, never a traceback
        log.exception("%s upload %s failed", verb, name)
        st.error(f"无法{verb}文件 {name}（{type(exc).__name__}: {exc}）。请确认文件完整，或换一种格式（如 TXT）再试。")
    return None


def document_form(ctx: AppContext, upload, dest) -> None:
    data = upload.getvalue()
    file_id = f"{upload.name}:{hashlib.sha256(data).hexdigest()}"
    if st.session_state.get(K + "file") != file_id or K + "title" not in st.session_state:
        first = converted(upload.name, "读取", lambda: preview_document(data, name=upload.name))
        if first is None:
            return
        detected = first.meta
        entry = match_missing(detected.get("title", ""), detected.get("doc_number", ""))
        prefill({**detected, **catalogue_meta(entry, keep_dates=detected)} if entry else detected)
        st.session_state[K + "missing"] = entry["title"] if entry else NO_MATCH
        st.session_state[K + "file"] = file_id
        st.session_state.pop(K + "saved", None)

    titles = [NO_MATCH] + [m["title"] for m in missing_catalogue()]
    st.selectbox("对应待收录文件", titles, key=K + "missing", on_change=pick_missing,
                 help="选中后，按待收录目录填入标题、文号、制定机关和日期。")
    meta = metadata_form()

    preview = converted(upload.name, "转换",
                        lambda: preview_document(data, meta, name=upload.name, corpus_dirs=ctx.settings.corpus_dirs))
    if preview is None:
        return
    show_preview(preview)
    save_controls(ctx, preview, dest)


def metadata_form() -> dict[str, str]:
    """The metadata fields (prefilled from the file or the missing-documents list); their values."""
    c = st.columns([3, 2])
    c[0].text_input("标题", key=K + "title", help="完整标题，如“中华人民共和国安全生产法”")
    c[1].text_input("简称", key=K + "short_title", help="用于文件名和条文链接；默认去掉“中华人民共和国”")
    types = list(DOC_TYPES)
    if st.session_state.get(K + "doc_type") not in types:
        types.append(st.session_state.get(K + "doc_type") or "")
    c = st.columns(3)
    c[0].selectbox("文件类型", types, key=K + "doc_type", format_func=doc_type_label)
    c[1].text_input("制定机关", key=K + "issuer")
    c[2].text_input("文号", key=K + "doc_number")
    c = st.columns(3)
    c[0].date_input("公布日期", key=K + "promulgated", min_value=MIN_DATE, max_value=MAX_DATE, format="YYYY-MM-DD",
                    help="本版本的公布日期，也是版本号；不填时用施行日期")
    c[1].date_input("施行日期", key=K + "effective", min_value=MIN_DATE, max_value=MAX_DATE, format="YYYY-MM-DD")
    c[2].selectbox("状态", list(STATUS_LABELS), key=K + "status", format_func=STATUS_LABELS.get)
    meta = {f: st.session_state.get(K + f) for f in FIELDS}
    for f in DATE_FIELDS:
        meta[f] = meta[f].isoformat() if meta[f] else ""
    return {f: str(v).strip() for f, v in meta.items() if v and str(v).strip()}


def show_preview(preview) -> None:
    st.markdown(f"**预览：《{md_escape(preview.meta['title'])}》** 版本 {md_escape(preview.meta['version'])}"
                f"，{doc_type_label(preview.meta.get('doc_type', ''))}")
    cols = st.columns(len(preview.counts))
    for col, (unit, count) in zip(cols, preview.counts.items()):
        col.metric(unit, count)
    st.markdown(f"**首条** {md_escape(preview.first.heading)}：{md_escape(preview.first.text)}  \n"
                f"**末条** {md_escape(preview.last.heading)}：{md_escape(preview.last.text)}")
    for gap in preview.gaps:
        st.warning(f"编号不连续：{gap}。请核对原文是否完整（分页或换行处可能识别错误）。")
    for dup in preview.duplicates:
        st.warning(f"编号重复：{dup}。请核对原文。")
    for w in preview.warnings:
        st.warning(w)
    if not (preview.gaps or preview.duplicates or preview.warnings):
        st.caption("编号连续，未发现问题。")


def save_controls(ctx: AppContext, preview, dest) -> None:
    target = dest / preview.filename
    same = target.exists() and target.read_text(encoding="utf-8") == preview.markdown
    elsewhere = [p for p in preview.existing if p.resolve() != target.resolve()]
    for p in elsewhere:
        st.warning(f"语料中已有同名文件 {p}（同一文件的同一版本）；保存后加载语料时只会用其中一个。"
                   "如是另一版本，请改公布日期。")
    overwrite = False
    if target.exists() and not same:
        overwrite = st.checkbox(f"替换已保存的 {preview.filename}", key=K + "overwrite")
    elif same:
        st.info(f"{preview.filename} 已保存过，内容相同。")
    running = (job := current_build(ctx.settings)) is not None and job.running
    if st.button("保存并更新索引", type="primary", key=K + "save",
                 disabled=running or (target.exists() and not same and not overwrite)):
        try:
            result = save_preview(preview, dest, overwrite=overwrite)
        except IngestError as exc:
            st.error(str(exc))
            return
        log.info("corpus page: saved %s (%s)", result.output, result.status)
        start_update(ctx)
        st.session_state[K + "saved"] = f"已保存《{result.title}》（{result.articles} {'条' if result.layout == 'articles' else '项'}）到 {result.output}。"
        st.session_state[K + "upload_round"] = st.session_state.get(K + "upload_round", 0) + 1
        st.session_state.pop(K + "file", None)
        st.rerun()
    st.caption(f"将保存为 {target}")


def admin_note(ctx: AppContext) -> None:
    saved = st.session_state.get(K + "saved")
    if saved:
        st.success(saved)
    job = current_build(ctx.settings)
    if st.button("只更新索引", key=K + "rebuild", disabled=job is not None and job.running,
                 help="语料文件夹中的文件有改动时使用；只处理有变化的条文"):
        start_update(ctx)
        st.rerun()
    with st.expander("管理员说明"):
        st.markdown(f"网页上传的文件保存在 `{ctx.settings.user_docs}`（环境变量 KB_USER_DOCS），它须是语料目录"
                    "（KB_CORPUS）之一。命令行的等价操作：")
        st.code("python -m kb ingest 文件.pdf --title 文件标题\npython -m kb build", language="bash")


# ---- the missing-documents catalogue ---------------------------------------------------------------
def bare(title: str) -> str:
    return re.sub(r"[《》\s]|^中华人民共和国", "", title or "")


def match_missing(title: str, doc_number: str = "") -> dict | None:
    """The wanted-but-missing document a file is, by title, short title, alias or document number."""
    want = {bare(title), bare(doc_number)} - {""}
    for m in missing_catalogue():
        names = {bare(m.get("title", "")), bare(m.get("short_title", "")), bare(m.get("doc_number") or "")}
        names |= {bare(a) for a in m.get("aliases") or []}
        if want & (names - {""}):
            return m
    return None


def catalogue_meta(entry: dict, keep_dates: dict | None = None) -> dict[str, str]:
    """The form values the catalogue has for a document (dates only when complete)."""
    meta = {f: str(entry[f]) for f in ("title", "short_title", "doc_type", "issuer", "doc_number") if entry.get(f)}
    for f in DATE_FIELDS:
        value = str(entry.get(f) or "")
        if FULL_DATE.fullmatch(value) and not (keep_dates or {}).get(f):
            meta[f] = value
    return meta


def prefill(meta: dict[str, str]) -> None:
    for f in FIELDS:
        value = meta.get(f) or ""
        if f in DATE_FIELDS:
            value = dt.date.fromisoformat(value) if FULL_DATE.fullmatch(value) else None
        st.session_state[K + f] = value
    if st.session_state[K + "status"] not in STATUS_LABELS:
        st.session_state[K + "status"] = "in_force"


def pick_missing() -> None:
    title = st.session_state.get(K + "missing")
    entry = next((m for m in missing_catalogue() if m["title"] == title), None)
    if entry:
        current = {f: st.session_state.get(K + f) for f in FIELDS}
        current = {f: (v.isoformat() if isinstance(v, dt.date) else v) for f, v in current.items()}
        prefill({**current, **catalogue_meta(entry)})
