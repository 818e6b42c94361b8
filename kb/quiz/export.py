"""Quiz exporters: the xlsx/csv columns Chinese exam systems import, json, a docx paper with a separate
answer key, Moodle GIFT, and readable text for the terminal."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from kb.core.errors import QuizError
from kb.core.schema import STATUS_LABELS

from .records import CLOZE_BLANK, LETTERS, QuizItem

COLUMNS = ["题型", "题干"] + [f"选项{c}" for c in LETTERS] + ["答案", "解析", "出处", "难度"]
FORMATS = {".xlsx": "xlsx", ".csv": "csv", ".json": "json", ".docx": "docx", ".gift": "gift", ".txt": "gift"}
SECTION_NAMES = {"single": "单项选择题", "multi": "多项选择题", "judge": "判断题", "cloze": "填空题"}
CN_ORDINALS = "一二三四五六七八九十"


def source_text(item: QuizItem) -> str:
    """The citation line, as everywhere in the project: '《中华人民共和国安全生产法》第二十一条（2021年修正，现行有效）'
    (items saved before it existed: '…第二十一条（2021-06-10 版）')."""
    s = item.source
    if s.line:
        return s.line
    status = "" if s.status == "in_force" else f"，{STATUS_LABELS.get(s.status, s.status)}"
    return f"{s.citation}（{s.version} 版{status}）"


def rows(items: list[QuizItem]) -> list[dict]:
    """One dict per item with the COLUMNS; multiple answers as 'A,B'."""
    out = []
    for it in items:
        row = {"题型": it.type_label, "题干": it.stem}
        row.update({f"选项{c}": (it.options[i] if i < len(it.options) else "") for i, c in enumerate(LETTERS)})
        row.update({"答案": it.answer, "解析": it.explanation, "出处": source_text(it), "难度": it.difficulty})
        out.append(row)
    return out


def detect_format(path: str | Path, fmt: str | None = None) -> str:
    if fmt:
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise QuizError(f"无法从扩展名 {suffix or '（无）'!r} 判断输出格式；请用 .xlsx .csv .json .docx .gift "
                        f"或 .txt，或用 --format 指定。")
    return FORMATS[suffix]


def check_output(path: str | Path, fmt: str | None = None) -> str:
    """The format to write `path` in; QuizError if it cannot be told or the folder is missing."""
    fmt = detect_format(path, fmt)
    if not Path(path).parent.is_dir():
        raise QuizError(f"输出目录 {Path(path).parent} 不存在；请先创建它或换一个 --out 路径。")
    return fmt


def export_quiz(items: list[QuizItem], path: str | Path, fmt: str | None = None,
                title: str | None = None) -> list[Path]:
    """Write the items; returns the files written (docx: the paper and '<name>_答案.docx')."""
    path = Path(path)
    fmt = check_output(path, fmt)
    title = title or default_title(items)
    try:
        if fmt == "xlsx":
            write_xlsx(items, path)
        elif fmt == "docx":
            return write_docx(items, path, title)
        elif fmt == "text":
            path.write_text(format_text(items), encoding="utf-8")
        else:   # utf-8-sig: Excel reads a CSV without BOM as the local ANSI code page and garbles Chinese
            path.write_text(format_items(items, fmt), encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
    except OSError as exc:
        raise QuizError(f"无法写入 {path}：{exc.strerror or exc}") from None
    return [path]


def format_items(items: list[QuizItem], fmt: str = "text") -> str:
    """The items as text in a text format: text, json, csv or gift."""
    if fmt == "json":
        return json.dumps([it.to_dict() for it in items], ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows(items))
        return buf.getvalue()
    if fmt == "gift":
        return to_gift(items)
    if fmt == "text":
        return format_text(items)
    raise QuizError(f"{fmt} 不能输出到终端；请用 --out 指定文件。")


def default_title(items: list[QuizItem]) -> str:
    titles = list(dict.fromkeys(it.source.title for it in items))
    return ("、".join(f"《{t}》" for t in titles[:3]) + ("等" if len(titles) > 3 else "") + "练习题") if titles else "练习题"


# ---- xlsx / docx -------------------------------------------------------------------------------------
def write_xlsx(items: list[QuizItem], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    wb = Workbook()
    ws = wb.active
    ws.title = "试题"
    ws.append(COLUMNS)
    for row in rows(items):
        ws.append([row[c] for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = {"题型": 8, "题干": 60, "答案": 10, "解析": 60, "出处": 36, "难度": 6}
    for i, col in enumerate(COLUMNS, 1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = widths.get(col, 24)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    wb.save(path)


def _sections(items: list[QuizItem]):
    """(heading, [(number, item)]) per type in the order the types first occur; numbers run on."""
    order = list(dict.fromkeys(it.type for it in items))
    numbered = list(enumerate(items, 1))
    for k, typ in enumerate(order):
        group = [(n, it) for n, it in numbered if it.type == typ]
        yield f"{CN_ORDINALS[k] if k < 10 else k + 1}、{SECTION_NAMES.get(typ, typ)}（共 {len(group)} 题）", group


def write_docx(items: list[QuizItem], path: Path, title: str) -> list[Path]:
    from docx import Document
    paper, key = Document(), Document()
    paper.add_heading(title, level=1)
    paper.add_paragraph("姓名：____________    单位：____________    得分：________")
    key.add_heading(f"{title} 答案与解析", level=1)
    for heading, group in _sections(items):
        paper.add_heading(heading, level=2)
        key.add_heading(heading, level=2)
        for n, it in group:
            paper.add_paragraph(f"{n}. {it.stem}" + ("（　　）" if it.type == "judge" else ""))
            for letter, opt in zip(LETTERS, it.options):
                paper.add_paragraph(f"{letter}. {opt}", style=None).paragraph_format.left_indent = 228600
            key.add_paragraph(f"{n}. 答案：{it.answer}")
            key.add_paragraph(f"解析：{it.explanation}")
            key.add_paragraph(f"出处：{source_text(it)}")
    key_path = path.with_name(f"{path.stem}_答案{path.suffix}")
    paper.save(path)
    key.save(key_path)
    return [path, key_path]


# ---- GIFT (Moodle) ---------------------------------------------------------------------------------
_GIFT_SPECIAL = "~=#{}:"
_GIFT_WEIGHTS = {1: "100", 2: "50", 3: "33.33333", 4: "25", 5: "20", 6: "16.66667"}


def gift_escape(text: str) -> str:
    """Backslash the characters GIFT gives a meaning (~ = # { } :) and keep every item on one line."""
    text = text.replace("\\", "\\\\")
    for ch in _GIFT_SPECIAL:
        text = text.replace(ch, "\\" + ch)
    return text.replace("\r", "").replace("\n", "\\n")


def to_gift(items: list[QuizItem]) -> str:
    out = []
    for n, it in enumerate(items, 1):
        name = gift_escape(f"{n:03d} {it.type_label} {it.source.citation}")
        fb = "####" + gift_escape(f"{it.explanation} 出处：{source_text(it)}")
        stem = gift_escape(it.stem)
        if it.type == "single":
            answer = " ".join(("=" if LETTERS[i] in it.key else "~") + gift_escape(o) for i, o in enumerate(it.options))
            body = f"{stem} {{{answer} {fb}}}"
        elif it.type == "multi":
            w = _GIFT_WEIGHTS[len(it.key)]
            answer = " ".join(f"~%{w if LETTERS[i] in it.key else '-100'}%" + gift_escape(o)
                              for i, o in enumerate(it.options))
            body = f"{stem} {{{answer} {fb}}}"
        elif it.type == "judge":
            body = f"{stem} {{{'TRUE' if it.key == '正确' else 'FALSE'}{fb}}}"
        else:   # cloze: GIFT "missing word" – the answer braces stand where the blank was
            before, _, after = it.stem.partition(CLOZE_BLANK)
            body = f"{gift_escape(before)}{{={gift_escape(it.key)}{fb}}}{gift_escape(after)}"
        out.append(f"// {gift_escape(source_text(it))} 难度 {it.difficulty}\n::{name}::{body}\n")
    return "\n".join(out)


# ---- terminal --------------------------------------------------------------------------------------
def format_text(items: list[QuizItem]) -> str:
    lines = []
    for heading, group in _sections(items):
        lines.append(heading)
        for n, it in group:
            lines.append(f"{n}. {it.stem}")
            lines.extend(f"   {letter}. {opt}" for letter, opt in zip(LETTERS, it.options))
            lines.append(f"   答案：{it.answer}　难度：{it.difficulty}　标签：{'、'.join(it.tags)}")
            lines.append(f"   解析：{it.explanation}")
            lines.append(f"   出处：{source_text(it)}")
            lines.append("")
    return "\n".join(lines) + "\n"
