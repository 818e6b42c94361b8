"""kb quiz: exam items with an answer key citing the articles, printed or written for an exam system."""
from __future__ import annotations

import argparse
import sys

from kb.core.errors import QuizError
from kb.core.settings import Settings
from kb.quiz.records import DEFAULT_TYPES

from .common import load_documents_for

HELP = "generate exam items (单选/多选/判断/填空) from articles"
EXAMPLES = """examples:
  python -m kb quiz --law 安全生产法 --types single:10,multi:5,judge:10,cloze:5 --seed 7 --out quiz.xlsx
  python -m kb quiz --law 安法 --chapter 第三章 --types judge:5 --seed 1          print to the terminal
  python -m kb quiz --law 安全生产法 --articles 90-110 --types single:5,multi:3,judge:5 --out 法律责任.docx
      (writes the paper 法律责任.docx and the answer key 法律责任_答案.docx)
  python -m kb quiz --law 消防法 --law 安全生产法 --out quiz.gift          Moodle GIFT import file
  python -m kb quiz --law 突发事件应对法 --version 2007-08-30 --types single:5,judge:5 --format json
      (a superseded version: every item is marked superseded and says so in its stem)
  python -m kb quiz --law 突发事件应对法 --changed-only --types single:5,judge:5 --seed 3
      (only articles the latest revision changed or added; stems start "修订后，")
  formats: .xlsx .csv .json .docx .gift/.txt; types: single 单选, multi 多选, judge 判断, cloze 填空"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--law", action="append", metavar="NAME", help="law: title, short title or alias (repeatable; default all)")
    p.add_argument("--chapter", action="append", metavar="TEXT", help="chapter or section, e.g. 第三章 (repeatable)")
    p.add_argument("--articles", metavar="RANGES", help="article numbers, e.g. 21-30,95")
    p.add_argument("--version", help="version label, e.g. 2007-08-30 (default: the version in force)")
    p.add_argument("--changed-only", action="store_true",
                   help="only articles the latest revision added or changed (needs an earlier version in the corpus)")
    p.add_argument("--types", default=DEFAULT_TYPES, metavar="SPEC", help=f"types and counts (default {DEFAULT_TYPES})")
    p.add_argument("--seed", type=int, help="random seed; the same seed gives the same quiz (default: random, printed)")
    p.add_argument("--out", "-o", metavar="FILE", help="write .xlsx .csv .json .docx or .gift/.txt (format from the extension)")
    p.add_argument("--format", choices=["xlsx", "csv", "json", "docx", "gift", "text"], help="output format (overrides the extension)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from kb.quiz.build import generate_quiz, parse_types
    from kb.quiz.export import check_output, export_quiz, format_items
    if args.format in ("xlsx", "docx") and not args.out:
        raise QuizError(f"{args.format} 是二进制格式，请用 --out 文件名.{args.format} 指定输出文件。")
    parse_types(args.types)   # fail fast on bad --types / --out, before loading the corpus
    if args.out:
        check_output(args.out, args.format)
    quiz = generate_quiz(load_documents_for(args, settings), args.law, chapters=args.chapter, articles=args.articles,
                         version=args.version, types=args.types, seed=args.seed,
                         changed_only=getattr(args, "changed_only", False))
    print(quiz.report.summary() + f"\n随机种子 {quiz.seed}（用 --seed {quiz.seed} 可重现同一份题目）", file=sys.stderr)
    if args.out:
        for path in export_quiz(quiz.items, args.out, args.format):
            print(f"已写出 {path}", file=sys.stderr)
    else:
        sys.stdout.write(format_items(quiz.items, args.format or "text"))
    return 0
