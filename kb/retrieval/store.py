"""The shared index in Milvus (KB_MILVUS_URI): one store that every app instance reads.

`kb build` still builds the local folder under KB_HOME (the embedding cache decides what is re-embedded),
then publishes that build to Milvus as two NEW collections, and only then moves the alias:

    kb_index (alias) -> kb_<build>            one row per embedded piece (nodes.jsonl order, pk = node number):
                                              article_id, piece, law, version, status, doc_key, label, text
                                              (the article's),
                                              dense (FLOAT_VECTOR, FLAT, IP: exact cosine over normalised vectors),
                                              sparse (SPARSE_FLOAT_VECTOR, SPARSE_INVERTED_INDEX, IP)
                        kb_<build>_files      the build's small files in parts: manifest.json, documents.jsonl,
                                              nodes.jsonl, penalty_links.jsonl, bm25_vocab.json

A failed publish drops what it created and leaves the alias where it was. After the alias moved, every
collection but the new one and the one it replaced is dropped (a reader that loaded the previous build
a moment ago keeps answering from it, as the local index keeps one spare build).

BM25 is OUR BM25 (bm25s over jieba tokens), not Milvus's built-in BM25 function (its IDF is per segment,
so scores drift as segments form): the sparse field of an article's first piece holds bm25s's
precomputed weight of every term in the article, a query is the vector term id → count, and the
inner product of the two is exactly bm25s's score. Later pieces of a long article carry one sentinel
term no query contains (Milvus refuses an empty sparse vector). Dense and sparse searches ask for every
row (limit = number of pieces), so fusion and query understanding in HybridRetriever see the same full
score arrays as with the embedded index, and give the same ranking.

pymilvus is imported here only, and only when KB_MILVUS_URI is set.
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
from contextlib import contextmanager, suppress
from pathlib import Path

import numpy as np

from kb.core.errors import IndexCorruptError, KBError, StoreError
from kb.core.settings import Settings
from kb.corpus import Corpus, PenaltyLink, document_from_dict

ALIAS = "kb_index"
PREFIX = "kb_"
SENTINEL_TERM = 2**32 - 2      # Milvus takes term ids below 2^32 - 1; bm25s's vocabulary is far smaller
PART_CHARS = 16000             # a VARCHAR holds 65,535 bytes: 16,000 characters of up to 4 bytes each
FILE_NAMES = ("manifest.json", "documents.jsonl", "nodes.jsonl", "penalty_links.jsonl")
VOCAB_FILE = "bm25_vocab.json"
TIMEOUT = 10.0                 # seconds for any one call: a store that went away fails fast
MAX_LIMIT = 16384              # Milvus's largest topk/limit; the exact full-score search needs pieces ≤ this
INSERT_BATCH = 500
BUILD_RE = re.compile(r"^kb_\d{8}T\d{6}_\d+_\d+(_files)?$")
FIX_HINT = "请检查 KB_MILVUS_URI（以 .db 结尾的本地路径，或 http://主机:19530）以及 Milvus 服务是否在运行。"

_clients: dict[tuple[str, str, str], object] = {}
_clients_lock = threading.Lock()


def uses_store(settings: Settings) -> bool:
    return bool(getattr(settings, "milvus_uri", ""))


def collection_name(build_name: str) -> str:
    """kb_<build folder name>: Milvus names take letters, digits and underscores only."""
    return PREFIX + re.sub(r"[^A-Za-z0-9_]", "_", build_name)


# ---- connection and errors ------------------------------------------------------------------
def _check_uri(uri: str) -> None:
    if uri.endswith(".db"):
        parent = Path(uri).expanduser().resolve().parent
        if not parent.is_dir():
            raise StoreError(f"KB_MILVUS_URI 指向的文件夹 {parent} 不存在。请先创建它，"
                             "或改用 http://主机:19530 连接 Milvus 服务。")
        return
    if not re.match(r"^(https?|tcp|unix)://[^\s/]+", uri):
        raise StoreError(f"KB_MILVUS_URI 的值 {uri!r} 无效：应为以 .db 结尾的本地路径（Milvus Lite），"
                         "或 http://主机:端口（Milvus 服务，例如 http://127.0.0.1:19530）。")


def _one_line(exc: BaseException) -> str:
    msg = getattr(exc, "message", None) or (exc.details() if hasattr(exc, "details") else "") or str(exc)
    return re.sub(r"\s+", " ", str(msg)).strip()[:200] or type(exc).__name__


@contextmanager
def _errors(settings: Settings, doing: str):
    """Turn anything pymilvus or gRPC raises into one StoreError line."""
    try:
        yield
    except KBError:
        raise
    except Exception as exc:  # noqa: BLE001 - MilvusException, grpc.RpcError, OSError …: all mean "store failed"
        raise StoreError(f"Milvus 存储 {settings.milvus_uri} {doing}失败：{_one_line(exc)}。{FIX_HINT}") from None


def client(settings: Settings):
    """The MilvusClient for the settings (one per process and store: Milvus Lite allows one opener of a .db)."""
    _check_uri(settings.milvus_uri)
    key = (settings.milvus_uri, settings.milvus_token, settings.milvus_db)
    with _clients_lock:
        if key in _clients:
            return _clients[key]
        # gRPC's C core writes keepalive notices ("too_many_pings") straight to stderr: errors reach the
        # user as one StoreError line instead
        os.environ.setdefault("GRPC_VERBOSITY", "NONE")
        try:
            from pymilvus import MilvusClient
        except ImportError as exc:  # pragma: no cover - install problem
            raise StoreError(f"无法导入 pymilvus（{exc}）。请运行 make install。") from None
        _quiet_loggers()
        uri = str(Path(settings.milvus_uri).expanduser()) if settings.milvus_uri.endswith(".db") \
            else settings.milvus_uri
        kwargs = {"uri": uri, "timeout": TIMEOUT}
        if settings.milvus_token:
            kwargs["token"] = settings.milvus_token
        if settings.milvus_db:
            kwargs["db_name"] = settings.milvus_db
        with _errors(settings, "连接"):
            _clients[key] = MilvusClient(**kwargs)
        return _clients[key]


def _quiet_loggers() -> None:
    """pymilvus logs a traceback before raising (e.g. "alias does not exist", the normal state of a new
    store); the error reaches the user once, as a StoreError line."""
    for name in ["pymilvus", "milvus_lite", *logging.Logger.manager.loggerDict]:
        if name.startswith(("pymilvus", "milvus_lite")):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def _alias_target(c) -> str | None:
    try:
        return c.describe_alias(alias=ALIAS, timeout=TIMEOUT)["collection_name"]
    except Exception as exc:    # "alias does not exist" is code 100; anything else is re-raised
        if getattr(exc, "code", None) == 100 or "does not exist" in str(exc):
            return None
        raise


def current_collection(settings: Settings) -> str | None:
    """The collection the alias points at (None when nothing was published yet)."""
    c = client(settings)
    with _errors(settings, "读取别名"):
        return _alias_target(c)


# ---- publish ---------------------------------------------------------------------------------
def publish_build(settings: Settings, loaded) -> str:
    """Write a local build (a LoadedIndex of KB_HOME/builds/<name>) into new collections, then move the
    alias to them. Returns the collection name. Nothing is changed for readers if any step fails."""
    c = client(settings)
    name = collection_name(loaded.path.name)
    files = name + "_files"
    with _errors(settings, "读取别名"):
        previous = _alias_target(c)
    if previous == name:
        return name
    try:
        with _errors(settings, f"写入集合 {name} "):
            for n in (name, files):
                c.drop_collection(n, timeout=TIMEOUT)      # a half-written earlier attempt of this build
            _write_files(c, files, loaded)
            _write_nodes(c, name, loaded)
            for n in (name, files):
                c.load_collection(n, timeout=TIMEOUT)
            count = _count(c, name)
            if count != len(loaded.node_article):
                raise StoreError(f"Milvus 集合 {name} 写入了 {count} 行，应为 {len(loaded.node_article)} 行；"
                                 "别名未切换，旧索引照常可用。")
            if previous:
                c.alter_alias(collection_name=name, alias=ALIAS, timeout=TIMEOUT)
            else:
                c.create_alias(collection_name=name, alias=ALIAS, timeout=TIMEOUT)
    except BaseException:
        _drop_unpublished(settings, c, name)
        raise
    with _errors(settings, "清理旧集合"):
        keep = {name, files} | ({previous, previous + "_files"} if previous else set())
        for old in c.list_collections(timeout=TIMEOUT):
            if BUILD_RE.match(old) and old not in keep:
                c.drop_collection(old, timeout=TIMEOUT)
    return name


def _drop_unpublished(settings: Settings, c, name: str) -> None:
    """Best effort after a failed publish: the alias was not moved, so nobody reads these collections;
    a store that went away keeps them until the next build drops them."""
    with suppress(KBError):
        if current_collection(settings) != name:
            with _errors(settings, "清理"):
                for n in (name, name + "_files"):
                    c.drop_collection(n, timeout=TIMEOUT)


def _write_files(c, collection: str, loaded) -> None:
    from pymilvus import DataType, MilvusClient
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("pk", DataType.INT64, is_primary=True)
    schema.add_field("name", DataType.VARCHAR, max_length=64)
    schema.add_field("part", DataType.INT64)
    schema.add_field("text", DataType.VARCHAR, max_length=65535)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)    # Milvus wants a vector field in every collection
    params = MilvusClient.prepare_index_params()
    params.add_index("v", index_type="FLAT", metric_type="IP")
    c.create_collection(collection, schema=schema, index_params=params, consistency_level="Strong",
                        timeout=TIMEOUT)
    contents = {n: (loaded.path / n).read_text(encoding="utf-8") for n in FILE_NAMES}
    contents[VOCAB_FILE] = json.dumps(loaded.sparse.vocab, ensure_ascii=False)
    rows = []
    for fname, text in contents.items():
        for part, start in enumerate(range(0, max(len(text), 1), PART_CHARS)):
            rows.append({"pk": len(rows), "name": fname, "part": part, "text": text[start:start + PART_CHARS],
                         "v": [1.0, 0.0]})
    for i in range(0, len(rows), 50):
        c.insert(collection, rows[i:i + 50], timeout=TIMEOUT)
    c.flush(collection, timeout=TIMEOUT)


def _write_nodes(c, collection: str, loaded) -> None:
    from pymilvus import DataType, MilvusClient
    vectors = loaded.dense.vectors
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("pk", DataType.INT64, is_primary=True)
    for fname, length in (("article_id", 512), ("law", 256), ("version", 64), ("status", 32),
                          ("doc_key", 512), ("label", 64), ("text", 65535)):
        schema.add_field(fname, DataType.VARCHAR, max_length=length)
    schema.add_field("piece", DataType.INT64)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=int(vectors.shape[1]))
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    params = MilvusClient.prepare_index_params()
    params.add_index("dense", index_type="FLAT", metric_type="IP")
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    c.create_collection(collection, schema=schema, index_params=params, consistency_level="Strong",
                        timeout=TIMEOUT)
    doc_vectors = loaded.sparse.doc_vectors()
    pos = {aid: j for j, aid in enumerate(loaded.article_ids)}
    pieces: dict[str, int] = {}
    rows = []
    for i, aid in enumerate(loaded.node_article):
        art = loaded.corpus.by_id[aid]
        piece = pieces[aid] = pieces.get(aid, -1) + 1
        terms, weights = doc_vectors[pos[aid]] if piece == 0 else ((), ())
        sparse = {int(t): float(w) for t, w in zip(terms, weights) if w > 0} or {SENTINEL_TERM: 1.0}
        rows.append({"pk": i, "article_id": aid, "law": art.law, "version": art.version, "status": art.status,
                     "doc_key": art.doc_key, "label": art.label, "text": art.text[:16000],
                     "piece": piece, "dense": vectors[i], "sparse": sparse})
        if len(rows) == INSERT_BATCH:
            c.insert(collection, rows, timeout=TIMEOUT)
            rows = []
    if rows:
        c.insert(collection, rows, timeout=TIMEOUT)
    c.flush(collection, timeout=TIMEOUT)          # unflushed rows make every search many times slower


def _count(c, collection: str) -> int:
    res = c.query(collection, filter="", output_fields=["count(*)"], timeout=TIMEOUT)
    return int(res[0]["count(*)"])


# ---- load ------------------------------------------------------------------------------------
def _read_files(c, collection: str, names: set[str] | None = None) -> dict[str, str]:
    parts: dict[str, dict[int, str]] = {}
    start, page = 0, 200
    while True:
        rows = c.query(collection, filter=f"pk >= {start} and pk < {start + page}",
                       output_fields=["name", "part", "text"], timeout=TIMEOUT)
        if not rows:
            break
        for r in rows:
            if names is None or r["name"] in names:
                parts.setdefault(r["name"], {})[int(r["part"])] = r["text"]
        start += page
    return {n: "".join(p[i] for i in sorted(p)) for n, p in parts.items()}


def _open_build(settings: Settings, names: set[str] | None = None) -> tuple[object, str, dict[str, str]]:
    c = client(settings)
    with _errors(settings, "读取索引"):
        name = _alias_target(c)
        if name is None:
            raise StoreError(f"Milvus 存储 {settings.milvus_uri} 中还没有索引（别名 {ALIAS}）。"
                             "请运行 python -m kb build 建立索引。")
        for n in (name, name + "_files"):
            c.load_collection(n, timeout=TIMEOUT)    # a restarted server has every collection released
        files = _read_files(c, name + "_files", names)
    return c, name, files


def load_store_documents(settings: Settings) -> Corpus:
    """The documents of the store's current build (documents.jsonl only: no vectors)."""
    _, name, files = _open_build(settings, {"documents.jsonl"})
    try:
        return Corpus(_documents(files), resolve=False)
    except KBError:
        raise
    except Exception as exc:  # noqa: BLE001 - any decoding failure means a damaged build
        raise IndexCorruptError(f"Milvus 集合 {name} 的文档无法读取（{_one_line(exc)}）。"
                                "请运行 python -m kb build --force 重新发布。") from None


