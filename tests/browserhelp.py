"""Helpers shared by the real-browser tests (test_browser*.py): start `streamlit run app.py` on a free
loopback port and drive Debian's chromium with playwright.

A missing browser is a failure, not a skip: these are the only tests that see what a person sees.
Screenshots and server logs go to test-artifacts/ (git-ignored) for review.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from kb.core import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# the first visit loads the index and the model (once per server process)
FIRST_RENDER_MS = 120_000
VIEWPORTS = {"1920x1080": (1920, 1080), "1080x1920": (1080, 1920), "1366x768": (1366, 768)}


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


@contextmanager
def streamlit_app(settings, corpus: Path, name: str = "streamlit", **env_overrides: str) -> Iterator[str]:
    """Serve app.py against `settings` (KB_HOME, model) and `corpus`; yields the base URL.

    env_overrides (e.g. KB_MODE="kiosk") are added to the server's environment."""
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, KB_HOME=str(settings.home), KB_CORPUS=str(corpus), KB_MODEL=settings.model)
    env.pop("KB_MODE", None)
    env.update(env_overrides)
    log = ARTIFACTS / f"{name}.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
             "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
             "--client.toolbarMode", "minimal", "--server.maxUploadSize", "50"],
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


@contextmanager
def chromium() -> Iterator[object]:
    """A headless chromium (playwright Browser); closed on exit."""
    assert CHROMIUM.exists(), (f"{CHROMIUM} is missing: run apt-get update && "
                               "apt-get install -y chromium fonts-noto-cjk (as .ci/run does)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_rendered(page, timeout: int = FIRST_RENDER_MS) -> None:
    """Wait until Streamlit has finished a run (no running indicator, app view present)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout)
    page.wait_for_timeout(300)


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 = no sideways scrolling)."""
    return page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
                         " - window.innerWidth")


def shot(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot to test-artifacts/<name>.png and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
