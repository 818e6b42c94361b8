"""Convert PDF, DOCX, HTML and plain-text files into corpus documents.

Pipeline: extract_text(path) → plain text, one paragraph per line
          → to_corpus_markdown(text, meta) → YAML front matter + markdown body, checked by the parser
          → ingest_file() writes `<short_title>@<version>.md` atomically.

Every user mistake (missing file, scanned PDF, no article structure, …) raises IngestError with a
Chinese message that names the file or value, says what is wrong and what to do.
"""
from __future__ import annotations

import argparse
import codecs
import datetime as dt
import hashlib
import io
import json
import logging
import math
import os
import re
import sys
import tempfile
import unicodedata
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from .config import default_corpus_dirs, user_documents_dir
from .errors import IngestError, KBError
from .numerals import cn_to_int
from .parse import (ARTICLE_RE, FRONT_MATTER_RE, ITEM_RE, KIND_LEVEL, ORDINAL_RE, STRUCT_HEADING_RE,
                    detect_layout, parse_document, split_front_matter)
from .schema import STATUS_LABELS

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
FORMATS = {".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".txt": "text", ".md": "text"}
SUPPORTED_TEXT = "、".join(FORMATS)
META_FLAGS = ("title", "short_title", "doc_type", "issuer", "doc_number", "promulgated", "effective",
              "status")                 # settable from the command line
META_FIELDS = (*META_FLAGS, "version", "source", "supersedes", "superseded_by", "note")
FRONT_MATTER_ORDER = ("title", "short_title", "doc_type", "issuer", "doc_number", "promulgated", "effective",
                      "status", "version", "supersedes", "superseded_by", "source", "numbering", "note")
OPTIONAL_FIELDS = ("version", "supersedes", "superseded_by", "note")   # written only when set
PROGRESS_MIN_FILES = 4          # show a progress bar from this many files on

# ---- shared text patterns ------------------------------------------------------------------------
# Sentence-final punctuation (full- and half-width), optionally followed by a closing quote/bracket.
SENT_END_RE = re.compile(r"[。；：？！;:?!][”’」』\"'）)]*$")
DATE_RE = re.compile(
    r"(?P<y>[0-9０-９]{4}|[〇零○ＯO一二三四五六七八九]{4})\s*年\s*"
    r"(?P<m>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*"
    r"(?P<d>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*日")
YEAR_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
               "六": 6, "七": 7, "八": 8, "九": 9}
# A line opening with a full date: promulgation history. "2024年武汉市…要点" (a title) has no month.
HISTORY_LINE_RE = re.compile(r"^[（(]?\s*(?:[0-9０-９]{4}|[〇零○一二三四五六七八九]{4})\s*年\s*"
                             r"(?:[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*月")
HISTORY_END_RE = re.compile(r"(通过|公布|发布|印发|修正|修订|修改|施行|[）)])$")
ENACTED_RE = re.compile(r"公布|通过|发布|印发|修正|修订|修改")
EFFECTIVE_RE = re.compile(r"本[\u4e00-\u9fff]{0,4}?自\s*(?P<date>[^，。；起]{6,20}?)\s*起\s*施行")
ANY_EFFECTIVE_RE = re.compile(r"自\s*(?P<date>[^，。；起]{6,20}?)\s*起\s*施行")
FROM_PUBLICATION_RE = re.compile(r"本[\u4e00-\u9fff]{0,4}?自(公布|发布|印发)之日起施行")
TITLE_SUFFIXES = ("法", "条例", "规定", "办法", "解释", "决定", "要点", "方案", "细则", "规则", "意见",
                  "通知", "准则", "规程", "修正案", "纲要", "计划", "制度", "标准")
TITLE_RE = re.compile(rf"^.{{1,60}}?(?:{'|'.join(TITLE_SUFFIXES)})(?:[（(][^（）()]{{1,15}}[）)])?$")
YEAR_SUFFIX_RE = re.compile(r"[（(][^（）()]*\d{4}\s*年[^（）()]*[）)]$")   # "（2021年修正）": a version note
DOC_NUMBER_RE = re.compile(
    r"(?:中华人民共和国)?(?:主席令|国务院令)\s*第\s*[0-9０-９〇零一二三四五六七八九十百千]+\s*号"
    r"|[\u4e00-\u9fff]{1,8}〔\d{4}〕\d+号")
PLACE_PREFIX_RE = re.compile(r"^(?:\d{4}年)?[\u4e00-\u9fff]{2,8}?(?:省|市|自治区)")
FILENAME_BAD_RE = re.compile(r'[\\/:*?"<>|@\x00-\x1f]')
CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Separators that HTML, Word and PDFs use for spacing: normalised to a plain space.
SPACE_TRANS = str.maketrans({c: " " for c in "\u3000\xa0\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
                             "\u2009\u200a\u202f\u205f\t"})
CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
# Unnumbered top-level headings: "附则", "附件一"/"附件二" of 刑法 (beside the 编), an appendix.
EXTRA_HEADING_RE = re.compile(r"^(?:附则|(?:附件|附录)[一二三四五六七八九十0-9]*)$")
# "1．关于…的决定", "2、…", "①…": list items (a digit followed by a digit is a number: "3.5米").
LIST_ITEM_RE = re.compile(r"^(?:\d{1,3}[．.、](?!\d)|[①-⑳])")
ZERO_WIDTH_RE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")

# PDF page furniture: page numbers in their usual forms (checked with spaces removed).
PAGE_NUMBER_RE = re.compile(
    r"[-—–－_~·•.]*\d{1,4}[-—–－_~·•.]*"
    r"|第\d{1,4}页(?:[,，/／]?共\d{1,4}页)?"
    r"|第[一二三四五六七八九十百零〇]+页"
    r"|共\d{1,4}页[,，]?第\d{1,4}页"
    r"|\d{1,4}[/／]\d{1,4}"
    r"|(?i:page)\d{1,4}(?:(?:of|/)\d{1,4})?")
