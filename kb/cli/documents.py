"""kb show and kb corpus: one article verbatim with its citation; the documents, their checks and the
wanted-but-missing ones. Both read documents only (no vectors, no BM25)."""
from __future__ import annotations

import argparse
import json
import sys

from kb.core.doctypes import doc_type_label, listing_order
from kb.core.errors import QueryError
from kb.core.labels import parse_label
from kb.core.settings import Settings
from kb.corpus.citation import citation_line

from .common import format_table, load_documents_for, status_label

SHOW_HELP = "print one article verbatim with its citation"
SHOW_EXAMPLES = """examples:
  python -m kb show 安全生产法 95
  python -m kb show 安法 第九十五条
  python -m kb show 刑法 134之一
  python -m kb show 突发事件应对法 42 --version 2007-08-30"""
CORPUS_HELP = "list and check the corpus"
CORPUS_EXAMPLES = """examples:
  python -m kb corpus list                 documents, versions, status, article counts
  python -m kb corpus check                numbering gaps/duplicates, counts vs manifest.json, the index store
  python -m kb corpus missing              wanted documents whose text is not in the corpus
  python -m kb corpus penalties            which penalty article/item sanctions which duty, and the coverage"""


def add_show_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("law", help="law name: full title, short title or alias")
    p.add_argument("article", help="article number: 95, 九十五, 第九十五条, 134之一")
    p.add_argument("--version", help="version label, e.g. 2007-08-30 (default: in force)")
    p.add_argument("--json", action="store_true")


def add_corpus_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["list", "check", "missing", "penalties"])
    p.add_argument("--json", action="store_true")


# ---- show ----------------------------------------------------------------------------------------
def run_show(args: argparse.Namespace, settings: Settings) -> int:
    corpus = load_documents_for(args, settings)
    law = corpus.resolve_law(args.law)
    if not law:
        raise QueryError(f"语料中没有名为 {args.law!r} 的文件。运行 python -m kb corpus list 查看已收录文件。")
    label = parse_label(args.article)
    art = corpus.article(law, label, args.version)
    if art is None:
        known = [m.version for m in corpus.versions(law)]
        versions = "、".join(known)
        if args.version and args.version not in known:   # a list, not the joined string: "2020" is no version
            raise QueryError(f"{law} 没有 {args.version} 版本；已收录版本：{versions}")
        meta = corpus.version_meta(law, args.version)
        last = corpus.documents[meta.key].articles[-1].label
        raise QueryError(f"{meta.title}（{meta.version}）没有第 {label} 条（共到第 {last} 条）。")
    meta = corpus.documents[art.doc_key].meta
    if args.json:
        print(json.dumps(art.to_dict(), ensure_ascii=False, indent=1))
        return 0
    print(citation_line(corpus, art))
    if art.chapter_path:
        print(" / ".join(art.chapter_path))
    print()
    print(art.text)
    if not meta.in_force and meta.superseded_by:
        print(f"\n注意：此版本已被 {meta.superseded_by} 取代。")
    refs = [r for r in art.refs if r.kind == "article" and r.target_id]
    if refs:
        print("\n引用：" + "；".join(f"{r.text} → {r.target_id}" for r in refs))
    return 0


# ---- corpus --------------------------------------------------------------------------------------
def run_corpus(args: argparse.Namespace, settings: Settings) -> int:
    from kb.corpus import load_corpus
    if args.action == "missing":
        return _corpus_missing(args.json)
    if args.action == "penalties":
        return _corpus_penalties(load_documents_for(args, settings), args.json)
    corpus = load_corpus(settings.corpus_dirs)
    if args.action == "list":
        return _corpus_list(corpus, args.json)
    return _corpus_check(corpus, args.json, settings)


