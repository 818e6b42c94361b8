"""Citations: the citation line of an article, the related articles of a cited one, and the checker
that every quote is the article's own words and every line names the article it cites."""
from __future__ import annotations

import re

from kb.core.schema import Answer, Article, Citation
from kb.corpus.citation import cited_heading, citation_line

PENALTY_CHAPTER = re.compile(r"法律责任|罚则")
RELATED_LIMIT = 6   # cross-references and penalty articles listed beside the cited articles


# a matched word is highlighted only when at most this share of all articles contains it (单位 0.4,
# 安全 0.6 and 人员 0.3 are everywhere; 有限空间, 瞒报, 危险物品 are not)
SPECIFIC_SHARE = 0.08


def specific_terms(corpus, terms) -> list[str]:
    """The terms worth highlighting: those in few articles, longest first."""
    return sorted({t for t in terms if t and corpus.article_share(t) <= SPECIFIC_SHARE}, key=len, reverse=True)


def make_citation(corpus, art: Article, quote: str, matched: list[str] | None = None, reason: str = "") -> Citation:
    meta = corpus.documents[art.doc_key].meta
    return Citation(art.id, art.law, meta.title, meta.version, art.label, art.heading, meta.status,
                    citation_line(corpus, art), quote, art.text, art.chapter_path,
                    specific_terms(corpus, matched or []), reason)


def related_articles(corpus, cited: list[str], limit: int = RELATED_LIMIT) -> list[Citation]:
    """Cross-references the cited articles make, and penalty articles (罚则) that refer to them."""
    out: list[Citation] = []
    seen = set(cited)
    for aid in cited:
        art = corpus.by_id[aid]
        for ref in art.refs:
            if ref.kind == "article" and ref.target_id and ref.target_id not in seen:
                seen.add(ref.target_id)
                target = corpus.by_id[ref.target_id]
                out.append(make_citation(corpus, target, target.text, reason=f"引用（{ref.text}）"))
        for other in map(corpus.by_id.get, corpus.cited_by(aid)):
            if (other.doc_key != art.doc_key or other.id in seen
                    or not PENALTY_CHAPTER.search(" ".join(other.chapter_path))):
                continue
            seen.add(other.id)
            out.append(make_citation(corpus, other, other.text, reason=f"罚则（引用{art.heading}）"))
    return out[:limit]


# ---- checking ---------------------------------------------------------------------------------
def verify_citation(corpus, c: Citation) -> list[str]:
    """Problems with one citation: unknown article, a line that names another article, a quote
    that is not verbatim. An empty list means the citation is sound."""
    art = corpus.by_id.get(c.article_id)
    if art is None:
        return [f"引用的条文 {c.article_id} 不在索引中"]
    problems = []
    meta = corpus.documents[art.doc_key].meta
    if (c.law, c.version, c.label, c.title, c.status) != (art.law, meta.version, art.label, meta.title, meta.status):
        problems.append(f"引用 {c.line} 与条文 {c.article_id} 不符")
    if f"《{meta.title}》" not in c.line:
        problems.append(f"引用行 {c.line} 中的法规名称与条文不符")
    if cited_heading(corpus, art) not in c.line:
        problems.append(f"引用行 {c.line} 中的条号与条文不符")
    expected = citation_line(corpus, art)   # version phrase and status too, nothing appended
    if not problems and c.line != expected:
        problems.append(f"引用行 {c.line} 应为 {expected}")
    if c.text != art.text:                            # the full text shown beside the quote
        problems.append(f"{c.article_id} 的条文全文与索引中的原文不一致")
    for seg in c.quote.split("……"):
        if seg and seg not in art.text:
            problems.append(f"引文“{seg[:30]}…”不是 {c.article_id} 的原文")
    return problems


def check_answer(ans: Answer, corpus) -> list[str]:
    return [p for c in ans.citations + ans.related for p in verify_citation(corpus, c)]


def drop_unchecked(ans: Answer, corpus) -> Answer:
    """Never show an unchecked quote: remove the citations that fail the checker and say so in the
    notes (should not happen: quotes are cut from the articles' own words)."""
    problems = check_answer(ans, corpus)
    if problems:
        ans.citations = [c for c in ans.citations if not verify_citation(corpus, c)]
        ans.related = [c for c in ans.related if not verify_citation(corpus, c)]
        ans.notes.extend(problems)
    return ans
