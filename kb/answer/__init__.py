"""kb.answer: cited answers. The pipeline (answer), extractive composition, refusals by coverage, answers
about changes between versions, citation lines and the checker that every quote is verbatim, the
optional LLM path (an OpenAI-compatible endpoint, checked by the same checker) and the public kiosk's
plain answers, the scope model, emergencies and follow-ups. Imports kb.core, kb.retrieval and kb.versions.

Public names are listed in __all__ and imported on first use."""
from __future__ import annotations

from kb.core.lazy import lazy_getattr

_EXPORTS = {
    "answer": "pipeline", "AnswerConfig": "config", "DEFAULT": "config",
    "compose_extractive": "compose", "choose_lead": "lead", "Lead": "lead", "precedence": "lead",
    "precedence_note": "compose", "query_terms": "compose", "select_passage": "compose", "split_units": "compose",
    "Confidence": "refusal", "confidence": "refusal", "not_covered_reason": "refusal", "general_rules": "refusal",
    "change_answer": "changes", "change_quote": "changes", "looks_like_change_question": "changes",
    "make_citation": "citations",
    "related_articles": "citations", "verify_citation": "citations", "check_answer": "citations",
    "drop_unchecked": "citations",
    "LLMClient": "llm", "llm_from_env": "llm", "llm_answer": "llm", "build_prompt": "llm", "ground": "llm",
    "KioskAnswer": "kiosk", "KioskConfig": "kiosk", "Topic": "kiosk", "kiosk_answer": "kiosk", "topics": "kiosk",
    "topic_by_id": "kiosk", "match_topic": "kiosk", "help_for": "kiosk", "help_lines": "kiosk",
    "check_input": "kiosk", "record_usage": "kiosk", "read_usage": "kiosk", "kiosk_data": "kiosk",
    "refusal_text": "kiosk", "plain_sentence": "kiosk", "DISCLAIMER": "kiosk", "OTHER": "kiosk",
    "Assessment": "assessment", "Assessor": "assessment", "Charge": "assessment", "Step": "assessment", "assess": "assessment",
    "format_assessment": "assessment", "IncidentFacts": "incident", "extract_facts": "incident",
    "circumstance_label": "incident", "circumstance_patterns": "incident",
    "Emergency": "emergency", "emergencies": "emergency", "match_emergency": "emergency", "emergency_answer": "emergency",
    "ScopeModel": "scope", "scope_model": "scope", "SCALAR_FEATURES": "scope", "scalar_features": "scope",
    "out_of_scope_probability": "scope", "out_of_scope_verdict": "scope", "is_dangling": "pipeline",
    "is_follow_up": "pipeline", "plain_gloss": "gloss", "english_gloss": "gloss", "specific_terms": "citations",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
