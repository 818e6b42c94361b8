"""事故定性 (kb assess): facts from free text, the rules of kb/data/incident_rules.json applied and cited
verbatim, a law change under a rule stopping the build, the CLI, kb ask's routing, and the checked-in
scores of the incident sets. The descriptions below are written for these tests (not from evals/)."""
from __future__ import annotations

import json
import shutil

import pytest

from kb.answer import answer, assess, check_answer, extract_facts, verify_citation
from kb.cli import main
from kb.core import CorpusError, Settings, incident_rules

from apphelp import ok, open_app


@pytest.fixture(scope="module")
def corpus(real_retriever):
    return real_retriever.corpus


# ---- facts --------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, deaths, serious, loss", [
    ("隧道施工中发生塌方，三名工人遇难，另有一人重伤。", 3, 1, None),
    ("仓库爆炸造成2死5伤，直接经济损失一千五百万元", 2, None, 15_000_000),
    ("储罐区泄漏致11人急性工业中毒，无人死亡，直接经济损失约300万元", 0, 11, 3_000_000),
    ("污水池清淤时6人中毒，其中2人抢救无效死亡", 2, 4, None),
    ("粉尘爆炸，死亡人数为12，直接经济损失2.3亿元", 12, None, 230_000_000),
    ("厂房火灾未造成人员伤亡，直接经济损失近1000万元", 0, 0, 9_999_999),
    ("透水事故，5人被困后全部遇难，直接经济损失逾5000万元", 5, None, 50_000_000),
    ("高处坠落事故，一名架子工经抢救无效死亡", 1, None, None),
    ("经审理查明：被告人张某指挥吊装时违章操作，吊物坠落砸中工人李某某，李某某当场死亡。", 1, None, None),
    ("直接经济损失人民币叁仟万元", None, None, 30_000_000),
    ("A boiler explosion at a textile mill killed 4 workers and seriously injured 11; losses were about 8 million yuan.",
     4, 11, 8_000_000),
    ("Twenty-one miners were killed in the gas blast.", 21, None, None),
])
def test_facts_from_free_text(text, deaths, serious, loss):
    f = extract_facts(text)
    assert (f.deaths, f.serious_injuries, f.direct_loss_yuan) == (deaths, serious, loss)
    assert f.accident


def test_unspecified_injuries_are_not_counted_as_serious_and_are_flagged():
    f = extract_facts("叉车撞倒货架，造成3人受伤")
    assert f.serious_injuries is None and f.minor_injuries == 3
    assert any("伤情未载明" in n for n in f.notes)


@pytest.mark.parametrize("text, codes", [
    ("矿长隐瞒不报，直到次日才上报", {"concealment", "late_report"}),
    ("班长强令工人进入未通风的罐体作业", {"forced_risky_work"}),
    ("液化石油气槽罐车侧翻泄漏", {"dangerous_goods"}),
    ("施工单位偷工减料，楼板配筋减少", {"construction_quality"}),
    ("消防救援机构下达责令改正通知书后，店主拒不整改", {"fire_rectification_refused"}),
    ("检查发现企业关闭了可燃气体报警器，尚未发生事故", {"monitoring_disabled", "danger_no_accident"}),
    ("The owner switched off the gas alarms and ran the kiln without a permit.", {"monitoring_disabled", "no_permit"}),
])
def test_circumstances(text, codes):
    assert codes <= set(extract_facts(text).circumstances)


def test_no_accident_is_no_accident(corpus):
    a = assess("执法检查发现该企业未建立安全生产教育培训档案，未发生事故。", corpus)
    assert not a.facts.accident and a.grade is None and a.company_fine is None and a.criminal == []


# ---- rules applied ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text, grade, body", [
    ("事故造成2人死亡", "一般事故", "县级人民政府"),
    ("事故造成3人死亡", "较大事故", "设区的市级人民政府"),          # 以上包括本数
    ("事故造成9人死亡、9人重伤", "较大事故", "设区的市级人民政府"),
    ("事故造成10人重伤", "较大事故", "设区的市级人民政府"),
    ("事故造成1人死亡、50人重伤", "重大事故", "省级人民政府"),      # the highest criterion wins
    ("事故造成直接经济损失9999万元", "重大事故", "省级人民政府"),
    ("事故造成直接经济损失1亿元", "特别重大事故", "国务院或者国务院授权有关部门"),
    ("事故造成30人死亡", "特别重大事故", "国务院或者国务院授权有关部门"),
])
def test_grade_and_investigation(corpus, text, grade, body):
    a = assess(text, corpus)
    assert (a.grade, a.investigated_by) == (grade, body)
    fine = incident_rules()["company_fine"]["by_grade"][grade]
    assert (a.company_fine["min_yuan"], a.company_fine["max_yuan"]) == (fine["min_yuan"], fine["max_yuan"])
    assert a.company_fine["article_id"] == "安全生产法@2021-06-10#114"


