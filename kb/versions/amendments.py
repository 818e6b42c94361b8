"""Amendments (修正案): link each item of an amendment to the article of the amended law it changes
or adds ("将刑法第一百三十四条第二款修改为" → 刑法第一百三十四条)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from kb.core.labels import article_id, make_label
from kb.core.numerals import CN_NUMERAL_CHARS, cn_to_int
from kb.core.schema import Document

NUM = f"[{CN_NUMERAL_CHARS}0-9]+"


MODIFY, ADD_ARTICLE, ADD_CLAUSE, DELETE, EFFECTIVE, OTHER = (
    "modify", "add_article", "add_clause", "delete", "effective", "other")
AMEND_LABELS = {MODIFY: "修改", ADD_ARTICLE: "增加一条", ADD_CLAUSE: "增加一款", DELETE: "删去",
                EFFECTIVE: "施行日期", OTHER: "其他"}
_REF = rf"(?P<law>[^第“”，。]{{0,20}}?)第(?P<num>{NUM})条(?:之(?P<sub>{NUM}))?(?:第(?P<clause>{NUM})款)?"
_AMEND_RES = [
    (ADD_ARTICLE, re.compile(rf"在{_REF}后增加一条，?作为第(?P<nnum>{NUM})条(?:之(?P<nsub>{NUM}))?")),
    (ADD_CLAUSE, re.compile(rf"在{_REF}(?:中|后)增加一款，?(?:作为第(?P<nclause>{NUM})款)?")),
    (MODIFY, re.compile(rf"将{_REF}(?:第{NUM}项)?修改为")),
    (DELETE, re.compile(rf"删去{_REF}")),
    (EFFECTIVE, re.compile(r"本(?:修正案|决定)自(?P<date>.+?)起施行")),
]


@dataclass
class AmendmentLink:
    item_id: str          # the amendment item, e.g. "刑法修正案（十一）@2020-12-26#3"
    item_heading: str     # "三、"
    kind: str             # modify | add_article | add_clause | delete | effective | other
    instruction: str      # the words outside the quoted new text, e.g. "将刑法第N条第二款修改为："
    law: str = ""         # short title of the amended law
    target_label: str = ""  # "134", "134之一"; "" for an effective-date item
    target_id: str = ""   # id in the corpus (current version of the law); "" if not in the corpus
    clause: int = 0       # 款 changed or added, 0 if not stated
    date: str = ""        # for an effective-date item

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def amendment_links(amendment: Document, target_corpus) -> list[AmendmentLink]:
    """Link each item of an amendment (修正案) to the article of the amended law it changes or adds."""
    default_law = re.sub(r"修正案.*$", "", amendment.meta.short_title)
    out = []
    for art in amendment.articles:
        instruction = art.body.split("“")[0].split("\n")[0]
        link = AmendmentLink(art.id, art.heading, OTHER, instruction)
        for kind, rx in _AMEND_RES:
            m = rx.search(instruction)
            if not m:
                continue
            link.kind = kind
            if kind == EFFECTIVE:
                link.date = m.group("date")
                break
            link.law = target_corpus.resolve_law(m.group("law") or default_law) or \
                target_corpus.resolve_law(default_law) or ""
            new_no = kind == ADD_ARTICLE      # "作为第X条之Y" names the new article
            link.target_label = make_label(m.group("nnum" if new_no else "num"), m.group("nsub" if new_no else "sub"))
            clause = m.groupdict().get("nclause") or m.group("clause")
            link.clause = cn_to_int(clause) if clause else 0
            meta = target_corpus.current(link.law) if link.law else None
            target = article_id(meta.short_title, meta.version, link.target_label) if meta else ""
            link.target_id = target if target in target_corpus.by_id else ""
            break
        out.append(link)
    return out
