"""kb assess: 事故定性 — from an incident description to grade, investigation, fines and criminal
exposure, every step cited. Facts read from the text can be corrected with flags."""
from __future__ import annotations

import argparse
import json

from kb.core.errors import QueryError
from kb.core.settings import Settings

from .common import each_jsonl_row, jsonl_input, load_documents_for

HELP = "assess an incident: grade, who investigates, fines, criminal exposure (事故定性)"
EXAMPLES = """examples:
  python -m kb assess "化工厂反应釜爆炸，4人死亡、7人重伤，直接经济损失约1200万元"
  python -m kb assess "…4人死亡、7人受伤…" --serious-injuries 2          correct a fact read from the text
  python -m kb assess "检查发现车间关闭了可燃气体报警器，尚未发生事故" --json
  python -m kb assess --jsonl incidents.jsonl > assessed.jsonl
    (input lines: {"id": …, "text": …}; output: {"id": …, "facts": …, "grade": …, "criminal": […], …})
circumstances for --add/--remove: concealment late_report forced_risky_work substandard_facilities
  dangerous_goods construction_quality fire_rectification_refused rectification_refused monitoring_disabled
  no_permit danger_no_accident fire poisoning school_facilities"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", nargs="?", help="the incident as an officer would describe it (Chinese or English)")
    p.add_argument("--json", action="store_true", help="machine-readable output (stable keys)")
    p.add_argument("--jsonl", metavar="FILE", help="batch mode: read {id, text} lines, write one assessment per line")
    p.add_argument("--deaths", type=_count, metavar="N", help="number of deaths (overrides the text)")
    p.add_argument("--serious-injuries", type=_count, metavar="N",
                   help="serious injuries, acute industrial poisoning included (overrides the text)")
    p.add_argument("--loss", type=_yuan, metavar="YUAN", help="direct economic loss: 12000000, 1200万, 1.2亿 (overrides)")
    p.add_argument("--add", action="append", default=[], metavar="CODE", help="add a circumstance (repeatable)")
    p.add_argument("--remove", action="append", default=[], metavar="CODE", help="remove a circumstance (repeatable)")


def _count(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"“{value}”不是人数；请写成 0、3、12 这样的整数")
    return int(value)


def _yuan(value: str) -> int:
    from kb.answer.incident import parse_number
    v = value.strip().removesuffix("元")
    scale = 1
    for unit, s in (("亿", 10 ** 8), ("万", 10 ** 4)):
        if v.endswith(unit):
            v, scale = v[:-1], s
    n = parse_number(v)
    if n is None or n < 0:
        raise argparse.ArgumentTypeError(f"“{value}”不是金额；请写成 12000000、1200万 或 1.2亿")
    return int(round(n * scale))


def run(args: argparse.Namespace, settings: Settings) -> int:
    from kb.answer.assessment import assess, format_assessment
    from kb.answer.incident import circumstance_patterns, extract_facts
    known = set(circumstance_patterns())
    bad = [c for c in args.add + args.remove if c not in known]
    if bad:
        raise QueryError(f"无法识别的情节 {'、'.join(bad)}；可用：{' '.join(sorted(known))}")
    if args.jsonl:
        return _jsonl(args, settings)
    if not args.text or not args.text.strip():
        raise QueryError('请给出案情，例如：python -m kb assess "反应釜爆炸，4人死亡，直接经济损失约1200万元"')
    corpus = load_documents_for(args, settings)
    facts = extract_facts(args.text)
    corrected = _correct(facts, args)
    a = assess(corrected, corpus)
    print(json.dumps(a.to_json(), ensure_ascii=False, indent=1) if args.json else format_assessment(a))
    return 0


def _correct(facts, args: argparse.Namespace):
    """The officer's corrections on top of what the text says."""
    if args.deaths is not None:
        facts.deaths = args.deaths
    if args.serious_injuries is not None:
        facts.serious_injuries = args.serious_injuries
    if args.loss is not None:
        facts.direct_loss_yuan = args.loss
    facts.circumstances = [c for c in dict.fromkeys(facts.circumstances + args.add) if c not in args.remove]
    if args.deaths or args.serious_injuries or args.loss:
        facts.accident = True
    if "danger_no_accident" in args.add:
        facts.accident = False
    return facts


def _jsonl(args: argparse.Namespace, settings: Settings) -> int:
    from kb.answer.assessment import assess
    path = jsonl_input(args.jsonl, "找不到案情文件")
    corpus = load_documents_for(args, settings)
    return each_jsonl_row(path, "text", lambda rid, text: print(
        json.dumps({"id": rid, **assess(text, corpus).to_json()}, ensure_ascii=False), flush=True))
