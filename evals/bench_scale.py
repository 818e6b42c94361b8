"""Synthetic scale test for the shared Milvus store against the embedded default, at sizes the reference
corpus (2,192 pieces) is far from. Prints a table; the figures in docs/deploy.md come from it.

    python -m evals.bench_scale                          100,000 articles, through `milvus-lite server`
    python -m evals.bench_scale --sizes 100000 1000000   also a million (needs ~20 GB of RAM for Milvus Lite)
    python -m evals.bench_scale --uri http://milvus:19530   a real Milvus Standalone/Distributed

Each article is a random unit 384-d vector (what multilingual-e5-small gives) and a synthetic BM25 row:
30 terms drawn from a Zipf-shaped 50,000-term vocabulary with positive weights; queries are fresh random
vectors and 6-term queries. No embedding is timed (the embedding cache makes it a one-off cost either
way). Measured:
- build: the embedded default's FAISS IndexFlatIP + BM25 matrix, and Milvus insert + flush + load (rows/s);
- query p50/p95: the embedded default scores every article (one matrix-vector product, BM25 column sums,
  as kb.retrieval does) and takes the top 100; Milvus searches top 100 (FLAT IP dense, SPARSE_INVERTED_INDEX
  IP sparse). At this size the store cannot return every score (Milvus caps limit at 16,384), so this is
  the top-k regime, not the exact full-score one kb uses for the reference corpus.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np

DIM = 384
VOCAB = 50_000
TERMS_PER_DOC = 30
QUERY_TERMS = 6
TOP = 100
BATCH = 2000


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def zipf_terms(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return (rng.zipf(1.3, size=shape) - 1) % VOCAB


def batch(n0: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    vec = rng.standard_normal((n, DIM), dtype=np.float32)
    vec /= np.linalg.norm(vec, axis=1, keepdims=True)
    terms = zipf_terms(rng, (n, TERMS_PER_DOC))
    weights = rng.uniform(0.5, 5.0, (n, TERMS_PER_DOC)).astype(np.float32)
    return vec, terms, weights


def embedded(n: int, queries: np.ndarray, qterms: np.ndarray) -> dict:
    """The default's data structures at size n: FAISS flat index over the vectors, a term → documents
    matrix (CSC, as bm25s keeps it); every article scored per query, as HybridRetriever does."""
    import faiss
    t = time.perf_counter()
    vecs, cols, rows, vals = [], [], [], []
    for i in range(0, n, BATCH):
        v, terms, w = batch(i, min(BATCH, n - i), seed=i)
        vecs.append(v)
        for j in range(TERMS_PER_DOC):
            cols.append(terms[:, j])
            rows.append(np.arange(i, i + len(v)))
            vals.append(w[:, j])
    vectors = np.concatenate(vecs)
    index = faiss.IndexFlatIP(DIM)
    index.add(vectors)
    col, row, val = np.concatenate(cols), np.concatenate(rows), np.concatenate(vals)
    order = np.lexsort((row, col))
    col, row, val = col[order], row[order], val[order]
    indptr = np.searchsorted(col, np.arange(VOCAB + 1))
    build_s = time.perf_counter() - t
    dense_ms, sparse_ms = [], []
    for q, terms in zip(queries, qterms):
        t = time.perf_counter()
        scores = vectors @ q
        np.argpartition(-scores, TOP)[:TOP]
        dense_ms.append(1000 * (time.perf_counter() - t))
        t = time.perf_counter()
        scores = np.zeros(n, dtype=np.float32)
        for term in terms:
            a, b = indptr[term], indptr[term + 1]
            np.add.at(scores, row[a:b], val[a:b])
        np.argpartition(-scores, TOP)[:TOP]
        sparse_ms.append(1000 * (time.perf_counter() - t))
    return {"build_s": build_s, "dense": dense_ms, "sparse": sparse_ms}


def milvus(n: int, uri: str, queries: np.ndarray, qterms: np.ndarray) -> dict:
    import logging

    from pymilvus import DataType, MilvusClient
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
    c = MilvusClient(uri=uri, timeout=30)
    name = f"kb_scale_{n}"
    c.drop_collection(name)
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("pk", DataType.INT64, is_primary=True)
    schema.add_field("article_id", DataType.VARCHAR, max_length=64)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=DIM)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    params = MilvusClient.prepare_index_params()
    params.add_index("dense", index_type="FLAT", metric_type="IP")
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    c.create_collection(name, schema=schema, index_params=params)
    t = time.perf_counter()
    for i in range(0, n, BATCH):
        v, terms, w = batch(i, min(BATCH, n - i), seed=i)
        rows = []
        for j in range(len(v)):
            sparse: dict[int, float] = {}
            for term, weight in zip(terms[j].tolist(), w[j].tolist()):
                sparse[term] = sparse.get(term, 0.0) + weight
            rows.append({"pk": i + j, "article_id": f"合成@{i + j}", "dense": v[j], "sparse": sparse})
        c.insert(name, rows)
    c.flush(name)
    c.load_collection(name)
    build_s = time.perf_counter() - t
    dense_ms, sparse_ms = [], []
    for q, terms in zip(queries, qterms):
        t = time.perf_counter()
        c.search(name, data=[q], anns_field="dense", limit=TOP, output_fields=["pk"],
                 search_params={"metric_type": "IP"})
        dense_ms.append(1000 * (time.perf_counter() - t))
        qs: dict[int, float] = {}
        for term in terms.tolist():
            qs[term] = qs.get(term, 0.0) + 1.0
        t = time.perf_counter()
        c.search(name, data=[qs], anns_field="sparse", limit=TOP, output_fields=["pk"],
                 search_params={"metric_type": "IP"})
        sparse_ms.append(1000 * (time.perf_counter() - t))
    c.drop_collection(name)
    return {"build_s": build_s, "dense": dense_ms, "sparse": sparse_ms}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    ap.add_argument("-q", type=int, default=40, help="queries per measurement (default 40)")
    ap.add_argument("--uri", help="an existing Milvus (default: start milvus-lite server for the run)")
    args = ap.parse_args()
    rng = np.random.default_rng(12345)
    queries = rng.standard_normal((args.q, DIM), dtype=np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    qterms = zipf_terms(rng, (args.q, QUERY_TERMS))
    with ExitStack() as stack:
        uri = args.uri
        if not uri:
            from evals.milvus_server import milvus_server
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kb-scale-")))
            uri = stack.enter_context(milvus_server(tmp / "milvus"))
        print(f"Milvus: {uri}; {args.q} queries per cell; top {TOP}; 384-d vectors, {TERMS_PER_DOC} BM25 terms "
              f"per article over {VOCAB:,} terms\n")
        print("| articles | store | build (s) | build rate (articles/s) | dense p50 / p95 (ms) | "
              "BM25 p50 / p95 (ms) |\n|---|---|---|---|---|---|")
        for n in args.sizes:
            for label, fn, where in (("embedded (FAISS + BM25 matrix)", embedded, ()), ("Milvus", milvus, (uri,))):
                r = fn(n, *where, queries, qterms)
                print(f"| {n:,} | {label} | {r['build_s']:.1f} | {n / r['build_s']:,.0f} | "
                      f"{statistics.median(r['dense']):.1f} / {pct(r['dense'], 0.95):.1f} | "
                      f"{statistics.median(r['sparse']):.1f} / {pct(r['sparse'], 0.95):.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
