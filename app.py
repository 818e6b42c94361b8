"""kb 应急管理法规知识库: the Streamlit app. A thin layer over the kb library.

    streamlit run app.py            (or: make run)

Settings come from the environment (KB_HOME, KB_CORPUS, KB_MODEL; KB_MODE=kiosk for the kiosk).
The index and retriever are loaded once per process (st.cache_resource), not per session.
Open a page directly with ?page=<name> (e.g. ?page=browser), which is also how tests switch pages.
"""
from __future__ import annotations

import importlib
import logging
import os

import streamlit as st

# KB_MODE=kiosk (make kiosk): one public screen, app_pages/kiosk.py only, no navigation or sidebar.
KIOSK = os.environ.get("KB_MODE", "").strip().lower() == "kiosk"
st.set_page_config(page_title="安全生产法律小助手" if KIOSK else "kb 应急管理法规知识库", page_icon="⚖️",
                   layout="wide", initial_sidebar_state="collapsed" if KIOSK else "auto")

from app_pages._shared import AppContext, inject_css  # noqa: E402
from kb.core import KBError, Settings  # noqa: E402
from kb.retrieval import index_key

log = logging.getLogger("kb.app")

# One line per page: (module in app_pages/, title, icon). The first one is the default page.
PAGES = [
    ("officer", "问答", ":material/forum:"),
    ("assess", "案情研判", ":material/gavel:"),
    ("browser", "法规浏览", ":material/menu_book:"),
    ("phrase", "精确检索", ":material/manage_search:"),
    ("corpus_page", "语料", ":material/library_books:"),
    ("trainer", "出题", ":material/quiz:"),
    ("versions", "新旧对照", ":material/compare_arrows:"),
]


@st.cache_resource(show_spinner="正在加载索引……", max_entries=2)
def load_retriever(home: str, index_target: str):
    """The retriever for the index under `home`. `index_target` (where the index link points)
    is part of the cache key so that a rebuilt index is picked up without restarting."""
    from kb.retrieval import HybridRetriever
    retriever = HybridRetriever.load(Settings.from_env(home=home))
    _ = retriever.embedder        # load the model now, so the first question is answered quickly
    return retriever


def page_runner(name: str, ctx: AppContext):
    def run() -> None:
        module = importlib.import_module(f"app_pages.{name}")
        try:
            module.render(ctx)
        except KBError as exc:
            st.error(str(exc))
        except Exception as exc:  # noqa: BLE001 - an officer sees a message, the log keeps the traceback
            log.exception("page %s failed", name)
            st.error(f"出错了：{type(exc).__name__}: {exc}。请把这条信息告诉管理员。")
    run.__name__ = f"page_{name}"
    return run


def main() -> None:
    inject_css()
    settings = Settings.from_env()      # built once here and handed to every page (AppContext)
    try:
        # the live local build, or the Milvus collection behind the alias (KB_MILVUS_URI): a new build
        # is picked up on the next rerun
        retriever = load_retriever(str(settings.home), index_key(settings))
    except Exception as exc:  # noqa: BLE001 - a missing or damaged index is a message, never a traceback
        if not isinstance(exc, KBError):
            log.exception("loading the index failed")
        if KIOSK:                 # a passer-by gets no commands; the log tells the administrator
            log.error("kiosk: index not loaded: %s", exc)
            st.error("本机暂时无法使用，请稍后再试或联系工作人员。")
            return
        st.error(str(exc) if isinstance(exc, KBError) else f"索引无法加载（{type(exc).__name__}: {exc}）。")
        st.markdown("建立索引（首次约需几分钟，之后只处理有变化的条文）：")
        st.code("python -m kb build", language="bash")
        st.caption(f"索引位置 KB_HOME = {settings.home}")
        return
    ctx = AppContext(settings=settings, retriever=retriever, mode=os.environ.get("KB_MODE", ""))
    if KIOSK:
        page_runner("kiosk", ctx)()
        return
    wanted = st.query_params.get("page")
    if wanted not in {name for name, _, _ in PAGES}:
        wanted = PAGES[0][0]
    for name, title, icon in PAGES:
        ctx.pages[name] = st.Page(page_runner(name, ctx), title=title, icon=icon, url_path=name,
                                  default=(name == wanted))
    st.navigation(list(ctx.pages.values())).run()


main()
