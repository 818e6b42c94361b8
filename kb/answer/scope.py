"""Scope by evidence: is the question about what the indexed corpus regulates? A logistic model over the
question's embedding and how much of the question the best articles support (each content word weighted
by how informative it is in general Chinese), fitted on labelled questions by evals/fit_scope.py and
stored with its provenance in kb/data/scope_model.json. The model belongs to the embedder it was fitted
with: under another KB_MODEL it is not used, and the word-list refusals decide alone."""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from kb.core.data import load_json
from kb.retrieval.hybrid import Ranking
from kb.retrieval.query import QueryPlan
from kb.retrieval.tokenize import word_information

SCALAR_FEATURES = ("dense_max", "log_bm25_max", "support_top", "support_top3", "own_support_top", "log_domain_terms",
                   "has_lay_terms", "names_neighbour_field", "corpus_support", "key_word_in_top3")


def support(words, texts: list[str]) -> float:
    """Share of the words' information found in any of the texts."""
    total = sum(word_information(w) for w in words)
    return sum(word_information(w) for w in words if any(w in t for t in texts)) / total if total else 0.0


def corpus_support(words, corpus) -> float:
    """Share of the words' information the corpus uses at all: a question about 健身房年卡 or 排污许可证 is
    mostly made of words no article contains, whatever article retrieval puts first."""
    total = sum(word_information(w) for w in words)
    return sum(word_information(w) for w in words if corpus.article_share(w) > 0) / total if total else 0.0


def key_word_supported(words, texts: list[str]) -> float:
    """1.0 when the question's most informative word stands in one of the best articles."""
    if not words:
        return 0.0
    key = max(words, key=word_information)
    return float(any(key in t for t in texts))


def own_words(plan: QueryPlan) -> list[str]:
    """The question's own words as the corpus would write them: its tokens, and for an English question the
    Chinese glossary terms it translates to (its English words occur in no article, in or out of scope)."""
    own = [t for t in plan.tokens if len(t) >= 2]
    if plan.language != "zh":
        own = [t for t in plan.translation_tokens if len(t) >= 2] + [t for t in own if not t.isascii()]
    return own


def scalar_features(plan: QueryPlan, ranking: Ranking, corpus) -> list[float]:
    texts = [h.text for h in ranking.hits[:3]]
    # own_support_top (and the evidence guard on it) reads the question's tokens as written: computed on the
    # translated terms, one glossary word of an English question (fine → 罚款) "supported" 16% of the
    # out-of-scope questions past the guard (cross-validated out-of-scope refused 0.779 -> 0.731)
    tokens = [t for t in plan.tokens if len(t) >= 2]
    own = own_words(plan)
    return [ranking.dense_max, math.log1p(max(ranking.bm25_max, 0.0)), support(plan.content_words, texts[:1]),
            support(plan.content_words, texts), support(tokens, texts[:1]), math.log1p(len(plan.domain_terms)),
            float(bool(plan.expansions)), float(plan.neighbour is not None), corpus_support(own, corpus),
            key_word_supported(own, texts)]


@dataclass(frozen=True)
class ScopeModel:
    embedder: str
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    evidence_guard: float = 1.01

    def overruled_by_evidence(self, scalars: list[float]) -> bool:
        """Strong evidence beats the topic prior: when most of the question's own words (by information) stand
        in the best article and the question names a domain term, the corpus answers it, whatever the model says."""
        feature = dict(zip(SCALAR_FEATURES, scalars))
        return feature["own_support_top"] >= self.evidence_guard and feature["log_domain_terms"] > 0

    def p_out(self, vector: np.ndarray, scalars: list[float]) -> float:
        features = np.concatenate([np.asarray(vector, dtype=np.float64), np.asarray(scalars, dtype=np.float64)])
        x = (features - self.mean) / self.scale
        return 1.0 / (1.0 + math.exp(-(float(x @ self.coef) + self.intercept)))


@lru_cache(maxsize=1)
def scope_model() -> ScopeModel | None:
    d = load_json("scope_model.json")
    if not d:
        return None
    return ScopeModel(d["embedder"], np.array(d["mean"]), np.array(d["scale"]), np.array(d["coef"]),
                      float(d["intercept"]), float(d["threshold"]), float(d.get("evidence_guard", 1.01)))


def _model_for(retriever) -> ScopeModel | None:
    model = scope_model()
    setting = getattr(retriever, "index", None) and retriever.index.manifest.get("model_setting")
    return model if model is not None and setting == model.embedder else None


def out_of_scope_probability(retriever, plan: QueryPlan, ranking: Ranking) -> float | None:
    """P(the question is not about this corpus), or None without a model fitted for this embedder."""
    model = _model_for(retriever)
    return None if model is None else model.p_out(retriever.query_vector(plan.text), scalar_features(plan, ranking, retriever.corpus))


def out_of_scope_verdict(retriever, plan: QueryPlan, ranking: Ranking) -> bool | None:
    """True/False from the model at its calibrated threshold, unless strong evidence overrules it; None
    without a model for this embedder."""
    model = _model_for(retriever)
    if model is None:
        return None
    scalars = scalar_features(plan, ranking, retriever.corpus)
    if model.overruled_by_evidence(scalars):
        return False
    return model.p_out(retriever.query_vector(plan.text), scalars) >= model.threshold
