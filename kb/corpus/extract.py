"""Get plain text out of PDF, DOCX, HTML and plain-text files, one paragraph per line.

extract_text(path) checks the input (exists, supported type, not empty, under the size limit), then
- PDF: pypdf text per page → clean_pdf_text drops page numbers and running headers/footers and
  re-joins lines broken by wrapping or page breaks (join_wrapped_lines);
- DOCX: paragraphs and tables in document order;
- HTML: visible block text, page chrome (nav, footer, …) dropped;
- TXT/MD: decode_text (BOM, UTF-8, UTF-16, GB18030/GBK, then a guess).
Used by kb.ingest; every user mistake raises IngestError with a Chinese message.
"""
from __future__ import annotations

import codecs
import hashlib
import io
import logging
import math
import re
import unicodedata
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from kb.core.errors import IngestError

from .parse import ARTICLE_RE, ITEM_RE, ORDINAL_RE, STRUCT_HEADING_RE

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
FORMATS = {".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".txt": "text", ".md": "text"}
SUPPORTED_TEXT = "、".join(FORMATS)

# ---- shared text patterns ------------------------------------------------------------------------
# Sentence-final punctuation (full- and half-width), optionally followed by a closing quote/bracket.
SENT_END_RE = re.compile(r"[。；：？！;:?!][”’」』\"'）)]*$")
# A line opening with a full date: promulgation history. "2024年武汉市…要点" (a title) has no month.
HISTORY_LINE_RE = re.compile(r"^[（(]?\s*(?:[0-9０-９]{4}|[〇零○一二三四五六七八九]{4})\s*年\s*"
                             r"(?:[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*月")
HISTORY_END_RE = re.compile(r"(通过|公布|发布|印发|修正|修订|修改|施行|[）)])$")
TITLE_SUFFIXES = ("法", "条例", "规定", "办法", "解释", "决定", "要点", "方案", "细则", "规则", "意见",
                  "通知", "准则", "规程", "修正案", "纲要", "计划", "制度", "标准")
TITLE_RE = re.compile(rf"^.{{1,60}}?(?:{'|'.join(TITLE_SUFFIXES)})(?:[（(][^（）()]{{1,15}}[）)])?$")
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
class Extracted:
    text: str
    kind: str
    sha256: str
    warnings: list[str] = field(default_factory=list)


# ==== extraction ===================================================================================
def extract_text(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Plain text of a PDF/DOCX/HTML/TXT/MD file, one paragraph per line. Raises IngestError."""
    return extract_file(path, max_bytes).text


def extract_file(path: str | Path, max_bytes: int) -> Extracted:
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
    return Extracted(text, kind, hashlib.sha256(raw).hexdigest(), warns)


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
        have, limit = _human_size(size), _human_size(max_bytes)
        if have == limit:      # "50.0 MB，超过上限 50.0 MB" would read as a contradiction: show bytes
            have, limit = f"{size:,} 字节", f"{max_bytes:,} 字节（{limit}）"
        raise IngestError(f"文件过大：{p.name} 为 {have}，超过上限 {limit}。"
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
    if ARTICLE_RE.match(line) or is_struct_heading(line) or LIST_ITEM_RE.match(line):
        return True
    if prev.endswith("第"):          # "依照本法第" + "（一）项规定": a wrapped reference, not an item
        return False
    m = ITEM_RE.match(line)
    if m:
        num = m.group("num")
        return not line[m.end():].startswith(("项", "款")) and not (num.isdigit() and int(num) > 99)
    return bool(ORDINAL_RE.match(line))


def is_struct_heading(line: str) -> bool:
    """第X编/章/节 headings, and the unnumbered 附则 / 附件一 / 附录 headings."""
    if EXTRA_HEADING_RE.match(line):
        return True
    return bool(STRUCT_HEADING_RE.match(line)) and len(line) <= 40 and not re.search(r"[。，；：]", line)


def looks_like_title(line: str) -> bool:
    """A short line ending like a document title: …法, …条例, …规定, …解释（二）."""
    line = line.strip("《》 ")
    return (2 <= len(line) <= 60 and bool(TITLE_RE.match(line))
            and not re.search(r"[。，；：！？,;:!?>|»/\\]", line)      # not a sentence or "首页 > 法规"
            and not starts_unit(line) and not HISTORY_LINE_RE.match(line))


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
    preamble = not (ARTICLE_RE.match(lines[0]) or is_struct_heading(lines[0]))
    for line in lines[1:]:
        prev = out[-1]
        if _breaks_between(prev, line, preamble, full):
            out.append(line)
        else:
            out[-1] = _glue(prev, line)
        if preamble and (ARTICLE_RE.match(line) or is_struct_heading(line)):
            preamble = False
    return out


def _breaks_between(prev: str, line: str, preamble: bool, full: int) -> bool:
    if starts_unit(line, prev) or SENT_END_RE.search(prev) or is_struct_heading(prev):
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
