"""Helpers shared by the AppTest-based tests (test_app, test_pages_trainer_versions, test_kiosk)."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from kb.core import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")


def open_app(page: str | None = None) -> AppTest:
    """Run app.py, optionally on one page (?page=<name>, see app.py)."""
    at = AppTest.from_file(APP, default_timeout=120)
    if page:
        at.query_params["page"] = page
    return at.run()


def ok(at: AppTest) -> AppTest:
    """No exception and no error box: what a user must never see on a working index."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at
