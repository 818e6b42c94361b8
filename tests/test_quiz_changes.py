"""Quiz items from changed articles (issue 7, Use): items whose source article the 2024 revision of
突发事件应对法 changed are tagged "修订变化" with a note naming the old article; `changed_only` (and
`kb quiz --changed-only`) limits the scope to what changed, stems starting "修订后，"; regenerate_item
replaces one item by another of the same type, keeping the gates.

The corpus is read from ../shared/corpus at run time (as in tests/test_quiz.py)."""
from __future__ import annotations

import json
import re

import pytest

from kb.cli import main
from kb.core import PROJECT_ROOT, QuizError
from kb.corpus import load_corpus
from kb.quiz import (article_changes, CHANGED_TAG, check_item, check_quiz, gate_duplicates, generate_quiz,
                     PREFIX_RE, regenerate_item, REVISED_PREFIX)
from kb.quiz.facts import norm

CORPUS = PROJECT_ROOT.parent / "shared" / "corpus"
pytestmark = pytest.mark.skipif(not (CORPUS / "突发事件应对法@2024-06-28.md").exists(),
                                reason=f"reference corpus not found at {CORPUS}")
LAW, NEW, OLD = "突发事件应对法", "突发事件应对法@2024-06-28", "突发事件应对法@2007-08-30"
NOTE_RE = re.compile(r"本条在2024年修订中有变化（原(第[一二三四五六七八九十百]+条(?:、|(?=）)))+）|本条为2024年修订新增。")


@pytest.fixture(scope="module")
def corpus():
    return load_corpus([CORPUS])


def test_change_map_of_the_2024_revision(corpus):
    changes = article_changes(corpus, NEW)
    # 2024 第六十三条 is 2007 第四十二条, renumbered with the text unchanged
    c63 = changes[f"{NEW}#63"]
    assert (c63.kind, c63.old_labels, c63.text_changed) == ("renumbered", ("42",), False)
    assert c63.note == "本条在2024年修订中有变化（原第四十二条）：条号变动，条文未改。"
    # 第四条 (party leadership) is new in 2024
    assert changes[f"{NEW}#4"].old_labels == () and changes[f"{NEW}#4"].note == "本条为2024年修订新增。"
    # 2007 第六十一条 was split into 2024 第八十九–九十一条
    assert all(changes[f"{NEW}#{n}"].old_labels[0] == "61" for n in (89, 90, 91))
    # an older version, or a law with only one version, has no changes to report
    assert article_changes(corpus, OLD) == {} and article_changes(corpus, "安全生产法@2021-06-10") == {}


def test_items_from_changed_articles_say_so(corpus):
    quiz = generate_quiz(corpus, [LAW], types="single:4,multi:2,judge:4,cloze:2", seed=5)
    changes = article_changes(corpus, NEW)
    assert check_quiz(quiz.items, corpus) == []
    for it in quiz.items:
        change = changes.get(it.source.article_id)
        if change is None:
            assert CHANGED_TAG not in it.tags and "修订中有变化" not in it.explanation
            continue
        assert it.tags[0] == CHANGED_TAG
        assert it.explanation.endswith(change.note) and NOTE_RE.search(it.explanation)
    assert any(CHANGED_TAG in it.tags for it in quiz.items)


def test_one_version_laws_and_superseded_versions_are_not_tagged(corpus):
    quiz = generate_quiz(corpus, ["安全生产法"], types="single:3,judge:3", seed=1)
    assert all(CHANGED_TAG not in it.tags for it in quiz.items)
    old = generate_quiz(corpus, [LAW], version="2007-08-30", types="judge:3", seed=1)
    assert all(CHANGED_TAG not in it.tags and it.superseded for it in old.items)


