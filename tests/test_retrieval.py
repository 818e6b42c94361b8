"""Query understanding and ranking rules on the real index: law names and article numbers kept out
of BM25, 旧X法 selecting the old version, interpretations and amendments of a named article, phrases."""
import pytest

from kb.hybrid import RetrievalConfig, char_pairs


def ids(hits):
    return [h.article_id for h in hits]


def test_law_names_and_article_numbers_are_not_keywords(real_retriever):
    plan = real_retriever.analyzer.analyze("刑法修正案（十一）是哪一天起施行的？")
    assert "修正案" not in plan.keywords and "十一" not in plan.keywords
    assert "施行" in plan.keywords
    # the "（十一）" in the law's name is not a reference to the amendment's item 十一、
    assert plan.direct == []
    plan = real_retriever.analyzer.analyze("安全生产法第九十五条第二款和第（三）项怎么适用")
    assert plan.keywords.split() == ["和", "怎么适用"]


def test_effective_date_question_about_an_amendment(real_retriever):
    hits = real_retriever.search("刑法修正案（十一）是哪一天起施行的？", k=3)
    assert hits[0].article_id == "刑法修正案（十一）@2020-12-26#48"


@pytest.mark.parametrize("prefix", ["旧", "老", "原"])
def test_old_prefix_before_a_law_name_selects_the_old_version(real_retriever, prefix):
    plan = real_retriever.analyzer.analyze(f"{prefix}突发事件应对法对专业应急救援人员的保险有什么规定？")
    assert "突发事件应对法@2007-08-30" in plan.doc_keys
    assert "突发事件应对法@2024-06-28" not in plan.doc_keys
    assert "2007-08-30" in plan.version_note
    # without the prefix the version in force answers
    plan = real_retriever.analyzer.analyze("突发事件应对法对专业应急救援人员的保险有什么规定？")
    assert "突发事件应对法@2024-06-28" in plan.doc_keys and "突发事件应对法@2007-08-30" not in plan.doc_keys


def test_how_to_determine_puts_the_interpretation_first(real_retriever):
    q = "刑法第一百三十四条之一第二项的拒不执行怎么认定？"
    top = ids(real_retriever.search(q, k=5))
    assert top[0] == "危害生产安全刑事案件解释（二）@2022-12-15#3"
    assert "刑法@2023-12-29#134之一" in top[:3]
    # without the question of how to determine it, the named article itself comes first
    assert ids(real_retriever.search("刑法第一百三十四条之一规定了什么？", k=3))[0] == "刑法@2023-12-29#134之一"
    # an explicit law filter is obeyed: no interpretation sneaks in
    only = ids(real_retriever.search(q, k=5, laws=["刑法"]))
    assert only and all(a.startswith("刑法@") for a in only)


def test_amendment_named_with_the_article_it_amends(real_retriever):
    top = ids(real_retriever.search("刑法修正案（十一）在刑法第一百三十三条之一后面加了什么？", k=3))
    assert top[:2] == ["刑法修正案（十一）@2020-12-26#2", "刑法@2023-12-29#133之一"]


def test_char_pairs():
    assert char_pairs("谎报瞒报") == {"谎报", "报瞒", "瞒报"}
    assert char_pairs("A 事故, 报告") == {"事故", "报告"}
    assert char_pairs("abc") == set()


def test_phrase_rerank_prefers_the_article_quoting_the_question(real_retriever):
    q = "依照事故报告条例，事故发生单位谎报或者瞒报事故的，如何罚款？"
    with_phrases = ids(real_retriever.search(q, k=3))
    assert with_phrases[0] == "生产安全事故报告和调查处理条例@2007-04-09#36"
    cfg = RetrievalConfig(phrase_weight=0.0)
    without = ids(real_retriever.search(q, k=10, config=cfg))
    assert "生产安全事故报告和调查处理条例@2007-04-09#36" in without     # same candidates, another order


def test_lay_gap_patterns_and_le(real_retriever):
    from kb.query import _lay_match
    assert _lay_match("逼…干", "班长硬逼我们在没有防护的情况下去干危险的活", "", set())
    assert not _lay_match("逼…干", "他逼我，我不干", "", set())            # not across a clause
    assert not _lay_match("逼…干", "逼得太紧了以后大家都不想再继续留在这里干", "", set())  # too far apart
    plan = real_retriever.analyzer.analyze("安全员管得严，被老板扣了工资")
    assert "降低其工资" in plan.expansions                              # 扣了工资 = 扣工资
    plan = real_retriever.analyzer.analyze("班长硬逼我们在没有防护的情况下去干危险的活，我能不去吗？")
    assert "强令冒险作业" in plan.expansions
