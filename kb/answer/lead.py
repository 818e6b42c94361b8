"""Which articles an answer cites, and which one leads. The rules, each explicit and measured
(`kb eval --answers` reports how often the lead differs from retrieval's first hit, and which was right):

1. Articles named in the question lead (安法第95条) — after the interpretation or amendment item that
   retrieval put before them because the question asks how the named article is applied or was written.
2. Otherwise retrieval's first hit leads, with the hits near-tied with it. Near-tied penalty articles
   of documents of different rank go in order of precedence (上位法优于下位法: a 2007 regulation must not
   state the fine a 2021 law changed); articles that are not both sanctions keep retrieval's order
   (a regulation may be the more specific rule, and "newer first" says nothing across unrelated laws).
3. Penalty question, first hit a duty article: the penalty unit that sanctions that duty (kb.corpus.
   penalties, built from the text) leads, quoted at that unit, and the duty follows. The penalty article
   answers what was asked ("…要罚多少") about the very duty retrieval found first, so it is at least as
   relevant; the duty is not dropped.
4. Penalty question, first hit a penalty article: its unit that best matches the question is quoted,
   and the duty that unit sanctions is cited beside it.
Nothing else reorders: a rule may move an article ahead only when it is at least as relevant as the
one it displaces, and the displaced one stays cited.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.core.doctypes import doc_rank
from kb.core.schema import Hit
from kb.corpus.penalties import PenaltyLink, PenaltyMap, char_pairs, is_penalty_article
from kb.retrieval.query import QueryPlan

from .config import DEFAULT, AnswerConfig

PENALTY_REASON = "罚则"
DUTY_REASON = "所处罚的义务"


@dataclass
class Lead:
    ids: list[str]                                          # articles to cite, in order
    focus: dict[str, str] = field(default_factory=dict)     # article id → the unit to quote
    reasons: dict[str, str] = field(default_factory=dict)   # article id → why it is cited (added by a rule)
    rule: str = "retrieval"


def choose_lead(plan: QueryPlan, hits: list[Hit], corpus, penalties: PenaltyMap | None = None,
                config: AnswerConfig = DEFAULT) -> Lead:
    if not hits:
        return Lead([])
    if plan.direct:
        direct_ids = {r.article_id for r in plan.direct}
        chosen = [h.article_id for h in hits if h.article_id in direct_ids][:config.max_direct]
        if chosen and hits[0].article_id not in direct_ids:     # the interpretation retrieval put first
            chosen.insert(0, hits[0].article_id)
        return Lead(chosen or [hits[0].article_id], rule="named")
    top = hits[0]
    near = [top] + [h for h in hits[1:config.tie_window]
                    if h.score >= top.score * config.near_tie and h.article_id != top.article_id]
    sanctions = [h for h in near if is_penalty_article(corpus.by_id[h.article_id])]
    if len(sanctions) > 1 and len({doc_rank(h.doc_type) for h in sanctions}) > 1:
        near = sorted(near, key=precedence)                    # conflicting sanctions: the higher rank prevails
    lead = Lead([h.article_id for h in near])
    if penalties is not None and "penalty" in plan.intents:
        _penalty_lead(lead, plan, hits, corpus, penalties, config)
    return lead


def precedence(hit: Hit) -> tuple[int, int]:
    """Sort key: higher rank first, then the newer version (labels are ISO dates or years: 2021-06-10, 2024)."""
    date = int(re.sub(r"\D", "", hit.version)[:8].ljust(8, "0") or 0)
    return doc_rank(hit.doc_type), -date


def _penalty_lead(lead: Lead, plan: QueryPlan, hits: list[Hit], corpus, penalties: PenaltyMap,
                  config: AnswerConfig = DEFAULT) -> None:
    first = corpus.by_id[lead.ids[0]]
    wanted = char_pairs(plan.keywords + " " + " ".join(plan.expansions + plan.translations))
    if not is_penalty_article(first):                        # rule 3: the penalty for the duty found
        links = penalties.penalties_for(first.id)
        if not links:
            return
        rank = {h.article_id: i for i, h in enumerate(hits)}
        link = min(links, key=lambda x: (rank.get(x.penalty_id, len(rank)), -_match(x, wanted)))
        if _match(link, wanted) < config.penalty_match:
            return          # the penalty unit says nothing the question asks about (行政处罚法's own 罚款)
        lead.ids = [link.penalty_id] + [i for i in lead.ids if i != link.penalty_id]
        lead.focus[link.penalty_id] = link.unit_text
        lead.reasons[link.penalty_id] = PENALTY_REASON
        lead.rule = "penalty_for_duty"
        return
    units = [u for u in penalties.units_of(first.id) if u.duty_ids]          # rule 4: the duty beside it
    if not units:
        return
    best = max(units, key=lambda x: _match(x, wanted))
    if _match(best, wanted) == 0:
        return
    lead.focus[first.id] = best.unit_text
    duty = best.duty_ids[0]
    if duty not in lead.ids:
        lead.ids.insert(1, duty)
        lead.reasons[duty] = DUTY_REASON
    lead.rule = "duty_beside_penalty"


def _match(link: PenaltyLink, wanted: set[str]) -> float:
    """Share of the question's character pairs found in a penalty unit."""
    return sum(p in link.unit_text for p in wanted) / len(wanted) if wanted else 0.0