def _documents(files: dict[str, str]) -> list:
    return [document_from_dict(json.loads(line)) for line in files["documents.jsonl"].splitlines() if line.strip()]


def load_store_parts(settings: Settings, format_version: int) -> dict:
    """The fields of a LoadedIndex (kb.retrieval.index builds it) for the store's current build: its
    documents and mappings, and dense and sparse scorers that search Milvus."""
    c, name, files = _open_build(settings)
    try:
        manifest = json.loads(files["manifest.json"])
        if manifest.get("format_version") != format_version:
            raise IndexCorruptError(f"Milvus 集合 {name} 的索引格式版本 {manifest.get('format_version')} "
                                    "与程序不符。请运行 python -m kb build --force 重新发布。")
        corpus = Corpus(_documents(files), resolve=False)
        node_article = [json.loads(line)["article_id"] for line in files["nodes.jsonl"].splitlines() if line.strip()]
        links = [PenaltyLink.from_dict(json.loads(line))
                 for line in files["penalty_links.jsonl"].splitlines() if line.strip()]
        vocab = json.loads(files[VOCAB_FILE])
    except KBError:
        raise
    except Exception as exc:  # noqa: BLE001 - a missing or undecodable file means a damaged build
        raise IndexCorruptError(f"Milvus 集合 {name} 无法加载（{type(exc).__name__}: {_one_line(exc)}）。"
                                "请运行 python -m kb build --force 重新发布。") from None
    article_ids = [a.id for a in corpus.articles]
    pos = {aid: j for j, aid in enumerate(article_ids)}
    node_pos = np.array([pos[a] for a in node_article], dtype=np.int64)
    manifest["store"] = {"uri": settings.milvus_uri, "collection": name}
    dense = StoreDense(settings, c, name, len(node_article))
    sparse = StoreSparse(settings, c, name, vocab, node_pos, len(article_ids))
    return {"path": Path(name), "manifest": manifest, "corpus": corpus, "node_article": node_article,
            "article_ids": article_ids, "dense": dense, "sparse": sparse, "penalty_links": links}