EDGE_LINES = 3                  # page furniture is looked for among this many lines at each edge
RUNNING_SHARE = 0.5             # a line repeated at an edge of at least this share of pages is furniture


@dataclass
class IngestResult:
    """What ingest_file did for one input file."""
    source: Path
    output: Path
    title: str
    short_title: str
    version: str
    articles: int
    status: str = "written"     # "written" | "overwritten" | "unchanged"
    warnings: list[str] = field(default_factory=list)
    layout: str = "articles"    # as kb.parse: "articles" | "items" | "paren_items"

    def summary(self) -> str:
        note = {"unchanged": "（内容未变）", "overwritten": "（已覆盖）"}.get(self.status, "")
        unit = "条" if self.layout == "articles" else "项"
        return (f"{self.source.name} → {self.output}：《{self.title}》，{self.articles} {unit}，"
                f"版本 {self.version}{note}")


@dataclass
class _Extracted:
    text: str
    kind: str
    sha256: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Built:
    markdown: str
    meta: dict[str, str]
    articles: int
    layout: str
    warnings: list[str]


# ==== extraction ===================================================================================
def extract_text(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Plain text of a PDF/DOCX/HTML/TXT/MD file, one paragraph per line. Raises IngestError."""
    return _extract(path, max_bytes).text


def _extract(path: str | Path, max_bytes: int) -> _Extracted:
    p, kind = _check_input(path, max_bytes)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise IngestError(f"无法读取文件 {p}：{exc.strerror or exc}。请检查文件权限。") from None
    warns: list[str] = []
    if kind == "pdf":
        text = clean_pdf_text(_pdf_pages(raw, p.name, warns))
        if not text.strip():
            raise _no_text_layer(p.name)
    elif kind == "docx":
        text = _finish_lines(_docx_lines(raw, p.name, warns))
    elif kind == "html":
        text = _finish_lines(_html_lines(raw, p.name))
    else:
        text, _ = decode_text(raw, p.name)
        text = _finish_lines(text.splitlines(), markdown=p.suffix.lower() == ".md")
    if not text.strip():
        raise IngestError(f"文件中没有文字内容：{p.name}。请确认文件不是空白文档或图片。")
    _warn_if_garbled(text, warns)
    return _Extracted(text, kind, hashlib.sha256(raw).hexdigest(), warns)


def _check_input(path: str | Path, max_bytes: int) -> tuple[Path, str]:
    p = Path(path).expanduser()
    if not p.exists():
        raise IngestError(f"找不到文件：{p}。请检查路径和文件名是否正确。")
    if p.is_dir():
        raise IngestError(f"{p} 是文件夹，不是文件。请指定要导入的文件。")
    kind = FORMATS.get(p.suffix.lower())
    if kind is None:
        hint = "旧版 Word 的 .doc 文件请先另存为 .docx。" if p.suffix.lower() == ".doc" else ""
        raise IngestError(f"不支持的文件类型“{p.suffix or '（无扩展名）'}”：{p.name}。"
                          f"支持的类型：{SUPPORTED_TEXT}。{hint}")
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise IngestError(f"无法读取文件 {p}：{exc.strerror or exc}。请检查文件权限。") from None
    if size == 0:
        raise IngestError(f"文件为空（0 字节）：{p}。请确认文件已完整下载或保存。")
    if size > max_bytes:
        raise IngestError(f"文件过大：{p.name} 为 {_human_size(size)}，超过上限 {_human_size(max_bytes)}。"
                          "请拆分文件，或调高上限（--max-mb）。")
    return p, kind


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} 字节"


def _require(module: str, package: str):
    try:
        return __import__(module)
    except ImportError:
        raise IngestError(f"缺少依赖库 {package}，无法读取此类文件。请运行 pip install -r requirements.txt。") \
            from None


def _no_text_layer(name: str) -> IngestError:
    return IngestError(f"PDF 没有文字层，可能是扫描件或图片：{name}。请先进行 OCR 文字识别，再导入识别后的文件"
                       "（no text layer: run OCR first）。")


def _finish_lines(lines: Sequence[str] | Iterator[str], markdown: bool = False) -> str:
    """Normalise spacing, drop blank lines; for markdown input also drop heading marks."""
    out = []
    for line in lines:
        for part in line.split("\n"):
            part = normalize_line(part)
            if markdown:
                part = re.sub(r"^#{1,6}\s+", "", part)
            if part:
                out.append(part)
    return "\n".join(out)


def normalize_line(line: str) -> str:
    """Full-width and other special spaces → one ASCII space; zero-width characters removed."""
    line = ZERO_WIDTH_RE.sub("", line).translate(SPACE_TRANS)
    return re.sub(r" {2,}", " ", line).strip()


def _warn_if_garbled(text: str, warns: list[str]) -> None:
    visible = re.sub(r"\s", "", text)
    if not visible:
        return
    bad = sum(1 for c in visible if c == "\ufffd" or unicodedata.category(c) in ("Co", "Cc"))
    if bad / len(visible) > 0.02:
        warns.append(f"提取的文字中有 {bad} 个无法识别的字符（乱码），可能是字体缺少编码信息；"
                     "请核对结果，必要时先做 OCR。")
    elif not CJK_RE.search(visible):
        warns.append("提取的文字中没有中文字符；请确认文件内容正确（PDF 字体问题时可先做 OCR）。")


# ---- PDF ------------------------------------------------------------------------------------------
@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs recoverable problems ("EOF marker not found") to stderr; we report our own errors."""
    logger = logging.getLogger("pypdf")
    old = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(old)


def _pdf_pages(raw: bytes, name: str, warns: list[str]) -> list[str]:
    pypdf = _require("pypdf", "pypdf")
    corrupt = "PDF 文件已损坏或不是有效的 PDF：{name}（{exc}）。请确认能用 PDF 阅读器打开，或重新下载。"
    with _quiet_pypdf():
        try:
            reader = pypdf.PdfReader(io.BytesIO(raw))
        except Exception as exc:   # pypdf raises many types for damaged files
            raise IngestError(corrupt.format(name=name, exc=exc)) from None
        if reader.is_encrypted:
            _decrypt(reader, name, warns)
        try:
            pages = list(reader.pages)
        except Exception as exc:
            raise IngestError(corrupt.format(name=name, exc=exc)) from None
        if not pages:
            raise IngestError(f"PDF 没有任何页面：{name}。请确认文件完整。")
        texts = []
        for i, page in enumerate(pages, 1):
            try:
                texts.append(page.extract_text() or "")
            except Exception as exc:
                # A silently missing page would drop articles; better to stop.
                raise IngestError(f"PDF 第 {i} 页无法提取文字：{name}（{exc}）。"
                                  "请用 PDF 阅读器另存或打印为新的 PDF 后再试。") from None
    if not any(t.strip() for t in texts):
        raise _no_text_layer(name)
    empty = [str(i) for i, t in enumerate(texts, 1) if not t.strip()]
    if empty:
        warns.append(f"第 {'、'.join(empty)} 页没有文字层（可能是扫描页），这些页的内容未导入；"
                     "请对这些页做 OCR 后再导入。")
    return texts


def _decrypt(reader: Any, name: str, warns: list[str]) -> None:
    """A PDF with only an owner password (copy/print restrictions) opens with an empty user
    password, as in any viewer; one that needs a password to open is refused."""
    try:
        ok = reader.decrypt("")
    except Exception as exc:   # e.g. AES without the cryptography package
        raise IngestError(f"PDF 已加密，无法读取：{name}（{exc}）。请先用 PDF 工具移除密码"
                          "（或打印为新的 PDF）后再导入。") from None
    if not ok:
        raise IngestError(f"PDF 已加密，需要密码才能打开：{name}。请先用 PDF 工具输入密码并另存为"
                          "不加密的 PDF，再导入。")
    warns.append("PDF 带有权限限制（无需打开密码），已按只读方式提取文字。")


def clean_pdf_text(pages: Sequence[str]) -> str:
    """Join the text of PDF pages into one paragraph per line: drop page numbers and running
    headers/footers, re-join paragraphs broken by line wrapping or page breaks."""
    page_lines = [[ln for ln in (normalize_line(x) for x in page.splitlines()) if ln] for page in pages]
    running = _running_lines(page_lines)
    lines: list[str] = []
    for i, pl in enumerate(page_lines):
        lines.extend(_strip_furniture(pl, running, first_page=i == 0))
    return "\n".join(join_wrapped_lines(lines))


def _edge_key(line: str) -> str:
    """Running headers differ only in numbers ("第 3 页", "2024-3"): compare with digits masked."""
    return re.sub(r"\d+", "#", line.replace(" ", ""))


def _running_lines(page_lines: list[list[str]]) -> set[str]:
    if len(page_lines) < 2:
        return set()
    counts: dict[str, int] = {}
    for pl in page_lines:
        edge = pl[:EDGE_LINES] + pl[-EDGE_LINES:]
        for key in {_edge_key(ln) for ln in edge}:
            counts[key] = counts.get(key, 0) + 1
    need = max(2, math.ceil(len(page_lines) * RUNNING_SHARE))
    return {k for k, n in counts.items() if n >= need}


def _is_page_number(line: str) -> bool:
    return bool(PAGE_NUMBER_RE.fullmatch(line.replace(" ", "")))


def _strip_furniture(lines: list[str], running: set[str], first_page: bool) -> list[str]:
    def furniture(ln: str) -> bool:
        return _is_page_number(ln) or _edge_key(ln) in running

    start, end = 0, len(lines)
    while start < min(end, EDGE_LINES) and furniture(lines[start]):
        start += 1
    while end > max(start, len(lines) - EDGE_LINES) and furniture(lines[end - 1]):
        end -= 1
    kept = lines[start:end]
    if first_page:
        # A running header that repeats the title is still the title on page 1: put it back if
        # page 1 has no title line of its own left.
        stripped = [ln for ln in lines[:start] if looks_like_title(ln)]
        if stripped and not any(looks_like_title(ln) for ln in kept[:12]):
            kept.insert(0, stripped[-1])
    return kept


def _display_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def starts_unit(line: str, prev: str = "") -> bool:
    """Does the line begin a 条, a chapter-like heading, a 项, an ordinal or a list item?"""
    if ARTICLE_RE.match(line) or _is_struct_heading(line) or LIST_ITEM_RE.match(line):
        return True
    if prev.endswith("第"):          # "依照本法第" + "（一）项规定": a wrapped reference, not an item
        return False
    m = ITEM_RE.match(line)
    if m:
        num = m.group("num")
        return not line[m.end():].startswith(("项", "款")) and not (num.isdigit() and int(num) > 99)
    return bool(ORDINAL_RE.match(line))


def _is_struct_heading(line: str) -> bool:
    """第X编/章/节 headings, and the unnumbered 附则 / 附件一 / 附录 headings."""
    if EXTRA_HEADING_RE.match(line):
        return True
    return bool(STRUCT_HEADING_RE.match(line)) and len(line) <= 40 and not re.search(r"[。，；：]", line)


def join_wrapped_lines(lines: Sequence[str]) -> list[str]:
    """Re-join lines broken by PDF line wrapping.

    A line continues its predecessor unless it starts a structural unit (第X条, 第X章/节/编, （一）,
    一、, a list item 1．/①) or the predecessor ends a sentence (。；：？！ possibly followed by a
    closing quote) or is a heading. Before
    the first 条/章 (title, promulgation history) lines rarely end in punctuation, so there a short
    line, a history line and a line starting with a date also end/start a paragraph."""
    if not lines:
        return []
    widths = sorted(_display_width(ln) for ln in lines)
    full = widths[int(0.9 * (len(widths) - 1))]
    out: list[str] = [lines[0]]
    preamble = not (ARTICLE_RE.match(lines[0]) or _is_struct_heading(lines[0]))
    for line in lines[1:]:
        prev = out[-1]
        if _breaks_between(prev, line, preamble, full):
            out.append(line)
        else:
            out[-1] = _glue(prev, line)
        if preamble and (ARTICLE_RE.match(line) or _is_struct_heading(line)):
            preamble = False
    return out


def _breaks_between(prev: str, line: str, preamble: bool, full: int) -> bool:
    if starts_unit(line, prev) or SENT_END_RE.search(prev) or _is_struct_heading(prev):
        return True
    if preamble:
        if HISTORY_LINE_RE.match(line) or looks_like_title(prev):
            return True
        if HISTORY_LINE_RE.match(prev) and HISTORY_END_RE.search(prev):
            return True
        if _display_width(prev) < 0.75 * full:
            return True
    return False


def _glue(prev: str, line: str) -> str:
    # Chinese wraps anywhere and needs no space; keep one between two Latin words or numbers.
    if prev[-1:].isascii() and prev[-1:].isalnum() and line[:1].isascii() and line[:1].isalnum():
        return f"{prev} {line}"
    return prev + line


# ---- DOCX -----------------------------------------------------------------------------------------
def _docx_lines(raw: bytes, name: str, warns: list[str]) -> list[str]:
    docx = _require("docx", "python-docx")
    try:
        document = docx.Document(io.BytesIO(raw))
    except Exception as exc:
        raise IngestError(f"DOCX 文件已损坏或不是有效的 Word 文档：{name}（{exc}）。"
                          "请用 Word/WPS 打开后另存为 .docx 再试。") from None
    lines: list[str] = []
    numbered = 0
    for block in document.iter_inner_content():          # paragraphs and tables in document order
        if hasattr(block, "rows"):
            lines.extend(_docx_table_lines(block))
            continue
        p_pr = block._p.pPr
        if p_pr is not None and p_pr.numPr is not None:
            numbered += 1
        lines.append(block.text)
    if numbered:
        warns.append(f"文档有 {numbered} 个段落使用 Word 自动编号，编号文字不会被导出；若缺少“第X条”等编号，"
                     "请先在 Word 中把编号转换为普通文本。")
    return lines


def _docx_table_lines(table: Any) -> list[str]:
    lines = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:       # a merged cell is returned once per grid column
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(p.text for p in cell.paragraphs).strip())
        lines.append(" ".join(c for c in cells if c))
    return lines


