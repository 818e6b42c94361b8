"""Drive the command line the way a user does: `python -m kb …` in a subprocess (KB_HOME pointing at a
temp dir) for the end-to-end runs and the table of bad inputs, kb.cli.main([...]) for the rest.
The fixture corpus and the hash embedder keep it fast; the last tests use the real default index."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kb.cli import build_parser, main
from kb.core import PROJECT_ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "corpus"
HIT_KEYS = {"law", "version", "article", "title", "status", "score"}


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Whatever a test forgets to pass, no state ever lands in the project's .kb."""
    monkeypatch.setenv("KB_HOME", str(tmp_path / "env-home"))
    monkeypatch.setenv("KB_USER_DOCS", str(tmp_path / "env-docs"))
    monkeypatch.delenv("KB_CORPUS", raising=False)
    monkeypatch.delenv("KB_MODEL", raising=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A copy of the fixture corpus and an index of it built through the CLI."""
    root = tmp_path_factory.mktemp("cli")
    corpus, home = root / "corpus", root / "home"
    shutil.copytree(FIXTURES, corpus)
    assert main(["build", "--corpus", str(corpus), "--home", str(home), "--model", "hash", "--quiet"]) == 0
    return {"corpus": str(corpus), "home": str(home), "root": root}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def kb(*args, env_extra=None, cwd=None, stdin=None):
    """Run `python -m kb …` as a user would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "kb", *args], capture_output=True, text=True, env=env,
                          cwd=cwd or PROJECT_ROOT, input=stdin, timeout=300)


# ---- build ------------------------------------------------------------------------------------------
def test_build_and_up_to_date(site, capsys):
    code, out, err = run(capsys, "build", "--corpus", site["corpus"], "--home", site["home"], "--model", "hash")
    assert code == 0
    assert out.strip() == "索引已是最新（3 个文档，12 条）：无需重建。"
    code, out, _ = run(capsys, "build", "--corpus", site["corpus"], "--home", site["home"], "--model", "hash",
                       "--force", "--quiet")
    assert code == 0
    # 3 documents, 6 + 3 + 3 articles of one piece each, all vectors from the cache
    assert "索引已建成：3 个文档，12 条，12 个片段；新嵌入 0，复用 12" in out


# ---- search -----------------------------------------------------------------------------------------
def test_search_text(site, capsys):
    code, out, err = run(capsys, "search", "有限空间作业前要检测什么", "--home", site["home"], "--k", "3")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("1. 《示例安全法》第三条  [2023-05-01]  score=")
    assert lines[1] == "   第一章 总则 / 第一节 有限空间"
    assert lines[2].startswith("   第三条 进入有限空间作业前")
    assert sum(1 for ln in lines if ln[:1].isdigit()) == 3


def test_search_json(site, capsys):
    code, out, _ = run(capsys, "search", "有限空间作业前要检测什么", "--home", site["home"], "--json")
    assert code == 0
    hits = json.loads(out)
    assert 1 <= len(hits) <= 5
    top = hits[0]
    assert top["article_id"] == "示例安全法@2023-05-01#3"
    assert (top["law"], top["version"], top["label"], top["status"]) == ("示例安全法", "2023-05-01", "3", "in_force")
    assert top["chapter_path"] == ["第一章 总则", "第一节 有限空间"]
    # only versions in force are searched by default
    assert all(h["status"] == "in_force" for h in hits)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_search_direct_article_reference(site, capsys):
    code, out, _ = run(capsys, "search", "示例安全法第二条之一", "--home", site["home"], "--json", "--k", "1")
    assert code == 0
    assert [h["article_id"] for h in json.loads(out)] == ["示例安全法@2023-05-01#2之一"]


