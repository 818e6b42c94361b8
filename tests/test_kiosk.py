"""The public kiosk (KB_MODE=kiosk): kb/answer/kiosk.py (lay answers, input checks, usage counts) and the
one-screen app (AppTest), against the real index.

The app runs with KB_HOME set to a temporary folder whose `index` link points at the real test
index, so that the anonymous usage counts the kiosk writes land there and the privacy test can
read every file the kiosk wrote.
"""
from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kb.answer import (answer, check_answer, check_input, DISCLAIMER, help_for, kiosk_answer, KioskConfig,
                       match_topic, OTHER, plain_sentence, read_usage, record_usage, refusal_text,
                       topic_by_id, topics)

from apphelp import APP, ok  # noqa: E402
KIOSK_ENV = ("KB_KIOSK_IDLE_SECONDS", "KB_KIOSK_MAX_CHARS", "KB_KIOSK_MAX_PER_MINUTE", "KB_KIOSK_STATS")


# ---- every topic button leads to a real, cited answer ---------------------------------------------
@pytest.mark.parametrize("topic", topics(), ids=lambda t: t.id)
def test_every_topic_is_answered_with_its_article(real_retriever, topic):
    # the answer layer itself answers the button's question, citing the expected article, checked
    ans = answer(topic.question, real_retriever)
    assert ans.status == "answered", (topic.question, ans.conclusion)
    assert ans.citations and check_answer(ans, real_retriever.corpus) == []
    assert ans.citations[0].article_id == topic.expect, [c.article_id for c in ans.citations]

    ka = kiosk_answer(topic.question, real_retriever, topic=topic)
    assert ka.status == "answered"
    assert ka.article_id == topic.expect
    art = real_retriever.corpus.by_id[topic.expect]
    for segment in ka.quote.split("……"):
        assert segment in art.text                          # quoted verbatim
    assert ka.citation.startswith(art.citation)             # 《…》第X条（…）
    assert ka.plain.startswith("简单说：按照《")
    assert ka.help_lines == [line for line in ka.help_lines if line.split()[-1] in topic.help]
    assert ka.disclaimer == DISCLAIMER and ka.topic == topic.id


def test_topics_file_is_consistent():
    ids = [t.id for t in topics()]
    assert len(ids) == len(set(ids)) >= 8
    from kb.answer import kiosk_data
    data = kiosk_data()
    for t in topics():
        assert t.label and t.question and t.expect and t.help and t.keywords, t.id
        assert set(t.help) <= set(data.help_lines), t.id
        assert len(t.label) <= 12, t.label                  # fits on a big button
    for words, numbers in data.help_keywords:
        assert words and set(numbers) <= set(data.help_lines)
    assert set(data.default_help) | set(data.emergency_help) <= set(data.help_lines)


def test_kiosk_topics_are_not_index_data(tmp_path, monkeypatch):
    """Editing the kiosk topics must not make every index out of date (no rebuild for a button)."""
    import shutil
    import kb.retrieval.index as index
    data = tmp_path / "data"
    shutil.copytree(index.DATA_DIR, data)
    monkeypatch.setattr(index, "DATA_DIR", data)
    before = index.data_fingerprint()
    (data / "kiosk_topics.json").write_text("{}", encoding="utf-8")
    assert index.data_fingerprint() == before
    (data / "lay_terms.json").write_text("{}", encoding="utf-8")
    assert index.data_fingerprint() != before


# ---- kb/answer/kiosk.py units ----------------------------------------------------------------------------
CFG = KioskConfig(idle_seconds=120, max_chars=20, max_per_minute=3)


@pytest.mark.parametrize("text,words", [
    ("", "请先输入"),
    ("   \n\t", "请先输入"),
    ("安" * 21, "21 个字"),                      # one over the limit of 20
    ("你个傻逼", "文明"),
    ("傻 逼", "文明"),                           # spaces do not hide a word
    ("傻\u200b逼", "文明"),                      # nor zero-width characters
    ("What the FUCK", "文明"),
])
def test_check_input_rejects(text, words):
    message = check_input(text, [], 1000.0, CFG)
    assert message and words in message


@pytest.mark.parametrize("text", ["安" * 20, "发现火灾怎么办", "usb 接口着火了", "shitake 蘑菇"])
def test_check_input_accepts(text):
    # exactly the limit is fine; ASCII words match whole words only ("usb" is not "sb")
    assert check_input(text, [], 1000.0, CFG) is None


