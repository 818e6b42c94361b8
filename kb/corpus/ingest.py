"""Convert PDF, DOCX, HTML and plain-text files into corpus documents.

Pipeline: extract_text(path) → plain text, one paragraph per line (kb.corpus.extract)
          → to_corpus_markdown(text, meta) → YAML front matter + markdown body, checked by the parser;
            metadata not given is detected from the text (kb.corpus.docmeta)
          → ingest_file() writes `<short_title>@<version>.md` atomically.

Every user mistake (missing file, scanned PDF, no article structure, …) raises IngestError with a
Chinese message that names the file or value, says what is wrong and what to do.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.core.errors import IngestError, KBError
from kb.core.labels import article_heading, item_heading, version_id
from kb.core.schema import STATUS_LABELS
from kb.core.settings import default_corpus_dirs, user_documents_dir

from .docmeta import YEAR_SUFFIX_RE, detect_metadata, guess_doc_type, parse_date, preamble_lines, short_title_of
from .extract import DEFAULT_MAX_BYTES, EXTRA_HEADING_RE, extract_file, is_struct_heading, looks_like_title, normalize_line
from .parse import (ARTICLE_RE, FRONT_MATTER_RE, ITEM_RE, KIND_LEVEL, ORDINAL_RE, STRUCT_HEADING_RE,
                    detect_layout, parse_document, split_front_matter)

META_FLAGS = ("title", "short_title", "doc_type", "issuer", "doc_number", "promulgated", "effective",
              "status")                 # settable from the command line (kb.cli.ingest)
META_FIELDS = (*META_FLAGS, "version", "source", "supersedes", "superseded_by", "note")
FRONT_MATTER_ORDER = ("title", "short_title", "doc_type", "issuer", "doc_number", "promulgated", "effective",
                      "status", "version", "supersedes", "superseded_by", "source", "numbering", "note")
OPTIONAL_FIELDS = ("version", "supersedes", "superseded_by", "note")   # written only when set
FILENAME_BAD_RE = re.compile(r'[\\/:*?"<>|@\x00-\x1f]')


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
    layout: str = "articles"    # as kb.corpus.parse: "articles" | "items" | "paren_items"

    def summary(self) -> str:
        note = {"unchanged": "（内容未变）", "overwritten": "（已覆盖）"}.get(self.status, "")
        unit = "条" if self.layout == "articles" else "项"
        return (f"{self.source.name} → {self.output}：《{self.title}》，{self.articles} {unit}，"
                f"版本 {self.version}{note}")


@dataclass
class _Built:
    markdown: str
    meta: dict[str, str]
    articles: int
    layout: str
    warnings: list[str]         # everything, as `kb ingest` prints it
    doc: Any = None             # the parsed Document
    notes: list[str] = field(default_factory=list)   # the warnings other than numbering gaps/duplicates


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
    key = version_id(meta['short_title'], meta['version'])
    try:
        doc = parse_document(markdown, key=key)
    except KBError as exc:
        raise _no_structure(name, exc) from None
    meta["numbering"] = {"articles": "articles（第X条）", "items": "items（一、二、……）",
                         "paren_items": "items（（一）、（二）……）"}[doc.layout]
    markdown = _render(meta, body)
    notes = warns + _tail_warnings(doc)
    return _Built(markdown, meta, len(doc.articles), doc.layout, warns + _structure_warnings(doc), doc, notes)


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
    for i, line in enumerate(preamble_lines(lines)[:15]):
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
                    if is_struct_heading(ln) and not EXTRA_HEADING_RE.match(ln)}, key=KIND_LEVEL.get)
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
        if is_struct_heading(line):
            return "#" * depth[STRUCT_HEADING_RE.match(line).group("kind")] + " "
        if ordinal_headings and ORDINAL_RE.match(line):
            return "## "
        return ""
    return marks


def _structure_warnings(doc: Any) -> list[str]:
    from .collection import check_document   # local import: the collection pulls in more than ingest needs
    check = check_document(doc, None)
    warns = []
    if check.gaps:
        shown = "、".join(str(n) for n in check.gaps[:10]) + ("…" if len(check.gaps) > 10 else "")
        warns.append(f"条文编号不连续，缺少第 {shown} 条；请核对原文是否完整（分页或换行处可能识别错误）。")
    if check.duplicates:
        warns.append(f"条文编号重复：{'、'.join(check.duplicates[:10])}；请核对原文。")
    warns += check.problems
    return warns + _tail_warnings(doc)


def _tail_warnings(doc: Any) -> list[str]:
    warns = []
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
    extracted = extract_file(src, max_bytes)
    meta = {k: v for k, v in meta_overrides.items() if v is not None}
    fallback = src.stem if looks_like_title(src.stem) else ""
    # No date in the default source line: re-ingesting the same file must give identical output.
    source = f"kb ingest 转换自 {src.name}（sha256 {extracted.sha256}）"
    built = _build(extracted.text, meta, src.name, fallback, source)
    dest = Path(dest_dir).expanduser() if dest_dir is not None else user_documents_dir()
    out = dest / f"{version_id(built.meta['short_title'], built.meta['version'])}.md"
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


# ==== preview (the app's 语料 page: check a document before it is saved) ============================
FIELD_NAMES = {"--title": "标题", "--short-title": "简称", "--doc-type": "文件类型", "--issuer": "制定机关",
               "--doc-number": "文号", "--promulgated": "公布日期", "--effective": "施行日期", "--status": "状态"}
FLAG_RE = re.compile("|".join(re.escape(f) for f in sorted(FIELD_NAMES, key=len, reverse=True)))
UNSET_RE = re.compile(r"未识别 (?P<keys>[a-z_、]+)，已留空；可用 .+? 指定。")
GLANCE_CHARS = 60               # how much of the first and last article a preview shows


@dataclass
class Glance:
    """An article as a preview shows it: its heading and the start of its text."""
    heading: str
    text: str


@dataclass
class Preview:
    """What saving a converted file would add to the corpus, before anything is written."""
    source: str                     # the file name as given
    meta: dict[str, str]            # resolved front matter: given values over what the text says
    markdown: str                   # the corpus document that would be written
    layout: str                     # "articles" | "items" | "paren_items"
    counts: dict[str, int]          # 编/章/节 headings and 条 (or 项) units, in that order
    first: Glance
    last: Glance
    gaps: list[str]                 # "第十二条之后是第十四条，缺第十三条"
    duplicates: list[str]           # "第十二条出现 2 次"
    warnings: list[str]             # the rest: extraction, metadata, text after the last article
    existing: list[Path] = field(default_factory=list)   # corpus files with the same name

    @property
    def key(self) -> str:
        return version_id(self.meta["short_title"], self.meta["version"])

    @property
    def filename(self) -> str:
        return f"{self.key}.md"

    @property
    def articles(self) -> int:
        return self.counts.get("条", self.counts.get("项", 0))


def preview_document(source: str | Path | bytes, meta: dict[str, Any] | None = None, *, name: str = "",
                     max_bytes: int = DEFAULT_MAX_BYTES, corpus_dirs: Any = ()) -> Preview:
    """Convert a file (a path, or the bytes of an upload named `name`) the way `kb ingest` does and
    describe the result: counts, first and last article, numbering gaps and duplicates, warnings.
    Nothing is written. `meta` as ingest_file's overrides (empty values are ignored); `corpus_dirs`:
    folders where a file of the same name would be replaced or shadowed. Raises IngestError with a
    message for people (empty file, scanned PDF, unsupported type, no article structure …)."""
    if isinstance(source, bytes):
        base = Path(name or "upload").name or "upload"
        with tempfile.TemporaryDirectory(prefix="kb-upload-") as tmp:
            path = Path(tmp) / base
            path.write_bytes(source)
            try:
                return _preview(path, meta, max_bytes, corpus_dirs)
            except IngestError as exc:   # name the upload, not its temporary copy
                raise IngestError(str(exc).replace(str(path), base)) from None
    return _preview(Path(source).expanduser(), meta, max_bytes, corpus_dirs)


def _preview(src: Path, meta: dict[str, Any] | None, max_bytes: int, corpus_dirs: Any) -> Preview:
    try:
        return _preview_unworded(src, meta, max_bytes, corpus_dirs)
    except IngestError as exc:
        raise IngestError(form_wording(str(exc))) from None


def _preview_unworded(src: Path, meta: dict[str, Any] | None, max_bytes: int, corpus_dirs: Any) -> Preview:
    extracted = extract_file(src, max_bytes)
    given = {k: v for k, v in (meta or {}).items() if v is not None and str(v).strip()}
    fallback = src.stem if looks_like_title(src.stem) else ""
    built = _build(extracted.text, given, src.name, fallback,
                   f"语料页上传，转换自 {src.name}（sha256 {extracted.sha256}）")
    doc = built.doc
    gaps, duplicates = numbering_problems(doc)
    preview = Preview(src.name, built.meta, built.markdown, doc.layout, _counts(doc),
                      _glance(doc.articles[0]), _glance(doc.articles[-1]), gaps, duplicates,
                      [form_wording(w) for w in extracted.warnings + built.notes])
    preview.existing = [Path(d) / preview.filename for d in corpus_dirs if (Path(d) / preview.filename).exists()]
    return preview


def save_preview(preview: Preview, dest_dir: str | Path, *, overwrite: bool = False) -> IngestResult:
    """Write a previewed document into dest_dir (atomically). Raises IngestError when a different
    file of that name is there and overwrite is False."""
    out = Path(dest_dir).expanduser() / preview.filename
    status = _write_atomic(out, preview.markdown, overwrite)
    return IngestResult(Path(preview.source), out, preview.meta["title"], preview.meta["short_title"],
                        preview.meta["version"], preview.articles, status, list(preview.warnings), preview.layout)


def form_wording(message: str) -> str:
    """A `kb ingest` message for a form: '--issuer' → '“制定机关”'."""
    def unset(m: re.Match) -> str:
        names = "、".join(f"“{FIELD_NAMES.get('--' + k.replace('_', '-'), k)}”" for k in m.group("keys").split("、"))
        return f"未从正文中识别到{names}，已留空；如知道请在上方填写。"
    return FLAG_RE.sub(lambda m: f"“{FIELD_NAMES[m.group(0)]}”", UNSET_RE.sub(unset, message))


def numbering_problems(doc: Any) -> tuple[list[str], list[str]]:
    """Gaps and steps back in the numbering (in reading order) and units numbered twice, in words."""
    heading = (lambda n: article_heading(str(n))) if doc.layout == "articles" else item_heading
    base = [a for a in doc.articles if a.sub == 0]
    gaps = []
    if base and base[0].number > 1:
        gaps.append(f"从{base[0].heading.rstrip('、')}开始，缺{_numbers(range(1, base[0].number), heading)}")
    for prev, nxt in itertools.pairwise(base):
        if nxt.number > prev.number + 1:
            gaps.append(f"{prev.heading.rstrip('、')}之后是{nxt.heading.rstrip('、')}，"
                        f"缺{_numbers(range(prev.number + 1, nxt.number), heading)}")
        elif nxt.number < prev.number:
            gaps.append(f"编号倒退：{prev.heading.rstrip('、')}之后是{nxt.heading.rstrip('、')}")
    seen: dict[tuple[int, int], list] = {}
    for a in doc.articles:
        seen.setdefault((a.number, a.sub), []).append(a)
    duplicates = [f"{arts[0].heading.rstrip('、')}出现 {len(arts)} 次" for arts in seen.values() if len(arts) > 1]
    return gaps, duplicates


def _numbers(missing: range, heading) -> str:
    shown = [heading(n) for n in missing]
    return "、".join(shown[:5]) + (f" 等 {len(shown)} 个" if len(shown) > 5 else "")


def _counts(doc: Any) -> dict[str, int]:
    kinds: dict[str, set[tuple[str, ...]]] = {"编": set(), "章": set(), "节": set()}
    for path in doc.headings:
        m = STRUCT_HEADING_RE.match(path[-1]) if path else None
        if m and m.group("kind") in kinds:
            kinds[m.group("kind")].add(path)
    unit = "条" if doc.layout == "articles" else "项"
    return {**{k: len(v) for k, v in kinds.items()}, unit: len(doc.articles)}


def _glance(art: Any) -> Glance:
    body = art.body.replace("\n", " ")
    return Glance(art.heading.rstrip("、"), body[:GLANCE_CHARS] + ("…" if len(body) > GLANCE_CHARS else ""))
