"""Two chunking baselines of the kind popular knowledge-base apps use, on the same embedder:

- "llamaindex": llama-index SentenceSplitter with its defaults over the raw document bodies,
  dense top-k (what VectorStoreIndex.as_retriever() does);
- "chunk250": 250/50-character recursive chunks (separators 段落/行/句/分句/逗号/字), BM25 + dense
  fused 0.5/0.5 with weighted RRF (LangChain EnsembleRetriever's method).

A chunk counts as finding every article it overlaps. Chunk vectors are cached by content hash.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from kb.core.settings import Settings
from kb.corpus.parse import split_front_matter

SEPARATORS = ("\n\n", "\n", "。", "；", "，", "")


@dataclass
class Chunk:
    doc_key: str
    start: int
    end: int
    text: str


def recursive_split(text: str, size: int = 250, overlap: int = 50, seps: tuple[str, ...] = SEPARATORS) -> list[str]:
    """A character-level re-implementation of LangChain's RecursiveCharacterTextSplitter."""
    sep = next((s for s in seps if s == "" or s in text), "")
    rest = seps[seps.index(sep) + 1:] if sep in seps else ()
    pieces = list(text) if sep == "" else [p + sep for p in text.split(sep)]
    good: list[str] = []
    out: list[str] = []
    for p in pieces:
        if len(p) <= size:
            good.append(p)
            continue
        if good:
            out.extend(_merge(good, size, overlap))
            good = []
        out.extend(recursive_split(p, size, overlap, rest) if rest else [p])
    if good:
        out.extend(_merge(good, size, overlap))
    return [c.strip() for c in out if c.strip()]


def _merge(pieces: list[str], size: int, overlap: int) -> list[str]:
    chunks, cur = [], []
    total = 0
    for p in pieces:
        if total + len(p) > size and cur:
            chunks.append("".join(cur))
            while cur and (total > overlap or total + len(p) > size):
                total -= len(cur.pop(0))
        cur.append(p)
        total += len(p)
    if cur:
        chunks.append("".join(cur))
    return chunks


def _bodies(corpus) -> dict[str, str]:
    out = {}
    for key, doc in corpus.documents.items():
        with open(doc.meta.path, encoding="utf-8") as f:
            out[key] = split_front_matter(f.read())[1]
    return out


def _article_spans(corpus, bodies: dict[str, str]) -> dict[str, list[tuple[int, int, str]]]:
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for key, doc in corpus.documents.items():
        body, cursor, rows = bodies[key], 0, []
        for art in doc.articles:
            lines = art.text.split("\n")
            start = body.find(lines[0], cursor)
            end = start
            for line in lines:
                end = body.find(line, end) + len(line)
            rows.append((start, end, art.id))
            cursor = end
        spans[key] = rows
    return spans


def _locate(chunks: list[str], key: str, body: str) -> list[Chunk]:
    out, cursor = [], 0
    for text in chunks:
        pos = body.find(text, cursor)
        if pos < 0:
            pos = body.find(text[:20], cursor)
        if pos < 0:
            pos = cursor
        out.append(Chunk(key, pos, pos + len(text), text))
        cursor = pos + 1
    return out


def _articles_of(chunk: Chunk, spans) -> list[str]:
    return [aid for s, e, aid in spans[chunk.doc_key] if s < chunk.end and e > chunk.start]


def _embed(texts: list[str], embedder, settings: Settings, progress: bool, label: str) -> np.ndarray:
    import hashlib
    from kb.retrieval.index import EmbeddingCache, model_slug
    cache = EmbeddingCache(settings.home / "cache" / "eval-embeddings" / model_slug(embedder.name))
    hashes = [hashlib.sha256(t.encode()).hexdigest()[:32] for t in texts]
    todo = [i for i, h in enumerate(hashes) if h not in cache.vectors]
    if todo and progress:
        print(f"  embedding {len(todo)} {label} chunks (cached for later runs)…", file=sys.stderr)
    for i in range(0, len(todo), 32):
        batch = todo[i:i + 32]
        cache.add([hashes[j] for j in batch], embedder.embed_passages([texts[j] for j in batch]))
    return np.stack([cache.vectors[h] for h in hashes]).astype(np.float32)


def chunk_baselines(retriever, settings: Settings, progress: bool = True) -> dict:
    """Search functions for both baselines, built over the retriever's corpus and embedder."""
    from llama_index.core import Document as LIDocument
    from llama_index.core.node_parser import SentenceSplitter
    from kb.retrieval.sparse import SparseIndex

    corpus, embedder = retriever.corpus, retriever.embedder
    bodies = _bodies(corpus)
    spans = _article_spans(corpus, bodies)
    splitter = SentenceSplitter()   # llama-index defaults: 1024 tokens, 200 overlap
    li_chunks = [c for key, body in bodies.items()
                 for c in _locate([n.get_content() for n in splitter.get_nodes_from_documents([LIDocument(text=body)])],
                                  key, body)]
    rc_chunks = [c for key, body in bodies.items() for c in _locate(recursive_split(body), key, body)]
    li_vecs = _embed([c.text for c in li_chunks], embedder, settings, progress, "SentenceSplitter")
    rc_vecs = _embed([c.text for c in rc_chunks], embedder, settings, progress, "250/50")
    rc_bm25 = SparseIndex.build([c.text for c in rc_chunks])
    from kb.retrieval.tokenize import tokenize

    def expand(order, chunks) -> list[str]:
        out: list[str] = []
        for i in order:
            for aid in _articles_of(chunks[i], spans):
                if aid not in out:
                    out.append(aid)
            if len(out) >= 10:
                break
        return out[:10]

    def llamaindex(question: str) -> list[str]:
        q = embedder.embed_queries([question])[0]
        return expand(np.argsort(-(li_vecs @ q))[:10], li_chunks)

    def chunk250(question: str) -> list[str]:
        q = embedder.embed_queries([question])[0]
        dense_rank = np.argsort(-(rc_vecs @ q))
        bm25_rank = np.argsort(-rc_bm25.scores(tokenize(question)), kind="stable")
        fused = np.zeros(len(rc_chunks))
        for rank_list in (dense_rank, bm25_rank):   # weighted RRF, c=60, weights 0.5/0.5
            fused[rank_list] += 0.5 / (60 + np.arange(1, len(rank_list) + 1))
        return expand(np.argsort(-fused)[:20], rc_chunks)

    return {"baseline_llamaindex": llamaindex, "baseline_chunk250": chunk250}