def test_rate_limit_counts_the_last_minute_only():
    now = 1000.0
    # 3 questions in the last minute: the 4th waits; the oldest was 50 s ago, so about 11 s more
    message = check_input("发现火灾怎么办", [950.0, 960.0, 990.0], now, CFG)
    assert message and "稍等约 11 秒" in message
    # the oldest is more than a minute old: only 2 count
    assert check_input("发现火灾怎么办", [939.0, 960.0, 990.0], now, CFG) is None


def test_config_from_environment():
    assert KioskConfig.from_env({}) == KioskConfig(120.0, 200, 6, True)
    cfg = KioskConfig.from_env({"KB_KIOSK_IDLE_SECONDS": "30", "KB_KIOSK_MAX_CHARS": "50",
                                "KB_KIOSK_MAX_PER_MINUTE": "2", "KB_KIOSK_STATS": "0"})
    assert cfg == KioskConfig(30.0, 50, 2, False)
    # a bad value must not stop an unattended kiosk from starting: the default is used
    bad = KioskConfig.from_env({"KB_KIOSK_IDLE_SECONDS": "soon", "KB_KIOSK_MAX_CHARS": "-5",
                                "KB_KIOSK_MAX_PER_MINUTE": "0"})
    assert bad == KioskConfig()


def test_plain_sentence():
    quote = "任何人发现火灾都应当立即报警。任何单位、个人都应当无偿为报警提供便利，不得阻拦报警。"
    assert plain_sentence(quote, "消防法", "第四十四条") == "简单说：按照《消防法》第四十四条，任何人发现火灾都要立即报警。"
    # the lead-in of a list points to the quoted items
    assert plain_sentence("劳动者享有下列职业卫生保护权利：\n（一）获得职业卫生教育、培训；", "职业病防治法", "第三十九条") == \
        "简单说：按照《职业病防治法》第三十九条，劳动者享有下列职业卫生保护权利（详见下面的条文）。"
    # a long first sentence is cut at a clause boundary
    long = "生产经营单位" + "，甲乙丙丁戊己庚辛" * 20 + "。"
    plain = plain_sentence(long, "安全生产法", "第一条")
    assert plain.endswith("……") and len(plain) < 150 and "单位" in plain and "生产经营单位" not in plain


def test_help_lines_follow_topic_and_words():
    fire = topic_by_id("fire")
    assert help_for("随便什么", "", fire) == ["火警 119"]              # a button: its own lines
    # typed: by the words in it (着火 → fire, 山火 → forest fire), each number once
    assert help_for("山上着火了，是山火", "") == ["火警 119", "森林火警 12119"]
    assert help_for("你好", "……燃气泄漏……") == ["火警 119", "医疗急救 120"]   # else by the quote
    assert help_for("你好", "") == ["政务服务便民热线 12345"]            # else the default
    assert match_topic("森林防火期可以上坟烧纸吗").id == "forest_fire"
    assert match_topic("你好") is None


def test_refusal_lists_what_the_kiosk_answers(real_retriever):
    text = refusal_text()
    assert "110" in text and "119" in text
    assert len(text.split("\n")) == 2                      # two short lines, not a 14-topic sentence
    ka = kiosk_answer("给我讲个笑话吧", real_retriever)
    assert ka.offered == [t.label for t in topics()] and len(ka.offered) >= 10


def test_out_of_scope_and_plan_only_answers_are_refused(real_retriever):
    ka = kiosk_answer("给我讲个笑话吧", real_retriever)
    assert ka.status == "not_covered" and ka.refusal == refusal_text() and not ka.quote
    assert ka.help_lines[:3] == ["报警求助 110", "火警 119", "医疗急救 120"]
    # a neighbouring field is named, with where to ask, above the usual refusal
    ka = kiosk_answer("今天天气怎么样", real_retriever)
    assert ka.status == "not_covered" and ka.refusal.startswith("这个问题属于天气、生活常识与投资方面")
    ka = kiosk_answer("试用期工资最低能给多少？", real_retriever)
    assert ka.refusal.startswith("这个问题属于劳动合同与工资待遇方面") and "12333" in ka.refusal
    assert ka.refusal.endswith(refusal_text().split("\n", 1)[1])
    # 防溺水 is only a publicity theme of the 2024 武汉 work plan: the officer's answer cites it, the
    # kiosk does not pass a work plan off as a rule
    ans = answer("防溺水", real_retriever)
    if ans.status == "answered":
        assert real_retriever.corpus.documents[
            real_retriever.corpus.by_id[ans.citations[0].article_id].doc_key].meta.doc_type == "plan"
    assert kiosk_answer("防溺水", real_retriever).status == "not_covered"
    assert kiosk_answer("", real_retriever).status == "not_covered"       # never raises


