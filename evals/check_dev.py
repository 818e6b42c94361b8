"""Validate a labelled evaluation set: evals/dev.jsonl (ids q001…, tuned on), evals/heldout.jsonl
(h001…), evals/heldout2.jsonl (n001…; a second blind set, written 2026-11-30),
evals/heldout4.jsonl (p001…; a further blind set, all in scope) or
evals/refusal_heldout.jsonl (r001…; half out of scope). The held-out sets were written
without looking at the system and are never tuned on.

Run:  .venv/bin/python -m evals.check_dev [evals/dev.jsonl | evals/heldout.jsonl | evals/refusal_heldout.jsonl]

Checks: valid JSON per line, required fields and types, unique ids and questions, allowed
voices and tags, every gold id exists in the corpus, at most 3 gold ids, `out_of_scope` iff
gold is empty, `missing_doc` only with `out_of_scope`, gold in a superseded version only when
the question is tagged `version`, English questions written in English, minimum size and
document coverage. Prints counts per voice, per tag and per document. Exits 1 on any problem.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

from kb.corpus import load_corpus

DEV_PATH = Path(__file__).resolve().parent / "dev.jsonl"
FIELDS = {"id", "question", "voice", "gold", "tags", "note"}
VOICES = ("officer", "trainer", "lay", "english")
TAGS = {"direct_ref", "version", "penalty", "duty", "right", "time_limit", "definition",
        "amendment", "plan", "out_of_scope", "missing_doc"}
MIN_QUESTIONS = 190
MIN_HELDOUT = 60
HELDOUT_PATH = Path(__file__).resolve().parent / "heldout.jsonl"
ID_PREFIX = {"dev": "q", "heldout": "h", "refusal_heldout": "r", "heldout2": "n", "heldout3": "m", "heldout4": "p"}
MIN_DOCUMENTS = 15
MAX_GOLD = 3
CJK = re.compile(r"[\u4e00-\u9fff]")


def check(path: Path) -> int:
    heldout = path.name != DEV_PATH.name
    prefix = ID_PREFIX.get(path.stem, "q")
    min_questions = MIN_HELDOUT if heldout else MIN_QUESTIONS
    corpus = load_corpus()
    problems: list[str] = []
    rows: list[dict] = []

    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            problems.append(f"line {n}: empty line")
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: invalid JSON ({exc})")
            continue
        if not isinstance(row, dict):
            problems.append(f"line {n}: not a JSON object")
            continue
        rows.append(row)
        where = f"line {n} ({row.get('id', '?')})"
        missing, extra = FIELDS - row.keys(), row.keys() - FIELDS
        if missing:
            problems.append(f"{where}: missing fields {sorted(missing)}")
        if extra:
            problems.append(f"{where}: unexpected fields {sorted(extra)}")
        if not re.fullmatch(prefix + r"\d{3,}", str(row.get("id", ""))):
            problems.append(f"{where}: id must look like {prefix}001")
        q = row.get("question")
        if not isinstance(q, str) or not q.strip():
            problems.append(f"{where}: question must be a non-empty string")
            q = ""
        if not isinstance(row.get("note"), str) or not row["note"].strip():
            problems.append(f"{where}: note must be a non-empty string")
        voice = row.get("voice")
        if voice not in VOICES:
            problems.append(f"{where}: voice {voice!r} not in {VOICES}")
        elif q:
            cjk_share = len(CJK.findall(q)) / len(q)
            if voice == "english" and cjk_share > 0.1:
                problems.append(f"{where}: english question is not written in English")
            if voice != "english" and cjk_share == 0:
                problems.append(f"{where}: {voice} question has no Chinese text")

        tags = row.get("tags")
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            problems.append(f"{where}: tags must be a list of strings")
            tags = []
        for t in tags:
            if t not in TAGS:
                problems.append(f"{where}: unknown tag {t!r}")
        if len(set(tags)) != len(tags):
            problems.append(f"{where}: duplicate tags")

        gold = row.get("gold")
        if not isinstance(gold, list) or not all(isinstance(g, str) for g in gold):
            problems.append(f"{where}: gold must be a list of strings")
            gold = []
        if len(gold) > MAX_GOLD:
            problems.append(f"{where}: {len(gold)} gold ids (max {MAX_GOLD})")
        if len(set(gold)) != len(gold):
            problems.append(f"{where}: duplicate gold ids")
        for gid in gold:
            art = corpus.by_id.get(gid)
            if art is None:
                problems.append(f"{where}: gold id {gid!r} not in corpus")
            elif art.status != "in_force" and "version" not in tags:
                problems.append(f"{where}: gold {gid} is a {art.status} version but question is not tagged 'version'")
        if ("out_of_scope" in tags) != (not gold):
            problems.append(f"{where}: 'out_of_scope' tag must be present exactly when gold is empty")
        if "missing_doc" in tags and "out_of_scope" not in tags:
            problems.append(f"{where}: 'missing_doc' requires 'out_of_scope'")

    ids = Counter(r.get("id") for r in rows)
    for i, c in ids.items():
        if c > 1:
            problems.append(f"id {i} used {c} times")
    questions = Counter(str(r.get("question", "")).strip() for r in rows)
    for q, c in questions.items():
        if q and c > 1:
            problems.append(f"question repeated {c} times: {q}")
    if len(rows) < min_questions:
        problems.append(f"only {len(rows)} questions (need at least {min_questions})")
    for other in path.parent.glob("*.jsonl"):   # no question in two sets (a held-out one is never tuned on)
        if other.name == path.name or other.stem not in ID_PREFIX:
            continue
        seen = {json.loads(x)["question"].strip() for x in other.read_text(encoding="utf-8").splitlines() if x.strip()}
        for q in questions:
            if q in seen:
                problems.append(f"question also in {other.name}: {q}")

    # ---- report -------------------------------------------------------------------------
    def doc_of(gid: str) -> str:
        return gid.split("#", 1)[0]

    print(f"{path}: {len(rows)} questions")
    by_voice = Counter(r.get("voice") for r in rows)
    oos_voice = Counter(r.get("voice") for r in rows if not r.get("gold"))
    print("\nper voice (total / in scope / out of scope):")
    for v in VOICES:
        print(f"  {v:8s} {by_voice[v]:4d} {by_voice[v] - oos_voice[v]:4d} {oos_voice[v]:4d}")
    print("\nper tag:")
    for t, c in sorted(Counter(t for r in rows for t in r.get("tags") or []).items(), key=lambda x: -x[1]):
        print(f"  {t:13s} {c:4d}")
    print(f"  {'(no tag)':13s} {sum(1 for r in rows if not r.get('tags')):4d}")
    q_per_doc = Counter(d for r in rows for d in {doc_of(g) for g in r.get("gold") or []})
    g_per_doc = Counter(doc_of(g) for r in rows for g in r.get("gold") or [])
    print("\nper document (questions / gold ids):")
    for d, c in sorted(q_per_doc.items(), key=lambda x: -x[1]):
        print(f"  {c:4d} {g_per_doc[d]:4d}  {d}")
    print(f"  documents covered: {len(q_per_doc)} of {len(corpus.documents)}")
    if len(q_per_doc) < MIN_DOCUMENTS:
        problems.append(f"only {len(q_per_doc)} documents covered (need at least {MIN_DOCUMENTS})")
    print(f"  gold ids per question: " + ", ".join(
        f"{k}:{v}" for k, v in sorted(Counter(len(r.get('gold') or []) for r in rows).items())))

    if problems:
        print(f"\n{len(problems)} problem(s):", file=sys.stderr)
        for p in problems:
            print("  - " + p, file=sys.stderr)
        return 1
    print("\nOK: no problems found")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    return check(Path(argv[0]) if argv else DEV_PATH)


if __name__ == "__main__":
    sys.exit(main())
