"""出题 and 新旧对照 in a real browser (issue 16, points 3, 4 and 8): `streamlit run app.py` once for the
module, Debian's chromium at 1366×768 and 1920×1080.

出题: generate the default quiz, every stem shown in full, no label cut off (an element that clips its
text has scrollWidth > clientWidth), no sideways scrolling, the counts per chapter and type shown.
新旧对照: the counts add up to the pairs listed, one label per pair, no score ("dice") on screen.
Screenshots go to test-artifacts/trainer-<size>.png and versions-<size>.png for review.
"""
from __future__ import annotations

import re

import pytest

from browserhelp import VIEWPORTS, chromium, horizontal_overflow, shot, streamlit_app, wait_rendered
from kb.corpus import load_corpus
from kb.quiz import DEFAULT_TYPES, generate_quiz, quiz_spread

SIZES = ["1366x768", "1920x1080"]
# Text that an element clips (overflow hidden / ellipsis and wider content than its box): labels,
# buttons, metric labels. Returns the clipped texts.
CLIPPED_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('[data-testid="stMain"] *')) {
    const text = (el.innerText || '').trim();
    if (!text || el.children.length > 2) continue;
    const cs = getComputedStyle(el);
    const clips = cs.overflowX === 'hidden' || cs.overflow === 'hidden' || cs.textOverflow === 'ellipsis';
    if (clips && el.scrollWidth > el.clientWidth + 1) out.push(text.slice(0, 40));
  }
  return out;
}"""


@pytest.fixture(scope="module")
def app_url(real_settings, reference_corpus):
    with streamlit_app(real_settings, reference_corpus, name="streamlit-trainer-versions") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def expected_quiz(reference_corpus):
    """The quiz the page makes first: 安全生产法, the default counts, seed 7."""
    corpus = load_corpus([reference_corpus])
    quiz = generate_quiz(corpus, ["安全生产法"], types=DEFAULT_TYPES, seed=7)
    return quiz, quiz_spread(quiz.items, corpus)


def open_page(browser, url: str, page_name: str, size: str):
    w, h = VIEWPORTS[size]
    page = browser.new_page(viewport={"width": w, "height": h}, locale="zh-CN")
    page.goto(f"{url}/?page={page_name}", wait_until="domcontentloaded")
    wait_rendered(page)
    return page


@pytest.mark.parametrize("size", SIZES)
def test_trainer_in_a_real_browser(app_url, browser, expected_quiz, size):
    quiz, spread = expected_quiz
    page = open_page(browser, app_url, "trainer", size)
    try:
        page.get_by_role("button", name="生成题目").click()
        page.get_by_text("第 30 题").wait_for(timeout=120_000)
        wait_rendered(page)
        body = page.inner_text("body")
        # every stem and option in full, the answer and the cited article
        for it in quiz.items:
            assert it.stem in body, it.stem
            assert all(o in body for o in it.options)
        first = page.get_by_text(quiz.items[0].stem, exact=True)
        assert first.is_visible()
        assert body.count("答案：") == 30 and body.count("出处：") == 30
        # the spread above the preview: per type and per chapter, as kb.quiz.quiz_spread counts them
        assert "题型：单选题 10 道　多选题 5 道　判断题 10 道　填空题 5 道" in body
        assert "章节：" + "　".join(f"{c} {k} 道" for c, k in spread["chapter"].items()) in body
        assert body.index("章节：") < body.index(quiz.items[0].stem)
        # trainer wording, labels whole, nothing wider than the window
        assert "随机种子" not in body and "换一组题" in body
        for label in ("只出修订变化的题", "Word 答案与解析", "单选题（道）"):
            assert label in body
        assert page.evaluate(CLIPPED_JS) == []
        assert horizontal_overflow(page) == 0
        shot(page, f"trainer-{size}")
        first.scroll_into_view_if_needed()          # the app scrolls inside its own box: a second picture
        shot(page, f"trainer-items-{size}", full_page=False)
    finally:
        page.close()


def metrics(page) -> dict[str, int]:
    out = {}
    for m in page.get_by_test_id("stMetric").all():
        label = m.get_by_test_id("stMetricLabel").inner_text().strip()
        out[label] = int(m.get_by_test_id("stMetricValue").inner_text().strip())
    return out


@pytest.mark.parametrize("size", SIZES)
def test_versions_in_a_real_browser(app_url, browser, size):
    page = open_page(browser, app_url, "versions", size)
    try:
        page.get_by_text(re.compile(r"逐条对照（\d+ 对）")).wait_for(timeout=120_000)
        page.get_by_test_id("stMetric").first.wait_for(timeout=60_000)
        wait_rendered(page)
        body = page.inner_text("body")
        counts = metrics(page)
        assert list(counts) == ["条文未改", "条文修改", "拆分", "合并", "新增", "删除"]
        listed = int(re.search(r"逐条对照（(\d+) 对）", body).group(1))
        assert sum(counts.values()) == listed == 112 and counts["条文未改"] == 9
        heads = re.findall(r"〔([^〕]+)〕", body)
        assert heads and all(h.split("，")[0] in counts for h in heads)       # one label per pair
        assert not any(w in body for w in ("dice", "锚点", "≥", "对齐理由", "相似度"))
        assert page.evaluate(CLIPPED_JS) == []
        assert horizontal_overflow(page) == 0
        shot(page, f"versions-{size}")
        page.get_by_text(re.compile("〔")).first.scroll_into_view_if_needed()
        shot(page, f"versions-pairs-{size}", full_page=False)
    finally:
        page.close()