def test_search_jsonl_good_and_malformed_lines(site, capsys, tmp_path):
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join([
        json.dumps({"id": "q1", "question": "有限空间作业前要检测什么"}, ensure_ascii=False),   # 1 good
        "this is not json",                                                                      # 2 malformed
        json.dumps({"id": "q3"}),                                                                # 3 no question
        json.dumps({"id": "q4", "question": "  "}),                                              # 4 empty question
        "",                                                                                      # 5 blank: skipped
        json.dumps({"id": 6, "question": "应急演练多久组织一次"}, ensure_ascii=False),             # 6 good
    ]) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "search", "--jsonl", str(questions), "--home", site["home"], "--k", "2")
    assert code == 1                                     # some lines failed
    rows = [json.loads(x) for x in out.splitlines()]
    assert [r["id"] for r in rows] == ["q1", 6]          # good lines still answered, in order
    for r in rows:
        assert set(r) == {"id", "hits"}
        assert 1 <= len(r["hits"]) <= 2
        for h in r["hits"]:
            assert set(h) == HIT_KEYS
    top = rows[0]["hits"][0]
    assert {k: top[k] for k in HIT_KEYS - {"score"}} == {
        "law": "示例安全法", "version": "2023-05-01", "article": "3", "title": "示例安全法", "status": "in_force"}
    reported = [ln for ln in err.splitlines() if "跳过格式错误的行" in ln]
    assert [ln.split(":")[1] for ln in reported] == ["2", "3", "4"]
    assert all(ln.startswith(f"{questions}:") for ln in reported)


def test_search_jsonl_all_good_exits_zero(site, capsys, tmp_path, monkeypatch):
    import io
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"id": "a", "question": "演练"}\n'))
    code, out, err = run(capsys, "search", "--jsonl", "-", "--home", site["home"])
    assert code == 0 and err == ""
    assert json.loads(out)["id"] == "a"


# ---- show -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("label", ["3", "三", "第三条", "第 3 条", "３", "第３条"])
def test_show_article_number_forms(site, capsys, label):
    code, out, _ = run(capsys, "show", "示例安全法", label, "--home", site["home"])
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "《示例安全法》第三条（2023年公布，现行有效）"
    assert lines[1] == "第一章 总则 / 第一节 有限空间"
    assert "(二)可燃气体浓度；" in lines              # verbatim, half-width bracket kept
    assert lines[-1] == "前款规定的检测结果应当记录。"


@pytest.mark.parametrize("label", ["2之一", "第二条之一", "二之一"])
def test_show_zhi_yi(site, capsys, label):
    code, out, _ = run(capsys, "show", "示例安全法", label, "--corpus", site["corpus"])
    assert code == 0
    assert out.splitlines()[0] == "《示例安全法》第二条之一（2023年公布，现行有效）"
    assert "第二条之一 单位的主要负责人对本单位的演练工作全面负责。" in out


def test_show_superseded_version(site, capsys):
    code, out, _ = run(capsys, "show", "示例安全法", "2", "--version", "2020-01-01", "--home", site["home"])
    assert code == 0
    assert out.splitlines()[0] == "《示例安全法》第二条（2020年公布，已修订）"
    assert "第二条 单位应当每年组织一次演练。" in out
    assert "注意：此版本已被 示例安全法@2023-05-01 取代。" in out


def test_show_lists_resolved_references(site, capsys):
    code, out, _ = run(capsys, "show", "示例安全法", "4", "--home", site["home"])
    assert code == 0
    # 《中华人民共和国刑法》第一百三十四条 is not in this corpus, so it is not listed as resolved
    assert out.splitlines()[-1] == "引用：本法第二条 → 示例安全法@2023-05-01#2；第三条 → 示例安全法@2023-05-01#3"


def test_show_json_and_plan_item(site, capsys):
    code, out, _ = run(capsys, "show", "示例工作要点", "三", "--home", site["home"], "--json")
    assert code == 0
    art = json.loads(out)
    assert art["id"] == "示例工作要点@2024#3"
    assert art["chapter_path"] == ["二、遏制事故"]
    assert art["text"].startswith("(三)推动责任落实")


# ---- corpus -----------------------------------------------------------------------------------------
def test_corpus_list(site, capsys):
    code, out, _ = run(capsys, "corpus", "list", "--corpus", site["corpus"])
    assert code == 0
    assert out.splitlines()[-1] == "共 3 个文档版本，12 条。"
    assert sum("示例安全法" in ln for ln in out.splitlines()) == 2
    # a header, and the columns line up on screen (Chinese characters are two columns wide)
    from kb.cli.common import display_width
    lines = out.splitlines()
    assert lines[0].split() == ["简称", "版本", "状态", "条数", "类型"]
    version_at = {display_width(ln[:ln.index(v)]) for ln in lines[2:-1] for v in ("2020-01-01", "2023-05-01", "2024")
                  if v in ln}
    assert version_at == {display_width(lines[0][:lines[0].index("版本")])}
    code, out, _ = run(capsys, "corpus", "list", "--corpus", site["corpus"], "--json")
    rows = {r["key"]: r for r in json.loads(out)}
    assert {k: (r["status"], r["articles"]) for k, r in rows.items()} == {
        "示例安全法@2020-01-01": ("superseded", 3), "示例安全法@2023-05-01": ("in_force", 6),
        "示例工作要点@2024": ("in_force", 3)}


