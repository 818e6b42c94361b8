"""BM25 over article texts (bm25s with our own jieba tokens)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .tokenize import tokenize


class SparseIndex:
    """BM25 scores for every article; a thin layer over bm25s."""

    def __init__(self, retriever):
        self._bm25 = retriever
        self._vocab = retriever.vocab_dict

    @classmethod
    def build(cls, texts: list[str], k1: float = 1.2, b: float = 0.75) -> "SparseIndex":
        import bm25s
        retriever = bm25s.BM25(k1=k1, b=b)
        retriever.index([tokenize(t) or ["∅"] for t in texts], show_progress=False)
        return cls(retriever)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> "SparseIndex":
        import bm25s
        return cls(bm25s.BM25.load(str(folder), show_progress=False, verbosity=0))

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every document (zeros if no query token is in the vocabulary)."""
        ids = [self._vocab[t] for t in query_tokens if t in self._vocab]
        n = self._bm25.scores["num_docs"]
        if not ids:
            return np.zeros(n, dtype=np.float32)
        return self._bm25.get_scores_from_ids(ids).astype(np.float32)

    def known(self, tokens: list[str]) -> list[str]:
        return [t for t in tokens if t in self._vocab]
