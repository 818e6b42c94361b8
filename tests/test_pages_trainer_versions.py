"""The 出题 (trainer) and 新旧对照 (versions) pages, driven with Streamlit's AppTest against the real
index (real_settings), opened with ?page=<name> as in tests/test_app.py."""
from __future__ import annotations

import csv
import io
import json
import zipfile

from streamlit.testing.v1 import AppTest


from apphelp import ok, open_app


def markdown(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


# ---- 出题 ----------------------------------------------------------------------------------------------
def generate(at: AppTest, law="安全生产法", seed=7, single=3, multi=2, judge=3, cloze=2) -> AppTest:
    at.multiselect(key="trainer_laws").set_value([law])
    for typ, n in (("single", single), ("multi", multi), ("judge", judge), ("cloze", cloze)):
        at.number_input(key=f"trainer_n_{typ}").set_value(n)
    at.number_input(key="trainer_seed").set_value(seed)
    at.button(key="trainer_generate").click()
    return at.run()


def table(at: AppTest):
    return at.dataframe[0].value


def test_trainer_generates_a_quiz_with_downloads(app_env):
    at = ok(open_app("trainer"))
    assert at.title[0].value == "出题"
    assert at.multiselect(key="trainer_laws").value == ["安全生产法"]       # the default scope
    assert not at.dataframe and not at.download_button
    ok(generate(at))
    df = table(at)
    assert len(df) == 10 and list(df["题号"]) == list(range(1, 11))
    assert set(df["题型"]) == {"单选题", "多选题", "判断题", "填空题"}
    assert all(s.startswith("根据《中华人民共和国安全生产法》") for s in df["题干"])
    assert all("安全生产法" in s for s in df["出处"])
    assert "随机种子 7" in "\n".join(c.value for c in at.caption)
    quiz = at.session_state["trainer_quiz"]
    assert len(quiz.items) == 10 and quiz.seed == 7
    labels = [b.label for b in at.download_button]
    assert labels == ["Excel（xlsx）", "CSV", "JSON", "Word 试卷", "Word 答案与解析", "Moodle GIFT"]

    # the bytes behind the buttons are real files with the quiz in them
    files = at.session_state["trainer_files"][1]
    with zipfile.ZipFile(io.BytesIO(files["xlsx"])) as z:
        assert "xl/worksheets/sheet1.xml" in z.namelist()
    rows = list(csv.DictReader(io.StringIO(files["csv"].decode("utf-8-sig"))))
    assert [r["题干"] for r in rows] == list(df["题干"])
    assert len(json.loads(files["json"])) == 10
    assert files["gift"].decode("utf-8").count("::") >= 20
    for key in ("docx", "docx_key"):
        with zipfile.ZipFile(io.BytesIO(files[key])) as z:
            assert "word/document.xml" in z.namelist()
    with zipfile.ZipFile(io.BytesIO(files["docx_key"])) as z:
        assert "答案" in z.read("word/document.xml").decode("utf-8")

    # same seed, same quiz
    stems = list(df["题干"])
    ok(generate(at))
    assert list(table(at)["题干"]) == stems


def test_trainer_remove_and_regenerate(app_env):
    at = ok(generate(open_app("trainer")))
    before = list(table(at)["题干"])
    at.multiselect(key="trainer_pick").set_value([2, 5]).run()
    at.button(key="trainer_remove").click().run()
    ok(at)
    after = list(table(at)["题干"])
    assert len(after) == 8 and after == [s for n, s in enumerate(before, 1) if n not in (2, 5)]
    assert at.multiselect(key="trainer_pick").value == []
    assert "共 8 道" in at.subheader[0].value
    assert len(json.loads(at.session_state["trainer_files"][1]["json"])) == 8   # downloads follow

    # regenerate item 1: same type, another stem, the quiz still passes every gate
    at.multiselect(key="trainer_pick").set_value([1]).run()
    at.button(key="trainer_regen").click().run()
    ok(at)
    df = table(at)
    assert len(df) == 8 and df["题干"][0] != after[0] and df["题型"][0] == "单选题"
    assert list(df["题干"])[1:] == after[1:]
    from kb.quiz import check_quiz
    quiz = at.session_state["trainer_quiz"]
    from kb.retrieval import load_index
    corpus = load_index(app_env, verify=False).corpus
    assert check_quiz(quiz.items, corpus) == []


def test_trainer_too_many_items_is_an_error_box(app_env):
    at = generate(open_app("trainer"), single=0, multi=50, judge=0, cloze=0)
    assert not at.exception
    assert at.error and "只能生成 多选题 9 道（要求 50 道）" in at.error[0].value
    assert not at.dataframe and not at.download_button


def test_trainer_changed_only_for_the_revised_law(app_env):
    at = open_app("trainer")
    at.checkbox(key="trainer_changed").check()
    ok(generate(at, law="突发事件应对法", seed=3, single=2, multi=0, judge=2, cloze=1))
    df = table(at)
    assert len(df) == 5 and all(s.startswith("修订后，根据《中华人民共和国突发事件应对法》") for s in df["题干"])
    assert all("修订变化" in t for t in df["标签"])
    assert all("2024年修订" in x for x in df["解析"])


# ---- 新旧对照 ----------------------------------------------------------------------------------------------
def test_versions_page_renders_the_2024_revision(app_env):
    at = ok(open_app("versions"))
    assert at.title[0].value == "新旧对照"
    assert at.selectbox(key="versions_law").value == "突发事件应对法"
    assert (at.selectbox(key="versions_from").value, at.selectbox(key="versions_to").value) == \
        ("2007-08-30", "2024-06-28")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["新增"] == "31" and metrics["删除"] == "2"
    assert int(metrics["条号变动"]) > 0 and int(metrics["拆分"]) > 0
    assert any("70 条" in c.value and "106 条" in c.value for c in at.caption)
    md = markdown(at)
    assert "<ins>" in md and "<del>" in md and 'class="kb-diff"' in md
    # the renumbering map: 2007 第四十二条 is 2024 第六十三条
    mapping = at.dataframe[0].value
    row = mapping[mapping["旧条文"] == "第四十二条"].iloc[0]
    assert row["新条文"] == "第六十三条" and row["变化"] == "条号变动"
    assert at.download_button and "HTML" in at.download_button[0].label


def test_versions_filters(app_env):
    at = ok(open_app("versions"))
    at.multiselect(key="versions_kinds").set_value(["added"]).run()
    ok(at)
    assert "逐条对照（31 处）" in at.subheader[0].value
    md = markdown(at)
    assert "<ins>" in md and "<del>" not in md                # added articles: only insertions
    assert "（旧版无此条）" in md
    at.multiselect(key="versions_kinds").set_value(["deleted"]).run()
    ok(at)
    assert "逐条对照（2 处）" in at.subheader[0].value
    md = markdown(at)
    assert "<del>" in md and "<ins>" not in md
    at.multiselect(key="versions_kinds").set_value(["modified"]).run()
    ok(at)
    assert "修改" in markdown(at)


def test_versions_html_is_escaped():
    from app_pages.versions import diff_html
    left, right = diff_html("室温<60℃时\n开启", "室温<50℃时\n开启风扇")
    assert "&lt;" in left and "<60" not in left and "<br>" in left
    assert "<del>" in left and "<ins>" in right and "<ins>" not in left
    assert diff_html(None, "新增<b>")[1] == "<ins>新增&lt;b&gt;</ins>"