def _corpus_list(corpus, as_json: bool) -> int:
    rows = [{"key": d.meta.key, "title": d.meta.title, "short_title": d.meta.short_title,
             "version": d.meta.version, "doc_type": d.meta.doc_type, "status": d.meta.status,
             "articles": len(d.articles), "path": d.meta.path} for d in corpus.documents.values()]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    rows.sort(key=lambda r: (listing_order(r["doc_type"]), r["short_title"], r["version"]))
    table = [[r["short_title"], r["version"], status_label(r["status"]), str(r["articles"]),
              doc_type_label(r["doc_type"])] for r in rows]
    for line in format_table(["简称", "版本", "状态", "条数", "类型"], table, right=frozenset({3})):
        print(line)
    print(f"共 {len(rows)} 个文档版本，{sum(r['articles'] for r in rows)} 条。")
    for err in corpus.errors:
        print(f"警告：{err}", file=sys.stderr)
    return 0


def _corpus_check(corpus, as_json: bool, settings: Settings | None = None) -> int:
    checks = corpus.check()
    stale = corpus.check_cited_phrases()
    if as_json:
        print(json.dumps([c.__dict__ | {"ok": c.ok} for c in checks], ensure_ascii=False, indent=1))
    else:
        for c in checks:
            exp = "无清单" if c.expected is None else ("与清单一致" if c.expected == c.found else f"清单为 {c.expected}")
            extra = []
            if c.gaps:
                extra.append(f"缺号 {c.gaps[:10]}")
            if c.duplicates:
                extra.append(f"重号 {c.duplicates[:10]}")
            extra.extend(c.problems)
            print(f"{'OK ' if c.ok else 'BAD'} {c.key:<40}\t{c.found:>4} 条\t{exp}\t{'；'.join(extra)}")
        bad = [c for c in checks if not c.ok]
        if settings is not None:    # which store serves queries (local folder or KB_MILVUS_URI) and its build
            from kb.retrieval import store_summary
            print(store_summary(settings))
        print(f"共 {len(checks)} 个文档，{sum(c.found for c in checks)} 条；{len(bad)} 个有问题。")
    for err in corpus.errors:
        print(f"错误：{err}", file=sys.stderr)
    for problem in stale:
        print(f"错误：{problem}", file=sys.stderr)
    return 1 if any(not c.ok for c in checks) or corpus.errors or stale else 0


def _corpus_missing(as_json: bool) -> int:
    from kb.core.data import missing_catalogue
    docs = missing_catalogue()
    if as_json:
        print(json.dumps(docs, ensure_ascii=False, indent=1))
        return 0
    for d in docs:
        dates = "，".join(x for x in (d.get("promulgated") and f"公布 {d['promulgated']}",
                                     d.get("effective") and f"施行 {d['effective']}") if x)
        print(f"- {d['title']}（{d.get('issuer') or '发布机关不详'}{'，' + d['doc_number'] if d.get('doc_number') else ''}"
              f"{'，' + dates if dates else ''}）")
    print(f"共 {len(docs)} 个文件尚未收录全文。取得官方文本后运行：python -m kb ingest 文件.pdf，再运行 python -m kb build")
    return 0


def _corpus_penalties(corpus, as_json: bool) -> int:
    from kb.corpus import build_penalty_links, penalty_coverage
    links = build_penalty_links(corpus)
    cov = penalty_coverage(links)
    if as_json:
        print(json.dumps({"coverage": cov, "links": [link.to_dict() for link in links]}, ensure_ascii=False, indent=1))
        return 0
    width = max(len(doc) for doc in cov["documents"]) if cov["documents"] else 10
    print(f"{'文件':<{width}}\t已关联\t罚则单元")
    for doc, c in cov["documents"].items():
        print(f"{doc:<{width}}\t{c['linked']:>6}\t{c['units']:>8}")
    print(f"共 {cov['units']} 个罚则单元（项，或不分项的款），{cov['linked']} 个关联到所处罚的义务条款（{cov['share']:.1%}）："
          f"按“违反本法第X条”引用 {cov['by_reference']} 个，按条文措辞 {cov['by_wording']} 个。")
    return 0
