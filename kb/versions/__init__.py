"""kb.versions: how the versions of a law relate. Article-by-article alignment of two versions (新旧对照),
the links from amendment items (修正案) to the articles they write, answers to questions about changes,
and the text/HTML/JSON renderings of an alignment. Imports kb.core (and the corpus records it is given)."""
from .align import (ADDED, DELETED, KIND_LABELS, KINDS, MERGED, MODIFIED, RENUMBERED, SPLIT, UNCHANGED, Alignment,
                    ArticlePair, PairScore, align_versions, cached_vectors, clear_vector_cache, word_diff)
from .amendments import AMEND_LABELS, AmendmentLink, amendment_links
from .changes import (ChangeAnswer, ChangeRow, SAFETY_CRIMES, answer_change_question, cached_alignment,
                      current_counterpart, resolve_versions)
from .render import (LABELS, PairLabel, alignment_json, pair_labels, parse_kinds, plain_note, render_html, render_text,
                     summary, summary_line)

__all__ = [
    "ADDED", "AMEND_LABELS", "Alignment", "AmendmentLink", "ArticlePair", "ChangeAnswer", "ChangeRow", "DELETED",
    "KINDS", "KIND_LABELS", "LABELS", "MERGED", "MODIFIED", "PairLabel", "PairScore", "RENUMBERED", "SAFETY_CRIMES", "SPLIT", "UNCHANGED",
    "align_versions", "alignment_json", "cached_vectors", "clear_vector_cache", "amendment_links", "answer_change_question", "cached_alignment",
    "current_counterpart", "pair_labels", "parse_kinds", "plain_note", "render_html", "render_text", "resolve_versions",
    "summary", "summary_line", "word_diff",
]