# ---- HTML -----------------------------------------------------------------------------------------
# Page chrome as well as code: a footer left in would be glued onto the last article.
HTML_DROP = ("script", "style", "noscript", "template", "head", "title", "iframe", "svg", "object", "button",
             "nav", "footer", "aside")
HTML_BLOCKS = ("address", "article", "aside", "blockquote", "caption", "center", "dd", "div", "dl", "dt",
               "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
               "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
               "tbody", "thead", "tfoot")
WIDE = r"[\u3000-\u9fff\uff00-\uffef]"
CJK_LINE_BREAK_RE = re.compile(rf"(?<={WIDE})[ \t\r\n\f]*[\r\n][ \t\r\n\f]*(?={WIDE})")
META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def _html_lines(raw: bytes, name: str) -> list[str]:
    bs4 = _require("bs4", "beautifulsoup4")
    text = _decode_html(raw, name)
    try:
        soup = bs4.BeautifulSoup(text, "html.parser")
    except Exception as exc:
        raise IngestError(f"HTML 文件无法解析：{name}（{exc}）。请用浏览器打开后另存为网页再试。") from None
    for tag in soup(HTML_DROP):
        tag.decompose()
    for node in soup.find_all(string=lambda s: isinstance(s, bs4.Comment)):
        node.extract()
    for node in soup.find_all(string=True):
        # Only plain text nodes: a Doctype or CData turned into a string would become visible text.
        if type(node) is bs4.NavigableString and node.find_parent(("pre", "textarea")) is None:
            node.replace_with(_collapse_html_space(str(node)))
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(HTML_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    for cell in soup.find_all(("td", "th")):
        cell.insert_after(" ")
    return soup.get_text().split("\n")


def _collapse_html_space(s: str) -> str:
    # A source line break between two Chinese characters is layout, not a space.
    s = CJK_LINE_BREAK_RE.sub("", s)
    return re.sub(r"[ \t\r\n\f]+", " ", s)


def _decode_html(raw: bytes, name: str) -> str:
    m = META_CHARSET_RE.search(raw[:4096])
    if m and not raw.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        declared = m.group(1).decode("ascii").lower()
        # GB2312/GBK pages routinely contain characters only GB18030 (its superset) covers.
        encoding = "gb18030" if declared in ("gb2312", "gbk", "gb18030", "x-gbk") else declared
        try:
            return raw.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(raw, name)[0]


# ---- plain text -----------------------------------------------------------------------------------
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(raw: bytes, name: str = "") -> tuple[str, str]:
    """(text, encoding): BOM, then UTF-8, UTF-16 without BOM, GB18030 (⊃ GBK ⊃ GB2312), then
    charset-normalizer's guess. Raises IngestError if nothing gives plausible text."""
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError:
                break
    raw = raw.rstrip(b"\x1a")          # DOS end-of-file mark in old text files
    candidates = ["utf-8"]
    if raw.count(b"\x00") > len(raw) // 8:           # UTF-16 text without a BOM is full of NULs
        candidates += ["utf-16-le", "utf-16-be"]
    candidates.append("gb18030")
    for encoding in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _plausible(text):
            return text, encoding
    guess = _guess_encoding(raw)
    if guess:
        try:
            text = raw.decode(guess)
            if _plausible(text) and CJK_RE.search(text):
                return text, guess
        except (LookupError, UnicodeDecodeError):
            pass
    raise IngestError(f"无法识别文件的文字编码：{name}。已尝试 UTF-8、UTF-16、GBK/GB18030 等编码；"
                      "请确认这是文本文件，并用文本编辑器另存为 UTF-8 后再导入。")


def _guess_encoding(raw: bytes) -> str | None:
    try:
        import charset_normalizer
    except ImportError:
        return None
    best = charset_normalizer.from_bytes(raw).best()
    return best.encoding if best else None


def _plausible(text: str) -> bool:
    """Real text has no control characters other than line breaks and tabs, and no unassigned
    code points or lone surrogates (what a wrong UTF-16 guess produces)."""
    if CONTROL_RE.search(text):
        return False
    return not any(unicodedata.category(c) in ("Cn", "Cs") for c in set(text))


# ==== metadata =====================================================================================
def parse_date(text: str) -> str | None:
    """'2024年1月1日', '二〇二四年一月一日', '2024-01-01', '2024/1/1', '2024.1.1' → '2024-01-01'."""
    s = text.strip()
    m = DATE_RE.search(s)
    if m:
        try:
            # Years are written digit by digit (二〇二四); months and days as numbers (十二, 三十一).
            y = int("".join(str(YEAR_DIGITS.get(c, unicodedata.digit(c, 0))) for c in m.group("y")))
            mo, d = cn_to_int(m.group("m")), cn_to_int(m.group("d"))
        except (KBError, ValueError):
            return None
    else:
        m = re.fullmatch(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})", s)
        if not m:
            return None
        y, mo, d = (int(g) for g in m.groups())
    try:
        return dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


