"""The shared Milvus store (KB_MILVUS_URI, kb/retrieval/store.py).

Unit tests use Milvus Lite's file mode in a temp dir with the fixture corpus and the hash embedder; the
parity test publishes the real test index (.kb-test, read only) to a temp file; one test starts
`milvus-lite server` on a free loopback port and queries it from two `kb` processes while it is rebuilt.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kb.core import PROJECT_ROOT, Settings, StoreError

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

PY = sys.executable
QUESTIONS = ["单位应当每年组织一次演练吗", "违反本法第二条规定的罚多少", "示例安全法第三条", "工作要点",
             "罚款", "演练"]


def store_settings(settings: Settings, tmp_path: Path, name: str = "kb.db") -> Settings:
    return replace(settings, milvus_uri=str(tmp_path / name))


def hit_rows(hits) -> list[tuple]:
    return [(h.article_id, h.score, h.sources.get("bm25"), h.sources.get("dense")) for h in hits]


# ---- BM25 weights: the store's sparse vectors give bm25s's scores ------------------------------
def test_bm25_doc_vectors_reproduce_bm25s_scores():
    from kb.retrieval import SparseIndex
    texts = ["生产经营单位 应当 组织 演练", "演练 演练 方案", "罚款 一万元"]
    sparse = SparseIndex.build(texts)
    docs = sparse.doc_vectors()
    for query in (["演练"], ["演练", "演练", "罚款"], ["没有的词"]):
        q = sparse.query_vector(query)
        by_hand = [sum(q.get(int(t), 0.0) * float(w) for t, w in zip(*doc)) for doc in docs]
        # a repeated query term counts once per occurrence, as bm25s adds it
        np.testing.assert_allclose(by_hand, sparse.scores(query), rtol=1e-6, atol=1e-7)
    assert sparse.query_vector(["演练", "演练", "x"]) == {sparse.vocab["演练"]: 2.0}


# ---- file mode ----------------------------------------------------------------------------
def test_build_publishes_and_store_ranks_like_the_local_index(tiny_settings, tmp_path):
    from kb.retrieval import HybridRetriever, build_index, store_status
    report = build_index(tiny_settings, progress=False)
    ms = store_settings(tiny_settings, tmp_path)
    again = build_index(ms, progress=False)      # local index up to date: only published
    assert again.store.startswith("kb_") and "已发布到 Milvus" in again.summary()
    status = store_status(ms)
    assert status["ok"] and status["store"] == "milvus" and status["build"] == again.store
    assert status["count"] == report.nodes and status["articles"] == report.articles
    assert store_status(tiny_settings)["store"] == "local"
    local, store = HybridRetriever.load(tiny_settings), HybridRetriever.load(ms)
    assert store.index.article_ids == local.index.article_ids
    for q in QUESTIONS:
        for mode in ("full", "bm25", "dense", "hybrid"):
            from kb.retrieval import RetrievalConfig
            cfg = RetrievalConfig(mode=mode)
            a, b = local.search(q, k=10, config=cfg), store.search(q, k=10, config=cfg)
            assert [h.article_id for h in a] == [h.article_id for h in b], (q, mode)
            for x, y in zip(hit_rows(a), hit_rows(b)):
                assert x == pytest.approx(y, abs=2e-4), (q, mode)
    # a second identical build is a no-op for the store too
    assert build_index(ms, progress=False).up_to_date


def test_documents_come_from_the_store_without_a_local_index(tiny_settings, tmp_path):
    from kb.retrieval import build_index, load_documents
    ms = store_settings(tiny_settings, tmp_path)
    build_index(ms, progress=False)
    reader = replace(ms, home=tmp_path / "empty-home")      # an app instance with no KB_HOME index
    docs = load_documents(reader)
    assert sorted(docs.documents) == sorted(load_documents(tiny_settings).documents)


def test_failed_publish_leaves_the_alias_and_drops_what_it_wrote(tiny_settings, tmp_path, monkeypatch):
    from kb.retrieval import build_index, current_collection, store
    ms = store_settings(tiny_settings, tmp_path)
    first = build_index(ms, progress=False).store
    live = tiny_settings.index_dir.resolve()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(store, "_write_nodes", broken)
    with pytest.raises(StoreError, match="disk full"):
        build_index(ms, force=True, progress=False)
    assert current_collection(ms) == first                 # readers still see the old build
    assert tiny_settings.index_dir.resolve() == live       # and the local link did not move either
    names = store.client(ms).list_collections()
    assert sorted(n for n in names if n.startswith("kb_")) == sorted([first, first + "_files"])


def test_old_collections_are_dropped_after_the_alias_moved(tiny_settings, tmp_path):
    from kb.retrieval import build_index, current_collection, store
    ms = store_settings(tiny_settings, tmp_path)
    built = [build_index(ms, force=True, progress=False).store for _ in range(3)]
    assert current_collection(ms) == built[-1]
    # the live build and the one it replaced (a reader may have just loaded it) stay; the first is gone
    kept = sorted(n for n in store.client(ms).list_collections() if n.startswith("kb_"))
    assert kept == sorted([built[1], built[1] + "_files", built[2], built[2] + "_files"])


def test_empty_store_says_to_build(tiny_settings, tmp_path):
    from kb.retrieval import HybridRetriever, store_status
    ms = store_settings(tiny_settings, tmp_path, "empty.db")
    with pytest.raises(StoreError, match="还没有索引.*kb build"):
        HybridRetriever.load(ms)
    status = store_status(ms)
    assert not status["ok"] and "kb build" in status["error"]


def run_kb(args: list[str], env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "kb", *args], env=env, capture_output=True, text=True, cwd=PROJECT_ROOT,
                          timeout=timeout, check=False)


def kb_env(settings: Settings, **extra) -> dict:
    env = dict(os.environ, KB_HOME=str(settings.home), KB_CORPUS=os.pathsep.join(map(str, settings.corpus_dirs)),
               KB_MODEL=settings.model)
    env.pop("KB_MILVUS_URI", None)
    env.update(extra)
    return env


@pytest.mark.parametrize("uri, message", [
    ("127.0.0.1:19530", "KB_MILVUS_URI 的值 '127.0.0.1:19530' 无效"),
    ("/no/such/folder/kb.db", "文件夹 /no/such/folder 不存在"),
    ("http://127.0.0.1:1", "Milvus 存储 http://127.0.0.1:1 连接失败"),
])
def test_bad_uris_give_one_line(tiny_settings, uri, message):
    proc = run_kb(["search", "演练"], kb_env(tiny_settings, KB_MILVUS_URI=uri))
    assert proc.returncode == 1
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_default_path_never_imports_pymilvus(tiny_settings):
    from kb.retrieval import build_index
    build_index(tiny_settings, progress=False)
    code = ("import sys; from kb.core import Settings; from kb.retrieval import HybridRetriever; "
            "r = HybridRetriever.load(Settings.from_env()); r.search('演练'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pymilvus', 'milvus_lite', 'grpc')))")
    out = subprocess.run([PY, "-c", code], env=kb_env(tiny_settings), capture_output=True, text=True,
                         cwd=PROJECT_ROOT, check=True)
    assert out.stdout.strip() == "[]"


# ---- the real index: same ranking through Milvus -------------------------------------------
def test_real_index_parity(real_settings, real_retriever, tmp_path):
    from kb.eval import load_questions
    from kb.retrieval import HybridRetriever, load_index, publish_build
    ms = replace(real_settings, milvus_uri=str(tmp_path / "real.db"))
    publish_build(ms, load_index(real_settings, verify=False))
    store = HybridRetriever.load(ms)
    questions = [q.question for q in load_questions()][::7]          # 30 dev questions, every voice
    same = 0
    for q in questions:
        a, b = real_retriever.search(q, k=10), store.search(q, k=10)
        same += [h.article_id for h in a] == [h.article_id for h in b]
        assert a[0].article_id == b[0].article_id, q
        assert a[0].score == pytest.approx(b[0].score, abs=2e-4), q
    # float32 sums in another order may swap two exactly tied articles lower down, nothing more
    assert same >= len(questions) - 1, f"{same}/{len(questions)} identical top-10 lists"


# ---- server mode: two processes, a rebuild under them ---------------------------------------
NEW_DOC = """---
title: "新增测试规定"
short_title: "新增测试规定"
doc_type: departmental_rule
issuer: "测试机关"
doc_number: "测试令第9号"
promulgated: "2025-01-01"
effective: "2025-02-01"
status: in_force
---