def test_changed_only_limits_the_scope(corpus):
    quiz = generate_quiz(corpus, [LAW], types="single:4,multi:2,judge:4,cloze:2", seed=7, changed_only=True)
    changes = article_changes(corpus, NEW)
    assert quiz.changed_only and len(quiz.items) == 12
    assert set(quiz.scope) == {aid for aid, c in changes.items() if c.text_changed}
    assert f"{NEW}#63" not in quiz.scope                # only renumbered: not a change to ask about
    assert check_quiz(quiz.items, corpus) == [] and gate_duplicates(quiz.items) == []
    for it in quiz.items:
        assert it.stem.startswith(REVISED_PREFIX + "根据《中华人民共和国突发事件应对法》，")
        assert PREFIX_RE.match(it.stem)
        assert it.source.article_id in changes and CHANGED_TAG in it.tags and NOTE_RE.search(it.explanation)
    again = generate_quiz(corpus, [LAW], types="single:4,multi:2,judge:4,cloze:2", seed=7, changed_only=True)
    assert [it.to_dict() for it in again.items] == [it.to_dict() for it in quiz.items]


def test_changed_only_with_an_article_range(corpus):
    quiz = generate_quiz(corpus, [LAW], articles="60-70", types="judge:2", seed=2, changed_only=True)
    assert all(60 <= corpus.by_id[a].number <= 70 for a in quiz.scope)
    assert f"{NEW}#63" not in quiz.scope


def test_changed_only_needs_an_older_version(corpus):
    with pytest.raises(QuizError, match="安全生产法 在语料中没有更早的版本.*有多个版本的文件：突发事件应对法"):
        generate_quiz(corpus, ["安全生产法"], types="judge:2", seed=1, changed_only=True)


def test_regenerate_item_keeps_type_scope_and_gates(corpus):
    quiz = generate_quiz(corpus, ["安全生产法"], types="single:3,judge:4,cloze:2", seed=3)
    for index in (0, 4, 8):
        old = quiz.items[index]
        new = regenerate_item(corpus, quiz, index, seed=quiz.seed + 100)
        assert new.type == old.type and new.source.article_id in quiz.scope
        assert new.fact != old.fact and norm(new.stem) != norm(old.stem)
        assert check_item(new, corpus) == []
        if new.type == "judge":
            assert new.key == old.key                       # keeps the 正确/错误 balance
        quiz.items[index] = new
        assert gate_duplicates(quiz.items) == [] and check_quiz(quiz.items, corpus) == []
    # deterministic for a seed
    assert regenerate_item(corpus, quiz, 1, seed=5).to_dict() == regenerate_item(corpus, quiz, 1, seed=5).to_dict()


def test_regenerate_item_in_a_changed_only_quiz(corpus):
    quiz = generate_quiz(corpus, [LAW], types="judge:3", seed=4, changed_only=True)
    new = regenerate_item(corpus, quiz, 2, seed=9)
    assert new.stem.startswith(REVISED_PREFIX) and CHANGED_TAG in new.tags and check_item(new, corpus) == []


def test_regenerate_item_when_nothing_is_left(corpus):
    # every 填空 fact of 第九十五条 is already asked: there is nothing to replace an item with
    quiz = generate_quiz(corpus, ["安全生产法"], articles="95", types="cloze:30", seed=1, strict=False)
    assert 0 < len(quiz.items) < 30
    with pytest.raises(QuizError, match="没有可替换第 1 题的其他填空题"):
        regenerate_item(corpus, quiz, 0, seed=2)
    with pytest.raises(QuizError, match="没有第 99 题"):
        regenerate_item(corpus, quiz, 98)


def test_cli_changed_only(capsys, tmp_path):
    code = main(["quiz", "--law", LAW, "--changed-only", "--types", "single:2,judge:2", "--seed", "3",
                 "--format", "json", "--corpus", str(CORPUS), "--home", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    items = json.loads(out)
    assert len(items) == 4 and all(it["stem"].startswith("修订后，") and CHANGED_TAG in it["tags"] for it in items)
    code = main(["quiz", "--law", "安全生产法", "--changed-only", "--types", "judge:1",
                 "--corpus", str(CORPUS), "--home", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 1 and "没有更早的版本" in err