def test_corpus_check_ok(site, capsys):
    code, out, err = run(capsys, "corpus", "check", "--corpus", site["corpus"])
    assert code == 0, out + err
    lines = out.splitlines()
    assert sum(ln.startswith("OK ") for ln in lines) == 3
    assert lines[-1] == "共 3 个文档，12 条；0 个有问题。"


def test_corpus_check_reports_gap(tmp_path, capsys):
    d = tmp_path / "gappy"
    d.mkdir()
    (d / "缺号规定@2024-01-01.md").write_text(
        "---\ntitle: 缺号规定\n---\n\n第一条 甲。\n\n第三条 丙。\n\n第四条 丁。\n", encoding="utf-8")
    code, out, _ = run(capsys, "corpus", "check", "--corpus", str(d))
    assert code == 1
    assert out.startswith("BAD 缺号规定@2024-01-01")
    assert "缺号 [2]" in out
    assert out.splitlines()[-1] == "共 1 个文档，3 条；1 个有问题。"
    code, out, _ = run(capsys, "corpus", "check", "--corpus", str(d), "--json")
    [row] = json.loads(out)
    assert (code, row["ok"], row["gaps"], row["found"]) == (1, False, [2], 3)


def test_corpus_check_reports_broken_file(tmp_path, capsys):
    d = tmp_path / "broken"
    shutil.copytree(FIXTURES, d)
    (d / "坏文件@2024.md").write_text("没有 YAML 头\n", encoding="utf-8")
    code, out, err = run(capsys, "corpus", "check", "--corpus", str(d))
    assert code == 1
    assert "坏文件@2024.md" in err and "缺少 YAML 头" in err


def test_corpus_missing(capsys):
    code, out, _ = run(capsys, "corpus", "missing")
    assert code == 0
    assert "工贸企业有限空间作业安全规定" in out
    assert "python -m kb ingest" in out.splitlines()[-1]


# ---- help -------------------------------------------------------------------------------------------
def subcommands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


def test_subcommands_present():
    assert {"build", "search", "show", "corpus", "ingest"} <= set(subcommands())


