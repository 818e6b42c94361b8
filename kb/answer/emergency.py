"""Emergencies happening now (gas smell, fire, smoke, flood, earthquake, electric shock, chemical smell,
someone trapped in a tank or pit, a collapse): what to do first and whom to call, in plain words, before
any article. An article is cited only where kb/data/emergencies.json says it truly applies (消防法第四十四条
for reporting a fire), with its verbatim phrase. In an emergency an irrelevant article is worse than none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kb.core.data import load_json
from kb.core.schema import Answer

from .citations import make_citation


@dataclass(frozen=True)
class Emergency:
    id: str
    label: str
    steps: tuple[str, ...]
    steps_en: tuple[str, ...]
    call: tuple[str, ...]
    pattern: re.Pattern
    article: str = ""
    phrase: str = ""


@lru_cache(maxsize=1)
def emergencies() -> tuple[Emergency, ...]:
    data = load_json("emergencies.json", {})
    out = []
    for e in data.get("emergencies", []):
        parts = [f"(?:{p})" for p in e.get("zh", [])] + [f"(?i:{p})" for p in e.get("en", [])]
        out.append(Emergency(e["id"], e["label"], tuple(e["steps"]), tuple(e.get("steps_en", e["steps"])),
                             tuple(e.get("call", ())), re.compile("|".join(parts)),
                             e.get("article", ""), e.get("phrase", "")))
    return tuple(out)


@lru_cache(maxsize=4)
def _pattern(key: str) -> re.Pattern:
    return re.compile("|".join(load_json("emergencies.json", {}).get(key, [])) or r"(?!x)x")


def match_emergency(question: str) -> Emergency | None:
    """The emergency a question describes as happening now, when it asks what to do (怎么办) or asks
    nothing (a bare description); None for questions about the law (罚款, 规定, 第X条 …) and for any other
    question (消防队会不会收钱, 重建补助怎么申请, 能不能先跑), even when they name a fire or a flood."""
    if not question or _pattern("not_if").search(question):
        return None
    if not _pattern("ask_now").search(question) and _pattern("question_marks").search(question):
        return None
    return next((e for e in emergencies() if e.pattern.search(question)), None)


def emergency_answer(question: str, e: Emergency, corpus, language: str = "zh") -> Answer:
    """The steps and numbers first; the article, if one applies, cited below them."""
    steps = "\n".join(f"{i}. {s}" for i, s in enumerate(e.steps_en if language == "en" else e.steps, 1))
    head = "Emergency — do this first:" if language == "en" else f"紧急情况（{e.label}），请先这样做："
    conclusion = f"{head}\n{steps}\n{'Call' if language == 'en' else '求助电话'}：{'、'.join(e.call)}"
    citations = []
    if e.article and e.article in corpus.by_id:
        citations.append(make_citation(corpus, corpus.by_id[e.article], e.phrase, reason="紧急情况下适用的条文"))
    return Answer("answered", question, language, conclusion, citations, [], [], [], "emergency", [])
