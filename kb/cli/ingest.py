"""kb ingest and ingest_scripts/*_to_corpus.py: convert PDF/DOCX/HTML/text files into corpus documents
(kb.corpus.ingest does the work; this is its command line)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Sequence

from kb.core.errors import KBError
from kb.core.schema import STATUS_LABELS
from kb.core.settings import Settings
from kb.corpus.extract import DEFAULT_MAX_BYTES, FORMATS, SUPPORTED_TEXT
from kb.corpus.ingest import META_FLAGS, ingest_file

HELP = "convert PDF/DOCX/HTML/text files into corpus documents"
EXAMPLES = """examples:
  python -m kb ingest 工贸企业有限空间作业安全规定.pdf --doc-type departmental_rule --issuer 应急管理部
  python -m kb ingest a.docx b.html c.txt
  then: python -m kb build"""
PROGRESS_MIN_FILES = 4          # show a progress bar from this many files on


def _add_meta_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--title", help="完整标题，如“中华人民共和国安全生产法”（默认从正文识别）")
    parser.add_argument("--short-title", dest="short_title", help="简称，用于文件名（默认去掉“中华人民共和国”）")
    parser.add_argument("--doc-type", dest="doc_type",
                        help="文件类型：law、administrative_regulation、judicial_interpretation、plan 等")
    parser.add_argument("--issuer", help="制定机关，如“全国人民代表大会常务委员会”")
    parser.add_argument("--doc-number", dest="doc_number", help="文号，如“中华人民共和国主席令第八十八号”")
    parser.add_argument("--promulgated", help="公布（本版本）日期 YYYY-MM-DD；也用作版本号")
    parser.add_argument("--effective", help="施行日期 YYYY-MM-DD")
    parser.add_argument("--status", help="状态：" + "、".join(STATUS_LABELS) + "（默认 in_force）")
    parser.add_argument("--out", metavar="DIR", help="输出目录（默认 corpus/documents 或环境变量 KB_USER_DOCS）")
    parser.add_argument("--overwrite", action="store_true", help="目标文件已存在且内容不同时覆盖")
    parser.add_argument("--max-mb", dest="max_mb", type=_positive_mb, default=DEFAULT_MAX_BYTES / 1024 / 1024,
                        help="单个文件大小上限（MB，默认 50）")


def _positive_mb(value: str) -> float:
    try:
        mb = float(value)
    except ValueError:
        mb = 0.0
    if not mb > 0:
        raise argparse.ArgumentTypeError(f"“{value}”不是正数；请写成如 50 或 120.5（单位 MB）")
    return mb


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Arguments of `kb ingest FILE… [flags]`."""
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help=f"要导入的文件（{SUPPORTED_TEXT}），可以有多个")
    _add_meta_arguments(parser)
    return parser


def _options(args: argparse.Namespace) -> dict[str, Any]:
    meta = {k: getattr(args, k, None) for k in META_FLAGS if getattr(args, k, None)}
    max_mb = getattr(args, "max_mb", None)
    return {"dest_dir": getattr(args, "out", None), "overwrite": bool(getattr(args, "overwrite", False)),
            "max_bytes": int(max_mb * 1024 * 1024) if max_mb else DEFAULT_MAX_BYTES, **meta}


def run(args: argparse.Namespace, settings: Settings | None = None) -> int:
    """Ingest every file in args.files; per-file lines, then one summary line. 0 if all succeeded."""
    files = list(args.files)
    options = _options(args)
    bar = _progress(len(files))
    ok = 0
    for name in files:
        try:
            result = ingest_file(name, **options)
        except KBError as exc:
            _emit(f"✗ {name}：{exc}", err=True)
        else:
            ok += 1
            _emit(f"✓ {result.summary()}")
            for w in result.warnings:
                _emit(f"  注意：{w}", err=True)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    print(f"导入 {len(files)} 个文件：{ok} 个成功，{len(files) - ok} 个失败")
    return 0 if ok == len(files) else 1


def _progress(total: int):
    if total < PROGRESS_MIN_FILES or not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="个文件", file=sys.stderr, leave=False)


def _emit(message: str, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    try:
        from tqdm import tqdm
        tqdm.write(message, file=stream)   # keeps an active progress bar intact
    except ImportError:
        print(message, file=stream)


def script_main(kind: str, argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Entry point of ingest_scripts/<kind>_to_corpus.py: convert one file of that kind."""
    exts = [e for e, k in FORMATS.items() if k == kind]
    parser = argparse.ArgumentParser(
        prog=prog, description=f"把 {'/'.join(exts)} 文件转换为语料格式（YAML 头 + markdown）。")
    parser.add_argument("file", metavar="FILE", help=f"要转换的文件（{'、'.join(exts)}）")
    _add_meta_arguments(parser)
    args = parser.parse_args(argv)
    suffix = Path(args.file).suffix.lower()
    if suffix in FORMATS and FORMATS[suffix] != kind:
        print(f"错误：{args.file} 不是 {'/'.join(exts)} 文件；请用 {FORMATS[suffix]}_to_corpus.py，"
              "或 python -m kb ingest（自动识别类型）。", file=sys.stderr)
        return 1
    try:
        result = ingest_file(args.file, **_options(args))
    except KBError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    for w in result.warnings:
        print(f"注意：{w}", file=sys.stderr)
    print(result.summary())
    return 0