# 新增测试规定

## 第一章 总则

第一条 冷库氨制冷机房应当安装泄漏报警装置。
"""


def test_server_two_processes_keep_answering_through_a_rebuild(tiny_settings, tmp_path):
    from evals.milvus_server import milvus_server
    from kb.retrieval import build_index
    with milvus_server(tmp_path / "milvus") as uri:
        ms = replace(tiny_settings, milvus_uri=uri)
        first = build_index(ms, progress=False).store
        # readers have no local index at all: everything comes from the store
        reader_env = kb_env(tiny_settings, KB_MILVUS_URI=uri, KB_HOME=str(tmp_path / "reader-home"))
        results: dict[int, list[tuple[int, str, str]]] = {0: [], 1: []}
        stop = threading.Event()

        def reader(n: int) -> None:
            while not stop.is_set():
                p = run_kb(["search", "冷库氨制冷机房泄漏报警", "-k", "3", "--json"], reader_env)
                results[n].append((p.returncode, p.stdout, p.stderr))
                if p.returncode == 0 and "新增测试规定" in p.stdout:
                    return                       # this reader has seen the new article

        threads = [threading.Thread(target=reader, args=(n,)) for n in (0, 1)]
        for t in threads:
            t.start()
        deadline = time.time() + 60
        while time.time() < deadline and not all(results.values()):
            time.sleep(0.2)                      # both readers answered from the first build
        assert all(results.values()), "readers did not answer in 60 s"
        (tiny_settings.corpus_dirs[0] / "新增测试规定@2025-01-01.md").write_text(NEW_DOC, encoding="utf-8")
        second = build_index(ms, progress=False)
        assert second.store != first and second.embedded == 1     # the cache re-embedded only the new article
        for t in threads:
            t.join(timeout=180)
        stop.set()
        for n, runs in results.items():
            errors = [err for code, _, err in runs if code != 0]
            assert not errors, f"reader {n}: {errors[:2]}"
            assert "新增测试规定" in runs[-1][1], f"reader {n} never saw the new article"
            assert "新增测试规定" not in runs[0][1]      # and its first answer came from the first build
        first_hit = json.loads(results[0][-1][1])
        hits = first_hit["hits"] if isinstance(first_hit, dict) else first_hit
        assert "新增测试规定" in json.dumps(hits[0], ensure_ascii=False)


def test_store_going_away_mid_session_gives_one_line(tiny_settings, tmp_path):
    from evals.milvus_server import start_server, stop_server
    from kb.retrieval import HybridRetriever, build_index
    proc, uri = start_server(tmp_path / "milvus")
    try:
        ms = replace(tiny_settings, milvus_uri=uri)
        build_index(ms, progress=False)
        retriever = HybridRetriever.load(ms)
        assert retriever.search("演练")
    finally:
        stop_server(proc)
    with pytest.raises(StoreError) as err:
        retriever.search("演练 罚款")
    assert uri in str(err.value) and "\n" not in str(err.value)
    cli = run_kb(["search", "演练"], kb_env(tiny_settings, KB_MILVUS_URI=uri))
    assert cli.returncode == 1 and "Traceback" not in cli.stderr
    assert len(cli.stderr.strip().splitlines()) == 1, cli.stderr


def test_two_app_sessions_follow_the_store_through_a_rebuild(tiny_settings, tmp_path, monkeypatch):
    from apphelp import ok, open_app

    from evals.milvus_server import milvus_server
    from kb.retrieval import build_index
    with milvus_server(tmp_path / "milvus") as uri:
        ms = replace(tiny_settings, milvus_uri=uri)
        build_index(ms, progress=False)
        # the app instances have no local index: KB_HOME is empty, everything comes from the store
        for key, value in (("KB_MILVUS_URI", uri), ("KB_HOME", str(tmp_path / "app-home")),
                           ("KB_CORPUS", str(tiny_settings.corpus_dirs[0])), ("KB_MODEL", "hash")):
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("KB_MODE", raising=False)
        sessions = [open_app(), open_app()]
        for at in sessions:
            ok(at.chat_input[0].set_value("示例安全法第三条").run())
            assert any("示例安全法" in m.value for m in at.markdown)
        (tiny_settings.corpus_dirs[0] / "新增测试规定@2025-01-01.md").write_text(NEW_DOC, encoding="utf-8")
        build_index(ms, progress=False)
        for at in sessions:          # the next question in each session is answered from the new build
            ok(at.chat_input[0].set_value("新增测试规定第一条").run())
            assert any("冷库氨制冷机房应当安装泄漏报警装置" in m.value for m in at.markdown)
            assert len(at.session_state["officer_history"]) == 2      # and the earlier answer is kept


def test_corpus_check_names_the_store_and_its_build(tiny_settings, tmp_path, monkeypatch, capsys):
    from kb.cli import main
    from kb.retrieval import build_index
    ms = store_settings(tiny_settings, tmp_path)
    name = build_index(ms, progress=False).store
    monkeypatch.setenv("KB_MILVUS_URI", ms.milvus_uri)
    code = main(["corpus", "check", "--corpus", str(tiny_settings.corpus_dirs[0]), "--home", str(ms.home)])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    # the store line sits just above the summary: the Milvus URI, the collection behind the alias, its size
    assert out[-2].startswith(f"索引存储：Milvus {ms.milvus_uri}；集合 {name}，12 个片段，12 条")
