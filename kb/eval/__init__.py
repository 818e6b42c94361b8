"""kb.eval: the retrieval and refusal evaluation (metrics, the pipelines under test, expected scores)
and two chunking baselines. Imports kb.core, kb.corpus, kb.retrieval and kb.answer.

Public names are listed in __all__ and imported on first use."""
from __future__ import annotations

from kb.core.lazy import lazy_getattr

_EXPORTS = {
    "Question": "evaluate", "Scores": "evaluate", "load_questions": "evaluate", "recall_at": "evaluate",
    "mrr_at": "evaluate", "ndcg_at": "evaluate", "score_runs": "evaluate", "run_pipeline": "evaluate",
    "article_pipelines": "evaluate", "run_eval": "evaluate", "refusal_scores": "evaluate",
    "format_table": "evaluate", "check_expected": "evaluate", "expected_path": "evaluate", "DEV_SET": "evaluate",
    "EXPECTED": "evaluate", "KS": "evaluate", "chunk_baselines": "baselines", "recursive_split": "baselines",
    "run_incident_eval": "incidents", "load_cases": "incidents", "is_incident_set": "incidents",
    "format_incident_table": "incidents",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
