"""What the pages share: the app context and small rendering helpers (no retrieval logic)."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from urllib.parse import urlencode

import streamlit as st

from kb.core import Article, DocMeta, KBError, Settings, parse_label
from kb.corpus import citation_line

BROWSE_KEY = "browse_id"   # session key: the article shown on the browser page

CSS = """
<style>
.kb-text { line-height: 1.8; white-space: normal; }
.kb-text mark { background: #ffe58f; padding: 0 1px; border-radius: 2px; }
.kb-quote { border-left: 4px solid #ffc53d; padding: 0.3rem 0.8rem; margin: 0.3rem 0 0.6rem 0;
            background: rgba(255, 229, 143, 0.15); line-height: 1.8; }
.kb-quote mark { background: #ffe58f; }
</style>
"""


@dataclass
class AppContext:
    """Handed to every page's render(ctx)."""
    settings: Settings
    retriever: Any                      # kb.retrieval.HybridRetriever, loaded once per process
    mode: str = ""                      # $KB_MODE, e.g. "kiosk"
    pages: dict[str, Any] = field(default_factory=dict)   # page name → st.Page

    @property
    def index(self):
        return self.retriever.index

    @property
    def corpus(self):
        return self.retriever.corpus

    @property
    def manifest(self) -> dict:
        return self.index.manifest

    def meta(self, art: Article) -> DocMeta:
        return self.corpus.documents[art.doc_key].meta

    def switch_to(self, page: str) -> None:
        """Go to another page (st.switch_page: does not return)."""
        st.switch_page(self.pages[page])

    def open_article(self, article_id: str) -> None:
        """Show an article on the browser page."""
        st.session_state[BROWSE_KEY] = article_id
        if "browser" in self.pages:
            self.switch_to("browser")


# ---- citations and article links ------------------------------------------------------------------
def cite(ctx: AppContext, art: Article) -> str:
    """The project's one citation format: 《中华人民共和国安全生产法》第九十五条（2021年修正，现行有效）."""
    return citation_line(ctx.corpus, art)


def article_params(art: Article) -> dict[str, str]:
    """The query parameters that name an article for good: law, article label and version."""
    return {"law": art.law, "article": art.label, "version": art.version}


def article_url(art: Article) -> str:
    """A stable link that opens the article in 法规浏览 (bookmark it, share it, paste it in a report)."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{'/' + base if base else ''}/browser?{urlencode(article_params(art))}"


def article_from_params(corpus, params) -> Article | None:
    """The article a link names (?law=安全生产法&article=95&version=2021-06-10); None when the link names
    none; KBError with a plain message when it names one that is not in the corpus."""
    law, label = (params.get("law") or "").strip(), (params.get("article") or "").strip()
    if not law and not label:
        return None
    short = corpus.resolve_law(law) if law else None
    if not short:
        raise KBError(f"链接中的法规“{law}”不在语料中。")
    try:
        art = corpus.article(short, parse_label(label), (params.get("version") or "").strip() or None)
    except KBError:
        art = None
    if art is None:
        version = params.get("version") or "现行"
        raise KBError(f"链接中的条文（{short} {label}，{version}版）不在语料中。")
    return art


def cited_link(ctx: AppContext, art: Article, text: str | None = None) -> str:
    """Markdown: the citation line as a link to the article's page."""
    return f"[{md_escape(text or cite(ctx, art))}]({article_url(art)})"


COPY_HTML = """<button id="b" style="font:14px sans-serif;padding:4px 12px;border:1px solid #bbb;border-radius:6px;
background:#fff;cursor:pointer">{label}</button><span id="m" style="font:13px sans-serif;color:#389e0d;margin-left:8px"></span>
<textarea id="t" style="position:absolute;left:-9999px" readonly>{text}</textarea>
<script>
const b = document.getElementById("b"), t = document.getElementById("t"), m = document.getElementById("m");
b.onclick = async () => {{
  try {{ await navigator.clipboard.writeText(t.value); }}
  catch (e) {{ t.select(); document.execCommand("copy"); }}   // http on a LAN address: no clipboard API
  m.textContent = "{done}";
  setTimeout(() => m.textContent = "", 2000);
}};
</script>"""


def copy_button(text: str, label: str = "复制引用", done: str = "已复制") -> None:
    """One button that puts `text` (the citation line and the quote) on the clipboard."""
    st.iframe(COPY_HTML.format(label=html.escape(label), text=html.escape(text), done=html.escape(done)), height=40)


# ---- text ------------------------------------------------------------------------------------


MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$])")


