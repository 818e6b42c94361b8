"""Tests for kb.corpus.parse (and the per-document checks of kb.corpus) on the hand-written fixture corpus
and on the reference corpus."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.corpus import check_document, load_corpus, parse_document, parse_file
from kb.core import KBError, ParseError

FIXTURES = Path(__file__).parent / "fixtures" / "corpus"
FM = "---\ntitle: 测试规定\nshort_title: 测试规定\nversion: '2024-01-01'\n---\n"


def doc(body: str, fm: str = FM):
    return parse_document(fm + body)


# ---- fixture corpus -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def law2023():
    return parse_file(FIXTURES / "示例安全法@2023-05-01.md")


@pytest.fixture(scope="module")
def law2020():
    return parse_file(FIXTURES / "示例安全法@2020-01-01.md")


@pytest.fixture(scope="module")
def plan():
    return parse_file(FIXTURES / "示例工作要点@2024.md")


def test_fixture_articles_labels_and_ids(law2023):
    assert law2023.layout == "articles"
    assert [a.label for a in law2023.articles] == ["1", "2", "2之一", "3", "4", "5"]
    a = law2023.article("2之一")
    assert a.id == "示例安全法@2023-05-01#2之一"
    assert (a.heading, a.number, a.sub) == ("第二条之一", 2, 1)
    assert a.body == "单位的主要负责人对本单位的演练工作全面负责。"
    assert a.citation == "《示例安全法》第二条之一"


def test_fixture_front_matter_in_meta(law2023, law2020):
    m = law2023.meta
    assert (m.key, m.title, m.short_title, m.version) == ("示例安全法@2023-05-01", "示例安全法", "示例安全法", "2023-05-01")
    assert (m.doc_type, m.issuer, m.doc_number) == ("law", "测试机关", "测试令第9号")
    assert (m.promulgated, m.effective, m.status) == ("2023-05-01", "2023-07-01", "in_force")
    assert m.supersedes == "示例安全法@2020-01-01"        # ".md" of the front matter is dropped
    assert m.superseded_by == ""
    assert m.in_force and m.status_label == "现行有效"
    assert len(m.sha256) == 64 and m.path.endswith("示例安全法@2023-05-01.md")
    old = law2020.meta
    assert (old.status, old.superseded_by, old.doc_number) == ("superseded", "示例安全法@2023-05-01", "测试令第1号")
    assert not old.in_force
    # the history line before the first chapter is the preamble, not an article
    assert law2023.preamble == "2020年1月1日 测试机关通过\u30002023年5月1日 修订"


def test_fixture_every_article_carries_its_document(law2023, law2020):
    for d in (law2023, law2020):
        for a in d.articles:
            assert (a.doc_key, a.law, a.title, a.version, a.status) == \
                (d.meta.key, d.meta.short_title, d.meta.title, d.meta.version, d.meta.status)
            assert a.id == f"{d.meta.key}#{a.label}"
            assert a.text.startswith(a.heading)


def test_fixture_chapter_paths(law2023):
    paths = {a.label: a.chapter_path for a in law2023.articles}
    assert paths["1"] == ("第一章 总则",)
    assert paths["2之一"] == ("第一章 总则",)
    assert paths["3"] == ("第一章 总则", "第一节 有限空间")          # ### 节 under ## 章
    assert paths["4"] == paths["5"] == ("第二章 法律责任",)        # a new 章 closes the 节
    assert law2023.headings == [("第一章 总则",), ("第一章 总则", "第一节 有限空间"), ("第二章 法律责任",)]


def test_fixture_clauses_and_items_full_and_half_width(law2023):
    art = law2023.article("3")
    # 款 1: heading line with three 项 — （一） and （三） full-width, (二) half-width; 款 2: 前款…
    assert len(art.clauses) == 2
    first, second = art.clauses
    assert first.text.startswith("第三条 进入有限空间作业前")
    assert [i.label for i in first.items] == ["（一）", "(二)", "（三）"]
    assert [i.number for i in first.items] == [1, 2, 3]
    assert first.items[1].text == "(二)可燃气体浓度；"
    assert second == type(second)("前款规定的检测结果应当记录。")
    assert len(law2023.article("4").clauses) == 1


def test_fixture_paren_items_plan(plan):
    assert plan.layout == "paren_items"
    assert plan.meta.version == "2024"
    assert [(a.label, a.heading) for a in plan.articles] == [("1", "(一)"), ("2", "(二)"), ("3", "(三)")]
    assert plan.article("3").chapter_path == ("二、遏制事故",)
    assert plan.article("3").id == "示例工作要点@2024#3"
    assert plan.preamble == "总体要求是：坚持人民至上。"
    # the unit's own "(一)" is its heading, not a 项 inside it
    assert plan.article("1").clauses[0].items == ()


def test_fixture_corpus_checks_ok():
    corpus = load_corpus([FIXTURES])
    assert corpus.errors == []
    checks = {c.key: c for c in corpus.check()}
    assert set(checks) == {"示例安全法@2020-01-01", "示例安全法@2023-05-01", "示例工作要点@2024"}
    for c in checks.values():
        assert c.ok, c
        assert c.expected is None            # no manifest.json in the fixture folder
    assert checks["示例安全法@2023-05-01"].found == 6   # 5 articles + 第二条之一


# ---- small constructed documents ------------------------------------------------------------------
def test_cross_reference_at_paragraph_start_is_not_a_heading():
    d = doc("第一条 生产经营单位应当配备安全生产管理人员。\n\n"
            "第一款规定的人员应当经过培训。\n\n"
            "第二条 违反本规定的，责令改正。\n\n"
            "第三条规定的培训不合格的，不得上岗。\n\n"
            "第二条、第三条规定的情形，从重处理。\n\n"
            "第三条 本规定自公布之日起施行。\n")
    assert [a.label for a in d.articles] == ["1", "2", "3"]
    assert [c.text for c in d.article("1").clauses] == [
        "第一条 生产经营单位应当配备安全生产管理人员。", "第一款规定的人员应当经过培训。"]
    assert len(d.article("2").clauses) == 3
    assert d.article("2").clauses[1].text == "第三条规定的培训不合格的，不得上岗。"
    assert d.article("3").text == "第三条 本规定自公布之日起施行。"
    assert check_document(d, 3).ok


def test_plain_structure_headings_and_chapter_restart_per_part():
    # Headings without markdown hashes; chapter numbers restart in each 编 as in 刑法.
    d = doc("第一编 总则\n第一章 任务\n第一条 甲。\n第二编 分则\n第一章 危害\n第二条 乙。\n第二章 其他\n第三条 丙。\n")
    assert [a.chapter_path for a in d.articles] == [
        ("第一编 总则", "第一章 任务"), ("第二编 分则", "第一章 危害"), ("第二编 分则", "第二章 其他")]


def test_numbering_gap_and_duplicate_are_reported():
    d = doc("第一条 甲。\n第三条 乙。\n第三条 丙。\n")
    assert [a.label for a in d.articles] == ["1", "3", "3(2)"]     # a duplicate keeps a unique id
    c = check_document(d, None)
    assert c.gaps == [2] and c.duplicates == ["3"] and not c.ok
    assert not check_document(doc("第一条 甲。\n第二条 乙。\n"), 3).ok   # count differs from manifest


def test_full_width_digits_and_arabic_numbers_in_headings():
    d = doc("第1条 甲。\n第２条 乙。\n第三条之２ 丙。\n")
    assert [a.label for a in d.articles] == ["1", "2", "3之二"]


def test_items_layout_constructed():
    d = doc("一、将第一条修改为：“……”\n二、增加一条，作为第一条之一：“……”\n三、本修正案自公布之日起施行。\n")
    assert d.layout == "items"
    assert [(a.label, a.heading) for a in d.articles] == [("1", "一、"), ("2", "二、"), ("3", "三、")]


def test_key_built_from_front_matter_when_not_given():
    d = doc("第一条 甲。\n")
    assert d.meta.key == "测试规定@2024-01-01"
    assert d.articles[0].id == "测试规定@2024-01-01#1"


@pytest.mark.parametrize("text,why", [
    ("第一条 没有元数据。\n", "缺少 YAML 头"),
    ("---\nshort_title: x\n---\n第一条 甲。\n", "title"),
    ("---\ntitle: [unclosed\n---\n第一条 甲。\n", "YAML"),
    ("---\n- a\n- b\n---\n第一条 甲。\n", "键值对"),
    ("---\ntitle: 测试\npromulgated: 2020-13-45\n---\n第一条 甲。\n", "YAML"),   # not a date
    ("---\ntitle: 测试\nversion: !!int x\n---\n第一条 甲。\n", "YAML"),           # ValueError in yaml
    ("---\ntitle: 测试\nversion: !!timestamp x\n---\n第一条 甲。\n", "YAML"),     # AttributeError in yaml
    ("---\ntitle: 测试\n---\n这是一段没有编号的说明文字。\n第二段也没有。\n", "未发现条文结构"),
    ("---\ntitle: 测试\n---\n", "未发现条文结构"),
    ("---\ntitle: 测试\n---\n# 测试\n## 第一章 总则\n", "未发现条文结构"),
])
def test_bad_documents_raise_parse_error(text, why):
    with pytest.raises(ParseError, match=why):
        parse_document(text)


def test_non_utf8_file_raises_parse_error(tmp_path):
    p = tmp_path / "gbk@2020.md"
    p.write_bytes(("---\ntitle: 测试\n---\n第一条 甲。\n").encode("gb18030"))
    with pytest.raises(ParseError, match="UTF-8"):
        parse_file(p)


# ---- robustness ----------------------------------------------------------------------------------
@given(st.text())
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_arbitrary_text_raises_only_kb_errors(text):
    try:
        parse_document(text)
    except KBError:
        pass


# Lines assembled from the pieces the parser looks for, so that examples reach the builder.
_PIECES = ["第", "条", "之", "一", "十", "百", "零", "〇", "两", "3", "０", "（", "）", "(", ")", "、", "编", "章",
           "节", "分编", "#", "## ", " ", "\u3000", "。", "，", "款", "项", "本法", "前款", "《刑法》", "\n", "\r\n", "甲"]
_structured = st.lists(st.sampled_from(_PIECES), max_size=60).map("".join)


@given(st.one_of(st.text(), _structured))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_arbitrary_body_after_valid_front_matter_raises_only_kb_errors(body):
    try:
        d = parse_document(FM + body)
    except KBError:
        return
    for a in d.articles:
        assert a.text.startswith(a.heading)
        assert a.id.startswith("测试规定@2024-01-01#")


@given(st.dictionaries(st.sampled_from(["title", "short_title", "version", "status", "promulgated", "x"]),
                       st.text(max_size=20), min_size=0, max_size=5))
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_arbitrary_front_matter_values_raise_only_kb_errors(values):
    fm = "---\n" + "".join(f"{k}: {v}\n" for k, v in values.items()) + "---\n"
    try:
        parse_document(fm + "第一条 甲。\n")
    except KBError:
        pass


# ---- reference corpus ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ref(reference_corpus):
    return load_corpus([reference_corpus], strict=True)


@pytest.fixture(scope="module")
def manifest(reference_corpus):
    rows = json.loads((reference_corpus / "manifest.json").read_text(encoding="utf-8"))
    return {r["file"].removesuffix(".md"): r for r in rows}


def test_reference_all_documents_parse_with_manifest_counts(ref, manifest):
    assert len(manifest) == 28
    assert set(ref.documents) == set(manifest)
    counts = {k: len(d.articles) for k, d in ref.documents.items()}
    assert counts == {k: r["articles"] for k, r in manifest.items()}
    assert sum(counts.values()) == 2150
    assert ref.errors == []


def test_reference_corpus_check_ok_for_all(ref):
    checks = ref.check()
    assert len(checks) == 28
    bad = [c for c in checks if not c.ok]
    assert bad == []
    assert all(c.expected == c.found for c in checks)


def test_reference_front_matter_carried_into_articles(ref, manifest):
    for key, d in ref.documents.items():
        row = manifest[key]
        m = d.meta
        for field in ("title", "short_title", "doc_type", "issuer", "doc_number", "promulgated", "effective",
                      "status"):
            assert getattr(m, field) == row[field], (key, field)
        assert m.supersedes == row["supersedes"].removesuffix(".md")
        assert m.superseded_by == row["superseded_by"].removesuffix(".md")
        assert m.sha256 == row["sha256"]
        for a in d.articles:
            assert (a.doc_key, a.version, a.status, a.law) == (key, m.version, m.status, m.short_title)


def test_reference_ids_are_unique(ref):
    assert len(ref.by_id) == 2150


def test_criminal_law_chapters_restart_per_part(ref):
    art134 = ref.by_id["刑法@2023-12-29#134"]
    assert art134.chapter_path == ("第二编 分则", "第二章 危害公共安全罪")
    art1 = ref.by_id["刑法@2023-12-29#1"]
    assert art1.chapter_path[0] == "第一编 总则"
    assert art1.chapter_path[1].startswith("第一章 ")
    assert len(art1.chapter_path) == 2
    # 第二编 starts its own 第一章 (危害国家安全罪, first article 102)
    assert ref.by_id["刑法@2023-12-29#102"].chapter_path[:2] == ("第二编 分则", "第一章 危害国家安全罪")
    # 刑法 134 has two 款 (the second: 强令他人违章冒险作业)
    assert len(art134.clauses) == 2
    assert art134.clauses[1].text.startswith("强令他人违章冒险作业")
    # 452 base articles + 53 之X articles = 505 (README of the corpus)
    law = ref.documents["刑法@2023-12-29"]
    assert sum(1 for a in law.articles if a.sub) == 53


def test_criminal_law_134_zhi_yi(ref):
    a = ref.by_id["刑法@2023-12-29#134之一"]
    assert (a.label, a.heading, a.number, a.sub) == ("134之一", "第一百三十四条之一", 134, 1)
    assert a.id == "刑法@2023-12-29#134之一"
    assert a.chapter_path == ("第二编 分则", "第二章 危害公共安全罪")
    assert [i.label for i in a.clauses[0].items] == ["（一）", "（二）", "（三）"]


def test_amendment_items_layout(ref):
    d = ref.documents["刑法修正案（十一）@2020-12-26"]
    assert d.layout == "items"
    assert len(d.articles) == 48
    assert [a.label for a in d.articles] == [str(n) for n in range(1, 49)]
    assert d.articles[0].heading == "一、"
    assert d.articles[0].id == "刑法修正案（十一）@2020-12-26#1"
    assert d.articles[-1].heading == "四十八、"
    # 一、 quotes the four 款 of the new 刑法第十七条 as its own paragraphs
    assert d.articles[0].text.startswith("一、将刑法第十七条修改为：")


def test_work_plan_paren_items_layout(ref):
    d = ref.documents["武汉市应急管理工作要点@2024"]
    assert d.layout == "paren_items"
    assert len(d.articles) == 27
    assert [a.label for a in d.articles] == [str(n) for n in range(1, 28)]
    assert d.articles[0].heading == "(一)"
    assert d.articles[0].chapter_path == ("一、聚焦改革创新,健全完善应急管理体制机制",)
    assert d.article("3").chapter_path == ("二、聚焦治本攻坚,坚决遏制重特大生产安全事故",)
    assert d.articles[-1].heading == "(二十七)"
    assert all(len(a.chapter_path) == 1 and a.chapter_path[0][0] in "一二三四五六" for a in d.articles)


def test_half_width_items_in_administrative_regulation(ref):
    a = ref.by_id["建设工程安全生产管理条例@2003-11-24#11"]
    # 款 1 the heading sentence; 款 2 "报送…备案：" with four half-width (一)…(四); 款 3 爆破作业
    assert len(a.clauses) == 3
    assert [i.label for i in a.clauses[1].items] == ["(一)", "(二)", "(三)", "(四)"]
    assert [i.number for i in a.clauses[1].items] == [1, 2, 3, 4]
    assert a.clauses[0].items == () and a.clauses[2].items == ()


def test_full_width_items_safety_law_95(ref):
    a = ref.by_id["安全生产法@2021-06-10#95"]
    # one 款 with four 项 (一般/较大/重大/特别重大事故)
    assert len(a.clauses) == 1
    assert [i.label for i in a.clauses[0].items] == ["（一）", "（二）", "（三）", "（四）"]
    assert a.chapter_path == ("第六章 法律责任",)
