"""Tests for kb.corpus.ingest and kb ingest: PDF/DOCX/text/HTML → corpus markdown, error messages, atomic writes, CLI."""
from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kb.core import IngestError, PROJECT_ROOT
from kb.cli.ingest import add_arguments as add_ingest_arguments, run as run_ingest
from kb.corpus import (clean_pdf_text, detect_metadata, extract_text, ingest_file, parse_document, parse_file,
                       split_front_matter, to_corpus_markdown)
from kb.corpus.docmeta import parse_date

CORPUS = PROJECT_ROOT.parent / "shared" / "corpus"
SAFETY = CORPUS / "安全生产法@2021-06-10.md"
TITLE = "中华人民共和国安全生产法"
FONT = "STSong-Light"


# ---- helpers --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def source_doc():
    if not SAFETY.exists():
        pytest.skip(f"reference corpus not found: {SAFETY}")
    return parse_file(SAFETY)


@pytest.fixture(scope="module")
def source_blocks(source_doc):
    """The body of 安全生产法 as (kind, text): 'title', 'heading' (章) or 'para'."""
    _, body = split_front_matter(SAFETY.read_text(encoding="utf-8"))
    blocks = []
    for line in (ln.strip() for ln in body.splitlines()):
        if not line:
            continue
        if line.startswith("# "):
            blocks.append(("title", line[2:]))
        elif line.startswith("#"):
            blocks.append(("heading", line.lstrip("#").strip()))
        else:
            blocks.append(("para", line))
    return blocks


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_same_articles(got, want) -> None:
    assert len(got.articles) == len(want.articles) == 119
    assert [a.label for a in got.articles] == [a.label for a in want.articles]
    for g, w in zip(got.articles, want.articles):
        assert _norm(g.text) == _norm(w.text), f"第{w.label}条 differs"
        assert g.chapter_path == w.chapter_path, f"第{w.label}条 chapter path differs"


