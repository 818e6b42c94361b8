"""Extractive answers on the real index: conclusions from the right words, refusals, version notes."""
import pytest

from kb.answer import answer, check_answer


@pytest.mark.parametrize("question, ref", [
    ("安全生产法第九九九九九条", "安全生产法第九九九九九条"),
    ("安法第300条是什么", "安全生产法第300条"),
    ("消防法第10000条", "消防法第10000条"),
])
def test_an_article_that_does_not_exist_is_never_substituted(real_retriever, question, ref):
    ans = answer(question, real_retriever)
    assert ans.status == "not_covered"
    assert f"没有{ref}" in ans.conclusion and ans.citations == []


def test_a_real_question_with_a_bogus_reference_is_answered_with_a_note(real_retriever):
    ans = answer("主要负责人未履职导致较大事故罚多少？另外安全生产法第九百九十九条怎么说", real_retriever)
    assert ans.status == "answered"
    assert all(not c.article_id.endswith("#999") for c in ans.citations)
    assert any("没有安全生产法第九百九十九条" in n for n in ans.notes)
    assert check_answer(ans, real_retriever.corpus) == []


def test_conclusion_takes_the_item_that_answers(real_retriever):
    # 第九十五条 lists four accident grades; the question asks about 较大事故 → item (二), 百分之六十
    ans = answer("安全生产法第九十五条较大事故罚多少", real_retriever)
    assert ans.citations[0].article_id == "安全生产法@2021-06-10#95"
    assert "（二）发生较大事故的，处上一年年收入百分之六十的罚款" in ans.conclusion
    assert "百分之八十" not in ans.conclusion


def test_missing_document_is_named_with_how_to_import(real_retriever):
    ans = answer("有限空间作业前必须检测哪些气体？", real_retriever)
    assert ans.status == "not_covered"
    assert "工贸企业有限空间作业安全规定" in ans.conclusion
    assert [m["title"] for m in ans.missing] == ["工贸企业有限空间作业安全规定"]
    # the library says what is missing; how to add it is the CLI's (commands) or the app's (语料 page)
    assert not any("python -m kb" in n for n in ans.notes)
    from kb.cli.search import format_answer
    assert "python -m kb ingest 文件.pdf --title \"工贸企业有限空间作业安全规定\"" in format_answer(ans)


def test_a_word_the_corpus_uses_often_does_not_call_for_a_missing_document(real_retriever):
    # 安全生产违法行为 is also a topic of the missing 安全生产违法行为行政处罚办法, but 14 corpus
    # articles use it; the answer is 行政处罚法第三十六条
    ans = answer("安全生产违法行为两年内没被发现，还会给予行政处罚吗？", real_retriever)
    assert ans.status == "answered" and ans.citations[0].article_id == "行政处罚法@2021-01-22#36"


def test_superseded_version_is_flagged_and_the_current_one_cited(real_retriever):
    ans = answer("2007年版突发事件应对法第四十二条", real_retriever)
    assert ans.citations[0].article_id == "突发事件应对法@2007-08-30#42"
    assert "已修订" in ans.citations[0].line
    current = [c for c in ans.related if c.reason == "现行版本"]
    assert current and current[0].article_id.startswith("突发事件应对法@2024-06-28#")
    assert any("现行有效版本见" in n for n in ans.notes)


# ---- neighbouring fields (kb/data/out_of_scope.json) ------------------------------------------
@pytest.mark.parametrize("question, field", [
    ("试用期工资最低能给多少？", "劳动合同与工资待遇"),
    ("我骑车被私家车撞了，对方保险该赔多少？", "道路交通事故与车辆保险"),
    ("被邻居家的狗咬了找谁赔？", "邻里噪声与宠物"),
])
def test_question_from_a_neighbouring_field_is_referred(real_retriever, question, field):
    ans = answer(question, real_retriever)
    assert ans.status == "not_covered" and not ans.citations
    assert ans.other_field == field and ans.conclusion.startswith(f"这个问题属于{field}方面")
    assert "可以咨询" in ans.conclusion


def test_english_question_from_a_neighbouring_field(real_retriever):
    ans = answer("How do I file my income tax return in China?", real_retriever)
    assert ans.status == "not_covered" and ans.language == "en"
    assert ans.other_field == "tax" and "12366" in ans.conclusion


@pytest.mark.parametrize("question, article", [
    ("我拒绝冒险作业，公司就把我辞退了，合法吗？", "安全生产法@2021-06-10#54"),   # 辞退 is a cue, 冒险/作业 are ours
    ("酒驾会坐牢吗？", "刑法@2023-12-29#133之一"),                            # not a cue: 刑法 answers it
])
def test_work_safety_words_keep_a_question_in_scope(real_retriever, question, article):
    ans = answer(question, real_retriever)
    assert ans.status == "answered" and ans.citations[0].article_id == article


def test_other_field_needs_a_cue_and_no_word_of_ours():
    from kb.retrieval.query import other_field
    assert other_field("试用期工资最低多少")[0]["field"] == "劳动合同与工资待遇"
    assert other_field("交通事故认定书有异议怎么办")[1] == ["交通事故", "交通事故认定"]
    assert other_field("试用期的工人发生事故，公司要负责吗") is None        # 事故 outside the cue
    assert other_field("小区电梯的检验合格证过期了，还能接着坐吗") is None   # 过期 is a cue; 电梯 is ours
    assert other_field("What is the minimum wage in Wuhan?")[0]["field_en"].startswith("employment")
    assert other_field("Is the rent clause in a fire safety plan required?") is None   # fire/safety
    assert other_field("Do parents need a permit?") is None                   # "rent" only as a word


