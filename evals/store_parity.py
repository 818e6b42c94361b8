"""Do the embedded index and the Milvus store give the same results? recall@1/@5 of the full pipeline on
every retrieval set, for both stores, side by side, plus how many top-10 lists are identical.

    python -m evals.store_parity                     publish the current build (KB_HOME) to a temporary
                                                     Milvus Lite file, then compare
    python -m evals.store_parity --server            the same through a local `milvus-lite server`
    python -m evals.store_parity --uri http://h:19530  an existing store (its alias must point at this build)

Target (issue 17): every recall within 0.01 of the embedded default.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from kb.core import PROJECT_ROOT, Settings
from kb.eval import load_questions, run_pipeline, score_runs

SETS = ["dev.jsonl", "heldout.jsonl", "heldout2.jsonl", "heldout3.jsonl", "heldout4.jsonl",
        "refusal_heldout.jsonl"]


def publish_to(settings: Settings, uri: str) -> Settings:
    """The settings with KB_MILVUS_URI = uri, after publishing the local live build there if needed."""
    from kb.retrieval import load_index, publish_build
    store = replace(settings, milvus_uri=uri)
    publish_build(store, load_index(replace(settings, milvus_uri=""), verify=False))   # no-op if it is there
    return store


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--uri", help="an existing Milvus store (default: a temporary Milvus Lite file)")
    ap.add_argument("--server", action="store_true", help="start a local milvus-lite server for the run")
    ap.add_argument("--sets", nargs="*", default=SETS, help="question sets under evals/")
    args = ap.parse_args()
    from kb.retrieval import HybridRetriever
    settings = replace(Settings.from_env(), milvus_uri="")
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kb-parity-")))
        uri = args.uri
        if not uri and args.server:
            from evals.milvus_server import milvus_server
            uri = stack.enter_context(milvus_server(tmp / "milvus"))
        store = publish_to(settings, uri or str(tmp / "parity.db"))
        local_r, store_r = HybridRetriever.load(settings), HybridRetriever.load(store)
        for r in (local_r, store_r):
            r.search("预热")
        full = {"local": lambda q: [h.article_id for h in local_r.search(q, k=10)],
                "milvus": lambda q: [h.article_id for h in store_r.search(q, k=10)]}
        print(f"store: {store.milvus_uri} (collection {store_r.index.path}); embedded: {settings.index_dir.resolve()}")
        print("| set | n | recall@1 embedded | recall@1 Milvus | recall@5 embedded | recall@5 Milvus | "
              "same top-10 | p50 ms embedded / Milvus | p95 ms embedded / Milvus | |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        ok = True
        for name in args.sets:
            questions = load_questions(PROJECT_ROOT / "evals" / name)
            runs = {side: run_pipeline(search, questions) for side, search in full.items()}
            sc = {side: score_runs(r) for side, r in runs.items()}
            same = sum(a[1] == b[1] for a, b in zip(runs["local"], runs["milvus"]))
            d = max(abs(sc["local"].recall[k] - sc["milvus"].recall[k]) for k in (1, 5))
            ok &= d <= 0.01
            print(f"| {name} | {sc['local'].n} | {sc['local'].recall[1]:.3f} | {sc['milvus'].recall[1]:.3f} | "
                  f"{sc['local'].recall[5]:.3f} | {sc['milvus'].recall[5]:.3f} | {same}/{len(questions)} | "
                  f"{sc['local'].p50_ms:.0f} / {sc['milvus'].p50_ms:.0f} | "
                  f"{sc['local'].p95_ms:.0f} / {sc['milvus'].p95_ms:.0f} | {'OK' if d <= 0.01 else 'FAIL'} |")
        print("\nlatency: the full pipeline's search per question (query embedding included), one process, "
              "sets run embedded first, then Milvus.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
