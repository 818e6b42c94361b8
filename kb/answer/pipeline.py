"""The path of a question: a question about changes between versions is answered from the version
alignment, an accident described with its numbers by the assessment (kb assess), an emergency happening
now by what to do first (kb/data/emergencies.json); any other is
analysed once (QueryPlan), retrieved once, checked for coverage (refusal), and answered extractively, or by an LLM whose answer is checked against the same articles. Every
quote and citation is checked against the indexed text before it is returned."""
from __future__ import annotations

import re

from kb.core.errors import QueryError
from kb.core.schema import Answer

from .changes import change_answer
from .citations import drop_unchecked
from .compose import compose_extractive
from .config import DEFAULT, AnswerConfig
from .emergency import emergency_answer, match_emergency
from .refusal import confidence, general_rules, not_covered_reason, rules, word_share
from .scope import out_of_scope_verdict


# A question that refers back to the previous turn ("那不履行这些职责怎么罚？", "what about a fire?")
FOLLOW_UP_RE = re.compile(r"^(?:那|那么|那如果|那要是|那假如|这|这些|这个|这种|它|它们|上面|上述|该|其|还有|如果是|要是)|"
                          r"这些|这个|上面说的|上述|前面说的|它们|^(?:and|what about|how about|then|and if)\b|"
                          r"\b(?:these|those|that one|them|it)\b", re.I)


# ... and one that cannot stand alone: it opens with 那/and and points back (这些职责, those rules)
DANGLING_RE = re.compile(r"^(?:那|那么|and\b|what about\b|then\b)", re.I)
POINTS_BACK_RE = re.compile(r"这些|这个|这种|这样|上述|上面|前面|它|其|\b(?:these|those|that|them|it)\b", re.I)


def is_dangling(question: str) -> bool:
    """The question only makes sense after an earlier one (那不履行这些职责怎么罚？)."""
    q = question.strip()
    return bool(DANGLING_RE.search(q) and POINTS_BACK_RE.search(q))


def is_follow_up(question: str, previous: Answer | None) -> bool:
    """The question leans on the previous turn: it refers back and the previous turn was answered."""
    return bool(previous is not None and previous.status == "answered" and FOLLOW_UP_RE.search(question.strip()))


def answer(question: str, retriever, *, k: int | None = None, as_of: str | None = None,
           include_superseded: bool = False, laws: list[str] | None = None,
           doc_types: list[str] | None = None, llm=None, config: AnswerConfig = DEFAULT,
           previous: Answer | None = None) -> Answer:
    """Answer a question from the indexed corpus: extractive by default, an LLM if one is given.
    `previous`: the answer of the previous turn of a conversation; a question that refers back to it
    ("那不履行这些职责怎么罚？") is read together with the question it follows."""
    if not question or not question.strip():
        raise QueryError("问题为空。请输入一个问题，例如：有限空间作业前要检测什么？")
    question = question.strip()[:config.max_question_chars]
    if is_follow_up(question, previous):
        resolved = f"{previous.asked_as or previous.question} {question}"
        followed = answer(resolved, retriever, k=k, as_of=as_of,
                          include_superseded=include_superseded, laws=laws, doc_types=doc_types, llm=llm,
                          config=config)
        followed.question, followed.asked_as = question, resolved
        followed.notes.append(("Read together with the previous question: " if followed.language == "en" else
                               "结合上一个问题理解：") + previous.question)
        return followed
    if is_dangling(question):      # answering "这些职责" without knowing which would be a guess
        return _needs_context(question)
    corpus = retriever.corpus
    change, change_notes = change_answer(question, corpus, laws=laws, doc_types=doc_types, config=config)
    if change is not None:
        return change
    incident = _incident_answer(question, corpus) if not laws and not doc_types else None
    if incident is not None:
        return incident
    emergency = match_emergency(question)
    if emergency is not None:       # what to do now comes before any article
        from kb.retrieval.query import detect_language
        return drop_unchecked(emergency_answer(question, emergency, corpus,
                                               "en" if detect_language(question) == "en" else "zh"), corpus)
    plan = retriever.analyzer.analyze(question, as_of=as_of, include_superseded=include_superseded)
    ranking = retriever.search_plan(plan, k=k or config.hits, laws=laws, doc_types=doc_types)
    out_of_scope = out_of_scope_verdict(retriever, plan, ranking) if config.scope_model else None
    refusal = not_covered_reason(plan, ranking.hits, confidence(plan, ranking), config, out_of_scope)
    missing_beside: list[dict] = []
    if refusal is not None:
        refusal.related = general_rules(corpus, plan, refusal, config)
        if refusal.related and out_of_scope is False and not _names_missing_subject(plan, refusal.missing) and \
                word_share(plan.content_words, refusal.related[0].quote) >= config.general_answer_coverage:
            # the question is ours and a general rule answers it; only its setting belongs to a missing
            # document (大罐子 → 有限空间): answer with the rule and name the missing document beside it
            missing_beside = refusal.missing
        else:
            if refusal.related:
                refusal.conclusion += (" A general rule of the indexed laws that touches the question is listed below."
                                       if refusal.language == "en" else " 收录法规中与此相关的一般规定列在下面，供参考。")
            return refusal
    hits = rules(ranking.hits) if missing_beside else ranking.hits     # a work plan does not state the rule
    extractive = compose_extractive(plan, hits, corpus, config, getattr(retriever, "penalties", None))
    if missing_beside:
        extractive.missing = missing_beside
        names = "、".join(f"《{m['title']}》" for m in missing_beside)
        extractive.notes.insert(0, f"The specific rules of {names} are not in the corpus yet; this is the general rule "
                                   "of the indexed laws." if extractive.language == "en" else
                                f"专门规定{names}尚未收录全文，以上是收录法规中的一般规定，不含其具体要求。")
    extractive.notes.extend(change_notes)
    if llm is None:
        return extractive
    from .llm import llm_answer
    return llm_answer(llm, plan, ranking.hits, extractive, corpus)


def _names_missing_subject(plan, missing: list[dict]) -> bool:
    """The question's own words name a missing document's subject (有限空间作业前检测哪些气体), rather than
    reaching it only through the legal term for an everyday word (大罐子 → 有限空间, 化工厂 → 化工园区)."""
    titles = {m["title"] for m in missing}
    return any(t in plan.text for mt in plan.missing_topics if mt.document["title"] in titles for t in mt.topics)


def _needs_context(question: str) -> Answer:
    from kb.retrieval.query import detect_language
    if detect_language(question) == "en":
        text = ("This question refers to an earlier one that I do not have. Please ask it in full, naming the "
                "duty, the law or the situation, e.g. \"What is the penalty if the principal person in charge "
                "does not perform the duties of the Work Safety Law?\"")
        return Answer("not_covered", question, "en", text, [], [], [], [], "needs_context", [])
    text = ("这个问题承接上文（“这些”“上述”等指的是前一个问题），单独看无法确定问的是哪部法律、哪项规定。"
            "请把问题说完整，例如：主要负责人不履行安全生产管理职责怎么处罚？")
    return Answer("not_covered", question, "zh", text, [], [], [], [], "needs_context", [])


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
