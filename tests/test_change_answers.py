"""Answers that know about changes (issue 7): kb.answer.answer() answers "第X条现在是第几条",
"新增了哪些规定" and "修正案改了哪些条文" from the version alignment / amendment links, citing both
versions verbatim; ordinary questions take the usual retrieval path. Real index (real_retriever)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from kb.answer import answer, change_quote, check_answer, looks_like_change_question
from kb.core import PROJECT_ROOT

OLD, NEW = "突发事件应对法@2007-08-30", "突发事件应对法@2024-06-28"


def cited(ans) -> list[str]:
    return [c.article_id for c in ans.citations]


def sound(ans, retriever):
    assert ans.status == "answered" and ans.mode == "extractive"
    assert check_answer(ans, retriever.corpus) == []
    for c in ans.citations + ans.related:      # every quote is the article's own words
        assert c.quote and all(seg in c.text for seg in c.quote.split("……"))
    return ans


def test_where_did_an_old_article_go(real_retriever):
    ans = sound(answer("2007年突发事件应对法第四十二条现在是第几条", real_retriever), real_retriever)
    assert cited(ans) == [f"{OLD}#42", f"{NEW}#63"]
    assert "第六十三条" in ans.conclusion and "第四十二条" in ans.conclusion
    old, new = ans.citations
    assert "已修订" in old.line and "2007" in old.line          # the old version says it is superseded
    assert "现行有效" in new.line and "2024" in new.line
    art = real_retriever.corpus.by_id[f"{OLD}#42"]
    assert old.quote == art.body                                   # the whole article, verbatim
    assert any("python -m kb diff 突发事件应对法" in n for n in ans.notes)
    assert ans.hits == []                                          # answered from the alignment, not retrieval


def test_added_articles_of_the_revision(real_retriever):
    ans = sound(answer("新修订的应对法新增了哪些规定", real_retriever), real_retriever)
    ids = cited(ans) + [c.article_id for c in ans.related]
    assert len(ans.citations) == 10 and ans.related                # ~10 quoted, the rest related
    assert all(i.startswith(NEW + "#") for i in ids)               # added articles are in the 2024 text
    assert {f"{NEW}#{n}" for n in (4, 9, 84, 104)} <= set(ids)
    assert "新增31条" in ans.conclusion and "第一百零四条" in ans.conclusion
    assert all("新增" in c.reason for c in ans.citations)


def test_amendment_changes_to_safety_crimes(real_retriever):
    ans = sound(answer("刑法修正案十一改了刑法哪些安全生产犯罪条文", real_retriever), real_retriever)
    assert cited(ans) == ["刑法修正案（十一）@2020-12-26#3", "刑法@2023-12-29#134",
                          "刑法修正案（十一）@2020-12-26#4", "刑法@2023-12-29#134之一"]
    assert "第一百三十四条之一" in ans.conclusion and "第一百三十四条第二款" in ans.conclusion
    item = ans.citations[0]
    assert item.quote.startswith("将刑法第一百三十四条第二款修改为")


def test_amendment_question_about_one_article_cites_it_first(real_retriever):
    ans = sound(answer("刑法修正案（十一）对刑法第一百三十四条第二款作了哪些修改？", real_retriever), real_retriever)
    assert cited(ans)[:2] == ["刑法修正案（十一）@2020-12-26#3", "刑法@2023-12-29#134"]


def test_long_article_is_quoted_by_a_verbatim_prefix(real_retriever):
    corpus = real_retriever.corpus
    long = max(corpus.articles, key=lambda a: len(a.body))
    q = change_quote(long)
    assert long.body.startswith(q) and len(q) <= 400 and q.endswith(("。", "；"))


@pytest.mark.parametrize("question", ["安全生产法第九十五条", "生产经营单位主要负责人未履行安全生产管理职责，怎么处罚？",
                                      "刑法修正案（十一）是从哪一天起施行的？"])
def test_ordinary_questions_are_unaffected(real_retriever, question):
    ans = answer(question, real_retriever)
    assert ans.hits, "an ordinary question goes through retrieval"
    assert check_answer(ans, real_retriever.corpus) == []
    if question == "安全生产法第九十五条":
        assert cited(ans)[0] == "安全生产法@2021-06-10#95"


def test_law_filter_excludes_the_change_path(real_retriever):
    ans = answer("新修订的应对法新增了哪些规定", real_retriever, laws=["安全生产法"])
    assert ans.hits and not any(c.law == "突发事件应对法" for c in ans.citations)


def test_missing_old_article_is_a_note_not_a_citation(real_retriever):
    ans = answer("2007年应对法第八十条现在是第几条", real_retriever)
    said = ans.conclusion + " ".join(ans.notes)
    assert "没有" in said and "第八十条" in said      # 2007 version has 70 articles
    assert "突发事件应对法@2007-08-30#80" not in cited(ans)
    assert check_answer(ans, real_retriever.corpus) == []


def test_precheck_and_lazy_import():
    assert looks_like_change_question("原来的第七条现在是第几条")
    assert looks_like_change_question("刑法修正案十一改了哪些条文")
    assert not looks_like_change_question("刑法修正案（十一）是从哪一天起施行的？")
    assert not looks_like_change_question("安全生产法第九十五条")
    code = ("import sys; from kb.answer.pipeline import answer; "
            "assert 'kb.versions' not in sys.modules, sorted(m for m in sys.modules if m.startswith('kb.'))")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT_ROOT)


def test_overview_of_a_revision_lists_the_changes(real_retriever):
    ans = sound(answer("突发事件应对法2024年修订有哪些变化？", real_retriever), real_retriever)
    assert "新增" in ans.conclusion and len(ans.citations) >= 5


def test_comparison_on_one_topic_cites_that_topic_in_both_versions(real_retriever):
    # not the whole-law overview: the articles on false information, old and new
    ans = sound(answer("现行突发事件应对法对编造、传播虚假信息的处罚，与2007年版相比有什么变化？", real_retriever),
                real_retriever)
    ids = cited(ans)
    assert f"{NEW}#97" in ids and f"{OLD}#65" in ids
    assert all("虚假信息" in c.text for c in ans.citations[:2])
    assert not set(ids) & {c.article_id for c in ans.related}      # nothing listed twice
