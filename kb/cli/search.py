"""kb search and kb ask: ranked articles for a question, and the cited answer."""
from __future__ import annotations

import argparse
import json

from kb.core.errors import QueryError
from kb.core.settings import Settings

from .common import each_jsonl_row, jsonl_input, status_label

SEARCH_HELP = "rank articles for a question"
SEARCH_EXAMPLES = """examples:
  python -m kb search "有限空间作业前要检测什么"
  python -m kb search "安法第95条" --k 3
  python -m kb search "修订前的突发事件应对法关于预警的规定" --json
  python -m kb search --jsonl questions.jsonl --k 10 > hits.jsonl
    (input lines: {"id": …, "question": …}; output: {"id": …, "hits": [{"law", "version", "article", "title", "status", "score"}]})"""
ASK_HELP = "answer a question with verbatim, cited articles"
ASK_EXAMPLES = """examples:
  python -m kb ask "主要负责人未履职导致较大事故罚多少？"
  python -m kb ask "有限空间作业前必须检测哪些气体？"        (says which missing document would answer it)
  python -m kb ask "What must a company do after an accident?" --json
  KB_LLM_BASE_URL=http://127.0.0.1:8000/v1 KB_LLM_MODEL=qwen python -m kb ask "…" --llm"""


def add_search_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("question", nargs="?", help="the question")
    p.add_argument("-k", "--k", type=int, default=5, help="number of hits (default 5)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--jsonl", metavar="FILE", help="batch mode: read {id, question} lines, write one line each")
    _add_filters(p)
    p.add_argument("--mode", choices=["full", "hybrid", "bm25", "dense"], default="full",
                   help="retrieval pipeline (default full)")


def add_ask_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("question", nargs="?", help="the question")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _add_filters(p)
    p.add_argument("--llm", action="store_true",
                   help="compose the answer with the LLM configured by KB_LLM_BASE_URL / KB_LLM_MODEL / KB_LLM_API_KEY")


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--law", action="append", help="restrict to a law (repeatable)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="use the versions in force on this date")
    p.add_argument("--include-superseded", action="store_true", help="also search superseded versions")


def _retriever(args: argparse.Namespace, settings: Settings):
    from kb.retrieval.hybrid import HybridRetriever, RetrievalConfig
    return HybridRetriever.load(settings, RetrievalConfig(mode=getattr(args, "mode", "full")))


# ---- search --------------------------------------------------------------------------------------
def run_search(args: argparse.Namespace, settings: Settings) -> int:
    if args.k < 1:
        raise QueryError(f"--k 必须是正整数，收到 {args.k}")
    if args.jsonl:
        return _search_jsonl(args, settings)
    if not args.question or not args.question.strip():
        raise QueryError('请给出问题，例如：python -m kb search "有限空间作业前要检测什么"')
    r = _retriever(args, settings)
    hits = r.search(args.question, k=args.k, as_of=args.as_of, include_superseded=args.include_superseded,
                    laws=args.law)
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=1))
        return 0
    if not hits:
        print("没有找到相关条文。")
    for rank, h in enumerate(hits, 1):
        status = "" if h.status == "in_force" else f"（{status_label(h.status)}）"
        print(f"{rank}. 《{h.title}》{h.heading.rstrip('、')}  [{h.version}]{status}  score={h.score:.3f}")
        if h.chapter_path:
            print(f"   {' / '.join(h.chapter_path)}")
        body = h.text.replace("\n", " ")
        print(f"   {body[:160]}{'…' if len(body) > 160 else ''}")
    return 0


def batch_hit(h) -> dict:
    return {"law": h.law, "version": h.version, "article": h.label, "title": h.title,
            "status": h.status, "score": round(h.score, 4)}


def _search_jsonl(args: argparse.Namespace, settings: Settings) -> int:
    path = jsonl_input(args.jsonl, "找不到问题文件")
    r = _retriever(args, settings)

    def search_one(qid, question: str) -> None:
        hits = r.search(question, k=args.k, as_of=args.as_of, include_superseded=args.include_superseded,
                        laws=args.law)
        print(json.dumps({"id": qid, "hits": [batch_hit(h) for h in hits]}, ensure_ascii=False), flush=True)
    return each_jsonl_row(path, "question", search_one)


# ---- ask -----------------------------------------------------------------------------------------
def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    from kb.answer.pipeline import answer
    if not args.question or not args.question.strip():
        raise QueryError('请给出问题，例如：python -m kb ask "有限空间作业前必须检测哪些气体？"')
    llm = None
    if args.llm:
        from kb.answer.llm import llm_from_env
        llm = llm_from_env()
    r = _retriever(args, settings)
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
    lines += [f"{'Note' if en else '注'}：{how_to_add(m)}" for m in ans.missing]
    return "\n".join(lines).rstrip()


def how_to_add(m: dict) -> str:
    """A wanted-but-missing document and the commands that add it once the official text is at hand."""
    facts = "，".join(x for x in (m.get("issuer"), m.get("doc_number")) if x)
    src = m.get("official_source") or "官方网站"
    return (f"《{m['title']}》{'（' + facts + '）' if facts else ''}尚未收录全文：取得官方文本（{src}）后运行 "
            f"python -m kb ingest 文件.pdf --title \"{m['title']}\"，再运行 python -m kb build。")
