"""Tests for kb.corpus.refs: cross-references inside articles, extracted and resolved against the corpus."""
from __future__ import annotations

import pytest

from kb.corpus import Corpus, corpus_files, extract_refs, parse_document, parse_file

CRIMINAL = "刑法@2023-12-29"

# A probe law with 30 articles; articles 5… hold the references under test, the rest are filler.
PROBE_ARTICLES = {
    5: "依照本法第三十条的规定处理。",
    6: "生产经营单位应当建立检查制度。\n前款规定的检查应当记录。\n本条第二款规定的记录保存三年。\n前两款规定的制度应当公开。",
    7: "违反本法规定，构成犯罪的，依照《中华人民共和国刑法》第一百三十四条追究刑事责任。",
    8: "强令他人冒险作业的，依照刑法第一百三十四条第二款的规定处罚。",
    9: "犯刑法第三百八十九条行贿罪、第三百九十三条单位行贿罪等犯罪的，依照数罪并罚的规定处罚。",
    10: "依照本法第九十九条的规定处理。",                       # the probe has 30 articles only
    11: "依照刑法第九千条的规定处理。",                           # 刑法 has no 第九千条
    12: "依照《中华人民共和国不存在法》第一条处理。",              # a law that is not in the corpus
    13: "依照刑法第一百三十四条处罚；违反第三十条规定的，责令改正。",  # "；" ends the list: 第三十条 is ours
    14: "有刑法第一百三十四条之一第二项规定情形的，从重处罚。",
    15: "违反本法第二十九条、第三十条规定的，处罚款。",
}


def probe_text() -> str:
    from kb.core import int_to_cn
    lines = ["---", "title: 中华人民共和国测试法", "short_title: 测试法", "doc_type: law", "version: '2024-01-01'",
             "---", "# 中华人民共和国测试法", "## 第一章 总则"]
    for n in range(1, 31):
        first, *rest = PROBE_ARTICLES.get(n, "本条为填充条文。").split("\n")
        lines.append(f"第{int_to_cn(n)}条 {first}")
        lines.extend(rest)
    return "\n\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def ref_docs(reference_corpus):
    return [parse_file(p) for p in corpus_files([reference_corpus])]


@pytest.fixture(scope="module")
def probe(ref_docs):
    """The probe law resolved inside a corpus that also holds the reference documents."""
    doc = parse_document(probe_text(), key="测试法@2024-01-01")
    corpus = Corpus([*ref_docs, doc])
    return {a.number: a for a in corpus.documents["测试法@2024-01-01"].articles}, corpus


@pytest.fixture(scope="module")
def ref(ref_docs):
    return Corpus(ref_docs)


def article_refs(art):
    return [(r.text, r.law, r.label, r.clause, r.item, r.target_id) for r in art.refs if r.kind == "article"]


def test_this_law_reference_resolves_to_same_document(probe):
    arts, _ = probe
    assert article_refs(arts[5]) == [("本法第三十条", "", "30", 0, 0, "测试法@2024-01-01#30")]


def test_clause_references_point_to_the_same_article(probe):
    arts, _ = probe
    clauses = [(r.text, r.clause, r.target_id) for r in arts[6].refs if r.kind == "clause"]
    own = "测试法@2024-01-01#6"
    assert clauses == [
        ("前款", 1, own),          # written in 款 2: the 款 before it
        ("本条第二款", 2, own),     # written in 款 3
        ("前两款", 1, own),        # written in 款 4: from 款 1 on
    ]
    assert article_refs(arts[6]) == []


def test_book_title_reference_resolves_to_criminal_law(probe):
    arts, _ = probe
    assert article_refs(arts[7]) == [
        ("《中华人民共和国刑法》第一百三十四条", "中华人民共和国刑法", "134", 0, 0, f"{CRIMINAL}#134")]


def test_bare_short_name_with_clause(probe):
    arts, _ = probe
    assert article_refs(arts[8]) == [("刑法第一百三十四条第二款", "刑法", "134", 2, 0, f"{CRIMINAL}#134")]


def test_list_continuation_inherits_the_law(probe):
    arts, _ = probe
    assert [(r.label, r.law, r.target_id) for r in arts[9].refs] == [
        ("389", "刑法", f"{CRIMINAL}#389"), ("393", "刑法", f"{CRIMINAL}#393")]
    # "第二十九条、第三十条" after 本法: both are ours
    assert [r.target_id for r in arts[15].refs] == ["测试法@2024-01-01#29", "测试法@2024-01-01#30"]


