"""kb eval: the retrieval and refusal evaluation, checked against the expected scores of each set."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from kb.core.errors import KBError
from kb.core.settings import Settings
from kb.eval.evaluate import DEV_SET

HELP = "run the retrieval evaluation on evals/dev.jsonl"
EXAMPLES = """examples:
  python -m kb eval                         all pipelines and both baselines, per voice
  python -m kb eval --no-baselines --check  article pipelines only, checked against evals/expected.json
  python -m kb eval --questions evals/heldout.jsonl --no-baselines --check
                                            the held-out set (never tuned on), checked against expected_heldout.json
  python -m evals.run                       the same as python -m kb eval"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--questions", default=str(DEV_SET), help="JSONL question set (default evals/dev.jsonl)")
    parser.add_argument("--pipeline", action="append", help="only these pipelines (repeatable)")
    parser.add_argument("--no-baselines", action="store_true", help="skip the chunking baselines (slow first run)")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("--answers", action="store_true",
                        help="judge the answer layer instead: refusals, and whether the answer's first citation is right")
    parser.add_argument("--check", action="store_true",
                        help="compare with the set's expected scores (evals/expected.json for dev.jsonl, "
                             "evals/expected_heldout.json for heldout.jsonl); exit 1 on FAIL")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from kb.eval.evaluate import check_expected, expected_path, format_table, load_questions, run_eval
    path = Path(args.questions)
    if not path.is_file():
        raise KBError(f"找不到问题集 {path}")
    from kb.eval.incidents import is_incident_set
    if is_incident_set(path):
        return _run_incidents(args, settings, path)
    if args.answers:
        return _run_answers(args, settings, path)
    results = run_eval(settings, load_questions(path), args.pipeline, baselines=not args.no_baselines)
    print(json.dumps(results, ensure_ascii=False, indent=1) if args.json else format_table(results))
    if not args.json and "refusal" in results:
        ref = results["refusal"]
        shown = {k: "n/a" if ref[k] is None else f"{ref[k]:.3f}" for k in ("refusal_precision", "refusal_recall")}
        print(f"\nrefusal (answer layer, out-of-scope = positive): precision {shown['refusal_precision']}, "
              f"recall {shown['refusal_recall']}; refused in-scope {ref['refused_in_scope']}, "
              f"answered out-of-scope {ref['answered_out_of_scope']}")
    if args.check:
        exp = expected_path(path)
        if not exp.is_file():
            raise KBError(f"没有 {path.name} 的期望分数文件 {exp}")
        expected = json.loads(exp.read_text(encoding="utf-8"))
        lines = check_expected(results, expected)
        print("\n".join(lines))
        return 1 if any(line.startswith("FAIL") for line in lines) else 0
    return 0


def _run_incidents(args: argparse.Namespace, settings: Settings, path: Path) -> int:
    """An incident set (evals/incidents.jsonl, evals/incident_narratives.jsonl): kb assess, per field."""
    from kb.eval.evaluate import check_expected, expected_path
    from kb.eval.incidents import format_incident_table, load_cases, run_incident_eval

    from .common import load_documents_for
    results = run_incident_eval(load_documents_for(args, settings), load_cases(path))
    print(json.dumps(results, ensure_ascii=False, indent=1) if args.json else format_incident_table(results))
    if not args.check:
        return 0
    exp = expected_path(path)
    if not exp.is_file():
        raise KBError(f"没有 {path.name} 的期望分数文件 {exp}")
    lines = check_expected(results, json.loads(exp.read_text(encoding="utf-8")))
    print("\n".join(lines))
    return 1 if any(line.startswith("FAIL") for line in lines) else 0


def _run_answers(args: argparse.Namespace, settings: Settings, path: Path) -> int:
    """The answer layer on a question set: refusals in and out of scope, first citation right."""
    from kb.eval.answers import answer_scores, format_answer_table, judge
    from kb.eval.evaluate import check_expected, expected_path, load_questions
    from kb.retrieval.hybrid import HybridRetriever
    results = answer_scores(judge(HybridRetriever.load(settings), load_questions(path)))
    print(json.dumps(results, ensure_ascii=False, indent=1) if args.json else format_answer_table(results))
    if not args.check:
        return 0
    exp = expected_path(path)
    expected = json.loads(exp.read_text(encoding="utf-8")) if exp.is_file() else {}
    if "answers" not in expected:
        raise KBError(f"{exp} 中没有 answers 的期望分数")
    lines = check_expected(results, {"answers": expected["answers"]})
    print("\n".join(lines))
    return 1 if any(line.startswith("FAIL") for line in lines) else 0
