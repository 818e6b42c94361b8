"""The answer layer judged as a user meets it: is an out-of-scope question refused, is an in-scope one
answered, and is the answer's FIRST citation a right article? Also how often the answer leads with
something other than retrieval's first hit, and which of the two was right (a reordering that moves a
right first hit down is a demotion).

Works on any question set (evals/*.jsonl with id, question, voice, gold, tags); `kb eval --answers`.
"""
from __future__ import annotations

from dataclasses import dataclass

from .evaluate import Question


@dataclass
class Judged:
    question: Question
    refused: bool
    first: str | None           # the answer's first citation
    top_hit: str | None         # retrieval's first hit (what the answer layer was given)
    mode: str


def judge(retriever, questions: list[Question]) -> list[Judged]:
    from kb.answer.pipeline import answer
    out = []
    for q in questions:
        ans = answer(q.question, retriever)
        first = ans.citations[0].article_id if ans.citations and ans.status == "answered" else None
        top = ans.hits[0].article_id if ans.hits else None
        out.append(Judged(q, ans.status == "not_covered", first, top, ans.mode))
    return out


def _share(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def answer_scores(judged: list[Judged]) -> dict:
    """Scores overall, per voice and for officer penalty questions; plus the lead-change diagnostics."""
    def block(rows: list[Judged]) -> dict:
        inside = [j for j in rows if j.question.gold]
        outside = [j for j in rows if not j.question.gold]
        return {"n_in": len(inside), "n_out": len(outside),
                "out_of_scope_refused": _share(sum(j.refused for j in outside), len(outside)),
                "in_scope_refused": _share(sum(j.refused for j in inside), len(inside)),
                "first_citation_right": _share(sum(j.first in j.question.gold for j in inside), len(inside))}

    table = {"all": block(judged)}
    for voice in sorted({j.question.voice for j in judged}):
        table[voice] = block([j for j in judged if j.question.voice == voice])
    penalty = [j for j in judged if j.question.voice == "officer" and "penalty" in j.question.tags]
    if penalty:
        table["officer_penalty"] = block(penalty)
    changed = [j for j in judged if j.question.gold and not j.refused and j.first and j.top_hit and j.first != j.top_hit]
    lead = {"answered_in_scope": sum(1 for j in judged if j.question.gold and not j.refused),
            "lead_differs_from_top_hit": len(changed),
            "answer_right_hit_wrong": sum(j.first in j.question.gold and j.top_hit not in j.question.gold for j in changed),
            "answer_wrong_hit_right": sum(j.first not in j.question.gold and j.top_hit in j.question.gold for j in changed),
            "both_right": sum(j.first in j.question.gold and j.top_hit in j.question.gold for j in changed),
            "both_wrong": sum(j.first not in j.question.gold and j.top_hit not in j.question.gold for j in changed)}
    return {"answers": table, "lead": lead}


def format_answer_table(results: dict) -> str:
    cols = ["n_in", "n_out", "out_of_scope_refused", "in_scope_refused", "first_citation_right"]
    lines = ["| group | " + " | ".join(cols) + " |", "|" + "---|" * (len(cols) + 1)]
    for group, row in results["answers"].items():
        cells = ["n/a" if row[c] is None else (f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c]))
                 for c in cols]
        lines.append(f"| {group} | " + " | ".join(cells) + " |")
    lead = results["lead"]
    lines.append("")
    lines.append(f"lead: of {lead['answered_in_scope']} answered in-scope questions, the answer's first citation differs "
                 f"from retrieval's first hit in {lead['lead_differs_from_top_hit']}: answer right / hit wrong "
                 f"{lead['answer_right_hit_wrong']}, answer wrong / hit right {lead['answer_wrong_hit_right']}, "
                 f"both right {lead['both_right']}, both wrong {lead['both_wrong']}")
    return "\n".join(lines)