# ---- precedence between near-tied articles of different documents ------------------------------
def test_the_law_goes_before_the_older_regulation_it_overrides(real_retriever):
    ans = answer("主要负责人未履职导致较大事故罚多少？", real_retriever)
    ids = [c.article_id for c in ans.citations]
    assert ids[0] == "安全生产法@2021-06-10#95"
    assert "百分之六十" in ans.conclusion and "40%" not in ans.conclusion
    if "生产安全事故报告和调查处理条例@2007-04-09#38" in ids:
        assert any("上位法优于下位法" in n for n in ans.notes)
    assert check_answer(ans, real_retriever.corpus) == []


def test_precedence_order():
    from kb.answer import precedence
    from kb.core import Hit

    def hit(law, doc_type, version):
        return Hit(f"{law}@{version}#1", 1.0, law, law, version, "in_force", "1", "第一条", (), "", doc_type=doc_type)
    hits = [hit("条例", "administrative_regulation", "2019-01-01"), hit("旧法", "law", "2007-08-30"),
            hit("新法", "law", "2021-06-10"), hit("要点", "plan", "2024")]
    assert [h.law for h in sorted(hits, key=precedence)] == ["新法", "旧法", "条例", "要点"]


def test_a_missing_topic_in_the_setting_gets_the_general_rule(real_retriever):
    # 大罐子 → 有限空间, whose rule is missing: the worker's right to refuse is in the corpus, so it is the
    # answer, with the missing document named beside it (issue 14)
    ans = answer("车间主任让我们钻进没通风的大罐子里清理，我不去他就扣我奖金，能这样吗？", real_retriever)
    assert ans.status == "answered"
    assert [m["title"] for m in ans.missing] == ["工贸企业有限空间作业安全规定"]
    # 第五十四条 (refuse 强令冒险作业) or 第五十五条 (stop work in danger): both forbid the pay cut
    assert ans.citations[0].article_id in ("安全生产法@2021-06-10#54", "安全生产法@2021-06-10#55")
    assert "一般规定" in ans.notes[0] and "工贸企业有限空间作业安全规定" in ans.notes[0]
    assert check_answer(ans, real_retriever.corpus) == []
    # without the scope model the word-list path keeps the refusal with the rule beside it
    from kb.answer import AnswerConfig
    old = answer("车间主任让我们钻进没通风的大罐子里清理，我不去他就扣我奖金，能这样吗？", real_retriever,
                 config=AnswerConfig(scope_model=False))
    assert old.status == "not_covered" and "一般规定" in old.related[0].reason and "一般规定" in old.conclusion
    # a question about the missing rule itself, or one that names it, gets no substitute
    assert answer("下污水井、地窖干活之前，里面的气体要怎么测？", real_retriever).related == []
    named = answer("《工贸企业有限空间作业安全规定》要求作业前多长时间检测气体？", real_retriever)
    assert named.status == "not_covered" and named.related == []


def test_a_question_is_analysed_and_searched_once(real_retriever, monkeypatch):
    """The answer layer reads the plan and the ranking; it never re-analyses or searches again, even
    for the current counterpart of a superseded article (that comes from the version alignment)."""
    from kb.versions import current_counterpart
    calls = {"analyze": 0, "search_plan": 0}
    analyze, search_plan = real_retriever.analyzer.analyze, real_retriever.search_plan

    def counting(name, fn):
        def wrapped(*a, **kw):
            calls[name] += 1
            return fn(*a, **kw)
        return wrapped
    monkeypatch.setattr(real_retriever.analyzer, "analyze", counting("analyze", analyze))
    monkeypatch.setattr(real_retriever, "search_plan", counting("search_plan", search_plan))
    ans = answer("2007年版突发事件应对法第四十二条是怎么规定预警级别的？", real_retriever)
    assert calls == {"analyze": 1, "search_plan": 1}
    old = real_retriever.corpus.by_id["突发事件应对法@2007-08-30#42"]
    assert ans.citations[0].article_id == old.id
    current = [c.article_id for c in ans.related if c.reason == "现行版本"]
    # 2007 第四十二条 (预警级别) became 2024 第六十三条: what the alignment says, and what is cited
    assert current == [current_counterpart(real_retriever.corpus, old).id] == ["突发事件应对法@2024-06-28#63"]


def test_the_plan_is_read_only(real_retriever):
    import dataclasses
    plan = real_retriever.analyzer.analyze("安全员管得严，被老板扣了工资")
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.doc_keys = frozenset()
    # everything later stages need is in it: tokens of each part, content words, the lay terms
    assert plan.tokens and plan.text_tokens and plan.expansions and plan.expansion_tokens
    assert plan.content_words >= {t for t in plan.tokens if len(t) >= 2}


def test_answer_config_is_honoured(real_retriever):
    from kb.answer import AnswerConfig
    q = "生产经营单位的主要负责人有哪些职责？"
    whole = answer(q, real_retriever)
    short = answer(q, real_retriever, config=AnswerConfig(short_article=10_000))
    assert whole.citations[0].article_id == short.citations[0].article_id
    art = real_retriever.corpus.by_id[short.citations[0].article_id]
    assert short.citations[0].quote == art.body            # quoted whole when "short" is long enough
    # without the scope model, no evidence can pass impossible thresholds
    strict = answer(q, real_retriever, config=AnswerConfig(scope_model=False, min_dense=2.0, min_bm25=1e9))
    assert strict.status == "not_covered"
    assert answer(q, real_retriever, config=AnswerConfig(min_dense=2.0, min_bm25=1e9)).status == "answered"
