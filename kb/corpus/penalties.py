"""Duty → penalty: which penalty article, and which of its items, sanctions which duty article.

Built from the text alone, for every law and regulation with a 法律责任 / 罚则 chapter:
- by reference: a unit that says "违反本法第二十八条规定的" links to 第二十八条;
- by wording: an item that restates a duty ("（三）未按照规定对从业人员……进行安全生产教育和培训……的")
  links to the article of the same document, outside the penalty chapter, that holds most of that
  item's wording (at least WORDING_COVERAGE of it), and to a second one as close; when more articles
  are that close, the wording is too generic to tell and the unit stays unlinked.
A unit is an item (项) of a penalty article, or a 款 without items. The index stores the links
(penalty_links.jsonl); the answer layer leads a penalty question with the penalty item and cites the
duty beside it.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from kb.core.schema import Article

PENALTY_CHAPTER = re.compile(r"法律责任|罚则")
# a 款 that sets a sanction; the items of an article are units of their own
SANCTION_RE = re.compile(r"罚款|处分|责令|吊销|没收|拘留|暂扣|撤销|关闭|追究刑事责任|有期徒刑|警告")
# the sanction half and the boilerplate of a penalty unit, left out before comparing wording with duties
BOILERPLATE_RE = re.compile(r"违反本(?:法|条例|规定|办法)(?:的)?规定|有下列(?:行为|情形)之一的|[（(][一二三四五六七八九十]+[）)]|"
                            r"责令[^，。；]*|处[^，。；]*罚款|给予[^，。；]*处分|依法追究刑事责任|构成犯罪的|生产经营单位|"
                            r"未按照规定|按照规定|依照本法规定|的$")
WORDING_COVERAGE = 0.5    # share of an item's violation wording that the duty article must contain
WORDING_MARGIN = 0.1      # articles within this much of the best are linked too (a duty split over two
MAX_DUTIES = 2            # articles: 特种设备 使用单位 duties); more near-ties than MAX_DUTIES: not linked
MIN_PAIRS = 4             # fewer character pairs say nothing about which duty is meant
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


@dataclass(frozen=True)
class PenaltyLink:
    penalty_id: str            # the article in the 法律责任 chapter
    unit: str                  # "（三）" for an item, "第2款" for a paragraph without items
    unit_text: str             # the unit's words, verbatim
    duty_ids: tuple[str, ...]  # the duty articles it sanctions (empty: not linked)
    how: str                   # "ref" | "wording" | ""
    score: float = 0.0         # wording coverage of the best duty (1.0 for a reference)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["duty_ids"] = list(self.duty_ids)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "PenaltyLink":
        return cls(d["penalty_id"], d["unit"], d["unit_text"], tuple(d["duty_ids"]), d["how"], d.get("score", 0.0))


def is_penalty_article(art: Article) -> bool:
    return bool(PENALTY_CHAPTER.search(" ".join(art.chapter_path)))


def char_pairs(text: str) -> set[str]:
    return {run[i:i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)}


# an item that only grades the sanction ("（二）发生较大事故的，处……罚款"): it sanctions no duty of its own
SCHEDULE_RE = re.compile(r"^[（(][一二三四五六七八九十]+[）)]\s*(?:对)?(?:发生|造成)[^，。；]{0,12}(?:事故|后果)(?:的|，)")


def penalty_units(art: Article) -> list[tuple[str, str]]:
    """(unit label, verbatim text) of a penalty article: each 项, and each 款 without 项 that sets a sanction;
    not the items that only grade the sanction by the accident's severity."""
    units = []
    for n, clause in enumerate(art.clauses, 1):
        if clause.items:
            units += [(item.label, item.text) for item in clause.items if not SCHEDULE_RE.match(item.text)]
        elif SANCTION_RE.search(clause.text):
            units.append((f"第{n}款", clause.text))
    return units


def build_penalty_links(corpus) -> list[PenaltyLink]:
    """Every penalty unit of every law and regulation in the corpus, linked to the duties it sanctions
    where the text says so (reference) or shows it (wording)."""
    links: list[PenaltyLink] = []
    for doc in corpus.documents.values():
        penalty = [a for a in doc.articles if is_penalty_article(a)]
        if not penalty or doc.layout != "articles":
            continue
        duties = [(a, char_pairs(a.text)) for a in doc.articles if not is_penalty_article(a)]
        for art in penalty:
            for label, text in penalty_units(art):
                links.append(_link(corpus, art, label, text, duties))
    return links


def _link(corpus, art: Article, label: str, text: str, duties: list[tuple[Article, set[str]]]) -> PenaltyLink:
    refs = [r.target_id for r in art.refs if r.kind == "article" and r.target_id and r.text in text
            and r.target_id in corpus.by_id and not is_penalty_article(corpus.by_id[r.target_id])]
    if refs:
        return PenaltyLink(art.id, label, text, tuple(dict.fromkeys(refs)), "ref", 1.0)
    wording = char_pairs(BOILERPLATE_RE.sub(" ", text))
    if len(wording) < MIN_PAIRS or not duties:
        return PenaltyLink(art.id, label, text, (), "", 0.0)
    scored = sorted(((sum(p in pairs for p in wording) / len(wording), a.id) for a, pairs in duties), reverse=True)
    best = scored[0][0]
    close = [aid for score, aid in scored if score >= max(WORDING_COVERAGE, best - WORDING_MARGIN)]
    if close and len(close) <= MAX_DUTIES:     # more near-ties than that: the wording is too generic to tell
        return PenaltyLink(art.id, label, text, tuple(close), "wording", round(best, 3))
    return PenaltyLink(art.id, label, text, (), "", round(best, 3))


class PenaltyMap:
    """The links both ways: the penalty units that sanction a duty, and the duties a penalty article's
    units sanction."""

    def __init__(self, links: list[PenaltyLink]):
        self.links = list(links)
        self.by_duty: dict[str, list[PenaltyLink]] = {}
        self.by_penalty: dict[str, list[PenaltyLink]] = {}
        for link in self.links:
            self.by_penalty.setdefault(link.penalty_id, []).append(link)
            for duty in link.duty_ids:
                self.by_duty.setdefault(duty, []).append(link)

    def penalties_for(self, duty_id: str) -> list[PenaltyLink]:
        return self.by_duty.get(duty_id, [])

    def units_of(self, penalty_id: str) -> list[PenaltyLink]:
        return self.by_penalty.get(penalty_id, [])


def coverage(links: list[PenaltyLink]) -> dict:
    """Share of penalty units linked to a duty, overall and per document."""
    per_doc: dict[str, list[int]] = {}
    for link in links:
        doc = link.penalty_id.split("#")[0]
        counts = per_doc.setdefault(doc, [0, 0])
        counts[0] += bool(link.duty_ids)
        counts[1] += 1
    linked, total = sum(c[0] for c in per_doc.values()), sum(c[1] for c in per_doc.values())
    return {"linked": linked, "units": total, "share": round(linked / total, 4) if total else None,
            "by_reference": sum(link.how == "ref" for link in links),
            "by_wording": sum(link.how == "wording" for link in links),
            "documents": {doc: {"linked": c[0], "units": c[1]} for doc, c in sorted(per_doc.items())}}
