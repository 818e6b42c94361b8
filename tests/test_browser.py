"""End to end in a real headless browser (Debian's chromium driven by playwright, see browserhelp.py):
the 问答 page with its linked citations, an article opened from its stable URL, and the kiosk at the three
screen sizes it is installed at. Screenshots go to test-artifacts/*.png for review."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from browserhelp import VIEWPORTS, chromium, horizontal_overflow, shot, streamlit_app, wait_rendered

QUESTION = "安全生产法第九十五条"
CITATION = "《中华人民共和国安全生产法》第九十五条（2021年修正，现行有效）"


@pytest.fixture(scope="module")
def officer_url(real_settings, reference_corpus):
    with streamlit_app(real_settings, reference_corpus, name="streamlit-officer") as url:
        yield url


@pytest.fixture(scope="module")
def kiosk_url(real_settings, reference_corpus):
    with streamlit_app(real_settings, reference_corpus, name="streamlit-kiosk", KB_MODE="kiosk") as url:
        yield url


def ask(page, question: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(state="visible", timeout=120_000)
    box.fill(question)
    box.press("Enter")


def test_question_in_a_real_browser(officer_url):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1600}, locale="zh-CN")
        page.goto(officer_url, wait_until="domcontentloaded")
        ask(page, QUESTION)
        link = page.get_by_role("link", name=CITATION).first
        link.wait_for(timeout=120_000)
        wait_rendered(page)
        shot(page, "browser")
        text = page.inner_text("body")
        # one copy button per cited article, the quote shown once outside any expander
        copies = page.frame_locator("iframe").first.get_by_role("button", name="复制引用")
        assert copies.count() == 1
        quotes = page.locator(".kb-quote")
        assert quotes.first.inner_text().startswith("生产经营单位的主要负责人未履行本法规定的安全生产管理职责")
        assert "Traceback" not in text and "python -m kb" not in text
        assert horizontal_overflow(page) <= 0

        # the citation is a link to the article's own URL; following it opens 法规浏览 on that article
        # in a new tab (the conversation stays where it was)
        href = link.get_attribute("href")
        assert {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()} == \
            {"law": "安全生产法", "article": "95", "version": "2021-06-10"}
        with page.context.expect_page() as opened:
            link.click()
        article = opened.value
        article.get_by_role("heading", name=CITATION).wait_for(timeout=120_000)
        wait_rendered(article)
        shot(article, "browser-article-from-link")
        assert "/browser?" in article.url and "article=95" in article.url


def test_article_url_opens_in_the_browser(officer_url):
    """A bookmarked or shared link opens the article, old versions included; the address bar follows
    the article shown."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page.goto(f"{officer_url}/browser?law=%E7%AA%81%E5%8F%91%E4%BA%8B%E4%BB%B6%E5%BA%94%E5%AF%B9%E6%B3%95"
                  "&article=42&version=2007-08-30", wait_until="domcontentloaded")
        heading = page.get_by_role("heading", name=re.compile("突发事件应对法》第四十二条（2007年"))
        heading.wait_for(timeout=120_000)
        wait_rendered(page)
        assert "已修订" in heading.inner_text()
        shot(page, "browser-old-version-link")
        page.get_by_role("button", name="下一条").first.click()
        page.get_by_role("heading", name=re.compile("第四十三条")).wait_for(timeout=60_000)
        page.wait_for_url(re.compile(r"article=43"), timeout=30_000)
        assert horizontal_overflow(page) <= 0


def newest_answer_box(page) -> dict:
    return page.evaluate("() => { const r = document.getElementById('kiosk-newest').getBoundingClientRect();"
                         " return {top: r.top, bottom: r.bottom, height: window.innerHeight}; }")


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_kiosk_shows_its_answer_at_every_screen_size(kiosk_url, size):
    width, height = VIEWPORTS[size]
    with chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
        page.goto(kiosk_url, wait_until="domcontentloaded")
        page.get_by_test_id("stChatInputTextArea").wait_for(state="visible", timeout=120_000)
        wait_rendered(page)
        assert horizontal_overflow(page) <= 0, f"{size}: the welcome screen scrolls sideways"

        # a typed question: the answer's top ("您问") is on screen, not scrolled away above it
        ask(page, "单位不给我发安全帽怎么办")
        page.locator("#kiosk-newest").wait_for(timeout=120_000)
        wait_rendered(page)
        page.wait_for_timeout(1200)                       # the scroll script's last attempt
        box = newest_answer_box(page)
        assert -2 <= box["top"] < box["height"] * 0.5, f"{size}: 您问 at {box['top']:.0f}px of {box['height']}"
        shot(page, f"kiosk-{size}", full_page=False)
        text = page.inner_text("body")
        assert "简单说" in text and "词语解释" in text
        assert horizontal_overflow(page) <= 0, f"{size}: the answer scrolls sideways"

        # out of scope: the topics as a list, not one long sentence
        ask(page, "今天天气怎么样")
        page.get_by_text("我可以回答这些问题").wait_for(timeout=120_000)
        wait_rendered(page)
        page.wait_for_timeout(1200)
        assert page.locator(".kiosk-offered li").count() >= 10
        box = newest_answer_box(page)
        assert -2 <= box["top"] < box["height"] * 0.5
        assert horizontal_overflow(page) <= 0
        shot(page, f"kiosk-refusal-{size}", full_page=False)
