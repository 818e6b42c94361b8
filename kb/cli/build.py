"""kb build: parse the corpus, embed what changed, build BM25 + FAISS, swap the new index in."""
from __future__ import annotations

import argparse
import sys

from kb.core.settings import Settings

HELP = "build or refresh the index from the corpus"
EXAMPLES = """examples:
  python -m kb build                       build or refresh the index (only changed articles are re-embedded)
  python -m kb build --force               rebuild even if nothing changed
  python -m kb build --corpus ../shared/corpus --corpus corpus/documents
  KB_MODEL=st:/models/bge-small-zh python -m kb build   use a local sentence-transformers model"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from kb.retrieval.index import build_index
    report = build_index(settings, force=args.force, progress=not args.quiet)
    for err in report.errors:
        print(f"警告：{err}", file=sys.stderr)
    print(report.summary())
    return 0
