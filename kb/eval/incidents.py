"""Evaluation of 事故定性 (kb assess): per-field accuracy on incident descriptions whose expected grade,
investigation, fines and charges were worked out by hand from the articles (evals/incidents.jsonl),
and the first-ranked charge on judgment-style narratives (evals/incident_narratives.jsonl).

A set is recognised by its lines: {"id", "text", "expected": {...}}. Expected scores live beside the
other sets' (evals/expected_<set>.json) and are checked with --check.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

# the loss boundaries that change a grade or a criminal level: an amount read as "近1000万" is right
# when it falls on the same side of each as the expected one (and within 2 %)
LOSS_BOUNDS = (1_000_000, 5_000_000, 10_000_000, 50_000_000, 100_000_000)
INCIDENT_FIELDS = ("deaths", "serious_injuries", "direct_loss_yuan", "circumstances", "grade", "investigated_by",
                   "company_fine", "principal_fine_percent", "criminal_level", "first_charge")
NARRATIVE_FIELDS = ("first_charge", "criminal_level")
# the circumstance codes the sets annotate; kb assess knows two more (rectification_refused, school_facilities),
# which the sets' authors were not asked to mark, so they are left out of the comparison
SET_CODES = frozenset({"concealment", "late_report", "forced_risky_work", "substandard_facilities", "dangerous_goods",
                       "construction_quality", "fire_rectification_refused", "monitoring_disabled", "no_permit",
                       "danger_no_accident", "fire", "poisoning"})


@dataclass
class Case:
    id: str
    text: str
    expected: dict
    lang: str = "zh"


def is_incident_set(path: Path) -> bool:
    """True when the file's first line is an incident case ({"id", "text", "expected"})."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                return isinstance(row, dict) and "text" in row and isinstance(row.get("expected"), dict)
    return False


def load_cases(path: Path) -> list[Case]:
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append(Case(d["id"], d["text"], d["expected"], d.get("lang", "zh")))
    return out


def _loss_right(got, want) -> bool:
    if got is None or want is None:
        return got == want
    same_side = all((got >= b) == (want >= b) for b in LOSS_BOUNDS)
    return same_side and abs(got - want) <= 0.02 * max(want, 1)


def _first_charge(result: dict) -> str | None:
    crim = result["criminal"]
    return crim[0]["article_id"] if crim else None


def observed(result: dict) -> dict:
    """The fields an expected record states, read off `kb assess --json` output."""
    facts, crim = result["facts"], result["criminal"]
    cf = result["company_fine"]
    return {"deaths": facts["deaths"], "serious_injuries": facts["serious_injuries"],
            "direct_loss_yuan": facts["direct_loss_yuan"], "circumstances": sorted(facts["circumstances"]),
            "grade": result["grade"], "investigated_by": result["investigated_by"],
            "company_fine": {"min_yuan": cf["min_yuan"], "max_yuan": cf["max_yuan"]} if cf else None,
            "principal_fine_percent": (result["principal_fine"] or {}).get("percent_of_annual_income"),
            "criminal_level": crim[0]["level"] if crim else "none",
            "first_charge": _first_charge(result), "paragraph": crim[0]["paragraph"] if crim else None}


def right(field: str, got: dict, want: dict) -> bool:
    if field == "direct_loss_yuan":
        return _loss_right(got[field], want.get(field))
    if field == "circumstances":
        return sorted(set(got[field]) & SET_CODES) == sorted(want.get(field, []))
    if field == "first_charge":
        expected = want.get("first_charge", (want.get("charges") or [None])[0])
        if got["first_charge"] != expected:
            return False
        return not want.get("paragraph") or got["paragraph"] == want["paragraph"]
    return got[field] == want.get(field)


def run_incident_eval(corpus, cases: list[Case]) -> dict:
    """{"incidents": {field: accuracy, …, "n": …}, "wrong": {field: [ids]}} — narratives get their two fields."""
    from kb.answer.assessment import assess
    narrative = all("first_charge" in c.expected for c in cases)
    fields = NARRATIVE_FIELDS if narrative else INCIDENT_FIELDS
    scores = {f: 0 for f in fields}
    wrong: dict[str, list[str]] = {f: [] for f in fields}
    by_lang: dict[str, dict[str, int]] = {}
    for case in cases:
        got = observed(assess(case.text, corpus).to_json())
        lang = by_lang.setdefault(case.lang, {"n": 0, **{f: 0 for f in fields}})
        lang["n"] += 1
        for f in fields:
            ok = right(f, got, case.expected)
            scores[f] += ok
            lang[f] += ok
            if not ok:
                wrong[f].append(case.id)
    n = max(len(cases), 1)
    table = {"all": {"n": len(cases), **{f: round(scores[f] / n, 4) for f in fields}}}
    for lang, counts in sorted(by_lang.items()):
        table[lang] = {"n": counts["n"], **{f: round(counts[f] / counts["n"], 4) for f in fields}}
    return {"assess": table, "wrong": wrong}


def format_incident_table(results: dict) -> str:
    table = results["assess"]
    fields = [f for f in table["all"] if f != "n"]
    lines = ["| cases | n | " + " | ".join(fields) + " |", "|" + "---|" * (len(fields) + 2)]
    for group, row in table.items():
        lines.append(f"| {group} | {row['n']} | " + " | ".join(f"{row[f]:.3f}" for f in fields) + " |")
    return "\n".join(lines)
