"""The persistent index: one folder of plainly named files, built atomically.

Layout of KB_HOME:
    index -> builds/20261130T012345-1234   (symlink, swapped with os.replace: readers never see a half build)
    builds/<stamp>/manifest.json           model, corpus hashes, counts, file checksums, build time
                   documents.jsonl         the parsed corpus the index was built from
                   nodes.jsonl             one line per embedded piece: article id, text hash
                   vectors.npy             float32 (nodes × dim), L2-normalised
                   dense.faiss             FAISS IndexFlatIP over vectors.npy
                   bm25/                   bm25s index over article texts (jieba tokens)
                   penalty_links.jsonl     which penalty article/item sanctions which duty (kb.corpus.penalties)
    cache/embeddings/<model>/shard-*.npz   content-hash → vector, so unchanged text is never re-embedded

With KB_MILVUS_URI set, a build is also published to the shared Milvus store (kb/retrieval/store.py)
before the local link is swapped, and load_index / load_documents read the store's current build.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from kb.core.errors import CorpusError, IndexCorruptError, IndexMissingError, KBError, missing_dependency
from kb.core.schema import Article
from kb.core.settings import DATA_DIR, Settings
from kb.corpus import Corpus, PenaltyLink, build_penalty_links, document_from_dict, document_to_dict, load_corpus

FORMAT_VERSION = 3          # 2: BM25 tokens include time spans (kb.retrieval.tokenize.durations); 3: penalty_links.jsonl
MAX_PIECE_CHARS = 450      # e5-small reads 512 tokens; longer articles are split at 款 boundaries
REBUILD_HINT = "请运行 python -m kb build 重建索引。"
# Data files that change neither tokenisation nor query handling: editing them needs no rebuild.
NOT_INDEX_DATA = frozenset({"kiosk_topics.json", "out_of_scope.json", "plain_words.json", "plain_glossary.json",
                            "emergencies.json", "scope_model.json"})


@dataclass
class Node:
    """One embedded piece of an article (most articles are one piece)."""
    article_id: str
    piece: int
    text: str

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:32]


def index_header(art: Article) -> str:
    """What precedes an article's words in the indexed text: the law title and chapter, not ids."""
    return " ".join((art.title, *art.chapter_path))


def sparse_text(art: Article) -> str:
    return f"{index_header(art)}\n{art.text}"


def make_nodes(articles: list[Article], max_chars: int = MAX_PIECE_CHARS) -> list[Node]:
    nodes: list[Node] = []
    for art in articles:
        head = index_header(art)
        # the piece follows the header and a "\n": both count against max_chars
        for i, piece in enumerate(split_article(art, max_chars - len(head) - 1)):
            nodes.append(Node(art.id, i, f"{head}\n{piece}"))
    return nodes


def split_article(art: Article, budget: int) -> list[str]:
    """Greedy packing of 款/项 lines into pieces of at most `budget` characters; a single line
    longer than that is cut at sentence ends. Later pieces repeat the heading for context."""
    budget = max(budget, 120)
    lines: list[str] = []
    for line in art.text.split("\n"):
        lines.extend(_cut_long(line, budget))
    pieces, cur = [], ""
    for line in lines:
        if cur and len(cur) + 1 + len(line) > budget:
            pieces.append(cur)
            # repeat the heading only where it fits: a piece never exceeds the budget
            cur = f"{art.heading} {line}" if len(art.heading) + 1 + len(line) <= budget else line
        else:
            cur = f"{cur}\n{line}" if cur else line
    if cur:
        pieces.append(cur)
    return pieces


def _cut_long(line: str, budget: int) -> list[str]:
    if len(line) <= budget:
        return [line]
    parts = re.split(r"(?<=[。；])", line)
    out, cur = [], ""
    for p in parts:
        while len(p) > budget:            # a sentence longer than the budget: hard cut
            out.append(cur + p[: budget - len(cur)]) if cur else out.append(p[:budget])
            p = p[budget - len(cur):] if cur else p[budget:]
            cur = ""
        if len(cur) + len(p) > budget:
            out.append(cur)
            cur = p
        else:
            cur += p
    if cur:
        out.append(cur)
    return out


