"""Query understanding and ranking rules on the real index: law names and article numbers kept out
of BM25, 旧X法 selecting the old version, interpretations and amendments of a named article, phrases."""
import pytest

from kb.retrieval import RetrievalConfig, char_pairs


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
    # the amending item, then the article it added (what was added), then the article named
    assert top == ["刑法修正案（十一）@2020-12-26#2", "刑法@2023-12-29#133之二", "刑法@2023-12-29#133之一"]


def test_amendment_item_is_followed_by_the_law_article_it_wrote(real_retriever):
    # the question names the amendment only; the current 刑法 article it added comes right after the item
    top = ids(real_retriever.search("刑法修正案（十一）新增的危险作业罪是怎么规定的？", k=5))
    assert top[0] == "刑法修正案（十一）@2020-12-26#4"
    assert top[1] == "刑法@2023-12-29#134之一"
    # an explicit law filter is obeyed: the amended law is not added
    only = ids(real_retriever.search("刑法修正案（十一）新增的危险作业罪是怎么规定的？", k=5, laws=["刑法修正案（十一）"]))
    assert only and all(a.startswith("刑法修正案（十一）@") for a in only)


def test_amended_article_and_amending_items(real_retriever):
    corpus = real_retriever.corpus
    assert corpus.amended_article("刑法修正案（十一）@2020-12-26#4") == "刑法@2023-12-29#134之一"   # 增加一条，作为…
    assert corpus.amended_article("刑法修正案（十一）@2020-12-26#3") == "刑法@2023-12-29#134"      # 修改为
    assert corpus.amended_article("刑法修正案（十一）@2020-12-26#48") is None                       # 施行 date
    assert corpus.amended_article("安全生产法@2021-06-10#1") is None
    assert corpus.amending_items("刑法@2023-12-29#134之一") == ["刑法修正案（十一）@2020-12-26#4"]


def test_version_comparison_keeps_both_versions(real_retriever):
    plan = real_retriever.analyzer.analyze("突发事件应对法2007年版与现行版本对虚假信息的处罚有什么变化？")
    assert {"突发事件应对法@2007-08-30", "突发事件应对法@2024-06-28"} <= plan.doc_keys
    assert "对比" in plan.version_note
    laws = {h.version for h in real_retriever.search("突发事件应对法2007年版与现行版本对虚假信息的处罚有什么变化？", k=5)}
    assert laws == {"2007-08-30", "2024-06-28"}
    # naming the old and the new version in one question is a comparison too
    top = ids(real_retriever.search("以前那个突发事件应对法是哪年开始施行的？现在新修的那部又是从哪天开始施行？", k=3))
    assert {"突发事件应对法@2007-08-30#70", "突发事件应对法@2024-06-28#106"} <= set(top)
    # without a comparison word the old version alone is searched
    plan = real_retriever.analyzer.analyze("2007年版突发事件应对法对虚假信息怎么处罚？")
    assert "突发事件应对法@2024-06-28" not in plan.doc_keys


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
    from kb.retrieval.query import _lay_match
    assert _lay_match("逼…干", "班长硬逼我们在没有防护的情况下去干危险的活", "", set())
    assert not _lay_match("逼…干", "他逼我，我不干", "", set())            # not across a clause
    assert not _lay_match("逼…干", "逼得太紧了以后大家都不想再继续留在这里干", "", set())  # too far apart
    plan = real_retriever.analyzer.analyze("安全员管得严，被老板扣了工资")
    assert "降低其工资" in plan.expansions                              # 扣了工资 = 扣工资
    plan = real_retriever.analyzer.analyze("班长硬逼我们在没有防护的情况下去干危险的活，我能不去吗？")
    assert "强令冒险作业" in plan.expansions


def test_lay_terms_also_steer_the_dense_score(real_retriever):
    q = "我们厂的安全员管得严，被老板降了工资，这合法吗？"
    plan = real_retriever.analyzer.analyze(q)
    assert "依法履行职责" in plan.expansions
    mixed = real_retriever.search(q, k=5)
    plain = real_retriever.search(q, k=5, config=RetrievalConfig(expansion_dense_weight=0.0))
    assert mixed[0].sources["dense"] != plain[0].sources["dense"] or mixed[0].article_id != plain[0].article_id
    assert "安全生产法@2021-06-10#26" in ids(mixed[:3])