def md_escape(text: str) -> str:
    """Plain text for st.markdown: ASCII markdown punctuation backslash-escaped (CommonMark allows
    escaping any of it), so a question or a quoted sentence is shown as written, never formatted."""
    return MD_SPECIAL.sub(r"\\\1", text)


URL_RE = re.compile(r"https?://[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]+")


def md_text(text: str) -> str:
    """Like md_escape, but ASCII URLs become links that end where the URL ends (a bare URL followed
    by Chinese text would otherwise swallow the text into the link)."""
    out, pos = [], 0
    for m in URL_RE.finditer(text):
        out.append(md_escape(text[pos:m.start()]))
        url = m.group(0).rstrip(".,;:!?")
        out.append(f"<{url}>")
        pos = m.start() + len(url)
    out.append(md_escape(text[pos:]))
    return "".join(out)


def term_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Character spans of every occurrence of any term, overlaps merged."""
    spans = []
    for term in {t for t in terms if t and t.strip()}:
        start = text.find(term)
        while start != -1:
            spans.append((start, start + len(term)))
            start = text.find(term, start + 1)
    return merge_spans(spans)


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def marked_html(text: str, spans: Iterable[tuple[int, int]] = ()) -> str:
    """The text HTML-escaped, the spans wrapped in <mark>, line breaks kept.

    Spans are located on the raw text and each piece is escaped on its own, so a term can never
    match inside an entity and law text can never inject markup."""
    out, pos = [], 0
    for s, e in merge_spans(spans):
        out.append(html.escape(text[pos:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def highlight(text: str, terms: Iterable[str]) -> str:
    return marked_html(text, term_spans(text, terms))


def text_block(text: str, terms: Iterable[str] = (), css: str = "kb-text",
               spans: Iterable[tuple[int, int]] | None = None) -> None:
    """Render law text verbatim (escaped) with highlighted terms or spans."""
    body = marked_html(text, spans) if spans is not None else highlight(text, terms)
    st.markdown(f'<div class="{css}">{body}</div>', unsafe_allow_html=True)


def inject_css() -> None:
    st.markdown(CSS, unsafe_allow_html=True)


def doc_label(meta: DocMeta) -> str:
    status = "" if meta.in_force else f"，{meta.status_label}"
    return f"{meta.title}（{meta.version}{status}）"


# Display names, in the order documents are listed (laws first).
DOC_TYPE_LABELS = {"law": "法律", "administrative_regulation": "行政法规", "departmental_rule": "部门规章",
                   "judicial_interpretation": "司法解释", "local_regulation": "地方性法规",
                   "normative_document": "规范性文件", "plan": "工作要点/规划"}


def doc_type_label(doc_type: str) -> str:
    return DOC_TYPE_LABELS.get(doc_type, doc_type or "未分类")


def doc_sort_key(meta: DocMeta) -> tuple:
    """Laws first, then regulations, interpretations, plans; by short title and version within."""
    order = list(DOC_TYPE_LABELS)
    rank = order.index(meta.doc_type) if meta.doc_type in order else len(order)
    return rank, meta.short_title, meta.version


def reload_index() -> None:
    """Drop the app's cached retriever (index, corpus, model), so the next run loads the live index:
    called by the session that rebuilt the index on the 语料 page. Other sessions pick a new index up on
    their next run anyway (app.py keys its cache on where the index link points)."""
    st.cache_resource.clear()
