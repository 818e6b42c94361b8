"""kb.retrieval.find_phrase: exact substring search over the verbatim article texts."""
from __future__ import annotations

import pytest

from kb.corpus import load_corpus
from kb.core import QueryError
from kb.retrieval import find_phrase, occurrences


@pytest.fixture
def tiny(tiny_corpus):
    return load_corpus([tiny_corpus])


def ids(matches):
    return [(a.id, pos) for a, pos in matches]


def test_positions_are_offsets_in_the_article_text(tiny):
    # "第二条 单位应当每年组织一次演练": heading (3) + space (1) + 10 characters → 14;
    # 2023 第二条 has 每半年…应急演练 → 17; 第二条之一: "第二条之一 " (6) + 13 → 19.
    assert ids(find_phrase(tiny, "演练")) == [
        ("示例安全法@2020-01-01#2", [14]),
        ("示例安全法@2023-05-01#2", [17]),
        ("示例安全法@2023-05-01#2之一", [19]),
    ]


def test_superseded_versions_can_be_left_out(tiny):
    assert [a.id for a, _ in find_phrase(tiny, "演练", include_superseded=False)] == [
        "示例安全法@2023-05-01#2", "示例安全法@2023-05-01#2之一"]


def test_every_occurrence_and_cross_reference_text(tiny):
    # 第三条 is its own heading (offset 0) and is cited in 第四条 "第四条 违反本法第二条、第三条" (offset 12).
    found = dict(ids(find_phrase(tiny, "第三条", include_superseded=False)))
    assert found == {"示例安全法@2023-05-01#3": [0], "示例安全法@2023-05-01#4": [12]}


def test_exact_means_exact(tiny):
    assert find_phrase(tiny, "演 练") == []          # no whitespace folding
    assert find_phrase(tiny, "  演练 ") != []        # but the query itself is trimmed


def test_occurrences_do_not_overlap():
    assert occurrences("三三三三", "三三") == [0, 2]
    assert occurrences("abc", "x") == []


@pytest.mark.parametrize("phrase", ["", "   "])
def test_empty_phrase_is_a_clear_error(tiny, phrase):
    with pytest.raises(QueryError, match="三同时"):
        find_phrase(tiny, phrase)


def test_reference_corpus_phrases(real_settings):
    """The slogans of the Wuhan 2024 work plan are found where they are written."""
    from kb.retrieval import load_index
    corpus = load_index(real_settings, verify=False).corpus
    for phrase in ("十有两禁", "三同时", "双随机、一公开"):
        matches = find_phrase(corpus, phrase)
        assert matches, phrase
        for art, positions in matches:
            assert all(art.text[p:p + len(phrase)] == phrase for p in positions)
        assert any(a.law == "武汉市应急管理工作要点" for a, _ in matches)