# ---- embedding cache -----------------------------------------------------------------------
class EmbeddingCache:
    """Content-hash → vector, stored as small .npz shards (one per batch), so an interrupted
    build keeps what it embedded and an unchanged article is never embedded twice."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.vectors: dict[str, np.ndarray] = {}
        for shard in sorted(folder.glob("shard-*.npz")) if folder.exists() else []:
            try:
                with np.load(shard) as z:
                    for h, v in zip(z["hashes"], z["vectors"]):
                        self.vectors[str(h)] = v
            except Exception:  # noqa: BLE001 - a torn shard from a killed build is just skipped
                continue

    def add(self, hashes: list[str], vectors: np.ndarray) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"shard-{time.time_ns()}-{os.getpid()}"
        tmp = self.folder / f".{name}.tmp.npz"
        np.savez(tmp, hashes=np.array(hashes), vectors=vectors.astype(np.float32))
        os.replace(tmp, self.folder / f"{name}.npz")
        for h, v in zip(hashes, vectors):
            self.vectors[h] = v

    def compact(self, keep: set[str]) -> None:
        """Rewrite the cache as one shard holding only `keep` (after a successful build)."""
        shards = sorted(self.folder.glob("shard-*.npz"))
        if len(shards) <= 1:
            return
        hashes = [h for h in self.vectors if h in keep]
        if hashes:
            self.add(hashes, np.stack([self.vectors[h] for h in hashes]))
        newest = sorted(self.folder.glob("shard-*.npz"))[-1]
        for s in shards:
            if s != newest:
                s.unlink(missing_ok=True)


def model_slug(model: str) -> str:
    """A file-name-safe form of a model name, for its embedding-cache folder."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", model)[-80:]


# ---- build ---------------------------------------------------------------------------------
@dataclass
class BuildReport:
    up_to_date: bool
    documents: int = 0
    articles: int = 0
    nodes: int = 0
    embedded: int = 0          # pieces embedded in this run
    reused: int = 0            # pieces taken from the cache
    seconds: float = 0.0
    path: str = ""
    errors: list[str] = field(default_factory=list)
    store: str = ""            # the Milvus collection published in this run (KB_MILVUS_URI), if any

    def summary(self) -> str:
        if self.up_to_date:
            return f"索引已是最新（{self.documents} 个文档，{self.articles} 条）：无需重建。"
        published = f"已发布到 Milvus 集合 {self.store}（别名 kb_index 已切换）。" if self.store else ""
        if not self.nodes and self.store:
            return f"本地索引已是最新（{self.documents} 个文档，{self.articles} 条）；{published}"
        return (f"索引已建成：{self.documents} 个文档，{self.articles} 条，{self.nodes} 个片段；"
                f"新嵌入 {self.embedded}，复用 {self.reused}；用时 {self.seconds:.1f} 秒。{published}")


def data_fingerprint() -> str:
    """Hash of the curated data files that change tokenisation or query handling."""
    h = hashlib.sha256()
    for p in sorted(DATA_DIR.glob("*")):
        if p.is_file() and p.name not in NOT_INDEX_DATA:
            h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()[:16]


def corpus_fingerprint(corpus: Corpus) -> dict[str, str]:
    return {k: d.meta.sha256 for k, d in sorted(corpus.documents.items())}


def build_index(settings: Settings | None = None, force: bool = False, progress: bool = True,
                corpus: Corpus | None = None, on_progress: Callable[[int, int], None] | None = None
                ) -> BuildReport:
    """Build (or refresh) the index under settings.home and swap it in atomically."""
    settings = settings or Settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    with _build_lock(settings.home):
        return _build(settings, force, progress, corpus, on_progress)


@contextmanager
def _build_lock(home: Path):
    """One build at a time per KB_HOME; a second build waits, then finds the index up to date."""
    import fcntl
    with open(home / "build.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _build(settings: Settings, force: bool, progress: bool, corpus: Corpus | None,
           on_progress: Callable[[int, int], None] | None) -> BuildReport:
    from .dense import load_embedder
    t0 = time.time()
    corpus = corpus or load_corpus(settings.corpus_dirs)
    stale = corpus.check_cited_phrases()
    if stale:   # a law changed under a rule of kb/data: stop before anything is built or swapped
        raise CorpusError("kb/data 中的规则引用的条文与语料不符，索引未更新（旧索引照常可用）：\n"
                          + "\n".join(stale))
    fingerprint = {"format": FORMAT_VERSION, "model": settings.model, "data": data_fingerprint(),
                   "corpus": corpus_fingerprint(corpus)}
    if not force and _current_fingerprint(settings) == fingerprint:
        report = BuildReport(True, len(corpus.documents), len(corpus.articles), errors=corpus.errors)
        if settings.milvus_uri:      # the store may not have this build yet (new store, failed publish)
            from .store import collection_name, current_collection, publish_build
            live = settings.index_dir.resolve()
            if current_collection(settings) != collection_name(live.name):
                report.store = publish_build(settings, load_index_dir(live))
                report.up_to_date = False
        return report

    embedder = load_embedder(settings.model)
    articles = corpus.articles
    nodes = make_nodes(articles)
    cache = EmbeddingCache(settings.home / "cache" / "embeddings" / model_slug(embedder.name))
    todo = [n for n in nodes if n.hash not in cache.vectors]
    _embed_missing(todo, embedder, cache, progress, on_progress)
    vectors = np.stack([cache.vectors[n.hash] for n in nodes]).astype(np.float32)

    build_dir = _new_build_dir(settings)
    try:
        _write_build(build_dir, corpus, nodes, vectors, fingerprint, embedder)
        loaded = load_index_dir(build_dir)          # prove it loads before anyone sees it
        if settings.milvus_uri:     # publish to the shared store first: a failure there changes nothing
            from .store import publish_build
            store = publish_build(settings, loaded)
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    _swap(settings, build_dir)
    cache.compact({n.hash for n in nodes})
    _remove_old_builds(settings, keep=build_dir)
    return BuildReport(False, len(corpus.documents), len(articles), len(nodes), len(todo),
                       len(nodes) - len(todo), time.time() - t0, str(build_dir), corpus.errors,
                       store if settings.milvus_uri else "")


