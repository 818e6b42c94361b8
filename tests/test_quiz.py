"""Tests for kb.quiz (build and export): items built from 安全生产法 pass every gate, the gates refuse
hand-made bad items, scope and determinism, every export reopened, and the CLI with bad inputs.

The corpus is read from ../shared/corpus at run time; no law text is copied into the repo. Expected
values below were read off the corpus text by hand (the article is named next to each).
"""
from __future__ import annotations

import csv
import dataclasses
import json
import os
import re
import subprocess
import sys

import pytest

import kb.cli.quiz
from kb import cli
from kb.core import PROJECT_ROOT, QuizError
from kb.corpus import load_corpus
from kb.quiz import (check_item, check_quiz, CHOICE_BLANK, CLOZE_BLANK, COLUMNS, export_quiz, format_items,
                     gate_duplicates, GATES, generate_quiz, gift_escape, LETTERS, numbers_in, parse_ranges,
                     parse_types, QuizItem, QuizSource, rows)
from kb.quiz.facts import norm, number_value, subjects_overlap

CORPUS = PROJECT_ROOT.parent / "shared" / "corpus"
pytestmark = pytest.mark.skipif(not (CORPUS / "安全生产法@2021-06-10.md").exists(),
                                reason=f"reference corpus not found at {CORPUS}")
LAW = "安全生产法"
MIX_100 = "single:40,multi:6,judge:40,cloze:14"   # 安全生产法 has 9 enumerations that make a 多选题


@pytest.fixture(scope="module")
def corpus():
    return load_corpus([CORPUS])


@pytest.fixture(scope="module")
def quiz100(corpus):
    return generate_quiz(corpus, [LAW], types=MIX_100, seed=7)


@pytest.fixture(scope="module")
def small(corpus):
    return generate_quiz(corpus, [LAW], types="single:3,multi:2,judge:3,cloze:2", seed=3).items


def gates_failed(item, corpus) -> list[str]:
    return [r.gate for r in check_item(item, corpus)]


# ---- 100 items over 安全生产法 ------------------------------------------------------------------------
def test_hundred_items_pass_every_gate(corpus, quiz100):
    items = quiz100.items
    assert len(items) == 100
    assert [sum(it.type == t for it in items) for t in ("single", "multi", "judge", "cloze")] == [40, 6, 40, 14]
    assert check_quiz(items, corpus) == []
    assert gate_duplicates(items) == []
    assert len({it.fact for it in items}) == 100          # each fact asked once
    assert all(it.source.law == LAW and not it.superseded for it in items)
    judged = [it.key for it in items if it.type == "judge"]
    assert judged.count("正确") == judged.count("错误") == 20
    assert len({it.key[0] for it in items if it.type == "single"}) >= 3   # the key is not always A


def test_report_counts_add_up(quiz100):
    r = quiz100.report
    per_item = sum(n for gate, n in r.rejected.items() if gate != "duplicate")
    assert r.candidates == r.passed + per_item      # every candidate either passed or was refused once
    assert r.passed >= r.selected == 100
    assert r.rejected["duplicate"] > 0              # 单选 and 填空 of one sentence compete for it
    assert all(f"{label} {r.rejected.get(g, 0)}" in r.summary() for g, label in GATES.items())


def test_keys_are_the_articles_own_words(corpus, quiz100):
    for it in quiz100.items:
        art = corpus.by_id[it.source.article_id]
        assert it.source.citation == art.citation and it.source.citation.startswith("《中华人民共和国安全生产法》第")
        assert all(frag in art.text for frag in it.quote)
        for quoted in re.findall(r"“([^”]+)”", it.explanation):
            assert all(piece in art.text for piece in quoted.split("……") if piece)
        if it.type in ("single", "multi"):
            assert all(norm(it.options[LETTERS.index(k)]) in norm(art.text) for k in it.key)
            assert len(set(it.options)) == len(it.options)
        if it.type == "judge" and it.key == "正确":
            assert it.stem.split("，", 1)[1].rstrip("。") in art.text
        if it.type == "cloze":
            assert it.stem.count(CLOZE_BLANK) == 1 and it.key in art.text
        assert 1 <= it.difficulty <= 3 and it.tags


def test_same_seed_same_quiz_other_seed_other_quiz(corpus, quiz100):
    again = generate_quiz(corpus, [LAW], types=MIX_100, seed=7)
    assert [it.to_dict() for it in again.items] == [it.to_dict() for it in quiz100.items]
    other = generate_quiz(corpus, [LAW], types=MIX_100, seed=8)
    assert [it.stem for it in other.items] != [it.stem for it in quiz100.items]