def _dates_in(line: str) -> list[str]:
    return [d for d in (parse_date(m.group(0)) for m in DATE_RE.finditer(line)) if d]


def looks_like_title(line: str) -> bool:
    """A short line ending like a document title: …法, …条例, …规定, …解释（二）."""
    line = line.strip("《》 ")
    return (2 <= len(line) <= 60 and bool(TITLE_RE.match(line))
            and not re.search(r"[。，；：！？,;:!?>|»/\\]", line)      # not a sentence or "首页 > 法规"
            and not starts_unit(line) and not HISTORY_LINE_RE.match(line))


def _preamble(lines: Sequence[str]) -> list[str]:
    """Lines before the first 条, chapter heading or numbered item."""
    out = []
    for line in lines:
        if any(r.match(line) for r in (ARTICLE_RE, ORDINAL_RE, ITEM_RE)) or _is_struct_heading(line):
            break
        out.append(line)
    return out


def detect_metadata(text: str) -> dict[str, str]:
    """Metadata found in the text itself: title, short_title, promulgated, effective, doc_number,
    issuer, doc_type. Only keys that were found are returned."""
    lines = [ln for ln in (normalize_line(x) for x in text.splitlines()) if ln]
    preamble = _preamble(lines)
    head = preamble[:15]          # the title is near the top; history lines may run longer (刑法)
    found: dict[str, str] = {}
    title = next((ln.strip("《》 ") for ln in head if looks_like_title(ln)), "")
    if title:
        found["title"] = YEAR_SUFFIX_RE.sub("", title).strip()
        found["short_title"] = short_title_of(found["title"])
    # History lines ("2021年6月10日 …第三次修正"). A line may name two enactment dates (two
    # bodies adopting a joint interpretation): the later counts; "自X起施行" in it is not one.
    history = []
    for ln in preamble:
        dates = _dates_in(ANY_EFFECTIVE_RE.sub("", ln))
        if HISTORY_LINE_RE.match(ln) and dates:
            history.append((max(dates), ln))
    enacted = [(d, ln) for d, ln in history if ENACTED_RE.search(ln)]
    if enacted:
        found["promulgated"], latest = max(enacted)
        issuer = _issuer_of(latest)
        if issuer:
            found["issuer"] = issuer
    effective = _effective_in(text)
    if effective:
        found["effective"] = effective
    elif FROM_PUBLICATION_RE.search(text) and found.get("promulgated"):
        found["effective"] = found["promulgated"]
    else:
        started = [d for d, ln in history if "施行" in ln and not ENACTED_RE.search(ln)]
        if started:
            found["effective"] = max(started)
    number = _doc_number_in(head, enacted)
    if number:
        found["doc_number"] = number
    if title:
        doc_type = guess_doc_type(found["title"], number)
        if doc_type:
            found["doc_type"] = doc_type
        if "issuer" not in found and found["title"].startswith(("最高人民法院", "最高人民检察院")):
            found["issuer"] = found["title"].split("关于", 1)[0]
    return found