@pytest.mark.parametrize("command", subcommands())
def test_every_subcommand_help_shows_examples(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    assert "python -m kb " + command in out


def test_no_command_prints_help(capsys):
    code, out, _ = run(capsys)
    assert code == 2
    assert "python -m kb search --help" in out


# ---- as a user runs it ------------------------------------------------------------------------------
def test_end_to_end_subprocess(tmp_path):
    env = {"KB_HOME": str(tmp_path / "home"), "KB_USER_DOCS": str(tmp_path / "docs")}
    r = kb("build", "--corpus", str(FIXTURES), "--model", "hash", "--quiet", env_extra=env)
    assert r.returncode == 0, r.stderr
    assert "索引已建成：3 个文档，12 条" in r.stdout
    assert (tmp_path / "home" / "index" / "manifest.json").is_file()     # KB_HOME decides where state goes
    r = kb("search", "有限空间作业前要检测什么", "--json", env_extra=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["article_id"] == "示例安全法@2023-05-01#3"
    r = kb("show", "示例安全法", "第二条之一", env_extra=env)
    assert r.returncode == 0 and r.stdout.startswith("《示例安全法》第二条之一（2023年公布，现行有效）")


# (arguments, exit code, words the message must contain); {fix} is the fixture corpus.
BAD_INPUTS = [
    (["search", ""], 1, "请给出问题"),
    (["search", "   "], 1, "请给出问题"),
    (["search", "有限空间", "--k", "0"], 1, "--k 必须是正整数"),
    (["search", "有限空间", "--k", "abc"], 2, "invalid int value"),
    (["search", "--jsonl", "/nonexistent/questions.jsonl"], 1, "找不到问题文件"),
    (["search", "有限空间"], 1, "python -m kb build"),                                   # no index yet
    (["build", "--model", "bogus", "--corpus", "{fix}"], 1, "未知的模型设置"),
    (["build", "--model", "st:/nonexistent/model", "--corpus", "{fix}"], 1, "/nonexistent/model"),
    (["build", "--corpus", "/nonexistent/corpus"], 1, "找不到语料目录"),
    (["corpus", "check", "--corpus", "/nonexistent/corpus"], 1, "找不到语料目录"),
    (["corpus", "bogus"], 2, "invalid choice"),
    (["show", "不存在法", "1", "--corpus", "{fix}"], 1, "语料中没有名为"),
    (["show", "示例安全法", "九十九", "--corpus", "{fix}"], 1, "没有第 99 条"),
    (["show", "示例安全法", "abc", "--corpus", "{fix}"], 1, "无法识别的条号"),
    (["show", "示例安全法", "第零条", "--corpus", "{fix}"], 1, "零"),
    (["show", "示例安全法", "1", "--version", "1999-01-01", "--corpus", "{fix}"], 1, "没有 1999-01-01 版本"),
    (["show", "示例安全法", "1", "--version", "2020", "--corpus", "{fix}"], 1, "没有 2020 版本"),
    (["ingest", "/nonexistent/file.pdf"], 1, "找不到文件"),
]


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory):
    """Run every row of BAD_INPUTS at once (each is its own `python -m kb` process)."""
    root = tmp_path_factory.mktemp("bad")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_HOME=str(root / "empty-home"), KB_USER_DOCS=str(root / "docs"))
    procs = []
    for args, _, _ in BAD_INPUTS:
        argv = [a.replace("{fix}", str(FIXTURES)) for a in args]
        procs.append(subprocess.Popen([sys.executable, "-m", "kb", *argv], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, env=env, cwd=PROJECT_ROOT))
    results = {}
    for (args, _, _), p in zip(BAD_INPUTS, procs):
        out, err = p.communicate(timeout=300)
        results[tuple(args)] = (p.returncode, out, err)
    return results


@pytest.mark.parametrize("args,code,words", BAD_INPUTS, ids=[" ".join(a) or "empty" for a, _, _ in BAD_INPUTS])
def test_bad_inputs_give_a_message_not_a_traceback(bad_runs, args, code, words):
    returncode, out, err = bad_runs[tuple(args)]
    assert returncode == code, out + err
    assert words in out + err
    assert "Traceback" not in out + err
    if code == 1 and args[0] != "ingest":
        assert err.startswith("错误："), err               # one line saying what is wrong
        assert out == ""


# ---- the real index -------------------------------------------------------------------------------
def test_real_index_direct_reference_ranks_first(real_settings, capsys):
    code, out, err = run(capsys, "search", "安全生产法第九十五条", "--home", str(real_settings.home), "--json")
    assert code == 0, err
    hits = json.loads(out)
    assert hits[0]["article_id"] == "安全生产法@2021-06-10#95"


def test_real_index_everyday_question_has_hits(real_settings, capsys):
    code, out, err = run(capsys, "search", "有限空间作业前要检测什么", "--home", str(real_settings.home), "--json")
    assert code == 0, err
    hits = json.loads(out)
    assert len(hits) == 5
    assert all(h["status"] == "in_force" for h in hits)


def test_default_search_path_does_not_import_torch(real_settings):
    code = ("import sys, kb.cli; rc = kb.cli.main(['search', '有限空间作业前要检测什么', '--home', sys.argv[1]]); "
            "print('torch' in sys.modules); sys.exit(rc)")
    r = subprocess.run([sys.executable, "-c", code, str(real_settings.home)], capture_output=True, text=True,
                       cwd=PROJECT_ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith("1. ")
    assert r.stdout.splitlines()[-1] == "False"


def test_bin_kb_runs_from_any_directory(real_settings, tmp_path):
    """README's commands use bin/kb: the project's .venv, from wherever the user stands."""
    import subprocess
    from kb.core import PROJECT_ROOT
    wrapper = PROJECT_ROOT / "bin" / "kb"
    assert (PROJECT_ROOT / ".venv" / "bin" / "python").exists(), "make install creates .venv first"
    done = subprocess.run([str(wrapper), "show", "安全生产法", "95", "--home", str(real_settings.home),
                           "--model", real_settings.model],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("《中华人民共和国安全生产法》第九十五条（2021年修正，现行有效）")
