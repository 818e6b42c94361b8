"""Document types: their display label, their rank in the hierarchy of norms, and the order in
which documents are listed. One table, so the answer layer and the app cannot disagree."""
from __future__ import annotations

from typing import NamedTuple


class DocType(NamedTuple):
    label: str    # shown to people
    rank: int     # 《立法法》: laws above administrative regulations above rules; lower ranks higher


# Listing order (laws first). Judicial interpretations apply the law they interpret and rank with it.
DOC_TYPES: dict[str, DocType] = {
    "law": DocType("法律", 0),
    "administrative_regulation": DocType("行政法规", 1),
    "departmental_rule": DocType("部门规章", 2),
    "judicial_interpretation": DocType("司法解释", 0),
    "local_regulation": DocType("地方性法规", 2),
    "normative_document": DocType("规范性文件", 3),
    "plan": DocType("工作要点/规划", 4),
}
# Types without a display label of their own, ranked all the same.
EXTRA_RANKS = {"standard": 3}
UNKNOWN_RANK = 5


def doc_rank(doc_type: str) -> int:
    """Rank in the hierarchy of norms: 0 for laws and judicial interpretations … 4 for plans."""
    if doc_type in DOC_TYPES:
        return DOC_TYPES[doc_type].rank
    return EXTRA_RANKS.get(doc_type, UNKNOWN_RANK)


def doc_type_label(doc_type: str) -> str:
    """'law' → '法律'; an unknown type is shown as written, none as 未分类."""
    found = DOC_TYPES.get(doc_type)
    return found.label if found else (doc_type or "未分类")


def listing_order(doc_type: str) -> int:
    """Position in lists of documents: laws, regulations, rules, interpretations, … plans, others."""
    order = list(DOC_TYPES)
    return order.index(doc_type) if doc_type in order else len(order)