def _effective_in(text: str) -> str | None:
    """The document's own 施行 date: the last '本法/本条例…自X起施行', else any '自X起施行'."""
    for pattern in (EFFECTIVE_RE, ANY_EFFECTIVE_RE):
        dates = [parse_date(m.group("date")) for m in pattern.finditer(text)]
        dates = [d for d in dates if d]
        if dates:
            return dates[-1]
    return None


def _issuer_of(line: str) -> str:
    for name in ("全国人民代表大会常务委员会", "全国人民代表大会", "国务院"):
        if name in line:
            return name
    return ""


def _doc_number_in(head: Sequence[str], enacted: Sequence[tuple[str, str]]) -> str:
    # Prefer the number in the latest promulgation line (the current version's order number).
    for line in [ln for _, ln in sorted(enacted, reverse=True)] + list(head):
        m = DOC_NUMBER_RE.search(line.replace(" ", ""))
        if m:
            number = m.group(0)
            if number.startswith(("主席令", "国务院令")):
                number = "中华人民共和国" + number
            return number
    return ""


def guess_doc_type(title: str, doc_number: str = "") -> str:
    """law / administrative_regulation / judicial_interpretation / plan / local_regulation /
    departmental_rule / local_rule, or "" if the title does not say."""
    t = re.sub(r"[（(][^（）()]*[）)]$", "", title)
    local = bool(PLACE_PREFIX_RE.match(t)) and not t.startswith("中华人民共和国")
    if t.endswith("修正案") or (t.endswith("法") and not local):
        return "law"
    if t.endswith("解释") or t.startswith(("最高人民法院", "最高人民检察院")):
        return "judicial_interpretation"
    if t.endswith(("要点", "方案", "计划", "纲要")):
        return "plan"
    if t.endswith("条例"):
        return "local_regulation" if local else "administrative_regulation"
    if t.endswith(("规定", "办法", "细则", "规则")):
        if t.startswith("国务院") or "国务院令" in doc_number:
            return "administrative_regulation"
        return "local_rule" if local else "departmental_rule"
    return ""