def test_usage_counts_are_anonymous_and_atomic(tmp_path):
    record_usage(tmp_path, "fire")
    record_usage(tmp_path, "fire")
    record_usage(tmp_path, "whatever the user typed")      # not a topic id: counted as "other"
    assert read_usage(tmp_path) == {"fire": 2, OTHER: 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kiosk_stats.json"]   # no temp file left
    (tmp_path / "kiosk_stats.json").write_text("{torn", encoding="utf-8")
    record_usage(tmp_path, "fire")                          # a damaged file starts again
    assert read_usage(tmp_path) == {"fire": 1}


# ---- the app in kiosk mode ------------------------------------------------------------------------
@pytest.fixture(scope="session")
def kiosk_home(real_settings, tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("kiosk-home")
    (home / "index").symlink_to(real_settings.index_dir.resolve())
    return home


@pytest.fixture
def kiosk_env(kiosk_home, real_settings, reference_corpus, monkeypatch):
    monkeypatch.setenv("KB_HOME", str(kiosk_home))
    monkeypatch.setenv("KB_CORPUS", str(reference_corpus))
    monkeypatch.setenv("KB_MODEL", real_settings.model)
    monkeypatch.setenv("KB_MODE", "kiosk")
    for name in KIOSK_ENV:
        monkeypatch.delenv(name, raising=False)
    return kiosk_home


def open_kiosk(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if page:
        at.query_params["page"] = page
    return ok(at.run())


def shown(at: AppTest) -> str:
    parts = [str(e.value) for kind in ("title", "markdown", "caption", "warning", "info") for e in getattr(at, kind)]
    return "\n".join(parts + [e.label for e in at.expander])


def turns(at: AppTest) -> list:
    return at.session_state["kiosk_turns"] if "kiosk_turns" in at.session_state else []


def test_kiosk_is_one_screen_without_navigation(kiosk_env):
    at = open_kiosk()
    assert at.title[0].value == "安全生产法律小助手"
    assert not at.sidebar.children                          # nothing in the sidebar
    assert [b.label for b in at.button] and {b.label for b in at.button} == {t.label for t in topics()}
    assert len(at.chat_input) == 1
    for kind in ("selectbox", "multiselect", "date_input", "checkbox", "text_input", "radio"):
        assert not getattr(at, kind), kind                  # no settings, filters or browser controls
    assert not at.get("file_uploader")
    css = "\n".join(m.value for m in at.markdown if "<style>" in m.value)
    assert 'data-testid="stSidebar"' in css and "display: none" in css
    # ?page= cannot open the officer's pages on a kiosk
    for page in ("browser", "corpus_page", "officer"):
        other = open_kiosk(page)
        assert other.title[0].value == "安全生产法律小助手"
        assert "法规浏览" not in shown(other) and not other.sidebar.children


def test_topic_button_gives_lay_answer(kiosk_env):
    at = open_kiosk()
    at.button(key="kiosk_topic_fire").click().run()
    text = shown(ok(at))
    assert "简单说：按照《消防法》第四十四条，任何人发现火灾都要立即报警。" in text
    assert "《中华人民共和国消防法》第四十四条（2021年修正，现行有效）" in text       # citation line
    assert "任何人发现火灾都应当立即报警。" in text                                   # the verbatim quote
    assert "火警 119" in text
    assert any("不构成法律意见" in c.value for c in at.caption)
    # order on screen: plain sentence, citation, quote, help, disclaimer
    order = [text.index(x) for x in ("简单说", "第四十四条（2021年修正", "无偿为报警提供便利", "火警 119")]
    assert order == sorted(order)
    assert at.button(key="kiosk_reset")


def test_typed_question_and_friendly_refusal(kiosk_env):
    at = open_kiosk()
    at.chat_input[0].set_value("今天天气怎么样").run()
    text = shown(ok(at))
    assert "不属于" not in text and "天气、生活常识与投资方面" in text
    assert "发现火灾怎么办" in text and "森林防火期用火" in text
    assert "简单说" not in text
    at.chat_input[0].set_value("着火了怎么办").run()        # a fire now: the steps first, then the article
    text = shown(ok(at))
    assert "请先这样做" in text and "火警 119" in text and "任何人发现火灾都应当立即报警" in text
    assert text.index("请先这样做") < text.index("任何人发现火灾都应当立即报警")
    assert len(turns(at)) == 2 and turns(at)[0]["asked"] == "着火了怎么办"   # newest first


def test_over_long_question_gets_a_gentle_message(kiosk_env):
    at = open_kiosk()
    at.chat_input[0].set_value("发现火灾" * 51).run()       # 204 characters, the limit is 200
    ok(at)
    assert at.warning and "200 个字以内" in at.warning[0].value
    assert not turns(at) and "简单说" not in shown(at)


def test_abusive_question_gets_a_gentle_message(kiosk_env):
    at = open_kiosk()
    at.chat_input[0].set_value("你们这些傻逼").run()
    assert ok(at).warning and "文明" in at.warning[0].value
    assert not turns(at)


def test_rate_limit(kiosk_env, monkeypatch):
    monkeypatch.setenv("KB_KIOSK_MAX_PER_MINUTE", "2")
    at = open_kiosk()
    at.button(key="kiosk_topic_fire").click().run()
    at.button(key="kiosk_topic_forest_fire").click().run()
    assert len(turns(ok(at))) == 2 and not at.warning
    at.button(key="kiosk_topic_hazard_report").click().run()
    ok(at)
    assert at.warning and "稍等" in at.warning[0].value
    assert len(turns(at)) == 2                              # no third answer


def test_idle_screen_clears_itself(kiosk_env, monkeypatch):
    monkeypatch.setenv("KB_KIOSK_IDLE_SECONDS", "5")
    at = open_kiosk()
    at.button(key="kiosk_topic_fire").click().run()
    assert turns(ok(at)) and "简单说" in shown(at)
    at.run()                                                 # within the idle time: kept
    assert turns(at)
    at.session_state["kiosk_last_active"] = time.time() - 6  # 6 s without a touch
    at.run()
    ok(at)
    assert not turns(at) and "简单说" not in shown(at)
    assert "kiosk_times" not in at.session_state              # the next person starts afresh


def test_reset_button(kiosk_env):
    at = open_kiosk()
    at.button(key="kiosk_topic_fire").click().run()
    at.button(key="kiosk_reset").click().run()
    assert not turns(ok(at)) and "简单说" not in shown(at)


def test_kiosk_with_missing_index_shows_no_commands(tmp_path, reference_corpus, monkeypatch):
    monkeypatch.setenv("KB_HOME", str(tmp_path / "empty-home"))
    monkeypatch.setenv("KB_CORPUS", str(reference_corpus))
    monkeypatch.setenv("KB_MODE", "kiosk")
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert at.error and "联系工作人员" in at.error[0].value
    assert not at.code and not at.chat_input


# ---- privacy --------------------------------------------------------------------------------------
PRIVATE = ["我叫张三住在幸福小区三栋二单元楼道里堆满了杂物会不会着火",   # answered
           "李四的手机号13912345678今天天气怎么样",                      # refused
           "王五问：" + "老板让我下井" * 40,                              # too long
           "赵六你个傻逼"]                                                # abusive


def test_kiosk_logs_and_stores_no_question_text(kiosk_env, caplog):
    stats = kiosk_env / "kiosk_stats.json"
    before = sum(read_usage(kiosk_env).values())
    caplog.set_level(logging.DEBUG)
    at = open_kiosk()
    for q in PRIVATE:
        at.chat_input[0].set_value(q).run()
        ok(at)
    at.button(key="kiosk_topic_fire").click().run()
    ok(at)
    needles = set()
    for q in PRIVATE:
        for piece in (q[:12], q[-12:], "13912345678", "张三", "李四", "王五", "赵六"):
            needles.add(piece) if piece in q else None
    # no log record (message or arguments) holds any part of a question
    for rec in caplog.records:
        text = rec.getMessage() + repr(rec.args)
        assert not any(n in text for n in needles), (rec.name, text[:200])
    # no file under KB_HOME holds it either (UTF-8 or JSON-escaped); the index link is not followed
    files = [Path(d) / f for d, _, fs in os.walk(kiosk_env) for f in fs]
    assert stats in files
    for p in files:
        if p.is_symlink():
            continue
        data = p.read_bytes()
        for n in needles:
            assert n.encode("utf-8") not in data and json.dumps(n)[1:-1].encode() not in data, (p, n)
    # the usage counts: topic ids and numbers only; one per answered or refused question, none for
    # the rejected ones (too long, abusive)
    counts = read_usage(kiosk_env)
    assert set(counts) <= {t.id for t in topics()} | {OTHER}
    assert sum(counts.values()) - before == 3


def test_usage_counts_can_be_turned_off(kiosk_env, monkeypatch):
    monkeypatch.setenv("KB_KIOSK_STATS", "0")
    before = read_usage(kiosk_env)
    at = open_kiosk()
    at.button(key="kiosk_topic_fire").click().run()
    assert turns(ok(at))
    assert read_usage(kiosk_env) == before
