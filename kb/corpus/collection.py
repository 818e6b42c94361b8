"""The corpus: all document versions from the corpus folders, with lookups by law, version and article."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterable

from kb.core.data import aliases as alias_table, data_file_phrases, is_content_word
from kb.core.errors import CorpusError, KBError
from kb.core.labels import article_id, split_article_id, version_id
from kb.core.schema import Article, Clause, CrossRef, DocMeta, Document, Item
from kb.core.settings import default_corpus_dirs

from .parse import parse_file
from .refs import extract_refs, resolve_refs

SKIP_FILES = {"README.md", "MISSING.md"}


@dataclass
class DocCheck:
    """What `kb corpus check` reports for one document."""
    key: str
    found: int
    expected: int | None
    gaps: list[int] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.gaps or self.duplicates or self.problems) and \
            (self.expected is None or self.expected == self.found)


class Corpus:
    """All documents; articles addressable by id and by (law, label, version)."""

    def __init__(self, documents: list[Document], manifests: dict[str, dict] | None = None,
                 errors: list[str] | None = None, resolve: bool = True):
        self.documents: dict[str, Document] = {}
        self.errors: list[str] = list(errors or [])
        # Article ids are "{short_title}@{version}#{label}": two files of the same version (a copy
        # saved as "安全生产法(1)@2021-06-10.md", or the same file in two corpus folders) would
        # collide, so only one is used (the first whose file is named so, else the first) and the
        # others are reported.
        documents = list(documents)
        winner: dict[str, Document] = {}
        for doc in documents:
            vid = _version_id(doc.meta)
            if vid not in winner or (doc.meta.key == vid and winner[vid].meta.key != vid):
                winner[vid] = doc
        for doc in documents:
            used = winner[_version_id(doc.meta)]
            if used is not doc or doc.meta.key in self.documents:
                used = self.documents.get(doc.meta.key, used)
                self.errors.append(f"重复的文档版本 {_version_id(doc.meta)}：{doc.meta.path or doc.meta.key} 未使用，"
                                   f"已使用 {used.meta.path or used.meta.key}。同一文件的同一版本只能保留一份，"
                                   "请删除或移走多余的文件。")
                continue
            self.documents[doc.meta.key] = doc
        self.manifests = manifests or {}
        self.by_id: dict[str, Article] = {a.id: a for d in self.documents.values() for a in d.articles}
        self.aliases = {law: list(names) for law, names in alias_table().items()}
        self._names = self._build_name_table()
        if resolve:   # a corpus loaded from an index already carries resolved references
            self._resolve_all_refs()

    # ---- words ------------------------------------------------------------------------
    def article_share(self, term: str) -> float:
        """Share of the articles whose text contains the term: 单位 and 安全 are in most, 有限空间 in few.
        Highlighting marks only the specific ones (a mark on every other word means nothing)."""
        cache = self.__dict__.setdefault("_shares", {})
        if term not in cache:
            arts = self.by_id.values()
            cache[term] = sum(term in a.text for a in arts) / max(1, len(self.by_id))
        return cache[term]

    # ---- documents and versions -------------------------------------------------------
    @property
    def articles(self) -> list[Article]:
        return [a for d in self.documents.values() for a in d.articles]

    def versions(self, law: str) -> list[DocMeta]:
        """All versions of a law (short title), oldest first."""
        metas = [d.meta for d in self.documents.values() if d.meta.short_title == law]
        return sorted(metas, key=lambda m: (m.promulgated or m.version))

    def current(self, law: str) -> DocMeta | None:
        """The version in force, else the newest."""
        versions = self.versions(law)
        in_force = [m for m in versions if m.in_force]
        return (in_force or versions or [None])[-1]

    def version_at(self, law: str, date: str) -> DocMeta | None:
        """The version in force on `date` (YYYY-MM-DD): the newest whose effective date is not later."""
        chosen = None
        for m in self.versions(law):
            start = m.effective or m.promulgated or m.version
            if start and start[:10] <= date:
                chosen = m
        return chosen

    def laws(self) -> list[str]:
        return sorted({d.meta.short_title for d in self.documents.values()})

    def article(self, law: str, label: str, version: str | None = None) -> Article | None:
        meta = self.version_meta(law, version)
        return self.by_id.get(article_id(meta.short_title, meta.version, label)) if meta else None

    def version_meta(self, law: str, version: str | None = None) -> DocMeta | None:
        """A version of a law (any name of it) by its version label; the version in force if none given."""
        short = self.resolve_law(law) or law
        if version:
            return next((m for m in self.versions(short) if m.version == version), None)
        return self.current(short)

    def neighbours(self, article_id: str) -> tuple[Article | None, Article | None]:
        art = self.by_id[article_id]
        arts = self.documents[art.doc_key].articles
        i = arts.index(art)
        return (arts[i - 1] if i else None), (arts[i + 1] if i + 1 < len(arts) else None)

    # ---- names ------------------------------------------------------------------------
    def _build_name_table(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for doc in self.documents.values():
            m = doc.meta
            for name in (m.title, m.short_title, m.title.replace("中华人民共和国", "")):
                names.setdefault(name, m.short_title)
            for alias in self.aliases.get(m.short_title, []):
                names.setdefault(alias, m.short_title)
        return names

    @property
    def names(self) -> dict[str, str]:
        """Every known name of a law (title, short title, alias) → short title."""
        return dict(self._names)

    def resolve_law(self, name: str) -> str | None:
        name = name.strip().strip("《》")
        if name in self._names:
            return self._names[name]
        name2 = name.replace("中华人民共和国", "")
        return self._names.get(name2)

    def cited_by(self, article_id: str) -> list[str]:
        """The articles that cite this one by article number (not itself), in corpus order."""
        return self._citers.get(article_id, [])

    def amended_article(self, article_id: str) -> str | None:
        """For an item of an amendment (刑法修正案（十一）), the article of the amended law it rewrites or
        adds, in the law's current version: "将刑法第X条修改为" → X, "在刑法第X条后增加一条，作为第Y条" → Y."""
        return self._amendment_links[0].get(article_id)

    def amending_items(self, article_id: str) -> list[str]:
        """The amendment items that wrote this article (刑法第一百三十四条之一 → 刑法修正案（十一）四)."""
        return self._amendment_links[1].get(article_id, [])

    @cached_property
    def _amendment_links(self) -> tuple[dict[str, str], dict[str, list[str]]]:
        """(item → article it writes, article → items), built once: the retriever asks on every query."""
        forward: dict[str, str] = {}
        for art in self.articles:
            amended = re.match(r"^(.+?)修正案", self.documents[art.doc_key].meta.short_title)
            if not amended:
                continue
            law = self.resolve_law(amended.group(1))
            head = art.text.split("“", 1)[0]          # the instruction, before the quoted new text
            targets = list(dict.fromkeys(r.target_id for r in art.refs if r.kind == "article" and r.target_id
                                         and self.by_id[r.target_id].law == law))
            if targets:
                forward[art.id] = targets[1] if "增加一条" in head and len(targets) > 1 else targets[0]
        back: dict[str, list[str]] = {}
        for item, target in forward.items():
            back.setdefault(target, []).append(item)
        return forward, back

    @cached_property
    def _citers(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for art in self.articles:
            for ref in art.refs:
                if ref.kind == "article" and ref.target_id and ref.target_id != art.id:
                    citers = out.setdefault(ref.target_id, [])
                    if art.id not in citers:
                        citers.append(art.id)
        return out

    def _resolve_all_refs(self) -> None:
        bare = [n for n in self._names if is_content_word(n) and not n.startswith("中华人民共和国")]
        for doc in self.documents.values():
            own = doc.meta

            # An amendment's "本法"/bare 第X条 point into the law it amends (刑法修正案（十一） → 刑法).
            amended = re.match(r"^(.+?)修正案", own.short_title)

            def lookup(law: str, label: str, own: DocMeta = own, amended=amended) -> str:
                if not law and amended:
                    law = amended.group(1)
                if not law:
                    key = article_id(own.short_title, own.version, label)
                    return key if key in self.by_id else ""
                short = self.resolve_law(law)
                if not short:
                    return ""
                target = self.current(short)
                key = article_id(target.short_title, target.version, label) if target else ""
                return key if key in self.by_id else ""

            for art in doc.articles:
                refs = extract_refs(art.text, own.short_title, own.doc_type, names=bare)
                art.refs = resolve_refs(refs, art.id, own.key, lookup)

    # ---- checks -----------------------------------------------------------------------
    def check_cited_phrases(self, phrases: list[tuple[str, str, str]] | None = None) -> list[str]:
        """Problems with the phrases kb/data files quote from the law (where, article id, phrase): the
        article is gone, its version is no longer in force, or the phrase no longer stands in it. A
        law the corpus does not hold at all is not checked (a small test corpus)."""
        problems = []
        for where, aid, phrase in (data_file_phrases() if phrases is None else phrases):
            law, version, label = split_article_id(aid)
            if not self.versions(law):
                continue
            art = self.by_id.get(aid)
            current = self.current(law)
            if art is None:
                problems.append(f"{where}：引用的条文 {aid} 不在语料中（{law} 现行版本为 {current.version}）")
            elif not self.documents[art.doc_key].meta.in_force:
                problems.append(f"{where}：引用的 {aid} 所在版本已被修订（现行版本为 {current.version}），请按新条文复核")
            elif phrase not in art.text:
                problems.append(f"{where}：{aid} 中已找不到“{phrase[:40]}”，请按现行条文复核")
        return problems

    def check(self) -> list[DocCheck]:
        out = []
        for doc in self.documents.values():
            expected = self.manifests.get(doc.meta.key, {}).get("articles")
            out.append(check_document(doc, expected))
        return out


def _version_id(meta: DocMeta) -> str:
    """The prefix of the ids of a document's articles: '安全生产法@2021-06-10'."""
    return version_id(meta.short_title, meta.version)


def check_document(doc: Document, expected: int | None) -> DocCheck:
    numbers = [a.number for a in doc.articles if a.sub == 0]
    labels = [a.label for a in doc.articles]
    seen: set[str] = set()
    dups = sorted({lbl.split("(")[0] for lbl in labels if "(" in lbl} | {l for l in labels if l in seen or seen.add(l)})
    gaps = sorted(set(range(1, max(numbers) + 1)) - set(numbers)) if numbers else []
    problems = []
    if numbers and numbers != sorted(numbers):
        problems.append("条文编号不是递增的")
    return DocCheck(doc.meta.key, len(doc.articles), expected, gaps, dups, problems)


def corpus_files(dirs: Iterable[Path]) -> list[Path]:
    files = []
    for d in dirs:
        d = Path(d)
        if not d.exists():
            continue
        if not d.is_dir():
            raise CorpusError(f"语料目录 {d} 不是文件夹")
        files.extend(sorted(p for p in d.glob("*.md") if p.name not in SKIP_FILES))
    return files


def load_corpus(dirs: Iterable[Path] | None = None, strict: bool = False) -> Corpus:
    """Parse every document in the corpus folders. A broken user file is reported, not fatal,
    unless `strict`; a missing reference corpus is an error."""
    dirs = [Path(d) for d in (dirs if dirs is not None else default_corpus_dirs())]
    if not any(Path(d).is_dir() for d in dirs):
        raise CorpusError("找不到语料目录：" + "、".join(str(d) for d in dirs) +
                          "。请用 --corpus DIR 或环境变量 KB_CORPUS 指定。")
    docs, errors, manifests = [], [], {}
    for d in dirs:
        manifests.update(read_manifest(d))
    for path in corpus_files(dirs):
        try:
            docs.append(parse_file(path))
        except KBError as exc:
            if strict:
                raise
            errors.append(f"{path}: {exc}")
    if not docs:
        raise CorpusError("语料目录中没有可用的文档：" + "、".join(str(d) for d in dirs))
    return Corpus(docs, manifests, errors)


def read_manifest(d: Path) -> dict[str, dict]:
    path = Path(d) / "manifest.json"
    if not path.exists():
        return {}
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path} 无法读取：{exc}") from None
    return {re.sub(r"\.md$", "", r["file"]): r for r in rows if isinstance(r, dict) and "file" in r}


# ---- serialisation (the index stores the parsed corpus it was built from) ------------------
def document_to_dict(doc: Document) -> dict:
    from dataclasses import asdict
    return asdict(doc)


def document_from_dict(d: dict) -> Document:
    arts = []
    for a in d["articles"]:
        a = dict(a)
        a["clauses"] = [Clause(c["text"], tuple(Item(**i) for i in c["items"])) for c in a["clauses"]]
        a["refs"] = [CrossRef(**r) for r in a["refs"]]
        a["chapter_path"] = tuple(a["chapter_path"])
        arts.append(Article(**a))
    return Document(DocMeta(**d["meta"]), d["preamble"], arts, d["layout"],
                    [tuple(h) for h in d["headings"]])