def short_title_of(title: str) -> str:
    return title.removeprefix("中华人民共和国").strip() or title


# ==== corpus markdown ==============================================================================
def to_corpus_markdown(text: str, meta: dict[str, Any] | None = None) -> str:
    """Render text (one paragraph per line) as a corpus document. `meta` overrides what is detected
    from the text. Raises IngestError if the result has no article structure."""
    return _build(text, dict(meta or {})).markdown


def _build(text: str, given: dict[str, Any], name: str = "", fallback_title: str = "",
           default_source: str = "") -> _Built:
    given = {k: str(v).strip() for k, v in given.items() if v is not None and str(v).strip()}
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    m = FRONT_MATTER_RE.match(text)
    if m:   # a .md file that already has front matter: its values rank above detection
        try:
            fm, text = split_front_matter(text)
        except KBError as exc:
            raise IngestError(f"{name or '文本'} 开头的 YAML 元数据无法解析：{exc}。请修正或删除这段元数据。") \
                from None
        given = {**{k: v for k, v in fm.items() if k in META_FIELDS and v.strip()}, **given}
    if default_source:
        given.setdefault("source", default_source)
    lines = [re.sub(r"^#{1,6}\s+", "", ln) for ln in (normalize_line(x) for x in text.split("\n"))]
    lines = [ln for ln in lines if ln]
    try:
        detect_layout(lines)    # no structure is the more basic problem than a missing title
    except KBError as exc:
        raise _no_structure(name, exc) from None
    meta, warns = _resolve_meta(lines, given, name, fallback_title)
    body = _drop_title_line(lines, meta["title"])
    meta["numbering"] = ""
    markdown = _render(meta, body)
    key = f"{meta['short_title']}@{meta['version']}"
    try:
        doc = parse_document(markdown, key=key)
    except KBError as exc:
        raise _no_structure(name, exc) from None
    meta["numbering"] = {"articles": "articles（第X条）", "items": "items（一、二、……）",
                         "paren_items": "items（（一）、（二）……）"}[doc.layout]
    markdown = _render(meta, body)
    warns += _structure_warnings(doc)
    return _Built(markdown, meta, len(doc.articles), doc.layout, warns)


def _no_structure(name: str, exc: Exception) -> IngestError:
    return IngestError(f"未发现条文结构：{name or '文本'} 中没有找到“第X条”、“一、”或“（一）”编号的条文，"
                       f"无法按条导入（{exc}）。请确认这是法规正文；扫描件请先做 OCR。")


def _resolve_meta(lines: list[str], given: dict[str, str], name: str,
                  fallback_title: str = "") -> tuple[dict[str, str], list[str]]:
    warns: list[str] = []
    unknown = set(given) - set(META_FIELDS)
    if unknown:
        raise TypeError(f"unknown metadata fields: {', '.join(sorted(unknown))}")
    for key in ("promulgated", "effective"):
        if key in given:
            date = parse_date(given[key])
            if not date:
                raise IngestError(f"日期“{given[key]}”无法识别（--{key}）：请写成 YYYY-MM-DD，例如 2024-01-01。")
            given[key] = date
    if given.get("status") and given["status"] not in STATUS_LABELS:
        raise IngestError(f"状态“{given['status']}”无效（--status）：可选值为 "
                          + "、".join(f"{k}（{v}）" for k, v in STATUS_LABELS.items()) + "。")
    found = detect_metadata("\n".join(lines))
    if "title" in given:
        # Names derived from a detected title must not override an explicit one.
        found.pop("short_title", None)
        found.pop("doc_type", None)
    elif "title" not in found and fallback_title:
        found["title"] = fallback_title
        warns.append(f"正文开头没有识别到标题，暂用文件名“{fallback_title}”作标题；可用 --title 指定。")
    if "effective" in found and "effective" not in given:
        start = given.get("promulgated") or found.get("promulgated")
        if start and found["effective"] < start:
            # "本法自2002年11月1日起施行" in a 2021 amended text is the first version's date.
            warns.append(f"正文中的施行日期 {found.pop('effective')} 早于公布日期 {start}（多为初版的施行日期），"
                         "未采用；如需要请用 --effective 指定。")
    meta = {**found, **given}
    if not meta.get("title"):
        raise IngestError(f"未能从 {name or '文本'} 中识别标题（开头没有以“法”“条例”“规定”“办法”等结尾的短行）。"
                          "请用 --title 指定，例如 --title 中华人民共和国安全生产法。")
    meta.setdefault("short_title", short_title_of(meta["title"]))
    if not meta.get("doc_type"):
        meta["doc_type"] = guess_doc_type(meta["title"], meta.get("doc_number", ""))
    meta.setdefault("status", "in_force")
    if not meta.get("version"):
        meta["version"] = meta.get("promulgated") or meta.get("effective") or dt.date.today().isoformat()
        if not (meta.get("promulgated") or meta.get("effective")):
            warns.append(f"未找到公布或施行日期，版本号暂用今天的日期 {meta['version']}；"
                         "请用 --promulgated 或 --effective 指定。")
    for key in ("short_title", "version"):
        clean = FILENAME_BAD_RE.sub("_", meta[key])
        if clean != meta[key]:
            warns.append(f"{key}“{meta[key]}”含有不能用于文件名的字符，已改为“{clean}”。")
            meta[key] = clean
    missing = [k for k in ("doc_type", "issuer", "doc_number") if not meta.get(k)]
    if missing:
        flags = "、".join("--" + k.replace("_", "-") for k in missing)
        warns.append(f"未识别 {'、'.join(missing)}，已留空；可用 {flags} 指定。")
    return meta, warns