def test_semicolon_ends_the_list(probe):
    arts, _ = probe
    assert [(r.law, r.target_id) for r in arts[13].refs] == [
        ("刑法", f"{CRIMINAL}#134"), ("", "测试法@2024-01-01#30")]


def test_zhi_yi_and_item(probe):
    arts, _ = probe
    assert article_refs(arts[14]) == [
        ("刑法第一百三十四条之一第二项", "刑法", "134之一", 0, 2, f"{CRIMINAL}#134之一")]


@pytest.mark.parametrize("number,law,label", [
    (10, "", "99"),                       # this law has 30 articles
    (11, "刑法", "9000"),                  # the law exists, the article does not
    (12, "中华人民共和国不存在法", "1"),     # the law is not in the corpus: not guessed
])
def test_unknown_targets_resolve_to_empty(probe, number, law, label):
    arts, _ = probe
    [r] = arts[number].refs
    assert (r.law, r.label, r.target_id) == (law, label, "")


def test_filler_articles_have_no_references(probe):
    arts, _ = probe
    # "第二十条 本条为填充条文。" — its own heading is not a reference
    assert arts[20].refs == []


@pytest.mark.parametrize("text", [
    "第三十条 本法自公布之日起施行。",
    "第一百三十四条之一 在生产、作业中违反有关安全管理的规定。",
    "第１３４条 甲。",
])
def test_heading_is_never_a_reference(text):
    assert extract_refs(text, "刑法") == []


def test_heading_like_words_later_in_the_text_are_references():
    refs = extract_refs("第三十条 违反第三十条规定的，处罚款。", "测试法")
    assert [(r.text, r.label) for r in refs] == [("第三十条", "30")]


def test_extract_without_corpus_leaves_targets_empty():
    refs = extract_refs("第五条 依照本条例第二条和《中华人民共和国消防法》第十条处理。", "测试条例", "regulation")
    assert [(r.law, r.label, r.target_id) for r in refs] == [("", "2", ""), ("中华人民共和国消防法", "10", "")]


# ---- reference corpus ------------------------------------------------------------------------------
def test_amendment_this_law_resolves_to_criminal_law(ref):
    # 刑法修正案（十一）七、 quotes "…依照本法第一百四十一条…": 本法 there is 刑法, not the amendment.
    art = ref.by_id["刑法修正案（十一）@2020-12-26#7"]
    got = {r.text: r.target_id for r in art.refs if r.kind == "article"}
    assert got["本法第一百四十一条"] == f"{CRIMINAL}#141"
    assert got["第一百四十二条之一"] == f"{CRIMINAL}#142之一"
    # 三、 amends 刑法第一百三十四条第二款
    [r] = [r for r in ref.by_id["刑法修正案（十一）@2020-12-26#3"].refs if r.kind == "article"]
    assert (r.label, r.clause, r.target_id) == ("134", 2, f"{CRIMINAL}#134")


def test_judicial_interpretation_list_resolves_to_criminal_law(ref):
    art = ref.by_id["危害生产安全刑事案件解释（二）@2022-12-15#3"]
    assert [r.target_id for r in art.refs if r.kind == "article"] == [
        f"{CRIMINAL}#134之一", f"{CRIMINAL}#389", f"{CRIMINAL}#393"]


def test_reference_corpus_targets_exist(ref):
    resolved = 0
    for art in ref.articles:
        for r in art.refs:
            if r.kind == "clause":
                assert r.target_id == art.id
            elif r.target_id:
                resolved += 1
                assert r.target_id in ref.by_id, (art.id, r)
                target = ref.by_id[r.target_id]
                assert target.label == r.label
                if not r.law:   # "本法第X条": this document, or the law an amendment amends
                    assert target.doc_key == art.doc_key or art.law.startswith(target.law + "修正案")
    # 350 article references resolve at present (242 to this document, 107 to 刑法, 1 to 安全生产法);
    # a sharp drop would mean extraction broke.
    assert resolved >= 300


def test_reference_corpus_headings_are_not_references(ref):
    for art in ref.articles:
        body = art.text[len(art.heading):]
        for r in art.refs:
            assert r.text in body, (art.id, r.text)
        assert extract_refs(art.heading + " 甲。", art.law) == []