def test_a_penalty_on_top_is_followed_by_the_duty_it_sanctions(real_retriever):
    q = "商店把安全出口锁上了，会被怎么处罚？"
    top = ids(real_retriever.search(q, k=3))
    assert top[:2] == ["安全生产法@2021-06-10#105", "安全生产法@2021-06-10#42"]   # 罚则, then 第四十二条
    off = ids(real_retriever.search(q, k=3, config=RetrievalConfig(duty_overlap=0.0)))
    assert off[1] != "安全生产法@2021-06-10#42"
    # also when the question does not ask about the penalty: a 免责协议 is void (第一百零六条) because
    # 第五十二条 forbids it
    q = "老板让我们签了出事自己负责的协议，这个协议算数吗？"
    assert "penalty" not in real_retriever.analyzer.analyze(q).intents
    assert ids(real_retriever.search(q, k=2)) == ["安全生产法@2021-06-10#106", "安全生产法@2021-06-10#52"]
    assert ids(real_retriever.search(q, k=2, config=RetrievalConfig(duty_overlap=0.0)))[1] != "安全生产法@2021-06-10#52"


def test_legal_terms_of_lay_words_reorder_below_the_first_hit(real_retriever):
    q = "小区电梯老出故障，物业还让大家接着用，合法吗？"
    on = ids(real_retriever.search(q, k=5))
    off = ids(real_retriever.search(q, k=5, config=RetrievalConfig(term_weight=0.0)))
    assert on[0] == off[0]                                  # the first hit keeps its place
    assert on.index("特种设备安全法@2013-06-29#42") < off.index("特种设备安全法@2013-06-29#42")


def test_glossary_terms_also_steer_the_dense_score_of_english_questions(real_retriever):
    q = "Must a hazardous chemicals warehouse keep an escort on the truck?"
    plan = real_retriever.analyzer.analyze(q)
    assert plan.language == "en" and "押运人员" in plan.translations
    mixed = real_retriever.search(q, k=3)
    plain = real_retriever.search(q, k=3, config=RetrievalConfig(translation_dense_weight=0.0))
    assert mixed[0].sources["dense"] != plain[0].sources["dense"] or mixed[0].article_id != plain[0].article_id


def test_sector_documents_step_back_when_the_question_is_not_about_their_sector(real_retriever):
    q = "班长硬逼我们在没有防护的情况下去干危险的活，我能不去吗？"
    plan = real_retriever.analyzer.analyze(q)
    assert {"建设工程安全生产管理条例", "矿山安全法", "煤矿安全生产条例"} <= set(plan.off_field)
    on = ids(real_retriever.search(q, k=10))
    off = ids(real_retriever.search(q, k=10, config=RetrievalConfig(field_penalty=0.0)))
    assert "安全生产法@2021-06-10#54" in on[:5]
    assert on.index("安全生产法@2021-06-10#54") < off.index("安全生产法@2021-06-10#54")
    # a question set on a site, in a named law, or in English about a mine keeps that sector's documents
    assert "建设工程安全生产管理条例" not in real_retriever.analyzer.analyze("工地上班长硬逼我们去干危险的活").off_field
    assert "矿山安全法" not in real_retriever.analyzer.analyze("矿山安全法对安全培训有什么规定").off_field
    assert "煤矿安全生产条例" not in real_retriever.analyzer.analyze("Can a coal mine make miners work overtime?").off_field
    assert "安全生产法" not in plan.off_field                  # general laws are never lowered


@pytest.mark.parametrize("text, spans", [
    ("单位负责人接到报告后，应当于1小时内向有关部门报告", ["1小时"]),
    ("自收到行政处罚决定书之日起十五日内", ["15日"]),
    ("罚款单下来15天内要交吗", ["15日"]),
    ("二十四小时值班，两个月内整改", ["24小时", "2个月"]),
    ("每日按罚款数额的百分之三加处罚款", []),
])
def test_time_spans_become_one_token(text, spans):
    from kb.retrieval.tokenize import durations, tokenize
    assert durations(text) == spans
    assert all(s in tokenize(text) for s in spans)


def test_a_time_limit_finds_the_article_that_sets_it(real_retriever):
    # "within one hour" → 1小时 (glossary) → the token 1小时, used by one article of the corpus
    q = "What must a company do within one hour after a production safety accident?"
    assert "生产安全事故报告和调查处理条例@2007-04-09#9" in ids(real_retriever.search(q, k=5))


def test_a_lay_criminal_question_reaches_the_criminal_law(real_retriever):
    q = "开车拉危险化学品不按规定来，会被判刑吗？"
    plan = real_retriever.analyzer.analyze(q)
    assert "有期徒刑" in plan.expansions and "追究刑事责任" not in plan.expansions
    assert "刑法@2023-12-29#133之一" in ids(real_retriever.search(q, k=5))