def _embed_missing(todo: list[Node], embedder, cache: EmbeddingCache, progress: bool,
                   on_progress: Callable[[int, int], None] | None, batch: int = 32) -> None:
    if not todo:
        return
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(todo), desc="嵌入条文", unit="段", file=sys.stderr)
    for i in range(0, len(todo), batch):
        chunk = todo[i:i + batch]
        cache.add([n.hash for n in chunk], embedder.embed_passages([n.text for n in chunk]))
        if bar:
            bar.update(len(chunk))
        if on_progress:
            on_progress(min(i + batch, len(todo)), len(todo))
    if bar:
        bar.close()


def _new_build_dir(settings: Settings) -> Path:
    settings.builds_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    d = settings.builds_dir / f"{stamp}-{os.getpid()}-{time.time_ns() % 10**6}"
    d.mkdir()
    return d


def _write_build(d: Path, corpus: Corpus, nodes: list[Node], vectors: np.ndarray,
                 fingerprint: dict, embedder) -> None:
    from .dense import DenseIndex
    from .sparse import SparseIndex
    with open(d / "documents.jsonl", "w", encoding="utf-8") as f:
        for doc in corpus.documents.values():
            f.write(json.dumps(document_to_dict(doc), ensure_ascii=False) + "\n")
    with open(d / "nodes.jsonl", "w", encoding="utf-8") as f:
        for n in nodes:
            f.write(json.dumps({"article_id": n.article_id, "piece": n.piece, "hash": n.hash,
                                "chars": len(n.text)}, ensure_ascii=False) + "\n")
    np.save(d / "vectors.npy", vectors)
    DenseIndex(vectors).save(d / "dense.faiss")
    SparseIndex.build([sparse_text(a) for a in corpus.articles]).save(d / "bm25")
    with open(d / "penalty_links.jsonl", "w", encoding="utf-8") as f:
        for link in build_penalty_links(corpus):
            f.write(json.dumps(link.to_dict(), ensure_ascii=False) + "\n")
    files = sorted(p for p in d.rglob("*") if p.is_file())
    manifest = {
        "format_version": FORMAT_VERSION, "fingerprint": fingerprint,
        "model": embedder.name, "model_setting": fingerprint["model"], "dim": embedder.dim,
        # which build of the engine embedded what was new in this build (kb/retrieval/fast_e5.py)
        "engine": getattr(embedder, "engine", ""),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "documents": len(corpus.documents), "articles": len(corpus.articles), "nodes": len(nodes),
        "corpus_errors": corpus.errors,
        "files": {str(p.relative_to(d)): _sha256(p) for p in files},
    }
    (d / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


def _sha256(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _swap(settings: Settings, build_dir: Path) -> None:
    link = settings.index_dir
    tmp = link.with_name(f".index-{os.getpid()}-{time.time_ns()}")
    os.symlink(os.path.relpath(build_dir, link.parent), tmp)
    if link.exists() and not link.is_symlink():
        raise KBError(f"{link} 不是本程序创建的索引链接；请移走它后重试。")
    os.replace(tmp, link)


def _remove_old_builds(settings: Settings, keep: Path, spare: int = 1) -> None:
    """Keep the live build and `spare` previous complete ones (a reader may still be using it).

    A folder without manifest.json is what a killed build left behind (the manifest is written
    last); it is never a spare. Runs under the build lock, so no other build is writing one."""
    builds = sorted((p for p in settings.builds_dir.iterdir() if p.is_dir()), key=lambda p: p.name)
    old = [p for p in builds if p != keep]
    complete = [p for p in old if (p / "manifest.json").is_file()]
    spares = set(complete[-spare:]) if spare else set()
    for p in old:
        if p not in spares:
            shutil.rmtree(p, ignore_errors=True)


def _current_fingerprint(settings: Settings) -> dict | None:
    """The live build's fingerprint; None if there is none or any of its files is missing or damaged
    (a damaged index is never "up to date": the rebuild its error message asks for must happen)."""
    d = settings.index_dir
    try:
        manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        if any(_sha256(d / name) != digest for name, digest in manifest.get("files", {}).items()):
            return None
        return manifest["fingerprint"]
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        return None


# ---- load ----------------------------------------------------------------------------------
@dataclass
class LoadedIndex:
    path: Path
    manifest: dict
    corpus: Corpus
    node_article: list[str]          # node i → article id
    article_ids: list[str]           # BM25 document j → article id (corpus order)
    dense: object                    # DenseIndex
    sparse: object                   # SparseIndex
    penalty_links: list = field(default_factory=list)   # [PenaltyLink], built with the index


def load_index(settings: Settings | None = None, verify: bool = True) -> LoadedIndex:
    """The live index: the local build under KB_HOME, or, with KB_MILVUS_URI set, the shared store's
    current build (kb.retrieval.store: same articles and scores, searched in Milvus)."""
    settings = settings or Settings()
    if settings.milvus_uri:
        from .store import load_store_parts
        return LoadedIndex(**load_store_parts(settings, FORMAT_VERSION))
    link = settings.index_dir
    if not link.exists():
        raise IndexMissingError(f"还没有索引（{link}）。{REBUILD_HINT}")
    return load_index_dir(link.resolve(), verify=verify)


def load_documents(settings: Settings) -> Corpus:
    """The documents the live index was built from (documents.jsonl only: no vectors, no BM25), so a
    command that shows or compares articles uses the same articles and ids as search. Raises
    IndexMissingError when there is no index, IndexCorruptError when its documents cannot be read."""
    if settings.milvus_uri:
        from .store import load_store_documents
        return load_store_documents(settings)
    link = settings.index_dir
    if not link.exists():
        raise IndexMissingError(f"还没有索引（{link}）。{REBUILD_HINT}")
    d = link.resolve()
    with _reading(d):
        return Corpus(_read_documents(d), resolve=False)


@contextmanager
def _reading(d: Path):
    """Reading an index folder: a failure to decode it means a damaged index (rebuild), except a package
    the interpreter lacks (install it; the index is fine). The library's own errors pass unchanged."""
    try:
        yield
    except KBError:
        raise
    except ModuleNotFoundError as exc:
        raise missing_dependency(exc) from None
    except Exception as exc:  # noqa: BLE001 - any decoding failure means a damaged index
        raise IndexCorruptError(f"索引 {d} 无法加载（{type(exc).__name__}: {exc}）。{REBUILD_HINT}") from None


def _read_documents(d: Path) -> list:
    with open(d / "documents.jsonl", encoding="utf-8") as f:
        return [document_from_dict(json.loads(line)) for line in f if line.strip()]


def load_index_dir(d: Path, verify: bool = True) -> LoadedIndex:
    from .dense import DenseIndex
    from .sparse import SparseIndex
    try:
        manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"索引清单 {d / 'manifest.json'} 无法读取（{exc}）。{REBUILD_HINT}") from None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexCorruptError(f"索引格式版本 {manifest.get('format_version')} 与程序不符。{REBUILD_HINT}")
    if verify:
        for name, digest in manifest.get("files", {}).items():
            p = d / name
            if not p.exists() or _sha256(p) != digest:
                raise IndexCorruptError(f"索引文件 {p} 缺失或已损坏。{REBUILD_HINT}")
    with _reading(d):
        corpus = Corpus(_read_documents(d), resolve=False)
        with open(d / "nodes.jsonl", encoding="utf-8") as f:
            node_article = [json.loads(line)["article_id"] for line in f if line.strip()]
        dense = DenseIndex.load(d / "vectors.npy")
        sparse = SparseIndex.load(d / "bm25")
        with open(d / "penalty_links.jsonl", encoding="utf-8") as f:
            penalty_links = [PenaltyLink.from_dict(json.loads(line)) for line in f if line.strip()]
    if dense.size != len(node_article):
        raise IndexCorruptError(f"索引 {d} 的向量数与片段数不一致。{REBUILD_HINT}")
    return LoadedIndex(d, manifest, corpus, node_article, [a.id for a in corpus.articles], dense, sparse, penalty_links)
