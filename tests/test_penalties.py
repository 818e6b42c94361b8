"""Duty → penalty map (kb.corpus.penalties): built from the text, stored with the index, checked by hand."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.corpus import build_penalty_links, is_penalty_article, penalty_coverage

CHECKED = json.loads((Path(__file__).parent / "fixtures" / "penalty_links_checked.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def links(real_retriever):
    return {(link.penalty_id, link.unit): link for link in real_retriever.index.penalty_links}


def test_the_index_stores_the_map_built_from_the_corpus(real_retriever, links):
    rebuilt = build_penalty_links(real_retriever.corpus)
    assert {(x.penalty_id, x.unit): x.duty_ids for x in rebuilt} == {k: v.duty_ids for k, v in links.items()}


@pytest.mark.parametrize("penalty_id, unit, duty", CHECKED["checked"], ids=lambda x: str(x)[-12:])
def test_hand_checked_links(links, penalty_id, unit, duty):
    assert duty in links[(penalty_id, unit)].duty_ids, links[(penalty_id, unit)]


def test_links_point_from_penalty_units_to_duties(real_retriever, links):
    corpus = real_retriever.corpus
    for (penalty_id, _), link in links.items():
        assert is_penalty_article(corpus.by_id[penalty_id])
        assert link.unit_text in corpus.by_id[penalty_id].text            # verbatim
        for duty in link.duty_ids:
            assert not is_penalty_article(corpus.by_id[duty])
            assert corpus.by_id[duty].doc_key == corpus.by_id[penalty_id].doc_key


def test_references_win_and_grading_items_are_not_units(links):
    # 防洪法第五十九条 says "违反本法第三十四条规定": linked by reference, not by wording
    assert links[("防洪法@2016-07-02#59", "第1款")].how == "ref"
    # 安全生产法第九十五条（一）…（四） only grade the fine by the accident: no duty of their own
    assert not any(pid == "安全生产法@2021-06-10#95" for pid, _ in links)


def test_coverage_is_reported(links):
    cov = penalty_coverage(list(links.values()))
    assert cov["units"] == len(links) and 0.5 <= cov["share"] <= 1.0
    assert cov["by_reference"] + cov["by_wording"] == cov["linked"]
