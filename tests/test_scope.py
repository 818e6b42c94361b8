"""The scope model (kb/answer/scope.py, kb/data/scope_model.json) and its fitter (evals/fit_scope.py)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from evals.fit_scope import fit, folds_of, operating_point
from kb.answer import SCALAR_FEATURES, answer, out_of_scope_probability, out_of_scope_verdict, scope_model
from kb.core import DATA_DIR


def verdict(retriever, question: str) -> tuple[bool, float]:
    plan = retriever.analyzer.analyze(question)
    ranking = retriever.search_plan(plan, k=5)
    return out_of_scope_verdict(retriever, plan, ranking), out_of_scope_probability(retriever, plan, ranking)


def test_the_shipped_model_is_complete_and_fits_the_default_embedder(real_retriever):
    raw = json.loads((DATA_DIR / "scope_model.json").read_text(encoding="utf-8"))
    model = scope_model()
    dim = real_retriever.query_vector("有限空间").shape[0] + len(SCALAR_FEATURES)
    assert raw["scalar_features"] == list(SCALAR_FEATURES)      # refit when the features change
    assert model.embedder == real_retriever.index.manifest["model_setting"]
    assert model.coef.shape == model.mean.shape == model.scale.shape == (dim,)
    assert 0.5 < model.threshold < 1 and any("Blind sets were not used" in c for c in raw["_comment"])


@pytest.mark.parametrize("question", ["今天天气怎么样", "How do I apply for a passport?", "信用卡逾期了怎么办"])
def test_clearly_other_questions_are_out(real_retriever, question):
    out, p = verdict(real_retriever, question)
    assert out and p >= scope_model().threshold


@pytest.mark.parametrize("question", ["生产经营单位的主要负责人有哪些安全生产职责？", "危险化学品仓库应当符合什么要求",
                                      "What are the safety duties of the principal person in charge of a company?"])
def test_questions_about_the_corpus_are_in(real_retriever, question):
    assert verdict(real_retriever, question)[0] is False
    assert answer(question, real_retriever).status == "answered"


def test_strong_evidence_overrules_the_model(real_retriever):
    # the model alone puts this 行政处罚法 question with traffic-fine questions; its words stand in 第六十七条
    question = "收到罚款决定书后多久内要交罚款"
    out, p = verdict(real_retriever, question)
    assert out is False
    ans = answer(question, real_retriever)
    assert ans.status == "answered" and ans.citations[0].article_id == "行政处罚法@2021-01-22#67"


def test_another_embedder_gets_no_verdict(real_retriever, monkeypatch):
    monkeypatch.setitem(real_retriever.index.manifest, "model_setting", "st:/some/other/model")
    plan = real_retriever.analyzer.analyze("今天天气怎么样")
    ranking = real_retriever.search_plan(plan, k=5)
    assert out_of_scope_verdict(real_retriever, plan, ranking) is None      # the word-list rules decide
    assert answer("今天天气怎么样", real_retriever).status == "not_covered"


def test_fit_separates_separable_classes():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-1, 0.5, (60, 3)), rng.normal(1, 0.5, (60, 3))])
    y = np.r_[np.zeros(60), np.ones(60)]
    coef, b = fit((X - X.mean(0)) / X.std(0), y, lam=1.0)
    p = 1 / (1 + np.exp(-(((X - X.mean(0)) / X.std(0)) @ coef + b)))
    assert (p[y == 1] > 0.5).mean() > 0.95 and (p[y == 0] < 0.5).mean() > 0.95
    strong, _ = fit((X - X.mean(0)) / X.std(0), y, lam=1e6)              # heavy shrinkage: weights near zero
    assert np.abs(strong).max() < 0.1 * np.abs(coef).max()


def test_operating_point_keeps_in_scope_refusals_under_the_limit():
    p = np.array([0.1, 0.2, 0.93, 0.6, 0.9, 0.99])
    y = np.array([0, 0, 0, 1, 1, 1], dtype=float)            # one in-scope question the model is sure is out
    kept = np.zeros(6, dtype=bool)
    t, out_r, in_r = operating_point(p, y, kept, max_in=0.0)
    assert t >= 0.93 and in_r == 0.0 and out_r == pytest.approx(1 / 3)
    guarded = np.array([False, False, True, False, False, False])       # the evidence guard shields it
    t, out_r, in_r = operating_point(p, y, kept, max_in=0.0, guarded=guarded)
    assert in_r == 0.0 and out_r == 1.0


def test_folds_are_fixed_by_id():
    ids = [f"set:q{i}" for i in range(200)]
    assert (folds_of(ids) == folds_of(list(ids))).all() and set(folds_of(ids)) == set(range(5))


def test_a_setting_word_gets_the_general_rule_with_the_missing_document_named(real_retriever):
    # 储罐 reaches 有限空间 (a missing document's subject) only as the legal term for an everyday word;
    # what is asked — can I be docked pay for refusing — is answered by 安全生产法第五十四条
    ans = answer("老板让我进一个没通风的储罐里清理，我拒绝了，他就要扣我工资，合法吗？", real_retriever)
    assert ans.status == "answered" and ans.citations[0].article_id == "安全生产法@2021-06-10#54"
    assert [m["title"] for m in ans.missing] == ["工贸企业有限空间作业安全规定"]
    assert "《工贸企业有限空间作业安全规定》尚未收录全文" in ans.notes[0]
    # naming the missing document's subject in its own words keeps the refusal
    named = answer("有限空间作业前必须检测哪些气体？", real_retriever)
    assert named.status == "not_covered" and named.missing[0]["title"] == "工贸企业有限空间作业安全规定"


def test_evidence_features_get_their_own_penalty():
    """fit(lam, lam_scalar): a strong penalty on the embedding columns with a weak one on the evidence
    columns keeps the evidence weight; one shared strong penalty shrinks it."""
    rng = np.random.default_rng(0)
    n, d = 400, 20 + len(SCALAR_FEATURES)
    X = rng.normal(size=(n, d))
    y = (X[:, -1] > 0).astype(float)              # the label lives in the last evidence column
    shared, _ = fit(X, y, 300.0)
    own, _ = fit(X, y, 300.0, 0.1)
    assert abs(own[-1]) > 2 * abs(shared[-1])
    assert np.allclose(fit(X, y, 30.0)[0], fit(X, y, 30.0, 30.0)[0])


def test_corpus_support_and_key_word_features(real_retriever):
    from kb.answer.scope import corpus_support, key_word_supported
    corpus = real_retriever.corpus
    assert corpus_support(["有限空间", "作业"], corpus) == 1.0
    assert corpus_support(["健身房", "年卡"], corpus) == 0.0       # words no article contains
    assert key_word_supported(["有限空间", "作业"], ["进入有限空间作业"]) == 1.0
    assert key_word_supported(["排污许可证", "延续"], ["安全生产许可证有效期为3年，需要延续的"]) == 0.0


@pytest.mark.parametrize("name, size", [("scope_blind2", 295), ("scope_blind3", 298)])
def test_the_fresh_blind_sets_are_disjoint_from_every_other_set(name, size):
    """evals/scope_blind2.jsonl and scope_blind3.jsonl are measured, never trained on: none of their questions
    may sit in another set (questions other sets happened to word identically, 试用期最长可以约定几个月？,
    were taken out), and every gold id must be an article of the corpus."""
    from kb.core import PROJECT_ROOT
    from kb.corpus import load_corpus

    def questions(path):
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    evals = PROJECT_ROOT / "evals"
    blind = questions(evals / f"{name}.jsonl")
    assert len(blind) == size and len({q["id"] for q in blind}) == size
    others = {q["question"] for path in evals.glob("*.jsonl") if path.stem != name
              for q in questions(path) if "question" in q}
    assert not others & {q["question"] for q in blind}
    by_id = load_corpus([PROJECT_ROOT.parent / "shared" / "corpus"]).by_id
    assert all(g in by_id for q in blind for g in q["gold"])
    assert all(("out_of_scope" in q["tags"]) == (not q["gold"]) for q in blind)
