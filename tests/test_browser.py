"""End to end in a real headless browser: `streamlit run app.py` on a free localhost port, Debian's
chromium driven by playwright, a question typed into the chat box, the citation found on the page.

Needs /usr/bin/chromium and fonts-noto-cjk (.ci/run installs them). A missing browser is a failure,
not a skip: this is the only test that sees what a person sees. The screenshot is saved to
test-artifacts/browser.png (git-ignored) and the server log to test-artifacts/streamlit.log.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kb.core import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
QUESTION = "安全生产法第九十五条"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"streamlit did not answer at {url} within {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def app_url(real_settings, reference_corpus):
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, KB_HOME=str(real_settings.home), KB_CORPUS=str(reference_corpus),
               KB_MODEL=real_settings.model)
    env.pop("KB_MODE", None)
    log = ARTIFACTS / "streamlit.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
             "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
             "--client.toolbarMode", "minimal"],
            cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_question_in_a_real_browser(app_url):
    assert CHROMIUM.exists(), (f"{CHROMIUM} is missing: run apt-get update && "
                               "apt-get install -y chromium fonts-noto-cjk (as .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600}, locale="zh-CN")
            page.goto(app_url, wait_until="domcontentloaded")
            # the first visit loads the index and the model (once per process), then the chat box appears
            box = page.get_by_test_id("stChatInputTextArea")
            box.wait_for(state="visible", timeout=120_000)
            box.fill(QUESTION)
            box.press("Enter")
            page.wait_for_function(
                "() => document.body.innerText.includes('第九十五条')"
                " && document.querySelectorAll('[data-testid=\"stExpander\"]').length > 0",
                timeout=120_000)
            page.wait_for_timeout(500)          # let the expander finish opening before the picture
            page.screenshot(path=str(ARTIFACTS / "browser.png"), full_page=True)
            text = page.inner_text("body")
            first = page.get_by_test_id("stExpander").first.inner_text()
        finally:
            browser.close()
    assert "第九十五条" in text and "安全生产法" in text
    assert "安全生产法" in first and "第九十五条" in first
    assert "Traceback" not in text
    assert (ARTIFACTS / "browser.png").stat().st_size > 10_000