class StoreDense:
    """DenseIndex's scoring interface, answered by Milvus (FLAT, IP: exact)."""

    def __init__(self, settings: Settings, c, collection: str, size: int):
        self._settings, self._c, self.collection, self.size = settings, c, collection, size

    def all_scores(self, query_vec: np.ndarray) -> np.ndarray:
        return self.all_scores_many([query_vec])[0]

    def all_scores_many(self, query_vecs: list[np.ndarray]) -> list[np.ndarray]:
        with _errors(self._settings, "检索"):
            res = self._c.search(self.collection, data=[np.asarray(q, dtype=np.float32) for q in query_vecs],
                                 anns_field="dense", limit=min(self.size, MAX_LIMIT), output_fields=["pk"],
                                 search_params={"metric_type": "IP"}, timeout=TIMEOUT)
        out = []
        for hits in res:
            scores = np.full(self.size, -1.0, dtype=np.float32)
            scores[[h["pk"] for h in hits]] = [h["distance"] for h in hits]
            out.append(scores)
        return out


class StoreSparse:
    """SparseIndex's scoring interface, answered by Milvus: our BM25 weights, inner product (exact)."""

    def __init__(self, settings: Settings, c, collection: str, vocab: dict[str, int], node_pos: np.ndarray,
                 n_articles: int):
        self._settings, self._c, self.collection = settings, c, collection
        self._vocab = vocab
        self._node_pos = node_pos
        first = np.zeros(len(node_pos), dtype=bool)       # an article's BM25 vector is on its first piece
        first[np.unique(node_pos, return_index=True)[1]] = True
        self._first = first
        self._n = n_articles

    def known(self, tokens: list[str]) -> list[str]:
        return [t for t in tokens if t in self._vocab]

    def query_vector(self, query_tokens: list[str]) -> dict[int, float]:
        out: dict[int, float] = {}
        for t in query_tokens:
            if t in self._vocab:
                out[self._vocab[t]] = out.get(self._vocab[t], 0.0) + 1.0
        return out

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        return self.scores_many([query_tokens])[0]

    def scores_many(self, token_lists: list[list[str]]) -> list[np.ndarray]:
        queries = [self.query_vector(t) for t in token_lists]
        asked = [q for q in queries if q]
        results = []
        if asked:
            with _errors(self._settings, "检索"):
                results = self._c.search(self.collection, data=asked, anns_field="sparse",
                                         limit=min(len(self._node_pos), MAX_LIMIT), output_fields=["pk"],
                                         search_params={"metric_type": "IP"}, timeout=TIMEOUT)
        it = iter(results)
        out = []
        for q in queries:
            scores = np.zeros(self._n, dtype=np.float32)
            if q:
                hits = [h for h in next(it) if self._first[h["pk"]]]
                scores[self._node_pos[[h["pk"] for h in hits]]] = [h["distance"] for h in hits]
            out.append(scores)
        return out


