"""kb diff: 新旧对照 — the article-by-article alignment of two versions of a law."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kb.core.errors import DiffError
from kb.core.settings import Settings

from .common import load_documents_for

HELP = "compare two versions of a law article by article (新旧对照)"
EXAMPLES = """examples:
  python -m kb diff 突发事件应对法                          oldest → newest version, text
  python -m kb diff 应对法 --from 2007-08-30 --to 2024-06-28 --only added,deleted
  python -m kb diff 突发事件应对法 --html 对照.html          printable side-by-side page
  python -m kb diff 突发事件应对法 --json > diff.json        for tools (with the alignment's scores and reasons)
kinds for --only: the labels people see — same (条文未改), revised (条文修改), split, merged, added, deleted —
or the aligner's per-link kinds unchanged, modified, renumbered (see kb/versions/render.py).
With --only, only the selected pairs are printed (no counts or renumbering map)."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("law", help="law name: full title, short title or alias")
    p.add_argument("--from", dest="from_version", metavar="VERSION", help="older version (default: oldest)")
    p.add_argument("--to", dest="to_version", metavar="VERSION", help="newer version (default: newest)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--html", metavar="FILE", help="also write a printable side-by-side HTML page")
    p.add_argument("--only", metavar="KINDS", help="comma-separated kinds to list, e.g. added,deleted,revised")
    p.add_argument("--embed", action="store_true", help="let the embedding model (--model) decide uncertain pairs (slower)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from kb.versions import align_versions, alignment_json, parse_kinds, render_html, render_text, resolve_versions
    only = parse_kinds(args.only)
    corpus = load_documents_for(args, settings)
    old, new = resolve_versions(corpus, args.law, args.from_version, args.to_version)
    embedder = None
    if args.embed:
        from kb.retrieval.dense import load_embedder
        embedder = load_embedder(settings.model)
    al = align_versions(old, new, embedder=embedder)
    if args.html:
        path = Path(args.html)
        try:
            path.write_text(render_html(al, only), encoding="utf-8")
        except OSError as exc:
            raise DiffError(f"无法写入 {path}：{exc.strerror}。请检查路径。") from None
        print(f"已写入 {path}", file=sys.stderr)
    if args.json:
        print(json.dumps(alignment_json(al, only), ensure_ascii=False, indent=1))
    elif not args.html:
        print(render_text(al, only))
    return 0