def test_same_seed_same_quiz_across_processes():
    # str hashing differs per process; a set iterated anywhere in the generator would show up here
    cmd = [sys.executable, "-m", "kb", "quiz", "--law", LAW, "--types", "single:4,multi:2,judge:4,cloze:2",
           "--seed", "11", "--format", "json", "--corpus", str(CORPUS)]
    outs = [subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
                           env=os.environ | {"PYTHONHASHSEED": h}) for h in ("1", "4242")]
    assert [o.returncode for o in outs] == [0, 0], outs[0].stderr
    assert outs[0].stdout == outs[1].stdout and len(json.loads(outs[0].stdout)) == 12


# ---- facts --------------------------------------------------------------------------------------------
def test_number_values():
    assert number_value("二十四小时") == number_value("一日")            # both 24 hours
    assert number_value("10万元以下") == number_value("十万元以下")
    assert number_value("二万元以上五万元以下") == ("money", (20000.0, 50000.0), ("以上", "以下"))
    assert number_value("2021年") is None                                 # a year, not a duration
    # 第九十五条: "上一年" is not a period; only the percentage is a fact
    assert [w for w, _, _ in numbers_in("处上一年年收入百分之四十的罚款")] == ["百分之四十"]
    # 第九十七条: "十万元以下" inside "二十万元以下" is not a separate value
    assert [w for w, _, _ in numbers_in("处十万元以上二十万元以下的罚款")] == ["十万元以上二十万元以下"]


def test_subject_overlap():
    assert subjects_overlap("国务院和县级以上地方各级人民政府", "县级以上各级人民政府")   # a part of it
    assert subjects_overlap("生产经营单位的从业人员", "生产经营单位的安全生产管理人员")   # managers are staff too
    assert subjects_overlap("负有安全生产监督管理职责的部门", "应急管理部门")           # 第十条: one of them
    assert not subjects_overlap("工会", "生产经营单位")
    assert not subjects_overlap("县级以上地方各级人民政府", "乡镇人民政府")


# ---- the gates refuse hand-made bad items ----------------------------------------------------------------
ART94 = "生产经营单位的主要负责人未履行本法规定的安全生产管理职责的，责令限期改正，处二万元以上五万元以下的罚款"
RIGHT = "二万元以上五万元以下"
WRONG = ["一万元以上三万元以下", "三万元以上十万元以下", "十万元以上二十万元以下"]   # 第九十六、九十二、一百零三条


def _source(corpus, label):
    art = corpus.article(LAW, label)
    return art, QuizSource(art.law, art.title, art.version, art.id, art.citation, art.status)


def single94(corpus, options=None, key=("A",), stem=None) -> QuizItem:
    art, src = _source(corpus, "94")
    stem = stem or f"根据《{art.title}》，{ART94.replace(RIGHT, CHOICE_BLANK)}。"
    return QuizItem("single", stem, list(options or [RIGHT] + WRONG), list(key),
                    f"依据{art.citation}：“{ART94}”。", src, quote=[ART94], fact="94")


def judge94(corpus, stem_core: str, change) -> QuizItem:
    art, src = _source(corpus, "94")
    full = art.text.split(" ", 1)[1].split("。")[0]     # the first sentence, with both amounts
    return QuizItem("judge", f"根据《{art.title}》，{stem_core}。", [], "错误" if change else "正确",
                    f"{art.citation}规定：“{full}”", src, quote=[full], change=change, fact="94j")


def test_hand_made_good_item_passes(corpus):
    assert check_item(single94(corpus), corpus) == []


def test_gate_rejects_wrong_key(corpus):
    # key B names 一万元以上三万元以下 (第九十六条); the real answer, now a "distractor", is also refused
    assert gates_failed(single94(corpus, key=("B",)), corpus) == ["key", "distractor"]


def test_gate_rejects_distractor_that_is_also_in_the_article(corpus):
    # 第九十四条 names 五万元以上十万元以下 too (逾期未改正的): a reader could defend it
    item = single94(corpus, options=[RIGHT, "一万元以上三万元以下", "五万元以上十万元以下", "十万元以上二十万元以下"])
    assert gates_failed(item, corpus) == ["distractor"]
    # the same amount in other words is the same answer
    item = single94(corpus, options=[RIGHT, "20000元以上50000元以下", WRONG[1], WRONG[2]])
    assert gates_failed(item, corpus) == ["distractor"]


