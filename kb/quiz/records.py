"""Records that cross the quiz modules: an exam item (QuizItem) and its source (QuizSource), the option
letters and blanks every item uses, and how a revision changed an article (ArticleChange).

Kept apart so kb.quiz_facts, kb.quiz_gates, kb.quiz and kb.quiz_export can all import them without a cycle.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from kb.core.labels import article_heading

TYPES = {"single": "单选题", "multi": "多选题", "judge": "判断题", "cloze": "填空题"}
LETTERS = "ABCDEF"
CHOICE_BLANK = "（　）"
CLOZE_BLANK = "______"
DEFAULT_TYPES = "single:10,multi:5,judge:10,cloze:5"   # a quiz when no --types is given


# ---- records -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class QuizSource:
    law: str
    title: str
    version: str
    article_id: str
    citation: str          # 《中华人民共和国安全生产法》第二十一条
    status: str = "in_force"
    line: str = ""         # the project's citation line: 《…》第二十一条（2021年修正，现行有效）


@dataclass
class QuizItem:
    type: str                         # single | multi | judge | cloze
    stem: str
    options: list[str]                # A… for single/multi, empty for judge/cloze
    key: list[str] | str              # ["A"], ["A", "C"], "正确"/"错误", or the cloze answer
    explanation: str                  # quotes the article verbatim between “ ”
    source: QuizSource
    difficulty: int = 2               # 1 easy … 3 hard
    tags: list[str] = field(default_factory=list)
    superseded: bool = False
    quote: list[str] = field(default_factory=list)   # verbatim fragments the true statement is made of
    change: tuple[str, str] | None = None            # false 判断: (words of the article, words in the stem)
    fact: str = ""                                   # what is asked; a quiz asks each fact once

    @property
    def answer(self) -> str:
        return ",".join(self.key) if isinstance(self.key, list) else self.key

    @property
    def type_label(self) -> str:
        return TYPES.get(self.type, self.type)

    def to_dict(self) -> dict:
        return asdict(self) | {"answer": self.answer, "type_label": self.type_label}

    @classmethod
    def from_dict(cls, d: dict) -> QuizItem:
        d = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        d["source"] = QuizSource(**d["source"])
        d["change"] = tuple(d["change"]) if d.get("change") else None
        return cls(**d)


@dataclass(frozen=True)
class ArticleChange:
    """How the latest revision touched an article of the newer version (from kb.versions.align)."""
    kind: str                  # the pair kind: modified, renumbered, split, merged, added
    old_labels: tuple[str, ...]   # the article(s) of the previous version it comes from; () if added
    year: str                  # year of the revision (the newer version)
    text_changed: bool         # False for an article only renumbered

    @property
    def note(self) -> str:
        """'本条在2024年修订中有变化（原第四十二条）。' / '本条为2024年修订新增。'"""
        if not self.old_labels:
            return f"本条为{self.year}年修订新增。"
        olds = "、".join(article_heading(x) for x in self.old_labels)
        tail = "：条号变动，条文未改。" if not self.text_changed else "。"
        return f"本条在{self.year}年修订中有变化（原{olds}）{tail}"
