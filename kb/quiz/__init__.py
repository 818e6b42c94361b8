"""kb.quiz: exam items (单选/多选/判断/填空) built from what an article states, re-checked by quality gates,
and exported in the formats exam systems import. records (QuizItem …) ← facts (what an article states)
← gates (quality checks) ← build (items and quizzes) ← export (xlsx/csv/json/docx/GIFT/text). Imports
kb.core, kb.corpus and kb.versions (for the articles a revision changed).

Public names are listed in __all__ and imported on first use."""
from __future__ import annotations

from kb.core.lazy import lazy_getattr

_EXPORTS = {
    "QuizItem": "records", "QuizSource": "records", "ArticleChange": "records", "TYPES": "records",
    "LETTERS": "records", "CHOICE_BLANK": "records", "CLOZE_BLANK": "records",
    "Quiz": "build", "generate_quiz": "build", "regenerate_item": "build", "parse_types": "build",
    "parse_ranges": "build", "select_articles": "build", "article_changes": "build", "mark_changes": "build",
    "changed_articles": "build", "DEFAULT_TYPES": "records", "TYPE_ALIASES": "build", "CHANGED_TAG": "build",
    "REVISED_PREFIX": "build", "AMOUNT_SHARE": "build", "AMOUNT_TAG": "build", "chapter_of": "build",
    "is_amount": "build", "quiz_spread": "build", "edit_item": "build", "EDITED_TAG": "build",
    "GATES": "gates", "GateReport": "gates", "Rejection": "gates", "PREFIX_RE": "gates", "check_item": "gates",
    "check_quiz": "gates", "gate_duplicates": "gates",
    "MODALS": "facts", "MODAL_TAGS": "facts", "NUMBER_RE": "facts", "NUMBER_TAGS": "facts", "balanced": "facts",
    "extract": "facts", "numbers_in": "facts", "subject_kind": "facts",
    "COLUMNS": "export", "FORMATS": "export", "export_quiz": "export", "check_output": "export",
    "detect_format": "export", "format_items": "export", "default_title": "export", "source_text": "export",
    "rows": "export", "write_xlsx": "export", "write_docx": "export", "gift_escape": "export", "to_gift": "export",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