def test_gate_rejects_multi_distractor_correct_in_another_article(corpus):
    # 第一百零一条 opens with the same words as 第九十七条, so its 项 answer this stem as well
    art, src = _source(corpus, "97")
    lead = "生产经营单位有下列行为之一的，责令限期改正，处十万元以下的罚款"
    stem = f"根据《{art.title}》，生产经营单位有下列哪些行为的，责令限期改正，处十万元以下的罚款？"
    right = ["未如实记录安全生产教育和培训情况的", "未将事故隐患排查治理情况如实记录或者未向从业人员通报的"]
    from_90 = ["在监督检查中发现重大事故隐患，不依法及时处理的", "对不符合法定安全生产条件的涉及安全生产的事项予以批准或者验收通过的"]
    from_101 = "未建立安全风险分级管控制度或者未按照安全风险分级采取相应管控措施的"

    def multi(options):
        return QuizItem("multi", stem, options, ["A", "B"], f"依据{art.citation}：“{lead}”。", src, quote=[lead])

    assert check_item(multi(right + from_90), corpus) == []
    assert gates_failed(multi(right + [from_90[0], from_101]), corpus) == ["distractor"]


def test_gate_rejects_duplicate_options(corpus):
    item = single94(corpus, options=[RIGHT, WRONG[0], WRONG[0], WRONG[2]])
    assert "options" in gates_failed(item, corpus)


def test_gate_rejects_placeholder_and_broken_stems(corpus):
    art = corpus.article(LAW, "94")
    good = single94(corpus)
    for stem in (good.stem.replace(art.title, "{law}"),                       # template never filled
                 good.stem.replace(CHOICE_BLANK, "____"),                      # a cloze blank in a 单选
                 good.stem.replace("《", "", 1),                               # unbalanced brackets
                 good.stem[:12]):                                              # cut off
        assert "stem" in gates_failed(dataclasses.replace(good, stem=stem), corpus), stem
    cloze = QuizItem("cloze", good.stem.replace(CHOICE_BLANK, CLOZE_BLANK) + CLOZE_BLANK, [], RIGHT,
                     good.explanation, good.source, quote=good.quote)
    assert "stem" in gates_failed(cloze, corpus)                               # two blanks


def test_gate_rejects_false_judge_changing_two_facts(corpus):
    full = corpus.article(LAW, "94").text.split(" ", 1)[1].split("。")[0]
    one = full.replace("二万元以上五万元以下", "一万元以上三万元以下")
    assert check_item(judge94(corpus, one, ("二万元以上五万元以下", "一万元以上三万元以下")), corpus) == []
    two = one.replace("五万元以上十万元以下", "十万元以上二十万元以下")
    assert gates_failed(judge94(corpus, two, ("二万元以上五万元以下", "一万元以上三万元以下")), corpus) == ["key"]
    # a "change" to the same amount is no change
    same = full.replace("二万元以上五万元以下", "2万元以上5万元以下")
    assert "distractor" in gates_failed(judge94(corpus, same, ("二万元以上五万元以下", "2万元以上5万元以下")), corpus)
    assert check_item(judge94(corpus, full, None), corpus) == []


def test_gate_duplicates(corpus):
    a = single94(corpus)
    b = dataclasses.replace(a, options=[RIGHT, WRONG[2], WRONG[1], WRONG[0]])   # same stem, reshuffled
    assert gate_duplicates([a, b]) == [1]


# ---- scope --------------------------------------------------------------------------------------------------
def test_scope_by_chapter(corpus):
    quiz = generate_quiz(corpus, ["安法"], chapters=["第3章"], types="single:2,judge:3,cloze:2", seed=1)
    assert all(any("第三章" in el for el in corpus.by_id[it.source.article_id].chapter_path) for it in quiz.items)
    assert {corpus.by_id[a].number for a in quiz.scope} == set(range(52, 62))   # 第三章 is 第五十二–六十一条


def test_scope_by_article_range(corpus):
    assert parse_ranges("21-30,95") == [(21, 30), (95, 95)]
    assert parse_ranges("第二十一条至第三十条") == [(21, 30)]
    quiz = generate_quiz(corpus, [LAW], articles="21-30,95", types="multi:2,cloze:3", seed=2)
    assert {corpus.by_id[a].number for a in quiz.scope} == set(range(21, 31)) | {95}
    assert {it.source.article_id.split("#")[1] for it in quiz.items if it.type == "multi"} == {"21", "25"}


