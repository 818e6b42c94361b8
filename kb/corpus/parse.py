"""Parse one corpus document (YAML front matter + markdown body) into articles.

Three layouts occur:
- "articles": units are 条 headings (第X条, 第X条之一) with 款 paragraphs and 项 items;
- "items": amendment documents whose units are 一、二、… (刑法修正案（十一）);
- "paren_items": a work plan whose units are (一)…(二十七) under 一、… headings.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import yaml

from kb.core.errors import ParseError
from kb.core.labels import NUM, article_id, make_label, version_id
from kb.core.numerals import CN_NUMERAL_CHARS, cn_to_int
from kb.core.schema import Article, Clause, DocMeta, Document, Item

from .refs import extract_refs

# A 条 heading stands at the start of a line and is followed by whitespace or the line end;
# "第一款规定的…" or "第三条规定的…" (a cross-reference opening a paragraph) has no gap.
ARTICLE_RE = re.compile(rf"^第(?P<num>{NUM})条(?:之(?P<sub>{NUM}))?(?:[ \u3000\t]+|$)")
ITEM_RE = re.compile(rf"^[（(](?P<num>{NUM})[）)]")
ORDINAL_RE = re.compile(rf"^(?P<num>[{CN_NUMERAL_CHARS}]+)、")
STRUCT_HEADING_RE = re.compile(rf"^第(?P<num>{NUM})(?P<kind>分编|编|章|节)(?:[ \u3000]+\S.*|$)")
MD_HEADING_RE = re.compile(r"^(?P<hashes>#{1,6})\s*(?P<text>.+?)\s*$")
FRONT_MATTER_RE = re.compile(r"\A---\s*\n(?P<yaml>.*?)\n---\s*\n", re.S)
KIND_LEVEL = {"编": 1, "分编": 2, "章": 3, "节": 4}


def split_front_matter(text: str) -> tuple[dict, str]:
    """Return (front matter dict, body). A file without front matter is an error."""
    m = FRONT_MATTER_RE.match(text)
    if not m:
        raise ParseError("缺少 YAML 头（以 --- 开始和结束的元数据块）")
    try:
        data = yaml.safe_load(m.group("yaml")) or {}
    except Exception as exc:  # noqa: BLE001 - safe_load also raises ValueError etc. ("2020-13-45", "!!int x")
        raise ParseError(f"YAML 头无法解析：{exc}") from None
    if not isinstance(data, dict):
        raise ParseError("YAML 头不是键值对")
    return {k: "" if v is None else str(v) for k, v in data.items()}, text[m.end():]


def meta_from_front_matter(fm: dict, key: str, path: str = "", sha256: str = "") -> DocMeta:
    title = fm.get("title", "").strip()
    if not title:
        raise ParseError("YAML 头缺少 title")
    short = fm.get("short_title", "").strip() or title.replace("中华人民共和国", "")
    version = fm.get("version", "").strip() or (key.split("@", 1)[1] if "@" in key else "") \
        or fm.get("promulgated", "").strip() or "unknown"

    def stem(v: str) -> str:
        return v.strip().removesuffix(".md")

    return DocMeta(
        key=key, title=title, short_title=short, version=version,
        doc_type=fm.get("doc_type", ""), issuer=fm.get("issuer", ""),
        doc_number=fm.get("doc_number", ""), promulgated=fm.get("promulgated", ""),
        effective=fm.get("effective", ""), status=fm.get("status", "in_force") or "in_force",
        supersedes=stem(fm.get("supersedes", "")), superseded_by=stem(fm.get("superseded_by", "")),
        numbering=fm.get("numbering", ""), note=fm.get("note", ""), source=fm.get("source", ""),
        path=path, sha256=sha256,
    )


def parse_file(path: str | Path) -> Document:
    """Read and parse one corpus file."""
    p = Path(path)
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ParseError(f"{p.name}: 不是 UTF-8 文本；请先用 kb ingest 转换") from None
    return parse_document(text, key=p.stem, path=str(p), sha256=hashlib.sha256(raw).hexdigest())


def parse_document(text: str, key: str = "", path: str = "", sha256: str = "") -> Document:
    """Parse a corpus document given as text."""
    fm, body = split_front_matter(text.replace("\r\n", "\n"))
    if not key:
        key = version_id(fm.get('short_title') or fm.get('title', 'doc'),
                         fm.get('version') or fm.get('promulgated') or 'unknown')
    meta = meta_from_front_matter(fm, key, path, sha256)
    lines = [ln.strip() for ln in body.split("\n")]
    lines = [ln for ln in lines if ln]
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    layout = detect_layout(lines)
    return _Builder(meta, layout).run(lines)


def detect_layout(lines: list[str]) -> str:
    if any(ARTICLE_RE.match(ln) for ln in lines):
        return "articles"
    plain = [ln for ln in lines if not ln.startswith("#")]
    if sum(1 for ln in plain if ORDINAL_RE.match(ln)) >= 2:
        return "items"
    if sum(1 for ln in plain if ITEM_RE.match(ln)) >= 2:
        return "paren_items"
    raise ParseError("未发现条文结构：既没有“第X条”，也没有“一、”或“(一)”编号的条目")


def _heading_of(line: str) -> tuple[int, str] | None:
    """(level, text) if the line is a chapter-like heading, else None."""
    m = MD_HEADING_RE.match(line)
    if m:
        text = m.group("text")
        sm = STRUCT_HEADING_RE.match(text)
        level = KIND_LEVEL[sm.group("kind")] if sm else len(m.group("hashes"))
        return level, text
    sm = STRUCT_HEADING_RE.match(line)
    if sm and len(line) <= 40 and not re.search(r"[。，；：]", line):
        return KIND_LEVEL[sm.group("kind")], line
    return None


class _Builder:
    def __init__(self, meta: DocMeta, layout: str):
        self.meta = meta
        self.layout = layout
        self.path: list[tuple[int, str]] = []
        self.headings: list[tuple[str, ...]] = []
        self.preamble: list[str] = []
        self.units: list[dict] = []
        self.seen: dict[str, int] = {}

    def run(self, lines: list[str]) -> Document:
        for line in lines:
            self.feed(line)
        articles = [self._article(u) for u in self.units]
        if not articles:
            raise ParseError("未发现条文")
        return Document(self.meta, "\n".join(self.preamble), articles, self.layout, self.headings)

    def feed(self, line: str) -> None:
        unit = self._unit_start(line)
        if unit is not None:
            self.units.append(unit)
            return
        heading = _heading_of(line)
        if heading is not None:
            level, text = heading
            while self.path and self.path[-1][0] >= level:
                self.path.pop()
            self.path.append((level, text))
            self.headings.append(tuple(t for _, t in self.path))
            return
        if line.startswith("#"):
            return
        if not self.units:
            self.preamble.append(line)
        else:
            self.units[-1]["lines"].append(line)

    def _unit_start(self, line: str) -> dict | None:
        if line.startswith("#"):
            return None
        if self.layout == "articles":
            m = ARTICLE_RE.match(line)
            if not m:
                return None
            num, sub = cn_to_int(m.group("num")), cn_to_int(m.group("sub")) if m.group("sub") else 0
            heading = line[:m.end()].rstrip()
        elif self.layout == "items":
            m = ORDINAL_RE.match(line)
            if not m:
                return None
            num, sub, heading = cn_to_int(m.group("num")), 0, m.group(0)
        else:
            m = ITEM_RE.match(line)
            if not m:
                return None
            num, sub, heading = cn_to_int(m.group("num")), 0, m.group(0)
        return {"num": num, "sub": sub, "heading": heading, "lines": [line],
                "path": tuple(t for _, t in self.path)}

    def _article(self, unit: dict) -> Article:
        label = make_label(unit["num"], unit["sub"])
        n = self.seen.get(label, 0) + 1
        self.seen[label] = n
        uid_label = label if n == 1 else f"{label}({n})"   # a duplicate number keeps a unique id
        meta = self.meta
        text = "\n".join(unit["lines"])
        art = Article(
            id=article_id(meta.short_title, meta.version, uid_label), doc_key=meta.key,
            law=meta.short_title, title=meta.title, version=meta.version, status=meta.status,
            label=uid_label, heading=unit["heading"], number=unit["num"], sub=unit["sub"],
            text=text, clauses=self._clauses(unit["lines"]), chapter_path=unit["path"],
        )
        art.refs = extract_refs(text, meta.short_title, meta.doc_type)
        return art

    def _clauses(self, lines: list[str]) -> list[Clause]:
        clauses: list[Clause] = []
        items: list[Item] = []
        for i, line in enumerate(lines):
            m = ITEM_RE.match(line) if (i > 0 or self.layout != "paren_items") else None
            if m and clauses:
                items.append(Item(label=m.group(0), number=cn_to_int(m.group("num")), text=line))
                continue
            if clauses and items:
                clauses[-1] = Clause(clauses[-1].text, tuple(items))
                items = []
            clauses.append(Clause(line))
        if clauses and items:
            clauses[-1] = Clause(clauses[-1].text, tuple(items))
        return clauses
