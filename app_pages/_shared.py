"""What the pages share: the app context and small rendering helpers (no retrieval logic)."""
from __future__ import annotations

import html
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Iterable

import streamlit as st

from kb.core import Article, DocMeta, Settings

BROWSE_KEY = "browse_id"   # session key: the article shown on the browser page
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

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


# ---- text ------------------------------------------------------------------------------------
def citation_line(art: Article, meta: DocMeta) -> str:
    """《中华人民共和国安全生产法》第九十五条（2021-06-10，现行有效）."""
    return f"{art.citation}（{meta.version}，{meta.status_label}）"


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


def ingest_command(doc: dict) -> str:
    """The `kb ingest` line for a wanted-but-missing document, with the facts the catalogue has
    (dates only when complete: --promulgated/--effective take YYYY-MM-DD)."""
    parts = ["python -m kb ingest", "文件.pdf"]
    for flag, key in (("--title", "title"), ("--doc-type", "doc_type"), ("--issuer", "issuer"),
                      ("--doc-number", "doc_number"), ("--promulgated", "promulgated"),
                      ("--effective", "effective")):
        value = doc.get(key)
        if not value or (key in ("promulgated", "effective") and not DATE_RE.fullmatch(str(value))):
            continue
        parts += [flag, shlex.quote(str(value))]
    return " ".join(parts)




def doc_sort_key(meta: DocMeta) -> tuple:
    """Laws first, then regulations, interpretations, plans; by short title and version within."""
    order = list(DOC_TYPE_LABELS)
    rank = order.index(meta.doc_type) if meta.doc_type in order else len(order)
    return rank, meta.short_title, meta.version