# ---- status ----------------------------------------------------------------------------------
def store_status(settings: Settings) -> dict:
    """Which store serves queries and its current build, for `kb corpus check` and the 语料 page. Never
    raises: a store that cannot be read gives ok=False and the one-line reason in `error`."""
    if not uses_store(settings):
        info = {"store": "local", "ok": False, "location": str(settings.index_dir), "build": "", "count": 0,
                "articles": 0, "built_at": "", "model": "", "error": ""}
        try:
            manifest = json.loads((settings.index_dir / "manifest.json").read_text(encoding="utf-8"))
            info.update(ok=True, build=settings.index_dir.resolve().name, count=manifest.get("nodes", 0),
                        articles=manifest.get("articles", 0), built_at=manifest.get("built_at", ""),
                        model=manifest.get("model", ""))
        except (OSError, ValueError) as exc:
            info["error"] = f"还没有可用的本地索引（{type(exc).__name__}）。请运行 python -m kb build。"
        return info
    info = {"store": "milvus", "ok": False, "location": settings.milvus_uri, "build": "", "count": 0,
            "articles": 0, "built_at": "", "model": "", "error": ""}
    try:
        c, name, files = _open_build(settings, {"manifest.json"})
        manifest = json.loads(files.get("manifest.json", "{}"))
        with _errors(settings, "统计"):
            count = _count(c, name)
        info.update(ok=True, build=name, count=count, articles=manifest.get("articles", 0),
                    built_at=manifest.get("built_at", ""), model=manifest.get("model", ""))
    except KBError as exc:
        info["error"] = str(exc)
    return info


def store_summary(settings: Settings) -> str:
    """One line for people: the store in use and its build."""
    s = store_status(settings)
    where = f"Milvus {s['location']}" if s["store"] == "milvus" else f"本地 FAISS + BM25 {s['location']}"
    if not s["ok"]:
        return f"索引存储：{where}；{s['error']}"
    unit = "集合" if s["store"] == "milvus" else "构建"
    return (f"索引存储：{where}；{unit} {s['build']}，{s['count']} 个片段，{s['articles']} 条，"
            f"建于 {s['built_at']}。")


def index_key(settings: Settings) -> str:
    """What identifies the index a process should serve right now (the app's cache key): the local
    build folder, or the collection the store's alias points at."""
    if not uses_store(settings):
        return str(settings.index_dir.resolve())
    try:
        key = f"{settings.milvus_uri}#{current_collection(settings) or ''}"
    except StoreError:
        # the store is unreachable right now: keep serving the build this process knows (its queries
        # will say what is wrong, one line each); a process that knows none gets the error
        if settings.milvus_uri not in _last_keys:
            raise
        return _last_keys[settings.milvus_uri]
    _last_keys[settings.milvus_uri] = key
    return key


_last_keys: dict[str, str] = {}
