"""The 出题 (trainer) and 新旧对照 (versions) pages, driven with Streamlit's AppTest against the real
index (real_settings), opened with ?page=<name> as in tests/test_app.py."""
from __future__ import annotations

import csv
import io
import json
import zipfile

from streamlit.testing.v1 import AppTest


from apphelp import ok, open_app
from app_pages._shared import md_escape


def markdown(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


# ---- 出题 ----------------------------------------------------------------------------------------------
def generate(at: AppTest, law="安全生产法", single=3, multi=2, judge=3, cloze=2) -> AppTest:
    at.multiselect(key="trainer_laws").set_value([law])
    for typ, n in (("single", single), ("multi", multi), ("judge", judge), ("cloze", cloze)):
        at.number_input(key=f"trainer_n_{typ}").set_value(n)
    at.button(key="trainer_generate").click()
    return at.run()


def stems(at: AppTest) -> list[str]:
    return [it.stem for it in at.session_state["trainer_quiz"].items]


def test_trainer_generates_a_quiz_with_downloads(app_env):
    at = ok(open_app("trainer"))
    assert at.title[0].value == "出题"
    assert at.multiselect(key="trainer_laws").value == ["安全生产法"]       # the default scope
    assert not at.download_button
    assert "随机种子" not in markdown(at) + "".join(n.label for n in at.number_input)   # no programmer words
    ok(generate(at))
    quiz = at.session_state["trainer_quiz"]
    assert len(quiz.items) == 10 and quiz.seed == 7                       # the first quiz of a session: seed 7
    assert {it.type for it in quiz.items} == {"single", "multi", "judge", "cloze"}
    md = markdown(at)
    # every item in full: stem, every option, answer and the cited article as a link to 法规浏览
    for n, it in enumerate(quiz.items, 1):
        assert f"第 {n} 题" in md
        assert md_escape(it.stem) in md
        assert all(md_escape(o) in md for o in it.options)
    assert md.count("**答案**") == 10 and md.count("](/browser?law=") == 10
    assert "**题型**：单选题 3 道" in md and "**章节**：" in md                 # the spread above the preview
    labels = [b.label for b in at.download_button]
    assert labels == ["Excel（xlsx）", "CSV", "JSON", "Word 试卷", "Word 答案与解析", "Moodle GIFT"]

    # the bytes behind the buttons are real files with the quiz in them
    files = at.session_state["trainer_files"][1]
    with zipfile.ZipFile(io.BytesIO(files["xlsx"])) as z:
        assert "xl/worksheets/sheet1.xml" in z.namelist()
    rows = list(csv.DictReader(io.StringIO(files["csv"].decode("utf-8-sig"))))
    assert [r["题干"] for r in rows] == stems(at)
    assert len(json.loads(files["json"])) == 10
    assert files["gift"].decode("utf-8").count("::") >= 20
    for key in ("docx", "docx_key"):
        with zipfile.ZipFile(io.BytesIO(files[key])) as z:
            assert "word/document.xml" in z.namelist()
    with zipfile.ZipFile(io.BytesIO(files["docx_key"])) as z:
        assert "答案" in z.read("word/document.xml").decode("utf-8")

    # 生成题目 again: the same quiz; 换一组题: another one, still reproducible by its seed
    first = stems(at)
    ok(generate(at))
    assert stems(at) == first
    at.button(key="trainer_again").click().run()
    ok(at)
    other = at.session_state["trainer_quiz"]
    assert other.seed != 7 and stems(at) != first and len(other.items) == 10


def test_trainer_remove_regenerate_and_edit(app_env):
    at = ok(generate(open_app("trainer")))
    before = stems(at)
    at.button(key="trainer_remove_2").click().run()
    ok(at)
    after = stems(at)
    assert after == before[:1] + before[2:]
    assert "共 9 道" in at.subheader[0].value
    assert len(json.loads(at.session_state["trainer_files"][1]["json"])) == 9   # downloads follow

    # regenerate item 1: same type, another stem, the quiz still passes every gate
    at.button(key="trainer_regen_1").click().run()
    ok(at)
    quiz = at.session_state["trainer_quiz"]
    assert quiz.items[0].stem != after[0] and quiz.items[0].type == "single"
    assert stems(at)[1:] == after[1:]
    from kb.quiz import check_quiz
    from kb.retrieval import load_index
    corpus = load_index(app_env, verify=False).corpus
    assert check_quiz(quiz.items, corpus) == []

    # edit item 1: stem, an option and the answer; kept in the session and in every download
    at.button(key="trainer_edit_1").click().run()
    ok(at)
    item = quiz.items[0]
    stem_box = next(t for t in at.text_area if t.label == "题干")
    stem_box.set_value("（培训用）" + item.stem)
    next(t for t in at.text_input if t.label == "选项 D").set_value("以上都不对")
    next(t for t in at.text_input if t.label == "答案").set_value("D")
    at.button[[b.label for b in at.button].index("保存")].click().run()
    ok(at)
    edited = at.session_state["trainer_quiz"].items[0]
    assert edited.stem.startswith("（培训用）") and edited.options[3] == "以上都不对" and edited.key == ["D"]
    assert "人工修改" in edited.tags and "故选 D。" in edited.explanation
    assert md_escape(edited.stem) in markdown(at)
    assert json.loads(at.session_state["trainer_files"][1]["json"])[0]["stem"] == edited.stem


def test_trainer_edit_with_a_wrong_answer_is_refused(app_env):
    at = ok(generate(open_app("trainer")))
    at.button(key="trainer_edit_1").click().run()
    next(t for t in at.text_input if t.label == "答案").set_value("A,B")
    at.button[[b.label for b in at.button].index("保存")].click().run()
    assert at.error and "单选题的答案要写一个选项字母" in at.error[0].value
    assert at.session_state["trainer_quiz"].items[0].key != ["A", "B"]


def test_trainer_too_many_items_is_an_error_box(app_env):
    at = generate(open_app("trainer"), single=0, multi=50, judge=0, cloze=0)
    assert not at.exception
    assert at.error and "只能生成 多选题 9 道（要求 50 道）" in at.error[0].value
    assert not at.download_button and "trainer_quiz" not in at.session_state


def test_trainer_changed_only_for_the_revised_law(app_env):
    at = open_app("trainer")
    at.checkbox(key="trainer_changed").check()
    ok(generate(at, law="突发事件应对法", single=2, multi=0, judge=2, cloze=1))
    items = at.session_state["trainer_quiz"].items
    assert len(items) == 5 and all(it.stem.startswith("修订后，根据《中华人民共和国突发事件应对法》") for it in items)
    assert all("修订变化" in it.tags for it in items)
    assert all("2024年修订" in it.explanation for it in items)


# ---- 新旧对照 ----------------------------------------------------------------------------------------------
def test_versions_page_renders_the_2024_revision(app_env):
    at = ok(open_app("versions"))
    assert at.title[0].value == "新旧对照"
    assert at.selectbox(key="versions_law").value == "突发事件应对法"
    assert (at.selectbox(key="versions_from").value, at.selectbox(key="versions_to").value) == \
        ("2007-08-30", "2024-06-28")
    metrics = {m.label: int(m.value) for m in at.metric}
    assert list(metrics) == ["条文未改", "条文修改", "拆分", "合并", "新增", "删除"]
    assert metrics["新增"] == 31 and metrics["删除"] == 2 and metrics["拆分"] > 0
    # 9 pairs keep their text (only the number changed): never "未改动 0"
    assert metrics["条文未改"] == 9
    # the counts add up to the pairs listed (every label shown by default)
    assert "逐条对照（112 对）" in at.subheader[0].value and sum(metrics.values()) == 112
    assert any("70 条" in c.value and "106 条" in c.value for c in at.caption)
    md = markdown(at)
    assert "<ins>" in md and "<del>" in md and 'class="kb-diff"' in md
    # no internal scores or the aligner's reasons on screen
    screen = md + "\n".join(c.value for c in at.caption)
    assert not any(w in screen for w in ("dice", "锚点", "覆盖", "≥", "相似度", "对齐理由"))
    # the renumbering map: 2007 第四十二条 is 2024 第六十三条, same text
    mapping = at.dataframe[0].value
    assert list(mapping.columns) == ["旧条文", "新条文", "变化"]
    row = mapping[mapping["旧条文"] == "第四十二条"].iloc[0]
    assert row["新条文"] == "第六十三条" and row["变化"] == "条文未改，条号变动"
    # one label per pair: no article is called both 拆分 and 合并
    for side in ("旧条文", "新条文"):
        kinds = mapping.groupby(side)["变化"].agg(set)
        assert not [k for k, v in kinds.items() if {"拆分", "合并"} <= v and k not in ("（无）", "（删除）")]
    assert at.download_button and "HTML" in at.download_button[0].label


def test_versions_filters(app_env):
    at = ok(open_app("versions"))
    at.multiselect(key="versions_kinds").set_value(["added"]).run()
    ok(at)
    assert "逐条对照（31 对）" in at.subheader[0].value
    md = markdown(at)
    assert "<ins>" in md and "<del>" not in md                # added articles: only insertions
    assert "（旧版无此条）" in md
    at.multiselect(key="versions_kinds").set_value(["deleted"]).run()
    ok(at)
    assert "逐条对照（2 对）" in at.subheader[0].value
    md = markdown(at)
    assert "<del>" in md and "<ins>" not in md
    at.multiselect(key="versions_kinds").set_value(["same", "revised"]).run()
    ok(at)
    metrics = {m.label: int(m.value) for m in at.metric}
    assert f"逐条对照（{metrics['条文未改'] + metrics['条文修改']} 对）" in at.subheader[0].value
    assert "条文修改" in markdown(at)


def test_versions_html_is_escaped():
    from app_pages.versions import diff_html
    left, right = diff_html("室温<60℃时\n开启", "室温<50℃时\n开启风扇")
    assert "&lt;" in left and "<60" not in left and "<br>" in left
    assert "<del>" in left and "<ins>" in right and "<ins>" not in left
    assert diff_html(None, "新增<b>")[1] == "<ins>新增&lt;b&gt;</ins>"