def _drop_title_line(lines: list[str], title: str) -> list[str]:
    """The title goes into '# title'; drop its copy from the start of the text."""
    for i, line in enumerate(_preamble(lines)[:15]):
        bare = YEAR_SUFFIX_RE.sub("", line.strip("《》 ")).strip()
        if bare == title or line == title:
            return lines[:i] + lines[i + 1:]
    return lines


def _render(meta: dict[str, str], body: list[str]) -> str:
    out = ["---"]
    for key in FRONT_MATTER_ORDER:
        # The corpus writes version only when it differs from the promulgation date.
        if key in OPTIONAL_FIELDS and (not meta.get(key) or
                                       key == "version" and meta[key] == meta.get("promulgated")):
            continue
        out.append(f"{key}: {_yaml_value(meta.get(key, ''))}")
    out += ["---", "", f"# {meta['title']}", ""]
    marks = _heading_marks(body)
    for line in body:
        out += [marks(line) + line, ""]
    return "\n".join(out)


def _yaml_value(value: str) -> str:
    if re.fullmatch(r"[a-z_]+", value):
        return value
    return json.dumps(value, ensure_ascii=False)   # a JSON string is a valid YAML double-quoted scalar


def _heading_marks(body: list[str]):
    """'## ' for the top structural level present (编, or 章 when there is no 编), one more '#' per
    level below; in a plan without 第X条, '一、…' headings above '（一）' items get '## '."""
    kinds = sorted({STRUCT_HEADING_RE.match(ln).group("kind") for ln in body
                    if _is_struct_heading(ln) and not EXTRA_HEADING_RE.match(ln)}, key=KIND_LEVEL.get)
    depth = {kind: 2 + i for i, kind in enumerate(kinds)}
    ordinal_headings = False
    if not any(ARTICLE_RE.match(ln) for ln in body):
        ordinals = [ln for ln in body if ORDINAL_RE.match(ln)]
        items = [ln for ln in body if ITEM_RE.match(ln)]
        ordinal_headings = len(ordinals) >= 2 and len(items) >= 2 and \
            all(len(ln) <= 60 and "。" not in ln for ln in ordinals)

    def marks(line: str) -> str:
        if EXTRA_HEADING_RE.match(line):
            return "## "     # 刑法: "## 附则", "## 附件一" beside the 编
        if _is_struct_heading(line):
            return "#" * depth[STRUCT_HEADING_RE.match(line).group("kind")] + " "
        if ordinal_headings and ORDINAL_RE.match(line):
            return "## "
        return ""
    return marks


def _structure_warnings(doc: Any) -> list[str]:
    from .corpus import check_document   # local import: corpus pulls in more than ingest needs
    check = check_document(doc, None)
    warns = []
    if check.gaps:
        shown = "、".join(str(n) for n in check.gaps[:10]) + ("…" if len(check.gaps) > 10 else "")
        warns.append(f"条文编号不连续，缺少第 {shown} 条；请核对原文是否完整（分页或换行处可能识别错误）。")
    if check.duplicates:
        warns.append(f"条文编号重复：{'、'.join(check.duplicates[:10])}；请核对原文。")
    warns += check.problems
    last = doc.articles[-1].text.split("\n") if doc.layout == "articles" else []
    ends = [i for i, ln in enumerate(last) if "施行" in ln]
    if ends and ends[-1] < len(last) - 1:
        # Text after "本法自…起施行。" is usually a signature, an attachment or a web-page footer.
        extra = last[ends[-1] + 1:]
        warns.append(f"最后一条的施行日期之后还有 {len(extra)} 行文字（如“{extra[0][:20]}”），已并入最后一条；"
                     "若是落款、附件或网页页脚，请从原文中删除后重新导入。")
    return warns


# ==== writing ======================================================================================
def ingest_file(path: str | Path, dest_dir: str | Path | None = None, *, overwrite: bool = False,
                max_bytes: int = DEFAULT_MAX_BYTES, **meta_overrides: Any) -> IngestResult:
    """Convert one file and write `<short_title>@<version>.md` into dest_dir (default: the user
    documents folder). meta_overrides: title, short_title, doc_type, issuer, doc_number,
    promulgated, effective, status, version, source, supersedes, superseded_by, note.
    Raises IngestError."""
    src = Path(path).expanduser()
    extracted = _extract(src, max_bytes)
    meta = {k: v for k, v in meta_overrides.items() if v is not None}
    fallback = src.stem if looks_like_title(src.stem) else ""
    # No date in the default source line: re-ingesting the same file must give identical output.
    source = f"kb ingest 转换自 {src.name}（sha256 {extracted.sha256}）"
    built = _build(extracted.text, meta, src.name, fallback, source)
    dest = Path(dest_dir).expanduser() if dest_dir is not None else user_documents_dir()
    out = dest / f"{built.meta['short_title']}@{built.meta['version']}.md"
    status = _write_atomic(out, built.markdown, overwrite)
    warns = extracted.warnings + built.warnings + _shadow_warnings(out)
    return IngestResult(src, out, built.meta["title"], built.meta["short_title"], built.meta["version"],
                        built.articles, status, warns, built.layout)


