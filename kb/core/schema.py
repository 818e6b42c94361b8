"""Records that cross module lines."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

STATUS_LABELS = {"in_force": "现行有效", "superseded": "已修订", "repealed": "已废止", "amended": "已修正"}


@dataclass(frozen=True)
class DocMeta:
    """Front-matter metadata of one document version."""
    key: str                 # file stem, e.g. "安全生产法@2021-06-10"
    title: str
    short_title: str
    version: str             # e.g. "2021-06-10" or "2024"
    doc_type: str = ""
    issuer: str = ""
    doc_number: str = ""
    promulgated: str = ""
    effective: str = ""
    status: str = "in_force"
    supersedes: str = ""     # key of the older version, if any
    superseded_by: str = ""  # key of the newer version, if any
    numbering: str = ""
    note: str = ""
    source: str = ""
    path: str = ""
    sha256: str = ""

    @property
    def in_force(self) -> bool:
        return self.status == "in_force"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class Item:
    """A 项: '（一）…' inside a 款, or a numbered unit of a plan."""
    label: str   # "（一）" as written
    number: int
    text: str    # the full line, verbatim


@dataclass(frozen=True)
class Clause:
    """A 款: one paragraph of an article, with its 项."""
    text: str                     # the paragraph line, verbatim (the first 款 includes the heading)
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class CrossRef:
    """A reference found in an article's text."""
    text: str            # the words as written, e.g. "《中华人民共和国刑法》第一百三十四条"
    kind: str            # "article" (第X条 of some law) or "clause" (前款 / 本条第二款: same article)
    law: str             # the law as written: a title, a short name, or "" for this document
    label: str           # target article label ("" for a clause reference)
    clause: int = 0      # 款 number, 0 if none
    item: int = 0        # 项 number, 0 if none
    target_id: str = ""  # resolved article id, "" if the target is not in the corpus


@dataclass
class Article:
    """One citable unit: a 条, an amendment item 一、, or a plan item (一)."""
    id: str                       # "{short_title}@{version}#{label}"
    doc_key: str
    law: str                      # short title
    title: str                    # full title of the document
    version: str
    status: str
    label: str                    # "95", "134之一", "5"
    heading: str                  # "第九十五条", "一、", "(五)"
    number: int
    sub: int                      # 1 for 之一, 0 otherwise
    text: str                     # verbatim, lines joined by "\n", heading included
    clauses: list[Clause] = field(default_factory=list)
    chapter_path: tuple[str, ...] = ()
    refs: list[CrossRef] = field(default_factory=list)

    @property
    def body(self) -> str:
        """The text without its heading."""
        return self.text[len(self.heading):].lstrip(" \u3000")

    @property
    def citation(self) -> str:
        """'《中华人民共和国安全生产法》第九十五条'."""
        return f"《{self.title}》{self.heading.rstrip('、')}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Document:
    meta: DocMeta
    preamble: str
    articles: list[Article]
    layout: str                   # "articles" | "items" | "paren_items"
    headings: list[tuple[str, ...]] = field(default_factory=list)  # chapter paths in order

    def article(self, label: str) -> Article | None:
        for art in self.articles:
            if art.label == label:
                return art
        return None


@dataclass
class Hit:
    """One retrieved article."""
    article_id: str
    score: float
    law: str
    title: str
    version: str
    status: str
    label: str
    heading: str
    chapter_path: tuple[str, ...]
    text: str
    matched_terms: list[str] = field(default_factory=list)
    sources: dict[str, float] = field(default_factory=dict)  # per-retriever scores / ranks
    doc_type: str = ""            # law, administrative_regulation, …, plan

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Citation:
    """A cited article: where it is and the words quoted from it (verbatim, checked)."""
    article_id: str
    law: str
    title: str
    version: str
    label: str
    heading: str
    status: str
    line: str                # 《中华人民共和国安全生产法》第九十五条（2021年修正，现行有效）
    quote: str               # the selected words, a verbatim substring of the article text
    text: str                # the whole article text
    chapter_path: tuple[str, ...] = ()
    matched_terms: list[str] = field(default_factory=list)
    reason: str = ""         # why it is listed (for related articles: "引用" / "罚则" / "现行版本")

    def to_json(self) -> dict[str, Any]:
        return {"law": self.law, "version": self.version, "article": self.label, "title": self.title,
                "citation": self.line, "quote": self.quote, "status": self.status}


@dataclass
class Answer:
    status: str                          # "answered" | "not_covered"
    question: str
    language: str                        # "zh" | "en"
    conclusion: str                      # the one- or two-sentence answer, first thing shown
    citations: list[Citation] = field(default_factory=list)
    related: list[Citation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)        # version notes, fallbacks, missing documents
    missing: list[dict] = field(default_factory=list)     # wanted documents named by the question
    mode: str = "extractive"                               # "extractive" | "llm" | "assess" | "emergency" | "needs_context"
    hits: list[Hit] = field(default_factory=list)
    other_field: str = ""                                  # "劳动合同与工资待遇": a neighbouring field, not ours
    asked_as: str = ""                                     # the text answered, when a follow-up was read with its turn

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "answer": self.conclusion, "language": self.language,
                "citations": [c.to_json() for c in self.citations],
                "related": [c.to_json() | {"reason": c.reason} for c in self.related],
                "notes": self.notes, "mode": self.mode, "other_field": self.other_field,
                "missing": [{"title": m.get("title"), "issuer": m.get("issuer"), "doc_number": m.get("doc_number")}
                            for m in self.missing]}