def test_superseded_version_is_marked(corpus):
    quiz = generate_quiz(corpus, ["突发事件应对法"], version="2007-08-30", types="single:2,judge:2", seed=1)
    assert all(it.superseded and "已修订" in it.tags and "2007-08-30 版，已修订" in it.stem for it in quiz.items)
    current = generate_quiz(corpus, ["突发事件应对法"], types="judge:2", seed=1)
    assert all(not it.superseded and it.source.version == "2024-06-28" for it in current.items)


@pytest.mark.parametrize("kwargs, message", [
    ({"laws": ["不存在的法"]}, "语料中没有名为 '不存在的法' 的文件"),
    ({"laws": [LAW], "chapters": ["第九章"]}, "所选范围内没有条文"),
    ({"laws": [LAW], "version": "1999-01-01"}, "安全生产法 没有 1999-01-01 版本；已收录版本：2021-06-10"),
    ({"laws": [LAW], "types": "multi:50"}, "只能生成 多选题 9 道（要求 50 道）"),
    ({"laws": [LAW], "types": "essay:3"}, "未知题型 'essay'"),
    ({"laws": [LAW], "types": "single:x"}, "无法识别的题型数量 'single:x'"),
    ({"laws": [LAW], "types": "single:0"}, "题目总数为 0"),
    ({"laws": [LAW], "articles": "30-21"}, "无法识别的条文范围 '30-21'"),
])
def test_bad_requests(corpus, kwargs, message):
    kwargs = {"types": "single:1"} | kwargs
    with pytest.raises(QuizError, match=re.escape(message)):
        generate_quiz(corpus, kwargs.pop("laws"), seed=1, **kwargs)


def test_parse_types_accepts_chinese_names():
    assert parse_types("单选:2，判断：3,填空=1") == {"single": 2, "judge": 3, "cloze": 1}


# ---- exports ----------------------------------------------------------------------------------------------
def test_xlsx(small, tmp_path):
    from openpyxl import load_workbook
    [path] = export_quiz(small, tmp_path / "quiz.xlsx")
    ws = load_workbook(path).active
    table = [[c if c is not None else "" for c in row] for row in ws.iter_rows(values_only=True)]
    assert table[0] == COLUMNS == ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F",
                                   "答案", "解析", "出处", "难度"]
    assert len(table) == len(small) + 1
    for it, row in zip(small, table[1:]):
        got = dict(zip(COLUMNS, row))
        assert (got["题型"], got["题干"], got["答案"], got["难度"]) == (it.type_label, it.stem, it.answer, it.difficulty)
        assert [got[f"选项{c}"] for c in LETTERS[:len(it.options)]] == it.options
        # the project's one citation line (kb.corpus.citation_line), version said as a revision year
        assert got["出处"] == it.source.line and got["出处"].startswith(it.source.citation) and "2021年" in got["出处"]
        if it.type == "multi":
            assert re.fullmatch(r"[A-F](,[A-F])+", got["答案"])
        if it.type == "judge":
            assert got["答案"] in ("正确", "错误") and got["选项A"] == ""


def test_csv_has_bom_and_the_same_rows(small, tmp_path):
    [path] = export_quiz(small, tmp_path / "quiz.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")          # Excel needs the BOM to read UTF-8
    with open(path, encoding="utf-8-sig", newline="") as f:
        got = list(csv.DictReader(f))
    assert got == [{k: str(v) for k, v in row.items()} for row in rows(small)]


