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
    assert any("kb ingest" in n for n in ans.notes)


def test_superseded_version_is_flagged_and_the_current_one_cited(real_retriever):
    ans = answer("2007年版突发事件应对法第四十二条", real_retriever)
    assert ans.citations[0].article_id == "突发事件应对法@2007-08-30#42"
    assert "已修订" in ans.citations[0].line
    current = [c for c in ans.related if c.reason == "现行版本"]
    assert current and current[0].article_id.startswith("突发事件应对法@2024-06-28#")
    assert any("现行有效版本见" in n for n in ans.notes)