def _write_atomic(out: Path, content: str, overwrite: bool) -> str:
    """Write via a temporary file in the same folder and os.replace, so readers never see a
    partial file. Returns "written", "overwritten" or "unchanged"."""
    data = content.encode("utf-8")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IngestError(f"无法创建输出目录 {out.parent}：{exc.strerror or exc}。请检查路径和权限，或用 --out 指定。") \
            from None
    status = "written"
    if out.exists():
        try:
            if out.read_bytes() == data:
                return "unchanged"
        except OSError as exc:
            raise IngestError(f"无法读取已有文件 {out}：{exc.strerror or exc}。") from None
        if not overwrite:
            raise IngestError(f"目标文件已存在且内容不同：{out}。如要替换，请加 --overwrite；"
                              "如果是另一个版本，请用 --promulgated 指定其日期。")
        status = "overwritten"
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
        tmp = None
    except OSError as exc:
        raise IngestError(f"无法写入 {out}：{exc.strerror or exc}。请检查磁盘空间和权限。") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return status


def _shadow_warnings(out: Path) -> list[str]:
    """The corpus loader keeps only one document per key: say if another folder has this one."""
    warns = []
    try:
        dirs = default_corpus_dirs()
    except Exception:
        return warns
    for d in dirs:
        other = Path(d) / out.name
        if other.exists() and other.resolve() != out.resolve():
            warns.append(f"语料目录中已有同名文档 {other}；加载语料时只会使用其中一个。")
    return warns


# ==== command line =================================================================================
def _add_meta_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--title", help="完整标题，如“中华人民共和国安全生产法”（默认从正文识别）")
    parser.add_argument("--short-title", dest="short_title", help="简称，用于文件名（默认去掉“中华人民共和国”）")
    parser.add_argument("--doc-type", dest="doc_type",
                        help="文件类型：law、administrative_regulation、judicial_interpretation、plan 等")
    parser.add_argument("--issuer", help="制定机关，如“全国人民代表大会常务委员会”")
    parser.add_argument("--doc-number", dest="doc_number", help="文号，如“中华人民共和国主席令第八十八号”")
    parser.add_argument("--promulgated", help="公布（本版本）日期 YYYY-MM-DD；也用作版本号")
    parser.add_argument("--effective", help="施行日期 YYYY-MM-DD")
    parser.add_argument("--status", help="状态：" + "、".join(STATUS_LABELS) + "（默认 in_force）")
    parser.add_argument("--out", metavar="DIR", help="输出目录（默认 corpus/documents 或环境变量 KB_USER_DOCS）")
    parser.add_argument("--overwrite", action="store_true", help="目标文件已存在且内容不同时覆盖")
    parser.add_argument("--max-mb", dest="max_mb", type=_positive_mb, default=DEFAULT_MAX_BYTES / 1024 / 1024,
                        help="单个文件大小上限（MB，默认 50）")


def _positive_mb(value: str) -> float:
    try:
        mb = float(value)
    except ValueError:
        mb = 0.0
    if not mb > 0:
        raise argparse.ArgumentTypeError(f"“{value}”不是正数；请写成如 50 或 120.5（单位 MB）")
    return mb


def add_ingest_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Arguments of `kb ingest FILE… [flags]`."""
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help=f"要导入的文件（{SUPPORTED_TEXT}），可以有多个")
    _add_meta_arguments(parser)
    return parser


def _options(args: argparse.Namespace) -> dict[str, Any]:
    meta = {k: getattr(args, k, None) for k in META_FLAGS if getattr(args, k, None)}
    max_mb = getattr(args, "max_mb", None)
    return {"dest_dir": getattr(args, "out", None), "overwrite": bool(getattr(args, "overwrite", False)),
            "max_bytes": int(max_mb * 1024 * 1024) if max_mb else DEFAULT_MAX_BYTES, **meta}


def run_ingest(args: argparse.Namespace) -> int:
    """Ingest every file in args.files; per-file lines, then one summary line. 0 if all succeeded."""
    files = list(args.files)
    options = _options(args)
    bar = _progress(len(files))
    ok = 0
    for name in files:
        try:
            result = ingest_file(name, **options)
        except KBError as exc:
            _emit(f"✗ {name}：{exc}", err=True)
        else:
            ok += 1
            _emit(f"✓ {result.summary()}")
            for w in result.warnings:
                _emit(f"  注意：{w}", err=True)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    print(f"导入 {len(files)} 个文件：{ok} 个成功，{len(files) - ok} 个失败")
    return 0 if ok == len(files) else 1


def _progress(total: int):
    if total < PROGRESS_MIN_FILES or not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="个文件", file=sys.stderr, leave=False)


def _emit(message: str, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    try:
        from tqdm import tqdm
        tqdm.write(message, file=stream)   # keeps an active progress bar intact
    except ImportError:
        print(message, file=stream)


def script_main(kind: str, argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Entry point of ingest_scripts/<kind>_to_corpus.py: convert one file of that kind."""
    exts = [e for e, k in FORMATS.items() if k == kind]
    parser = argparse.ArgumentParser(
        prog=prog, description=f"把 {'/'.join(exts)} 文件转换为语料格式（YAML 头 + markdown）。")
    parser.add_argument("file", metavar="FILE", help=f"要转换的文件（{'、'.join(exts)}）")
    _add_meta_arguments(parser)
    args = parser.parse_args(argv)
    suffix = Path(args.file).suffix.lower()
    if suffix in FORMATS and FORMATS[suffix] != kind:
        print(f"错误：{args.file} 不是 {'/'.join(exts)} 文件；请用 {FORMATS[suffix]}_to_corpus.py，"
              "或 python -m kb ingest（自动识别类型）。", file=sys.stderr)
        return 1
    try:
        result = ingest_file(args.file, **_options(args))
    except KBError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    for w in result.warnings:
        print(f"注意：{w}", file=sys.stderr)
    print(result.summary())
    return 0