def test_json_round_trip(small, tmp_path):
    [path] = export_quiz(small, tmp_path / "quiz.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [QuizItem.from_dict(d) for d in data] == small
    assert data[0]["answer"] == small[0].answer and data[0]["source"]["citation"] == small[0].source.citation


def test_docx_paper_and_answer_key(small, tmp_path):
    from docx import Document
    paths = export_quiz(small, tmp_path / "试卷.docx")
    assert [p.name for p in paths] == ["试卷.docx", "试卷_答案.docx"]
    paper = "\n".join(p.text for p in Document(paths[0]).paragraphs)
    key = "\n".join(p.text for p in Document(paths[1]).paragraphs)
    assert all(it.stem in paper for it in small) and "答案：" not in paper and "一、单项选择题" in paper
    for n, it in enumerate(small, 1):
        assert f"{n}. 答案：{it.answer}" in key
        assert f"出处：{it.source.citation}" in key
    assert all(f"A. {it.options[0]}" in paper for it in small if it.options)


def test_gift(small, tmp_path):
    assert gift_escape("a:b=c~d#e{f}\\g") == "a\\:b\\=c\\~d\\#e\\{f\\}\\\\g"
    [path] = export_quiz(small, tmp_path / "quiz.gift")
    text = path.read_text(encoding="utf-8")
    blocks = [b for b in text.split("\n\n") if b.strip()]
    assert len(blocks) == len(small)
    for it, block in zip(small, blocks):
        line = block.splitlines()[1]
        assert line.startswith("::") and gift_escape(it.source.citation) in line
        answers = re.sub(r"\\.", "", line.split("{", 1)[1])       # unescaped marks only
        if it.type == "single":
            assert answers.count("=") == 1 and answers.count("~") == len(it.options) - 1
        elif it.type == "multi":
            assert answers.count("~%-100%") == len(it.options) - len(it.key)
        elif it.type == "judge":
            assert ("{TRUE" if it.key == "正确" else "{FALSE") in line
        else:
            assert "{=" + gift_escape(it.key) + "####" in line and CLOZE_BLANK not in line
    export_quiz(small, tmp_path / "quiz.txt")                            # .txt is GIFT as well
    assert (tmp_path / "quiz.txt").read_text(encoding="utf-8") == text


def test_unknown_extension_and_missing_folder(small, tmp_path):
    with pytest.raises(QuizError, match="无法从扩展名 '.pdf' 判断输出格式"):
        export_quiz(small, tmp_path / "quiz.pdf")
    with pytest.raises(QuizError, match="输出目录 .* 不存在"):
        export_quiz(small, tmp_path / "nope" / "quiz.csv")


def test_text_output(small):
    text = format_items(small, "text")
    assert all(it.stem in text for it in small) and "答案：" in text and "出处：" in text


# ---- CLI ------------------------------------------------------------------------------------------------------
@pytest.fixture
def run(corpus, monkeypatch, capsys):
    """Run `python -m kb quiz …` in-process on the already loaded corpus."""
    monkeypatch.setattr(kb.cli.quiz, "load_documents_for", lambda args, settings: corpus)

    def go(*argv):
        code = cli.main(["quiz", *argv])
        out = capsys.readouterr()
        return code, out.out, out.err
    return go


def test_cli_prints_items_and_gate_summary(run):
    code, out, err = run("--law", LAW, "--types", "single:2,judge:2", "--seed", "7")
    assert code == 0
    assert "一、单项选择题（共 2 题）" in out and "二、判断题（共 2 题）" in out and "答案：" in out
    assert "质量门槛拒绝" in err and "随机种子 7" in err


def test_cli_writes_xlsx(run, tmp_path):
    out_file = tmp_path / "quiz.xlsx"
    code, out, err = run("--law", LAW, "--types", "single:10,multi:5,judge:10,cloze:5", "--seed", "7",
                         "--out", str(out_file))
    assert code == 0 and out_file.exists() and f"已写出 {out_file}" in err and out == ""


def test_cli_json_to_stdout(run):
    code, out, _ = run("--law", LAW, "--types", "cloze:3", "--seed", "1", "--format", "json")
    assert code == 0 and [d["type"] for d in json.loads(out)] == ["cloze"] * 3


@pytest.mark.parametrize("argv, message", [
    (["--law", "不存在的法"], "语料中没有名为 '不存在的法' 的文件。运行 python -m kb corpus list 查看已收录文件。"),
    (["--law", LAW, "--types", "essay:3"], "未知题型 'essay'；可用题型：single（单选）"),
    (["--law", LAW, "--types", "single"], "无法识别的题型数量 'single'：请写成 题型:数量"),
    (["--law", LAW, "--chapter", "第九章"], "所选范围内没有条文"),
    (["--law", LAW, "--types", "multi:50"], "所选范围内只能生成 多选题 9 道（要求 50 道）"),
    (["--law", LAW, "--articles", "abc"], "无法识别的条文范围 'abc'"),
    (["--law", LAW, "--version", "1999-01-01"], "没有 1999-01-01 版本"),
    (["--law", LAW, "--out", "quiz.pdf"], "无法从扩展名 '.pdf' 判断输出格式"),
    (["--law", LAW, "--format", "xlsx"], "xlsx 是二进制格式，请用 --out"),
])
def test_cli_bad_inputs(run, argv, message):
    code, out, err = run(*argv, "--seed", "1")
    assert code == 1 and err.startswith("错误：") and message in err and out == ""


def test_cli_help_has_examples(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["quiz", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text and "--types single:10,multi:5,judge:10,cloze:5 --seed 7 --out quiz.xlsx" in text


def test_cli_subprocess_exit_code():
    proc = subprocess.run([sys.executable, "-m", "kb", "quiz", "--law", "不存在的法", "--corpus", str(CORPUS)],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and proc.stderr.startswith("错误：语料中没有名为") and "Traceback" not in proc.stderr
