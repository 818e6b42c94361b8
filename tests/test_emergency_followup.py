"""Emergencies answered with what to do now (kb/data/emergencies.json), through the answer layer and the
kiosk page; and follow-up questions in a conversation resolved against the previous turn (issue 14)."""
from __future__ import annotations

import json

import pytest

from kb.answer import answer, check_answer, emergencies, kiosk_answer, match_emergency
from kb.core import DATA_DIR

from apphelp import ok, open_app

# one everyday description per entry, written for this test
ASKED = {
    "gas_leak": "家里闻到很大的煤气味，怎么办",
    "fire": "楼道里着火了怎么办",
    "smoke": "楼下冒出很多黑烟，我该怎么办",
    "flood": "村里发大水了，水已经进屋了",
    "earthquake": "地震了，房子在晃，怎么办",
    "electric_shock": "工地上有人触电了怎么办",
    "chemical_smell": "车间里突然有很刺鼻的味道，怎么办",
    "trapped_confined_space": "有人下到污水池里清理，晕倒在池子里没反应了",
    "building_collapse": "隔壁的房子塌了，可能有人被压在下面",
}


def test_every_entry_has_steps_calls_and_an_article_only_where_it_applies(real_retriever):
    data = json.loads((DATA_DIR / "emergencies.json").read_text(encoding="utf-8"))
    assert {e["id"] for e in data["emergencies"]} == set(ASKED)
    for e in emergencies():
        assert e.steps and e.steps_en and e.call
        if e.article:       # the phrase is the article's own words
            assert e.phrase in real_retriever.corpus.by_id[e.article].text


@pytest.mark.parametrize("eid", sorted(ASKED))
def test_each_emergency_through_the_answer_layer(real_retriever, eid):
    question = ASKED[eid]
    assert match_emergency(question).id == eid
    ans = answer(question, real_retriever)
    assert ans.mode == "emergency" and ans.status == "answered"
    e = next(x for x in emergencies() if x.id == eid)
    assert ans.conclusion.splitlines()[1].endswith(e.steps[0])          # what to do first comes first
    assert [c.article_id for c in ans.citations] == ([e.article] if e.article else [])
    assert check_answer(ans, real_retriever.corpus) == []


@pytest.mark.parametrize("eid", sorted(ASKED))
def test_each_emergency_through_the_kiosk_page(app_env, monkeypatch, eid):
    monkeypatch.setenv("KB_MODE", "kiosk")
    at = ok(open_app())
    at.chat_input(key="kiosk_input").set_value(ASKED[eid]).run()
    ok(at)
    html = "\n".join(str(m.value) for m in at.markdown)
    e = next(x for x in emergencies() if x.id == eid)
    assert "kiosk-steps" in html and e.steps[0][:12] in html
    assert all(number in html for number in e.call)
    if not e.article:
        assert "kiosk-quote" not in html.split("您问")[1]             # no article that does not apply


def test_questions_about_the_law_are_not_emergencies(real_retriever):
    # an event named, but the question is about money, help or rights afterwards: retrieval answers it
    for question in ("家里厨房着火了打119，消防车来把火扑灭以后，会不会找我收钱？",
                     "洪水把我家房子冲塌了，政府有没有重建补助？怎么申请？",
                     "车间里突然一股很冲的煤气味，我能不能不等领导发话自己先跑出去？",
                     "有人打119说哪里着火了，结果啥事都没有，这种人会被怎么处理？"):
        assert match_emergency(question) is None, question
        assert answer(question, real_retriever).mode != "emergency"
    assert match_emergency("燃气泄漏造成事故怎么处罚") is None
    assert match_emergency("发现火灾不报警违法吗") is None
    assert answer("发现火灾不报警违法吗", real_retriever).citations[0].article_id == "消防法@2021-04-29#44"
    assert kiosk_answer("家里闻到煤气味怎么办", real_retriever).steps


def test_a_three_turn_conversation(real_retriever):
    first = answer("生产经营单位的主要负责人有哪些职责？", real_retriever)
    assert first.citations[0].article_id == "安全生产法@2021-06-10#21"        # the list of duties
    second = answer("那不履行这些职责怎么罚？", real_retriever, previous=first)
    assert second.status == "answered" and second.question == "那不履行这些职责怎么罚？"
    assert second.citations[0].article_id == "安全生产法@2021-06-10#94"
    third = answer("要是因此发生了较大事故呢？", real_retriever, previous=second)
    assert third.citations[0].article_id == "安全生产法@2021-06-10#95"
    assert "百分之六十" in third.conclusion
    # without the conversation the same words say too little
    alone = answer("那不履行这些职责怎么罚？", real_retriever)
    assert alone.status == "not_covered" and alone.mode == "needs_context" and "说完整" in alone.conclusion
    assert answer("And what about those rules?", real_retriever).mode == "needs_context"
    # a new topic is not read with the old one
    fresh = answer("有限空间作业前要检测什么？", real_retriever, previous=second)
    assert not fresh.asked_as


def test_officer_chat_follows_up(app_env):
    at = ok(open_app())
    for question in ("生产经营单位的主要负责人有哪些职责？", "那不履行这些职责怎么罚？"):
        at.chat_input[0].set_value(question).run()
        ok(at)
    history = at.session_state["officer_history"]
    assert len(history) == 2 and history[1]["result"].status == "answered"
    assert history[1]["result"].citations[0].article_id == "安全生产法@2021-06-10#94"