def _wrap(text: str, max_width: float, size: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth
    lines, current, width = [], "", 0.0
    for ch in text:
        w = stringWidth(ch, FONT, size)
        if current and width + w > max_width:
            lines.append(current)
            current, width = "", 0.0
        current += ch
        width += w
    return lines + [current] if current else lines


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def write_pdf(path: Path, blocks: list[tuple[str, str]], header: str = "安全生产法（排版测试）") -> bool:
    """Lay the blocks out like a printed law: running header, page number, wrapped lines, indented
    paragraphs. Returns True if some article paragraph is split across a page break."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    _register_font()
    width, height = A4
    left, size, leading = 72, 11, 16
    c = canvas.Canvas(str(path), pagesize=A4)
    page, y, split_article, in_articles = 1, None, False, False

    def new_page() -> float:
        # Odd pages draw the page number last, even pages first: furniture at either end of the text.
        if page % 2 == 0:
            c.setFont(FONT, 9)
            c.drawCentredString(width / 2, 40, f"- {page} -")
        c.setFont(FONT, 9)
        c.drawString(left, height - 50, header)
        return height - 90

    def end_page() -> None:
        if page % 2 == 1:
            c.setFont(FONT, 9)
            c.drawCentredString(width / 2, 40, f"- {page} -")
        c.showPage()

    y = new_page()
    for kind, text in blocks:
        in_articles = in_articles or text.startswith("第一条")
        shown = "\u3000\u3000" + text if kind == "para" else text
        for i, line in enumerate(_wrap(shown, width - 2 * left, size)):
            if y < 72:
                end_page()
                page += 1
                y = new_page()
                split_article = split_article or (i > 0 and in_articles)
            c.setFont(FONT, size)
            if kind == "para":
                c.drawString(left, y, line)
            else:
                c.drawCentredString(width / 2, y, line)
            y -= leading
    end_page()
    c.save()
    return split_article


def write_docx(path: Path, blocks: list[tuple[str, str]]) -> None:
    import docx
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "页眉：不属于正文"
    for kind, text in blocks:
        if kind == "title":
            document.add_heading(text, level=0)
        elif kind == "heading":
            document.add_heading(text, level=1)
        else:
            document.add_paragraph(text)
    document.save(str(path))


def plain_text(blocks: list[tuple[str, str]]) -> str:
    return "\n".join(text for _, text in blocks) + "\n"


SMALL_LAW = """中华人民共和国测试法
2023年11月29日第十四届全国人民代表大会常务委员会第六次会议通过
第一章 总则
第一条 为了测试导入功能，制定本法。
第二条 本法适用于下列情形：
（一）第一种情形；
（二）第二种情形。
第二章 附则
第三条 本法自2024年1月1日起施行。
"""


# ---- round trips ----------------------------------------------------------------------------------
def test_pdf_round_trip(tmp_path, source_doc, source_blocks):
    pdf = tmp_path / "安全生产法.pdf"
    assert write_pdf(pdf, source_blocks), "layout should split an article across pages"
    text = extract_text(pdf)
    assert "排版测试" not in text and not re.search(r"^- \d+ -$", text, re.M)
    result = ingest_file(pdf, tmp_path / "out")
    assert result.output.name == "安全生产法@2021-06-10.md"
    assert (result.title, result.short_title, result.version, result.articles) == \
        (TITLE, "安全生产法", "2021-06-10", 119)
    got = parse_file(result.output)
    assert_same_articles(got, source_doc)
    assert got.headings == source_doc.headings
    assert got.meta.promulgated == "2021-06-10"
    # 第一百一十九条 "本法自2002年11月1日起施行" is the first version's date: not used, but reported.
    assert got.meta.effective == ""
    assert any("早于公布日期" in w for w in result.warnings)
    # 款/项 line structure survives the wrapping: 第二十一条 has 1 款 with 7 项.
    art21 = got.article("21")
    assert len(art21.clauses) == 1 and len(art21.clauses[0].items) == 7


def test_docx_round_trip(tmp_path, source_doc, source_blocks):
    path = tmp_path / "安全生产法.docx"
    write_docx(path, source_blocks)
    assert "页眉" not in extract_text(path)
    result = ingest_file(path, tmp_path / "out", effective="2021-09-01")
    got = parse_file(result.output)
    assert_same_articles(got, source_doc)
    assert [a.clauses for a in got.articles] == [a.clauses for a in source_doc.articles]
    assert got.meta.title == TITLE and got.meta.effective == "2021-09-01"
    assert got.meta.doc_type == "law" and got.meta.issuer == "全国人民代表大会常务委员会"


@pytest.mark.parametrize("encoding", ["gbk", "utf-16", "utf-8-sig"])
def test_text_round_trip(tmp_path, source_doc, source_blocks, encoding):
    path = tmp_path / "安全生产法.txt"
    newline = "\r\n" if encoding == "gbk" else "\n"
    path.write_bytes(plain_text(source_blocks).replace("\n", newline).encode(encoding))
    result = ingest_file(path, tmp_path / "out")
    got = parse_file(result.output)
    assert_same_articles(got, source_doc)
    assert [a.text for a in got.articles] == [a.text for a in source_doc.articles]


HTML_FIXTURE = """<!DOCTYPE html>
<html><head><meta charset="gbk"><title>法规库_某网站</title>
<style>p { color: red }</style><script>var s = "第九十九条 脚本内容";</script></head>
<body><div class="nav">首页 &gt; 法规库</div>
<h1>武汉市安全生产监督管理办法</h1>
<p>（2023年11月29日武汉市人民政府令第5号公布 自2024年1月1日起施行）</p>
<h2>第一章&nbsp;总　则</h2>
<p><strong>第一条</strong>　为了加强
安全生产监督管理，制定本办法。</p>
<p>第二条 本办法适用于：<br>（一）生产经营单位；<br/>（二）有关部门。</p>
<!-- 第三条 注释 -->
<h2>第二章 附则</h2>
<div><div><p>第三条 本办法自2024年1月1日起施行。</p></div></div>
<noscript>请启用脚本</noscript>
<footer>版权所有 某网站</footer>
</body></html>
"""


def test_html_conversion(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(HTML_FIXTURE.encode("gbk"))
    text = extract_text(path)
    for absent in ("脚本内容", "color", "注释", "请启用脚本", "法规库_某网站", "版权所有"):
        assert absent not in text
    result = ingest_file(path, tmp_path / "out")
    assert result.output.name == "武汉市安全生产监督管理办法@2023-11-29.md"
    doc = parse_file(result.output)
    assert doc.meta.effective == "2024-01-01"
    assert [a.text for a in doc.articles] == [
        "第一条 为了加强安全生产监督管理，制定本办法。",
        "第二条 本办法适用于：\n（一）生产经营单位；\n（二）有关部门。",
        "第三条 本办法自2024年1月1日起施行。",
    ]
    assert len(doc.articles[1].clauses[0].items) == 2
    assert doc.articles[0].chapter_path == ("第一章 总 则",)
    assert doc.articles[2].chapter_path == ("第二章 附则",)


# ---- PDF clean-up details -------------------------------------------------------------------------
def test_clean_pdf_text_page_furniture_and_wrapping():
    pages = [
        "安全管理规定汇编\n测试条例\n第一条 生产经营单位应当建立\n健全安全生产责任制。\n第 1 页",
        "安全管理规定汇编\n第二条 有下列情形之一的，依照本条例\n第\n"
        "（一）项处理：\n（一）未按规定培训的；\n（二）未按规定检查的。\n2/3",
        "安全管理规定汇编\n3\n第三条 ABC\ndef 规定的“标准。”\n第四条 本条例自公布之日起施行。\n- 3 -",
    ]
    lines = clean_pdf_text(pages).split("\n")
    assert lines == [
        "测试条例",
        "第一条 生产经营单位应当建立健全安全生产责任制。",
        "第二条 有下列情形之一的，依照本条例第（一）项处理：",
        "（一）未按规定培训的；",
        "（二）未按规定检查的。",
        "第三条 ABC def 规定的“标准。”",
        "第四条 本条例自公布之日起施行。",
    ]


def test_clean_pdf_text_keeps_title_that_is_also_the_running_header():
    pages = [f"中华人民共和国测试法\n第{n}条 内容。\n{i}" for i, n in enumerate("一二三", 1)]
    assert clean_pdf_text(pages).split("\n") == ["中华人民共和国测试法", "第一条 内容。", "第二条 内容。", "第三条 内容。"]
    pages[0] = "中华人民共和国测试法\n" + pages[0]      # header and a title line of its own on page 1
    assert clean_pdf_text(pages).split("\n")[:2] == ["中华人民共和国测试法", "第一条 内容。"]


def test_pdf_with_owner_password_only_is_read(tmp_path):
    """Copy/print restrictions without an open password: any viewer opens it, so do we."""
    import pypdf
    plain = tmp_path / "plain.pdf"
    write_pdf(plain, [("title", "中华人民共和国测试法"), ("para", "第一条 为了测试，制定本法。")])
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(plain))
    writer.encrypt(user_password="", owner_password="owner")
    locked = tmp_path / "restricted.pdf"
    with open(locked, "wb") as fh:
        writer.write(fh)
    result = ingest_file(locked, tmp_path / "out", promulgated="2024-01-01")
    assert result.articles == 1 and any("权限限制" in w for w in result.warnings)


# ---- bad inputs -----------------------------------------------------------------------------------
def _expect_error(path, fragment: str, **kwargs) -> str:
    with pytest.raises(IngestError) as info:
        ingest_file(path, path.parent / "out", **kwargs)
    message = str(info.value)
    assert fragment in message
    return message


def test_missing_file(tmp_path):
    _expect_error(tmp_path / "不存在.pdf", "找不到文件")


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    _expect_error(path, "文件为空")


def test_corrupt_pdf(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(random.Random(0).randbytes(4096))
    _expect_error(path, "PDF 文件已损坏")


def test_encrypted_pdf(tmp_path):
    import pypdf
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt(user_password="secret", owner_password="owner")
    path = tmp_path / "locked.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    _expect_error(path, "PDF 已加密")


def test_image_only_pdf(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.rect(100, 100, 300, 500, fill=1)
    c.showPage()
    c.save()
    message = _expect_error(path, "no text layer: run OCR first")
    assert "没有文字层" in message and "OCR" in message


def test_corrupt_docx(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(random.Random(1).randbytes(2048))
    _expect_error(path, "DOCX 文件已损坏")


def test_output_folder_is_a_file(tmp_path):
    path = tmp_path / "law.txt"
    path.write_text(SMALL_LAW, encoding="utf-8")
    blocker = tmp_path / "out"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(IngestError, match="无法创建输出目录"):
        ingest_file(path, blocker)


def test_undecodable_text(tmp_path):
    path = tmp_path / "binary.txt"
    path.write_bytes(bytes([0x80, 0x81, 0xFE, 0xFF, 0x00, 0x01, 0x9F]) * 40)
    _expect_error(path, "无法识别文件的文字编码")


def test_text_without_article_structure(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("中华人民共和国测试法\n这是一段说明文字，没有条文编号。\n", encoding="utf-8")
    _expect_error(path, "未发现条文结构")


def test_unsupported_extension(tmp_path):
    path = tmp_path / "table.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    message = _expect_error(path, "不支持的文件类型")
    assert ".pdf" in message and ".docx" in message and ".txt" in message


def test_size_limit(tmp_path):
    path = tmp_path / "law.txt"
    path.write_text(SMALL_LAW, encoding="utf-8")
    message = _expect_error(path, "文件过大", max_bytes=100)
    assert "--max-mb" in message


def test_no_title_asks_for_flag(tmp_path):
    path = tmp_path / "untitled.txt"
    path.write_text(SMALL_LAW.split("\n", 1)[1], encoding="utf-8")
    _expect_error(path, "--title")
    result = ingest_file(path, tmp_path / "out", title="中华人民共和国测试法")
    assert result.short_title == "测试法"


def test_bad_flag_values(tmp_path):
    path = tmp_path / "law.txt"
    path.write_text(SMALL_LAW, encoding="utf-8")
    _expect_error(path, "YYYY-MM-DD", promulgated="2024-13-01")
    _expect_error(path, "in_force", status="valid")


# ---- writing --------------------------------------------------------------------------------------
def test_existing_file_unchanged_conflict_and_overwrite(tmp_path):
    out = tmp_path / "out"
    path = tmp_path / "law.txt"
    path.write_text(SMALL_LAW, encoding="utf-8")
    first = ingest_file(path, out)
    assert first.status == "written" and first.output == out / "测试法@2023-11-29.md"
    assert ingest_file(path, out).status == "unchanged"

    path.write_text(SMALL_LAW.replace("第一种情形", "第一类情形"), encoding="utf-8")
    before = first.output.read_bytes()
    _expect_error(path, "--overwrite")
    assert first.output.read_bytes() == before
    assert ingest_file(path, out, overwrite=True).status == "overwritten"
    assert "第一类情形" in first.output.read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["测试法@2023-11-29.md"]   # no temp files left


def test_default_destination_is_user_documents(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_USER_DOCS", str(tmp_path / "docs"))
    path = tmp_path / "law.txt"
    path.write_text(SMALL_LAW, encoding="utf-8")
    assert ingest_file(path).output == tmp_path / "docs" / "测试法@2023-11-29.md"


def test_written_file_matches_corpus_format(tmp_path):
    path = tmp_path / "law.txt"
    path.write_text(SMALL_LAW, encoding="utf-8")
    result = ingest_file(path, tmp_path / "out")
    text = result.output.read_text(encoding="utf-8")
    fm, body = split_front_matter(text)
    assert fm["title"] == "中华人民共和国测试法" and fm["short_title"] == "测试法"
    assert (fm["promulgated"], fm["effective"], fm["status"]) == ("2023-11-29", "2024-01-01", "in_force")
    assert fm["doc_type"] == "law" and fm["numbering"].startswith("articles")
    assert "law.txt" in fm["source"]
    assert body.lstrip("\n").startswith("# 中华人民共和国测试法\n\n2023年11月29日")
    assert "\n## 第一章 总则\n\n第一条 " in body


def test_text_after_last_article_is_reported(tmp_path):
    path = tmp_path / "law.txt"
    path.write_text(SMALL_LAW + "全国人民代表大会常务委员会\n2023年11月29日\n", encoding="utf-8")
    result = ingest_file(path, tmp_path / "out")
    assert any("施行日期之后还有 2 行文字" in w for w in result.warnings)


# ---- metadata and markdown ------------------------------------------------------------------------
def test_detect_title_and_dates():
    found = detect_metadata(SMALL_LAW)
    assert found["title"] == "中华人民共和国测试法" and found["short_title"] == "测试法"
    assert found["promulgated"] == "2023-11-29" and found["effective"] == "2024-01-01"
    assert found["issuer"] == "全国人民代表大会常务委员会" and found["doc_type"] == "law"


def test_detect_chinese_numeral_effective_date():
    text = "某某安全生产条例\n第一条 为了测试，制定本条例。\n第二条 本条例自二〇二四年一月一日起施行。\n"
    found = detect_metadata(text)
    assert found["title"] == "某某安全生产条例"
    assert found["effective"] == "2024-01-01"
    assert "promulgated" not in found
    md = to_corpus_markdown(text, {})
    assert parse_document(md).meta.version == "2024-01-01"    # no promulgation date: effective date


@pytest.mark.parametrize("text,expected", [
    ("2024年1月1日", "2024-01-01"), ("二〇二四年十二月三十一日", "2024-12-31"),
    ("二○二三年十一月二十九日", "2023-11-29"), ("2024 年 3 月 5 日", "2024-03-05"),
    ("2024-01-01", "2024-01-01"), ("2024/1/2", "2024-01-02"), ("2024年2月30日", None), ("昨天", None),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_heading_levels_with_and_without_bian():
    with_bian = ("某法\n第一编 总则\n第一章 任务\n第一节 原则\n第一条 测试。\n"
                 "第二编 分则\n第一章 犯罪\n第二条 测试。\n")
    md = to_corpus_markdown(with_bian, {"promulgated": "2020-01-01"})
    assert "\n## 第一编 总则\n" in md and "\n### 第一章 任务\n" in md and "\n#### 第一节 原则\n" in md
    assert parse_document(md).articles[1].chapter_path == ("第二编 分则", "第一章 犯罪")
    md = to_corpus_markdown("某法\n第一章 总则\n第一节 原则\n第一条 测试。\n", {"promulgated": "2020-01-01"})
    assert "\n## 第一章 总则\n" in md and "\n### 第一节 原则\n" in md


def test_plan_items_become_units():
    text = ("2024年武汉市应急管理工作要点\n总体要求是：做好工作。\n一、聚焦改革创新\n（一）优化体制。内容。\n"
            "（二）深化改革。内容。\n二、聚焦治本攻坚\n（三）推动责任落实。内容。\n")
    doc = parse_document(to_corpus_markdown(text, {"version": "2024"}))
    assert doc.layout == "paren_items" and [a.label for a in doc.articles] == ["1", "2", "3"]
    assert doc.articles[2].chapter_path == ("二、聚焦治本攻坚",)
    assert doc.meta.doc_type == "plan"


# ---- command line ---------------------------------------------------------------------------------
def test_run_ingest_summary(tmp_path, capsys):
    good1, good2, bad = tmp_path / "a.txt", tmp_path / "b.md", tmp_path / "c.txt"
    good1.write_text(SMALL_LAW, encoding="utf-8")
    good2.write_text(SMALL_LAW.replace("测试法", "演练法"), encoding="utf-8")
    bad.write_text("没有条文的文字。\n", encoding="utf-8")
    parser = add_ingest_arguments(argparse.ArgumentParser())
    args = parser.parse_args([str(good1), str(good2), str(bad), "--out", str(tmp_path / "out")])
    assert run_ingest(args) == 1
    out, err = capsys.readouterr()
    assert out.strip().splitlines()[-1] == "导入 3 个文件：2 个成功，1 个失败"
    assert "c.txt" in err and "未发现条文结构" in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["测试法@2023-11-29.md", "演练法@2023-11-29.md"]


def test_scripts_run_from_project_root(tmp_path):
    path = tmp_path / "law.txt"
    path.write_text(SMALL_LAW, encoding="utf-8")
    cmd = [sys.executable, "ingest_scripts/text_to_corpus.py", str(path), "--out", str(tmp_path / "out"),
           "--doc-number", "中华人民共和国主席令第一号"]
    ok = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert len(ok.stdout.strip().splitlines()) == 1 and "测试法@2023-11-29.md" in ok.stdout
    assert split_front_matter((tmp_path / "out" / "测试法@2023-11-29.md").read_text(encoding="utf-8"))[0][
        "doc_number"] == "中华人民共和国主席令第一号"
    wrong = subprocess.run([sys.executable, "ingest_scripts/pdf_to_corpus.py", str(path)], cwd=PROJECT_ROOT,
                           capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 1 and "text_to_corpus.py" in wrong.stderr and not wrong.stdout
