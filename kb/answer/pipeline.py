"""The path of a question: a question about changes between versions is answered from the version
alignment, an accident described with its numbers by the assessment (kb assess); any other is
analysed once (QueryPlan), retrieved once, checked for coverage (refusal), and answered extractively, or by an LLM whose answer is checked against the same articles. Every
quote and citation is checked against the indexed text before it is returned."""
from __future__ import annotations

from kb.core.errors import QueryError
from kb.core.schema import Answer

from .changes import change_answer
from .citations import drop_unchecked
from .compose import compose_extractive
from .config import DEFAULT, AnswerConfig
from .refusal import confidence, general_rules, not_covered_reason


def answer(question: str, retriever, *, k: int | None = None, as_of: str | None = None,
           include_superseded: bool = False, laws: list[str] | None = None,
           doc_types: list[str] | None = None, llm=None, config: AnswerConfig = DEFAULT) -> Answer:
    """Answer a question from the indexed corpus: extractive by default, an LLM if one is given."""
    if not question or not question.strip():
        raise QueryError("问题为空。请输入一个问题，例如：有限空间作业前要检测什么？")
    question = question.strip()[:config.max_question_chars]
    corpus = retriever.corpus
    change, change_notes = change_answer(question, corpus, laws=laws, doc_types=doc_types, config=config)
    if change is not None:
        return change
    incident = _incident_answer(question, corpus) if not laws and not doc_types else None
    if incident is not None:
        return incident
    plan = retriever.analyzer.analyze(question, as_of=as_of, include_superseded=include_superseded)
    ranking = retriever.search_plan(plan, k=k or config.hits, laws=laws, doc_types=doc_types)
    refusal = not_covered_reason(plan, ranking.hits, confidence(plan, ranking), config)
    if refusal is not None:
        refusal.related = general_rules(corpus, plan, refusal, config)
        if refusal.related:
            refusal.conclusion += (" A general rule of the indexed laws that touches the question is listed below."
                                   if refusal.language == "en" else " 收录法规中与此相关的一般规定列在下面，供参考。")
        return refusal
    extractive = compose_extractive(plan, ranking.hits, corpus, config, getattr(retriever, "penalties", None))
    extractive.notes.extend(change_notes)
    if llm is None:
        return extractive
    from .llm import llm_answer
    return llm_answer(llm, plan, ranking.hits, extractive, corpus)


def _incident_answer(question: str, corpus) -> Answer | None:
    """An accident described with its numbers and asked about (属于什么等级、谁调查、罚多少、要不要移送)
    is answered by the assessment (kb assess); None for any other question, or when the corpus lacks
    the articles the assessment rests on."""
    from .assessment import assess, assessment_answer, looks_like_incident
    if not looks_like_incident(question):
        return None
    try:
        a = assess(question, corpus)
    except QueryError:
        return None
    from kb.retrieval.query import detect_language
    return drop_unchecked(assessment_answer(question, a, "en" if detect_language(question) == "en" else "zh"), corpus)
