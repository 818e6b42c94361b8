"""Time generating a 100-item quiz over one document (target ≤ 5 s on 2 cores) and count what the gates rejected.

Run:  cd /work/main && .venv/bin/python -m evals.bench_quiz [--repeat 3] [--law 消防法 …]

Rows, side by side in one process: per document, `cold` is the first quiz on a fresh Corpus object
(fact extraction and distractor pools built inside the timing), `warm` a second quiz with another seed
on the same object (pools cached). Corpus parsing is not timed (the CLI takes it from the index when
there is one). Generation is single-threaded, so the core count only matters for what else runs.
The gate columns are candidates refused per gate in the cold run; `dup` counts candidates skipped at
drawing time because the quiz already asks the same fact.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
import unicodedata

from kb.corpus import Corpus, load_corpus
from kb.quiz import GATES, generate_quiz

TARGET_S = 5.0
MIX_100 = "single:40,multi:6,judge:40,cloze:14"
# 刑法 (505 articles) is the stress row; 特种设备安全法 is a typical law whose sentences allow at most 99 items
DEFAULT_LAWS = ["安全生产法", "刑法", "特种设备安全法"]


def bench(corpus: Corpus, law: str, repeat: int) -> dict:
    meta = corpus.current(law)
    doc = corpus.documents[meta.key]
    colds, report, items = [], None, []
    for _ in range(repeat):
        fresh = Corpus([doc], resolve=False)          # a new object: nothing cached for it yet
        t = time.perf_counter()
        quiz = generate_quiz(fresh, [law], types=MIX_100, seed=7, strict=False)
        colds.append(time.perf_counter() - t)
        report, items = quiz.report, quiz.items
    t = time.perf_counter()
    generate_quiz(fresh, [law], types=MIX_100, seed=8, strict=False)
    warm = time.perf_counter() - t
    return {"law": law, "articles": len(doc.articles), "items": len(items), "candidates": report.candidates,
            "passed": report.passed, "cold": statistics.median(colds), "warm": warm,
            **{g: report.rejected.get(g, 0) for g in GATES}}


def _width(cell) -> int:
    """Terminal columns: a CJK character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(cell))


def _pad(cell, width: int, left: bool) -> str:
    gap = " " * (width - _width(cell))
    return f"{cell}{gap}" if left else f"{gap}{cell}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--law", action="append", help=f"document(s) to time (default {' '.join(DEFAULT_LAWS)})")
    ap.add_argument("--repeat", type=int, default=3, help="cold runs per document; the median is shown")
    args = ap.parse_args(argv)
    corpus = load_corpus()
    rows = [bench(corpus, corpus.resolve_law(law) or law, max(1, args.repeat)) for law in args.law or DEFAULT_LAWS]

    print(f"quiz benchmark: {MIX_100} (100 items), seed 7; {os.cpu_count()} cores; target ≤ {TARGET_S:.0f} s")
    head = ["document", "articles", "items", "cold s", "warm s", "candidates", "passed",
            "stem", "options", "key", "distractor", "dup", "target"]
    table = [head] + [[r["law"], r["articles"], r["items"], f"{r['cold']:.2f}", f"{r['warm']:.2f}", r["candidates"],
                       r["passed"], r["stem"], r["options"], r["key"], r["distractor"], r["duplicate"],
                       "OK" if r["cold"] <= TARGET_S else "FAIL"] for r in rows]
    widths = [max(_width(row[i]) for row in table) for i in range(len(head))]
    for row in table:
        print("  ".join(_pad(c, w, left=i == 0) for i, (c, w) in enumerate(zip(row, widths))))
    print("items: a document yields at most one item per sentence or enumeration, so small laws stop below 100")
    print("gates: " + "; ".join(f"{g} = {label}" for g, label in GATES.items()))
    return 0 if all(row[-1] == "OK" for row in table[1:]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
