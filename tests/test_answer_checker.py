"""The citation checker (kb.answer.verify_citation / check_answer) rejects wrong citations and
altered quotes, and every extractive answer to a real question passes it.

Uses the reference index (`real_retriever`); the citations fed in are hand-made variants of one
sound citation of 安全生产法第九十五条.
"""
from __future__ import annotations

import re
from dataclasses import replace

import pytest

from kb.answer import answer, check_answer, make_citation, verify_citation
from kb.core import Answer

AID = "安全生产法@2021-06-10#95"
LINE = "《中华人民共和国安全生产法》第九十五条（2021年修正，现行有效）"
QUOTE = "（二）发生较大事故的，处上一年年收入百分之六十的罚款；"
# A citation line as an officer writes it in a 处罚决定书: title, article, version and status.
LINE_RE = re.compile(r"《[^《》]+》第[零一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?"
                     r"（\d{4}年(?:修正|修订|公布)，现行有效）")


@pytest.fixture(scope="module")
def corpus(real_retriever):
    return real_retriever.corpus


@pytest.fixture(scope="module")
def sound(corpus):
    return make_citation(corpus, corpus.by_id[AID], QUOTE)


def test_sound_citation_passes(corpus, sound):
    assert sound.line == LINE
    assert verify_citation(corpus, sound) == []
    # a quote of two separate passages joined by "……" is still verbatim
    two = replace(sound, quote="由应急管理部门依照下列规定处以罚款……（四）发生特别重大事故的，处上一年年收入百分之一百的罚款。")
    assert verify_citation(corpus, two) == []


def _line(c, old: str, new: str) -> str:
    assert old in c.line
    return c.line.replace(old, new)


@pytest.mark.parametrize("why, change", [
    ("wrong article number in the line", lambda c: {"line": _line(c, "第九十五条", "第九十六条")}),
    ("an article number that contains the right one", lambda c: {"line": _line(c, "第九十五条", "第一百九十五条")}),
    ("wrong law title in the line", lambda c: {"line": _line(c, "中华人民共和国安全生产法", "中华人民共和国消防法")}),
    ("a title that contains the right one", lambda c: {"line": _line(c, "》", "实施条例》")}),
    ("wrong version in the line", lambda c: {"line": _line(c, "2021年修正", "2014年修正")}),
    ("wrong status in the line", lambda c: {"line": _line(c, "现行有效", "已废止")}),
    ("a second article appended to the line", lambda c: {"line": c.line + "第九十六条"}),
    ("the line without version and status", lambda c: {"line": "《中华人民共和国安全生产法》第九十五条"}),
    ("article label of another article", lambda c: {"label": "96"}),
    ("another version", lambda c: {"version": "2014-08-31"}),
    ("the status field of another status", lambda c: {"status": "repealed"}),
    ("the full text shown is altered", lambda c: {"text": c.text.replace("百分之六十", "百分之十")}),
])
def test_wrong_citation_is_rejected(corpus, sound, why, change):
    assert verify_citation(corpus, replace(sound, **change(sound))), why


@pytest.mark.parametrize("why, quote", [
    ("one character changed", QUOTE.replace("六十", "五十")),
    ("one character dropped", QUOTE.replace("上一年", "一年")),
    ("a quote from another article (安全生产法第九十六条)", None),
    ("a quote spanning two articles (end of 第九十五条 + start of 第九十六条)", None),
    ("one good segment and one altered segment", QUOTE + "……（三）发生重大事故的，处上一年年收入百分之九十的罚款；"),
])
def test_altered_quote_is_rejected(corpus, sound, why, quote):
    nxt = corpus.by_id["安全生产法@2021-06-10#96"]
    if why.startswith("a quote from another"):
        quote = nxt.body[:40]
    elif why.startswith("a quote spanning"):
        quote = corpus.by_id[AID].text[-20:] + "\n" + nxt.text[:20]
    assert quote not in corpus.by_id[AID].text
    problems = verify_citation(corpus, replace(sound, quote=quote))
    assert problems and any("不是" in p and "原文" in p for p in problems), why


def test_unknown_article_is_rejected(corpus, sound):
    for aid in ("安全生产法@2021-06-10#999", "安全生产法@2014-08-31#95", "不存在的法@2020-01-01#1"):
        assert verify_citation(corpus, replace(sound, article_id=aid)) == [f"引用的条文 {aid} 不在索引中"]


def test_check_answer_covers_related_articles(corpus, sound):
    bad = replace(sound, quote=QUOTE.replace("六十", "五十"))
    ans = Answer("answered", "q", "zh", "结论", [sound], [bad])
    assert len(check_answer(ans, corpus)) == 1
    assert check_answer(replace(ans, related=[sound]), corpus) == []


# Officer questions: direct references, penalties, time limits, an English question.
QUESTIONS = [
    ("安全生产法第九十五条", "安全生产法@2021-06-10#95"),
    ("刑法第一百三十四条之一", "刑法@2023-12-29#134之一"),
    ("职业病防治法第七十一条", "职业病防治法@2018-12-29#71"),
    ("危险化学品安全管理条例第八十条", "危险化学品安全管理条例@2013-12-07#80"),
    ("安全生产法第九十九条的罚款是多少", "安全生产法@2021-06-10#99"),
    ("生产经营单位主要负责人未履行安全生产管理职责，怎么处罚？", None),
    ("主要负责人未履职导致较大事故罚多少？", None),
    ("未按规定对从业人员进行安全生产教育和培训的，罚多少钱？", None),
    ("发生生产安全事故后多长时间内要上报？", None),
    ("What is the fine for the principal person in charge when a major accident happens?", None),
]


@pytest.mark.parametrize("question, expected", QUESTIONS)
def test_extractive_answers_pass_the_checker(real_retriever, corpus, question, expected):
    ans = answer(question, real_retriever)
    assert ans.status == "answered" and ans.mode == "extractive" and ans.citations
    assert check_answer(ans, corpus) == []
    if expected:   # a direct reference is answered by that article
        assert ans.citations[0].article_id == expected
    for c in ans.citations + ans.related:
        art = corpus.by_id[c.article_id]
        assert LINE_RE.fullmatch(c.line), c.line
        assert c.text == art.text
        assert all(seg in art.text for seg in c.quote.split("……") if seg), c.quote
    assert ans.language == ("en" if question.isascii() else "zh")