def test_every_step_is_cited_verbatim(corpus):
    a = assess("化工厂反应釜爆炸，4人死亡、12人重伤，直接经济损失约1200万元，企业负责人迟报事故", corpus)
    assert a.grade == "较大事故" and a.principal_fine["percent_of_annual_income"] == 60
    assert a.concealment and a.disqualification and a.criminal
    for c in a.citations:
        assert verify_citation(corpus, c) == [], c.article_id
    cited = {c.article_id for c in a.citations}
    assert {"生产安全事故报告和调查处理条例@2007-04-09#3", "生产安全事故报告和调查处理条例@2007-04-09#19",
            "安全生产法@2021-06-10#114", "安全生产法@2021-06-10#95", "安全生产法@2021-06-10#110",
            "危害生产安全刑事案件解释@2015-12-14#7"} <= cited
    # 条例第三十七条/第三十八条 are shown as the lower-ranking rule, with the precedence note
    assert "生产安全事故报告和调查处理条例@2007-04-09#37" in cited
    assert any("上位法优于下位法" in s.finding for s in a.steps)


def test_criminal_levels_and_conditions(corpus):
    basic = assess("车间机械伤害事故，1人死亡", corpus).criminal[0]
    assert (basic.article_id, basic.level) == ("刑法@2023-12-29#134", "basic")
    assert basic.basis_id == "危害生产安全刑事案件解释@2015-12-14#6"
    severe = assess("车间爆炸，3人死亡", corpus).criminal[0]
    assert severe.level == "severe" and "负事故主要责任" in severe.conditions       # a condition, not a conclusion
    forced = assess("车间主任强令工人违章冒险作业，发生坍塌，2人死亡", corpus).criminal[0]
    assert (forced.article_id, forced.paragraph) == ("刑法@2023-12-29#134", 2)
    below = assess("车间机械伤害事故，2人轻伤，直接经济损失20万元", corpus)
    assert below.grade == "一般事故" and below.criminal == []


def test_danger_without_accident_is_134_of_1(corpus):
    a = assess("执法检查发现某矿擅自拆除了井下瓦斯传感器，尚未发生事故，具有现实危险", corpus)
    assert a.grade is None and a.company_fine is None
    assert [c.article_id for c in a.criminal] == ["刑法@2023-12-29#134之一"]


def test_json_shape_is_stable(corpus):
    d = assess("事故造成3人死亡", corpus).to_json()
    assert {"facts", "grade", "investigated_by", "reporting", "company_fine", "principal_fine", "criminal",
            "citations", "missing"} <= set(d)
    assert set(d["facts"]) >= {"deaths", "serious_injuries", "direct_loss_yuan", "circumstances"}
    assert set(d["criminal"][0]) >= {"article_id", "level", "basis_id", "conditions"}
    assert all(set(c) >= {"law", "version", "article", "quote"} for c in d["citations"])
    assert {m["title"] for m in d["missing"]} >= {"生产安全事故罚款处罚规定"}


# ---- a law that changes under a rule ----------------------------------------------------------------
def test_a_changed_law_stops_the_build_and_keeps_the_old_index(tmp_path, reference_corpus):
    corpus_dir = tmp_path / "corpus"
    shutil.copytree(reference_corpus, corpus_dir)
    settings = Settings(corpus_dirs=[corpus_dir], home=tmp_path / "home", model="hash")
    from kb.retrieval import build_index, load_index
    build_index(settings, progress=False)
    before = load_index(settings).manifest["built_at"]
    law = corpus_dir / "安全生产法@2021-06-10.md"
    law.chmod(0o644)
    law.write_text(law.read_text(encoding="utf-8").replace("处三十万元以上一百万元以下的罚款", "处五十万元以上一百万元以下的罚款"),
                   encoding="utf-8")
    with pytest.raises(CorpusError, match="incident_rules.json.*安全生产法@2021-06-10#114"):
        build_index(settings, progress=False)
    assert load_index(settings).manifest["built_at"] == before        # the old index is still served
    code = main(["corpus", "check", "--corpus", str(corpus_dir)])
    assert code == 1


