"""BM25 over article texts (bm25s with our own jieba tokens)."""
from __future__ import annotations

from itertools import pairwise
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

    def scores_many(self, token_lists: list[list[str]]) -> list[np.ndarray]:
        """scores() of several token lists (a store backend answers them in one round trip)."""
        return [self.scores(t) for t in token_lists]

    @property
    def vocab(self) -> dict[str, int]:
        """token → term id (the ids of doc_vectors and query_vector)."""
        return dict(self._vocab)

    def query_vector(self, query_tokens: list[str]) -> dict[int, float]:
        """The query as a sparse vector: term id → how often the term occurs in the query. Its inner
        product with doc_vectors()[d] is scores(query_tokens)[d] (bm25s adds a repeated term once per
        occurrence)."""
        out: dict[int, float] = {}
        for t in query_tokens:
            if t in self._vocab:
                out[self._vocab[t]] = out.get(self._vocab[t], 0.0) + 1.0
        return out

    def doc_vectors(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per document (term ids, BM25 weights): bm25s keeps the precomputed weight of every
        (term, document) pair column by column (CSC); this is the same matrix read row by row."""
        s = self._bm25.scores
        indptr = np.asarray(s["indptr"])
        terms = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        docs = np.asarray(s["indices"])
        data = np.asarray(s["data"], dtype=np.float32)
        order = np.argsort(docs, kind="stable")
        bounds = np.searchsorted(docs[order], np.arange(s["num_docs"] + 1))
        return [(terms[order[a:b]], data[order[a:b]]) for a, b in pairwise(bounds)]

    def known(self, tokens: list[str]) -> list[str]:
        return [t for t in tokens if t in self._vocab]
