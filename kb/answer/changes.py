"""Answers to questions about changes between versions (新旧对照): the version layer works out what
changed (kb.versions.answer_change_question); this turns it into a cited Answer."""
from __future__ import annotations

import re
from functools import lru_cache

from kb.core.data import version_words
from kb.core.labels import labels_in
from kb.core.schema import Answer, Article

from .citations import drop_unchecked, make_citation
from .config import DEFAULT, AnswerConfig

AMEND_REASONS = {"modify": "修改", "add_article": "增加一条", "add_clause": "增加一款", "delete": "删去"}


@lru_cache(maxsize=1)
def _change_cue() -> re.Pattern:
    return re.compile("|".join(version_words().get("change_cues", ())))


def looks_like_change_question(question: str) -> bool:
    """A cheap first test, before kb.versions is imported: only a question with a change cue (修订, 新增,
    现在是第几条 …, kb/data/version_words.json) can be about changes between versions. "修正案" itself
    is not a cue (刑法修正案（十一）是从哪一天起施行的 is an ordinary question)."""
    return bool(_change_cue().search(question))


def change_answer(question: str, corpus, laws: list[str] | None = None, doc_types: list[str] | None = None,
                  config: AnswerConfig = DEFAULT) -> tuple[Answer | None, list[str]]:
    """(Answer from the version alignment or the amendment links, notes): an Answer when the question
    asks what changed between two versions and the change cites articles; otherwise None, with a note
    when the change path had something to say (e.g. the old version has no such article)."""
    if not looks_like_change_question(question):
        return None, []
    from kb.versions.align import KIND_LABELS               # lazy: only change questions need the alignment
    from kb.versions.changes import answer_change_question
    ca = answer_change_question(question, corpus)
    if ca is None:
        return None, []
    if not ca.rows:
        return None, [ca.summary]
    ids = [aid for r in ca.rows for aid in (r.old_id, r.new_id) if aid and aid in corpus.by_id]
    if laws:
        wanted = {corpus.resolve_law(name) or name for name in laws}
        if not any(corpus.by_id[aid].law in wanted for aid in ids):
            return None, []
    if doc_types and not any(corpus.documents[corpus.by_id[aid].doc_key].meta.doc_type in doc_types for aid in ids):
        return None, []
    rows = list(ca.rows)
    if ca.kind == "amendment":      # the article the question names first (刑法第一百三十四条 …)
        asked = set(labels_in(question))
        rows.sort(key=lambda r: corpus.by_id[r.new_id].label not in asked if r.new_id in corpus.by_id else True)
    reasons: dict[str, str] = {}
    for r in rows:
        label = KIND_LABELS.get(r.kind) or AMEND_REASONS.get(r.kind, r.kind)
        for side, aid in (("old", r.old_id), ("new", r.new_id)):
            if not aid or aid not in corpus.by_id or aid in reasons:
                continue
            art = corpus.by_id[aid]
            if ca.kind == "amendment":
                reasons[aid] = f"修正案条款（{label}）" if side == "old" else f"被修改的条文（{label}）"
            else:
                reasons[aid] = f"{'旧版' if side == 'old' else '新版'} {art.version}（{label}）"
    cites = [make_citation(corpus, corpus.by_id[aid], change_quote(corpus.by_id[aid], config.change_quote), reason=why)
             for aid, why in reasons.items()]
    shown, listed = config.change_citations, config.change_related
    notes = []
    if ca.lines:
        more = f"等 {len(ca.lines)} 处" if len(ca.lines) > shown else ""
        notes.append("对照：" + "；".join(ca.lines[:shown]) + more + "。")
    if ca.kind != "amendment" and ca.law:
        notes.append(f"完整的逐条对照见“新旧对照”页面，或运行 python -m kb diff {ca.law} "
                     f"--from {ca.from_version} --to {ca.to_version}。")
    left = len(cites) - shown - listed
    if left > 0:
        notes.append(f"另有 {left} 条相关条文未列出。")
    ans = Answer("answered", question, "zh", ca.summary, cites[:shown], cites[shown:shown + listed], notes, [],
                 "extractive", [])
    return drop_unchecked(ans, corpus), []


def change_quote(art: Article, limit: int = DEFAULT.change_quote) -> str:
    """The article's own words: the whole body, or a verbatim prefix ending at a sentence end."""
    body = art.body
    if len(body) <= limit:
        return body
    cut = max(body.rfind(p, 0, limit) for p in "。；\n")
    return body[:cut + 1].rstrip("\n") if cut > 0 else body[:limit]
