"""语料 page in a real browser (issue 16, points 5 and 8): upload a small regulation, see the preview with
its numbering gap, save it, update the index with the progress bar, then open the new article in
法规浏览. Runs on a throwaway KB_HOME with the fixture corpus and the hash embedder (never .kb-test or
../shared). Screenshots: test-artifacts/corpus_*.png."""
from __future__ import annotations

import contextlib
from urllib.parse import urlencode

from kb.core import Settings
from tests.browserhelp import (
    chromium,
    horizontal_overflow,
    shot,
    streamlit_app,
    wait_rendered,
)
from tests.test_corpus_page import LAW_TITLE, LAW_TXT

VIEWPORT = {"width": 1366, "height": 768}


def whole_page_shot(page, name: str) -> None:
    """Streamlit scrolls inside its main container, so a full-page screenshot is one screen: grow the
    viewport (same width) to the content's height for the picture, then restore it."""
    height = page.evaluate("() => Math.max(...Array.from(document.querySelectorAll('section, div'),"
                           " e => e.scrollHeight))")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], min(height, 8000))})
    page.wait_for_timeout(500)
    shot(page, name, full_page=False)
    page.set_viewport_size(VIEWPORT)
    page.wait_for_timeout(300)


def test_add_a_document_from_the_browser(tmp_path, tiny_corpus):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from kb.retrieval import build_index
    docs = tmp_path / "user_docs"
    settings = Settings(corpus_dirs=[tiny_corpus, docs], home=tmp_path / "home", model="hash")
    build_index(settings, progress=False)
    old_index = settings.index_dir.resolve()
    with streamlit_app(settings, tiny_corpus, name="streamlit_corpus",
                       KB_CORPUS=f"{tiny_corpus}:{docs}", KB_USER_DOCS=str(docs)) as url, chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
        page.goto(f"{url}/?page=corpus_page", wait_until="domcontentloaded")
        page.get_by_text("添加文件").first.wait_for(timeout=120_000)
        wait_rendered(page)
        assert horizontal_overflow(page) <= 0
        whole_page_shot(page, "corpus_page_1366")
        body = page.inner_text("body")
        assert "python -m kb" not in body            # commands only inside the (closed) administrators' note

        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            files=[{"name": "示例危化品仓储安全规定.txt", "mimeType": "text/plain", "buffer": LAW_TXT.encode("utf-8")}])
        page.get_by_text("第四条之后是第六条，缺第五条").first.wait_for(timeout=60_000)
        wait_rendered(page)
        issuer = page.get_by_label("制定机关")
        issuer.fill("测试机关")
        issuer.press("Enter")
        wait_rendered(page)
        body = page.inner_text("body")
        assert "预览：《示例危化品仓储安全规定》" in body and "首条" in body and "末条" in body
        assert "第七条" in body and "本规定自2024年5月1日起施行" in body
        assert horizontal_overflow(page) <= 0
        whole_page_shot(page, "corpus_preview_1366")

        page.get_by_role("button", name="保存并更新索引").click()
        # the hash embedder builds this corpus in about a second: the bar may be gone already (seeing it
        # is a bonus here; test_corpus_page checks the job's states)
        with contextlib.suppress(PlaywrightTimeout):
            page.get_by_test_id("stProgress").wait_for(timeout=3_000)
            shot(page, "corpus_progress_1366", full_page=False)
        page.get_by_text("索引已更新").first.wait_for(timeout=120_000)
        wait_rendered(page)
        body = page.inner_text("body")
        assert "Traceback" not in body and "索引更新失败" not in body
        assert LAW_TITLE in page.get_by_test_id("stDataFrame").first.inner_text() or LAW_TITLE in body
        assert horizontal_overflow(page) <= 0
        whole_page_shot(page, "corpus_saved_1366")
        assert (docs / f"{LAW_TITLE}@2024-03-01.md").is_file()
        assert settings.index_dir.resolve() != old_index

        # the new article is in the live index: its link opens it in 法规浏览
        page.goto(f"{url}/?{urlencode({'page': 'browser', 'law': LAW_TITLE, 'article': '6'})}",
                  wait_until="domcontentloaded")
        page.get_by_text("仓库管理人员应当每日巡查").first.wait_for(timeout=60_000)
        wait_rendered(page)
        whole_page_shot(page, "corpus_new_article_1366")
        body = page.inner_text("body")
        assert "第六条" in body and "Traceback" not in body
