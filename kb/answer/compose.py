"""Extractive answers: pick the article(s), select the 款/项/sentences that carry the answer, compose a
short conclusion from those words, and quote them verbatim with a full citation."""
from __future__ import annotations

import re

from kb.core.data import is_content_word
from kb.core.doctypes import doc_rank
from kb.corpus.penalties import PenaltyMap
from kb.core.schema import Answer, Article, Citation, Hit
from kb.retrieval.query import QueryPlan

from .citations import drop_unchecked, make_citation, related_articles
from .config import DEFAULT, AnswerConfig
from .lead import choose_lead, precedence  # noqa: F401 - precedence is part of this module's story

QUANTITY_RE = re.compile(r"多少|几|多久|多长|期限|时限|金额|数额|幅度|how (much|many|long)|within", re.I)
AMOUNT_RE = re.compile(r"[0-9一二三四五六七八九十百千万两]+(?:万元|元|日|天|小时|个月|年|倍|人)|百分之")
SENT_SPLIT = re.compile(r"(?<=[。；])")
ITEM_LINE = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")


def compose_extractive(plan: QueryPlan, hits: list[Hit], corpus, config: AnswerConfig = DEFAULT,
                       penalties: PenaltyMap | None = None) -> Answer:
    en = plan.language == "en"
    lead = choose_lead(plan, hits, corpus, penalties, config)
    terms = query_terms(plan, config)
    by_hit = {h.article_id: h for h in hits}
    citations = []
    for aid in lead.ids:
        art = corpus.by_id[aid]
        quote = focused_passage(art, lead.focus[aid]) if aid in lead.focus else select_passage(art, terms, plan, config)
        matched = by_hit[aid].matched_terms if aid in by_hit else []
        citations.append(make_citation(corpus, art, quote, matched, reason=lead.reasons.get(aid, "")))
    notes: list[str] = []
    rank = precedence_note(citations, {h.article_id: h for h in hits}, en)
    if rank:
        notes.append(rank)
    if plan.version_note:
        notes.append(("Version: " if en else "版本：") + plan.version_note)
    if plan.unknown_refs:
        refs = "、".join(plan.unknown_refs)
        notes.append(f"The corpus has no article {refs}." if en else f"收录的版本中没有{refs}，以下回答未引用它。")
    related = related_articles(corpus, [c.article_id for c in citations], config.related_limit)
    for c in list(citations):
        art = corpus.by_id[c.article_id]
        if not corpus.documents[art.doc_key].meta.in_force:
            notes.append(_superseded_note(corpus, art, c, citations, related, en))
    focus = lead.focus.get(citations[0].article_id) if citations else None
    conclusion = _conclusion(citations, en, corpus, terms, plan, config, focus)
    ans = Answer("answered", plan.text, "en" if en else "zh", conclusion, citations, related, notes,
                 plan.missing, "extractive", hits)
    return drop_unchecked(ans, corpus)


def _superseded_note(corpus, art: Article, c: Citation, citations: list[Citation], related: list[Citation],
                     en: bool) -> str:
    """Say that a cited article is from a superseded version, and name (and list) the article of the
    version in force it became (from the alignment of the two versions)."""
    from kb.versions.changes import current_counterpart   # lazy: only superseded articles need the alignment
    note = f"{c.line} is from a superseded version." if en else f"{c.line}为已被修订的旧版本条文。"
    current = current_counterpart(corpus, art)
    if current:
        line = make_citation(corpus, current, current.text, reason="现行版本")
        if current.id not in {x.article_id for x in citations + related}:   # a comparison may cite it already
            related.insert(0, line)
        note += f" The version in force: {line.line}." if en else f"现行有效版本见{line.line}。"
    return note


def precedence_note(citations: list, hits_by_id: dict, en: bool) -> str:
    """When the first two cited articles come from documents of different rank, say which prevails."""
    if len(citations) < 2:
        return ""
    a, b = hits_by_id.get(citations[0].article_id), hits_by_id.get(citations[1].article_id)
    if not a or not b or a.law == b.law or doc_rank(a.doc_type) >= doc_rank(b.doc_type):
        return ""
    if en:
        return (f"{a.title} ranks above {b.title} in the hierarchy of norms; where the two differ, "
                f"the former prevails.")
    return f"《{a.title}》的效力高于《{b.title}》（上位法优于下位法）；两者规定不一致时，以前者为准。"


def query_terms(plan: QueryPlan, config: AnswerConfig = DEFAULT) -> dict[str, float]:
    """Words to look for in an article, with weights: the question's own words (and the Chinese
    glossary terms of an English question) count fully; terms added for everyday words count
    less (config.expansion_weight)."""
    terms: dict[str, float] = {}
    for t in plan.expansion_tokens:
        terms[t] = config.expansion_weight
    for t in plan.text_tokens + plan.translation_tokens:
        terms[t] = 1.0
    return {t: w for t, w in terms.items() if is_content_word(t)}


def wants_amount(plan: QueryPlan) -> bool:
    """The question asks how much / how long, or about a penalty: units stating amounts are preferred."""
    return bool(QUANTITY_RE.search(plan.text)) or "penalty" in plan.intents


def unit_score(unit: str, terms: dict[str, float], amount: bool, config: AnswerConfig = DEFAULT) -> float:
    """How well a sentence/款/项 answers: matched words by length and weight, plus amounts when asked."""
    score = sum(len(t) * w for t, w in terms.items() if t in unit)
    return score + (config.amount_bonus if amount and AMOUNT_RE.search(unit) else 0)