# ---- CLI -------------------------------------------------------------------------------------------
def test_cli_text_and_json(real_settings, capsys):
    home = ["--home", str(real_settings.home)]
    assert main(["assess", "反应釜爆炸，4人死亡，直接经济损失约1200万元", *home]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("等级：较大事故") and lines[1].startswith("罚款") and lines[2].startswith("刑事")
    assert "《生产安全事故报告和调查处理条例》第三条" in out
    assert main(["assess", "反应釜爆炸，4人死亡", "--serious-injuries", "50", "--json", *home]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["facts"]["serious_injuries"] == 50 and d["grade"] == "重大事故"


def test_cli_batch_and_bad_input(real_settings, tmp_path, capsys):
    home = ["--home", str(real_settings.home)]
    batch = tmp_path / "cases.jsonl"
    batch.write_text('{"id": "a", "text": "事故造成2人死亡"}\nnot json\n{"id": "b", "text": "事故造成30人死亡"}\n',
                     encoding="utf-8")
    assert main(["assess", "--jsonl", str(batch), *home]) == 1        # one malformed line: reported, exit 1
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["id"], r["grade"]) for r in rows] == [("a", "一般事故"), ("b", "特别重大事故")]
    assert ":2:" in err and "Traceback" not in err
    assert main(["assess", "", *home]) == 1 and "请给出案情" in capsys.readouterr().err
    assert main(["assess", "x", "--add", "nonsense", *home]) == 1 and "无法识别的情节" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["assess", "x", "--loss", "很多"])
    assert "不是金额" in capsys.readouterr().err


# ---- kb ask routes incident questions --------------------------------------------------------------
def test_ask_routes_an_incident_question(real_retriever):
    ans = answer("工厂发生事故死了3个人，属于什么等级？由谁负责调查？", real_retriever)
    assert ans.mode == "assess" and ans.status == "answered"
    assert "较大事故" in ans.conclusion and "设区的市级人民政府" in ans.conclusion
    assert ans.citations[0].article_id == "生产安全事故报告和调查处理条例@2007-04-09#3"
    assert check_answer(ans, real_retriever.corpus) == []
    fines = answer("厂里出事故死了一个工人，厂子会被罚多少钱？", real_retriever)
    assert fines.citations[0].article_id == "安全生产法@2021-06-10#114"     # what was asked is cited first
    plain = answer("生产安全事故分为哪几个等级？", real_retriever)
    assert plain.mode == "extractive"


# ---- the app page ----------------------------------------------------------------------------------
def test_assess_page_reads_edits_and_reruns(app_env):
    at = ok(open_app("assess"))
    assert at.title[0].value == "案情研判"
    at.text_area(key="assess_text").set_value("车间爆炸，2人死亡、3人受伤，直接经济损失约600万元").run()
    at.button(key="assess_run").click().run()
    ok(at)
    assert at.success[0].value.startswith("等级：一般事故")
    at.number_input(key="assess_deaths").set_value(3).run()      # the officer corrects a fact
    ok(at)
    assert at.success[0].value.startswith("等级：较大事故")
    assert any("生产安全事故报告和调查处理条例" in str(m.value) for m in at.markdown)


# ---- the incident sets ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["incidents", "incident_narratives", "incident_narratives_dev2", "incidents_blind",
                                  "incident_narratives_blind"])
def test_incident_set_scores_hold(corpus, name):
    from kb.core import PROJECT_ROOT
    from kb.eval import load_cases, run_incident_eval
    from kb.eval.evaluate import check_expected
    path = PROJECT_ROOT / "evals" / f"{name}.jsonl"
    expected = json.loads((PROJECT_ROOT / "evals" / f"expected_{name}.json").read_text(encoding="utf-8"))
    lines = check_expected(run_incident_eval(corpus, load_cases(path)), expected)
    failed = [line for line in lines if line.startswith("FAIL")]
    assert lines and not failed, "\n".join(failed)
