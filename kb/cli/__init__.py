"""Command line: python -m kb <command>. The top layer: nothing in kb imports it.

One module per command group (build, search/ask, assess, show/corpus, ingest, quiz, diff, eval), each with
add_…arguments(parser) and run…(args, settings). The Settings are built once here from the flags and
the environment and passed down. Library imports happen inside the runners, so --help and a
command's start stay fast. Every user mistake becomes a one-line message on stderr and a non-zero
exit code, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable

from kb.core.errors import KBError, missing_dependency

from . import assess, build, diff, documents, eval as eval_cmd, ingest, quiz, search
from .common import add_common_arguments, settings_from_args

# (name, help, add_arguments, run, examples), in the order `--help` lists them.
COMMANDS: list[tuple[str, str, Callable, Callable, str]] = [
    ("build", build.HELP, build.add_arguments, build.run, build.EXAMPLES),
    ("search", search.SEARCH_HELP, search.add_search_arguments, search.run_search, search.SEARCH_EXAMPLES),
    ("show", documents.SHOW_HELP, documents.add_show_arguments, documents.run_show, documents.SHOW_EXAMPLES),
    ("corpus", documents.CORPUS_HELP, documents.add_corpus_arguments, documents.run_corpus, documents.CORPUS_EXAMPLES),
    ("ingest", ingest.HELP, ingest.add_arguments, ingest.run, ingest.EXAMPLES),
    ("ask", search.ASK_HELP, search.add_ask_arguments, search.run_ask, search.ASK_EXAMPLES),
    ("assess", assess.HELP, assess.add_arguments, assess.run, assess.EXAMPLES),
    ("quiz", quiz.HELP, quiz.add_arguments, quiz.run, quiz.EXAMPLES),
    ("diff", diff.HELP, diff.add_arguments, diff.run, diff.EXAMPLES),
    ("eval", eval_cmd.HELP, eval_cmd.add_arguments, eval_cmd.run, eval_cmd.EXAMPLES),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kb", description="kb：应急管理/安全生产法规知识库（离线）",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="commands have their own --help with examples, e.g. python -m kb search --help")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_, add_arguments, run, examples in COMMANDS:
        p = sub.add_parser(name, help=help_, description=help_, epilog=examples,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        add_common_arguments(p)
        add_arguments(p)
        p.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args, settings_from_args(args)) or 0)
    except KBError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as exc:
        print(f"错误：{missing_dependency(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


__all__ = ["COMMANDS", "build_parser", "main"]
