"""Refusals: whether the indexed corpus answers a question at all, and the refusal that says why not
(no such article, a wanted-but-missing document, a neighbouring field, or nothing relevant), with the
general article of the corpus shown beside a missing-document refusal when it shares enough of the
question."""
from __future__ import annotations

from dataclasses import dataclass

from kb.core.schema import Answer, Citation, Hit
from kb.retrieval.hybrid import Ranking
from kb.retrieval.query import QueryPlan

from .citations import make_citation
from .config import DEFAULT, AnswerConfig


@dataclass
class Confidence:
    """Signals used to decide whether the corpus answers the question at all."""
    dense_max: float
    bm25_max: float
    coverage: float       # share of the question's content words found in the top article
    direct: bool


def confidence(plan: QueryPlan, ranking: Ranking) -> Confidence:
    hits = ranking.hits
    coverage = word_share(plan.content_words, hits[0].text if hits else "")
    return Confidence(ranking.dense_max, ranking.bm25_max, coverage, bool(plan.direct))


def word_share(words: frozenset[str] | set[str], text: str) -> float:
    return sum(1 for w in words if w in text) / len(words) if words else 0.0


def rules(hits: list[Hit]) -> list[Hit]:
    """Hits that regulate: a work plan names topics (有限空间) without regulating them."""
    return [h for h in hits if h.doc_type != "plan"]


def not_covered_reason(plan: QueryPlan, hits: list[Hit], conf: Confidence,
                       config: AnswerConfig = DEFAULT, out_of_scope: bool | None = None) -> Answer | None:
    """An Answer saying the corpus does not cover the question, or None if it does. `out_of_scope`: the
    scope model's verdict (kb.answer.scope), which replaces the word-list and score-threshold checks;
    None where no model fits the embedder."""
    if conf.direct and hits:
        return None
    if plan.unknown_refs and plan.refs_only:
        # "安全生产法第999条是什么": say there is no such article, never substitute another
        return _no_such_article(plan, hits)
    if plan.missing and not plan.laws:
        return _not_covered(plan, plan.missing, hits)
    # a work plan names topics (有限空间) without regulating them: look at the best rule instead
    rule_text = next((h.text for h in rules(hits)), "")
    topical = [] if plan.laws else _missing_by_topic(plan, rule_text)[:config.missing_named]
    if topical:
        return _not_covered(plan, topical, hits)
    field = None if plan.laws else plan.neighbour
    if field and not any(c in rule_text for c in field.cues):
        return _other_field(plan, field.field, hits)
    if not hits:
        return _not_covered(plan, [], hits)
    if out_of_scope is not None:         # evidence, weighed by the fitted model
        if not out_of_scope:
            return None
        return _other_field(plan, plan.neighbour.field, hits) if plan.neighbour else _not_covered(plan, [], hits)
    if not plan.domain_terms:
        return _not_covered(plan, [], hits)
    if conf.bm25_max < config.min_bm25 and conf.dense_max < config.min_dense:
        return _not_covered(plan, [], hits)
    return None


def general_rules(corpus, plan: QueryPlan, refusal: Answer, config: AnswerConfig = DEFAULT) -> list[Citation]:
    """When a question touches the topic of a missing document only through its setting (大罐子 →
    有限空间) and asks something the corpus does answer (拒绝冒险作业能不能被扣奖金 → 安全生产法第五十四条),
    the refusal stands but the general article is shown beside it, marked as such. Not when the
    missing document is named (plan.missing), and not when the article shares little of the
    question's words (下污水井前气体怎么测: 0.09)."""
    if not refusal.missing or plan.missing:
        return []
    words = plan.content_words
    shown = [h for h in rules(refusal.hits)[:config.general_rules]
             if word_share(words, h.text) >= config.related_min_coverage]
    en = refusal.language == "en"
    reason = ("general rule; not the missing document's specific requirements" if en else
              "收录法规中的一般规定，不含该专门规定的具体要求")
    return [make_citation(corpus, corpus.by_id[h.article_id], h.text, h.matched_terms, reason=reason) for h in shown]


def _no_such_article(plan: QueryPlan, hits: list[Hit]) -> Answer:
    en = plan.language == "en"
    refs = "、".join(plan.unknown_refs)
    conclusion = (f"The indexed corpus has no article {refs}; please check the article number." if en else
                  f"收录的版本中没有{refs}，请核对条号。")
    return Answer("not_covered", plan.text, "en" if en else "zh", conclusion, hits=hits)


def _missing_by_topic(plan: QueryPlan, top_text: str) -> list[dict]:
    """Wanted-but-missing documents whose topic the question names while the best article does not
    mention it (有限空间 is the subject of 工贸企业有限空间作业安全规定, which is not in the corpus)."""
    return [m.document for m in plan.missing_topics if not any(t in top_text for t in m.topics)]


def _other_field(plan: QueryPlan, field: dict, hits: list[Hit]) -> Answer:
    en = plan.language == "en"
    conclusion = (f"This question is about {field['field_en']}. The knowledge base holds work-safety and "
                  f"emergency-management regulations and has no article on it, so it cannot give a cited answer. "
                  f"You could ask {field['refer_en']}." if en else
                  f"这个问题属于{field['field']}方面。知识库收录的是安全生产、应急管理等法规，没有这方面的条文，"
                  f"无法给出有出处的回答。可以咨询{field['refer']}。")
    return Answer("not_covered", plan.text, "en" if en else "zh", conclusion, hits=hits,
                  other_field=field["field_en" if en else "field"])


def _not_covered(plan: QueryPlan, missing: list[dict], hits: list[Hit]) -> Answer:
    en = plan.language == "en"
    notes = []
    if missing:
        names = "、".join(f"《{m['title']}》" for m in missing)
        conclusion = (f"The corpus does not yet contain the full text of {names}, so this question cannot be "
                      f"answered with a verified citation." if en else
                      f"该问题涉及的{names}尚未收录全文，无法给出有出处的回答。")
        # how to add them is the caller's to say (the CLI prints the commands, the app links its 语料 page)
    else:
        conclusion = ("The indexed regulations do not answer this question. I can answer questions about the "
                      "work-safety and emergency-management laws in the corpus." if en else
                      "知识库收录的法规中没有找到能回答这个问题的条文。本系统可以回答安全生产、应急管理、消防、"
                      "危险化学品、职业病防治、防灾减灾等法规问题。")
    return Answer("not_covered", plan.text, "en" if en else "zh", conclusion, notes=notes, missing=missing,
                  hits=hits)