def split_units(art: Article) -> list[str]:
    """The quotable units of an article: sentences of each 款, and each 项 whole."""
    units: list[str] = []
    for clause in art.clauses:
        text = clause.text
        if text.startswith(art.heading):
            text = text[len(art.heading):].lstrip(" \u3000")
        units.extend(s for s in SENT_SPLIT.split(text) if s.strip())
        units.extend(item.text for item in clause.items)
    return units


def select_passage(art: Article, terms: dict[str, float], plan: QueryPlan, config: AnswerConfig = DEFAULT) -> str:
    """The verbatim words that carry the answer: the whole article if short, else the best units
    (with the lead-in of an enumeration kept together with its 项), joined by '……'."""
    body = art.body
    if len(body) <= config.short_article:
        return body
    units = split_units(art)
    amount = wants_amount(plan)
    scored = [(unit_score(u, terms, amount, config), -i, i) for i, u in enumerate(units)]
    best = sorted(scored, reverse=True)[:config.passage_units]
    keep = sorted({i for s, _, i in best if s > 0} or {0})
    picked: list[int] = []
    for i in keep:
        picked.append(i)
        if units[i].endswith(("：", ":")):          # an enumeration: bring its 项 along
            j = i + 1
            while j < len(units) and ITEM_LINE.match(units[j]):
                picked.append(j)
                j += 1
    picked = sorted(set(picked))
    segments, run = [], [units[picked[0]]]
    for a, b in zip(picked, picked[1:]):
        if b == a + 1 and _adjacent(art.text, units[a], units[b]):
            run.append(units[b])
        else:
            segments.append(_join(art.text, run))
            run = [units[b]]
    segments.append(_join(art.text, run))
    return "……".join(segments)


def _adjacent(text: str, a: str, b: str) -> bool:
    return (a + b) in text or (a + "\n" + b) in text


def _join(text: str, run: list[str]) -> str:
    out = run[0]
    for u in run[1:]:
        out = out + ("\n" if (out + "\n" + u) in text else "") + u
    return out


def _items_following(units: list[str], i: int) -> list[int]:
    """Indexes of the 项 that follow unit i (after the rest of its sentence), if it opens a list."""
    j = i + 1
    while j < len(units) and not ITEM_LINE.match(units[j]) and j - i <= 2:
        j += 1
    out = []
    while j < len(units) and ITEM_LINE.match(units[j]):
        out.append(j)
        j += 1
    return out if not ITEM_LINE.match(units[i]) else []


def focused_passage(art: Article, unit: str) -> str:
    """A penalty unit quoted with the lead-in of its 款 ("…有下列行为之一的，责令…罚款：……（三）…"), verbatim."""
    for clause in art.clauses:
        lead = clause.text[len(art.heading):].lstrip(" \u3000") if clause.text.startswith(art.heading) else clause.text
        if clause.text == unit:
            return lead
        if any(item.text == unit for item in clause.items):
            return _join(art.text, [lead, unit]) if _adjacent(art.text, lead, unit) else f"{lead}……{unit}"
    return unit


def _conclusion(citations: list[Citation], en: bool, corpus, terms: dict[str, float], plan: QueryPlan,
                config: AnswerConfig = DEFAULT, focus: str | None = None) -> str:
    """One or two sentences in the article's own words: the unit that best matches the question,
    after the lead-in of its enumeration when it is a 项 ("…依照下列规定处以罚款：（二）发生较大事故的…")."""
    if not citations:
        return "No article found." if en else "没有找到相关条文。"
    c = citations[0]
    if focus and "……" not in c.quote and "\n" not in c.quote:     # the unit is a whole 款: say it
        sentence = c.quote
    elif focus:                     # a 项 chosen for the question: its lead-in and the item
        lead = c.quote.split("……")[0].split("\n")[0]
        sentence = f"{lead}{focus}" if lead != focus and len(lead) <= config.lead_chars else focus
    else:
        sentence = _key_sentence(corpus.by_id[c.article_id], terms, plan, config) or c.quote.split("……")[0]
    if len(sentence) > config.conclusion_chars:
        sentence = sentence[:config.conclusion_chars].rsplit("，", 1)[0] + "……"
    if sentence.endswith(("：", ":")):      # a lead-in alone: say a list follows
        n = sum(len(cl.items) for cl in corpus.by_id[c.article_id].clauses)
        sentence += (f" ({n} items, quoted below)" if en else f"（共{n}项，见下方引文）") if n else ""
    if en:
        return f"According to {c.line}: “{sentence}”"
    return f"根据{c.line}：{sentence}"


def _key_sentence(art: Article, terms: dict[str, float], plan: QueryPlan, config: AnswerConfig = DEFAULT) -> str:
    units = split_units(art)
    if not units:
        return ""
    amount = wants_amount(plan)
    best = max(range(len(units)), key=lambda i: (unit_score(units[i], terms, amount, config), -i))
    items_after = _items_following(units, best)
    if items_after and amount:             # a lead-in whose 项 hold the amounts: take the best 项
        item = max(items_after, key=lambda i: (unit_score(units[i], terms, amount, config), -i))
        lead = units[item - 1] if not ITEM_LINE.match(units[item - 1]) else units[best]
        return f"{lead}{units[item]}" if len(lead) <= config.lead_chars else units[item]
    unit = units[best]
    if ITEM_LINE.match(unit):                    # a 项: say what it is an item of
        lead = next((units[j] for j in range(best - 1, -1, -1) if not ITEM_LINE.match(units[j])), "")
        if lead and len(lead) <= config.lead_chars:
            return f"{lead}{unit}"
    return unit
