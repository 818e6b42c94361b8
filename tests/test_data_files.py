"""Checks of the curated data files in kb/data/ against the reference corpus.

aliases.json, lay_terms.json, en_terms.json, missing.json, out_of_scope.json, fields.json and userdict.txt are hand-curated; these tests keep them
honest: right format, every alias unambiguous, every legal term and dictionary word really used in
the corpus, and no "missing" document that is in fact present.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache

import pytest

from kb.core import DATA_DIR, PROJECT_ROOT
from kb.corpus import split_front_matter

CORPUS_DIR = PROJECT_ROOT.parent / "shared" / "corpus"

pytestmark = pytest.mark.skipif(not (CORPUS_DIR / "manifest.json").exists(),
                                reason=f"reference corpus not found at {CORPUS_DIR}")

# Substring overlaps between names of different laws that are accepted on purpose (see the
# _comment of aliases.json): (alias, law it belongs to, other name it is contained in).
ACCEPTED_OVERLAPS = {
    ("应急条例", "生产安全事故应急条例"),              # ⊂ 破坏性地震应急条例
    ("两高解释", "危害生产安全刑事案件解释"),          # ⊂ 两高解释（二）
    ("危害生产安全解释", "危害生产安全刑事案件解释"),   # ⊂ 危害生产安全解释（二）
    ("中华人民共和国刑法", "刑法"),                     # ⊂ 中华人民共和国刑法修正案（十一）
}
# Batch revision decrees: one number amended several regulations, so it must not be an alias.
SHARED_DECREES = {"588", "645", "653", "687", "709"}
CJK = re.compile(r"[\u4e00-\u9fff]")


# ---- fixtures -------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def manifest() -> list[dict]:
    return json.loads((CORPUS_DIR / "manifest.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def bodies() -> dict[str, str]:
    """short_title → concatenated bodies (all versions), front matter removed."""
    out: dict[str, str] = {}
    for row in manifest():
        text = (CORPUS_DIR / row["file"]).read_text(encoding="utf-8")
        _, body = split_front_matter(text)
        out[row["short_title"]] = out.get(row["short_title"], "") + "\n" + body
    return out


@lru_cache(maxsize=None)
def all_text() -> str:
    return "\n".join(bodies().values())


def short_titles() -> set[str]:
    return {r["short_title"] for r in manifest()}


def own_names(short: str) -> set[str]:
    """The names the loader derives itself for a law: title, short title, title without prefix."""
    names = {short}
    for r in manifest():
        if r["short_title"] == short:
            names |= {r["title"], r["title"].replace("中华人民共和国", "")}
    return names


def load_json(name: str):
    path = DATA_DIR / name
    assert path.exists(), f"{path} is missing"
    raw = path.read_text(encoding="utf-8")
    data = json.loads(raw)
    assert isinstance(data, dict) and data.get("_comment"), f"{name}: needs a non-empty _comment"
    assert raw.count("\n") > 5, f"{name}: should be pretty-printed"
    return data


def public(d: dict) -> dict:
    return {k: v for k, v in d.items() if not k.startswith("_")}


def is_str_list(v) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) and x.strip() == x and x for x in v)


# ---- aliases.json ---------------------------------------------------------------------------
def aliases() -> dict[str, list[str]]:
    return public(load_json("aliases.json"))


def test_aliases_format_and_keys():
    data = aliases()
    assert set(data) == short_titles(), (
        f"not in corpus: {sorted(set(data) - short_titles())}; "
        f"without entry: {sorted(short_titles() - set(data))}")
    for short, names in data.items():
        assert is_str_list(names), short
        assert len(names) == len(set(names)), f"duplicate alias for {short}"
        assert short not in names, f"{short}: the short title itself is not an alias"


def test_no_alias_maps_to_two_laws():
    owner: dict[str, str] = {}
    for short in short_titles():
        for n in own_names(short):
            owner[n] = short
    for short, names in aliases().items():
        for a in names:
            assert owner.setdefault(a, short) == short, f"{a!r} → {owner[a]} and {short}"


def test_aliases_do_not_hide_inside_other_names():
    """A substring matcher would pick the wrong law if an alias sits inside another law's name."""
    data = aliases()
    names_of = {s: own_names(s) | set(data.get(s, [])) for s in short_titles()}
    problems = []
    for short, names in data.items():
        for a in names:
            for other, other_names in names_of.items():
                if other == short or (a, short) in ACCEPTED_OVERLAPS:
                    continue
                hits = [n for n in other_names if a in n]
                if hits:
                    problems.append(f"{a} ({short}) ⊂ {hits} ({other})")
    assert not problems, "\n".join(problems)


def test_decree_number_aliases_match_front_matter():
    doc_numbers = {}
    for r in manifest():
        doc_numbers.setdefault(r["short_title"], []).append(r["doc_number"])
    for short, names in aliases().items():
        for a in names:
            m = re.search(r"(\d+)号令$|国务院令第(\d+)号$", a)
            if m:
                num = m.group(1) or m.group(2)
                assert num not in SHARED_DECREES, f"{a}: batch revision decree, ambiguous"
                own = [d for d in doc_numbers[short] if f"第{num}号" in d and "修订" not in d]
                assert own, f"{a}: 第{num}号 is not the own decree of {short} ({doc_numbers[short]})"
            m = re.search(r"法释〔(\d{4})〕(\d+)号", a)
            if m:
                assert any(m.group(0) in d for d in doc_numbers[short]), f"{a} vs {doc_numbers[short]}"


def test_ambiguous_names_are_not_aliases():
    every = {a for names in aliases().values() for a in names}
    for bad in ("安全法", "处罚法", "许可证条例", "588号令", "解释", "条例", "规定"):
        assert bad not in every, bad


def test_aliases_resolve_through_the_corpus():
    from kb.corpus import load_corpus
    corpus = load_corpus([CORPUS_DIR])
    for short, names in aliases().items():
        for a in names:
            assert corpus.resolve_law(a) == short, a
            assert corpus.resolve_law(f"《{a}》") == short, a


# ---- lay_terms.json -------------------------------------------------------------------------
def lay_terms() -> list[dict]:
    data = load_json("lay_terms.json")
    assert isinstance(data.get("terms"), list)
    return data["terms"]


def test_lay_terms_format():
    terms = lay_terms()
    assert len(terms) >= 60
    for t in terms:
        assert set(t) <= {"lay", "legal", "note"} and {"lay", "legal"} <= set(t), t
        assert is_str_list(t["lay"]) and t["lay"], t
        assert is_str_list(t["legal"]) and t["legal"], t
        assert isinstance(t.get("note", ""), str)
        assert len(set(t["lay"])) == len(t["lay"]), f"duplicate lay word in {t['lay']}"


def test_lay_terms_legal_side_occurs_in_corpus():
    text = all_text()
    absent = sorted({g for t in lay_terms() for g in t["legal"] if g not in text})
    assert not absent, f"legal terms not found in any corpus body: {absent}"


def test_plain_glossary_format_and_terms_occur_in_corpus():
    """kb/data/plain_glossary.json: [legal term, everyday meaning] pairs; every term is one the quoted
    articles use, each explained once, and the meaning is not the term again."""
    from kb.answer import plain_gloss
    raw = load_json("plain_glossary.json")
    terms = raw["terms"]
    assert len(terms) >= 30
    assert all(isinstance(t, list) and len(t) == 2 and all(isinstance(x, str) and x for x in t) for t in terms)
    names = [t for t, _ in terms]
    assert len(set(names)) == len(names), "a term is explained twice"
    assert not [t for t, m in terms if t in m], "a meaning that repeats its term explains nothing"
    text = all_text()
    assert not [t for t in names if t not in text], "glossary terms not found in the corpus"
    # the longer term wins where one contains another; reading order is kept
    assert plain_gloss("特种作业人员应当持证；生产经营单位……")[0][0] == "特种作业人员"
    assert [t for t, _ in plain_gloss("从业人员与生产经营单位")] == ["从业人员", "生产经营单位"]


def test_lay_terms_cover_the_basics():
    lay = {w for t in lay_terms() for w in t["lay"]}
    for w in ("老板", "工人", "着火", "罚多少钱", "安全帽", "坐牢", "瞒报", "炸药", "毒气", "下井",
              "电梯", "地震", "洪水", "山火", "尘肺", "政府", "救人", "化粪池", "举报", "培训"):
        assert w in lay, w


# Lay words that are too common to mean anything on their own: as substrings they would fire on
# almost every question (危险 sits inside 危险化学品, 检查 inside 职业健康检查).
TOO_GENERAL_LAY_WORDS = {"问题", "危险", "检查", "工程", "方案", "进去", "情况", "东西", "事情", "单位的", "安全"}


def test_lay_words_are_specific():
    lay = {w for t in lay_terms() for w in t["lay"]}
    assert not lay & TOO_GENERAL_LAY_WORDS, sorted(lay & TOO_GENERAL_LAY_WORDS)


def test_every_lay_entry_adds_something():
    """An entry whose legal terms all sit inside its own lay words never expands anything, because
    expansion skips legal terms already in the question."""
    dead = [t["lay"] for t in lay_terms()
            if all(all(g in w for g in t["legal"]) for w in t["lay"])]
    assert not dead, dead


# ---- en_terms.json --------------------------------------------------------------------------
# Entries are stored the way the matcher sees an English question: lower-case, runs of anything
# other than a-z0-9 folded into one space.
EN_PHRASE = re.compile(r"^[a-z0-9]+(?: [a-z0-9]+)*$")


def en_terms() -> list[dict]:
    data = load_json("en_terms.json")
    assert isinstance(data.get("terms"), list)
    return data["terms"]


def en_fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def en_translate(question: str) -> list[str]:
    """Reference matcher for the documented rule: word boundaries, longest phrase first, a matched
    span is used up."""
    pairs = sorted(((en, t["zh"]) for t in en_terms() for en in t["en"]), key=lambda p: -len(p[0]))
    text = f" {en_fold(question)} "
    out: list[str] = []
    for en, zh in pairs:
        if f" {en} " in text:
            text = text.replace(f" {en} ", " | ")
            out += [z for z in zh if z not in out]
    return out


def test_en_terms_format():
    terms = en_terms()
    assert len(terms) >= 250
    owner: dict[str, int] = {}
    for i, t in enumerate(terms):
        assert set(t) <= {"en", "zh", "note"} and {"en", "zh"} <= set(t), t
        assert is_str_list(t["en"]) and t["en"], t
        assert is_str_list(t["zh"]) and t["zh"], t
        assert isinstance(t.get("note", ""), str)
        assert len(set(t["en"])) == len(t["en"]), f"duplicate English phrase in {t['en']}"
        assert len(set(t["zh"])) == len(t["zh"]), f"duplicate zh term in {t['zh']}"
        for en in t["en"]:
            assert en == en.lower(), f"{en!r}: English entries are lower-case"
            assert EN_PHRASE.match(en), f"{en!r}: only a-z, 0-9 and single spaces (write fire-fighting as 'fire fighting')"
            assert owner.setdefault(en, i) == i, f"{en!r} is listed in two entries: {terms[owner[en]]['zh']} and {t['zh']}"
        assert not any(CJK.search(en) for en in t["en"]), t["en"]
        assert all(CJK.search(z) for z in t["zh"]), t["zh"]


def test_en_terms_zh_side_occurs_in_corpus():
    text = all_text()
    absent = sorted({z for t in en_terms() for z in t["zh"] if z not in text})
    print(f"en_terms: {len(en_terms())} entries, zh terms not in any corpus body: {absent}")
    assert not absent, f"zh terms not found in any corpus body: {absent}"


def test_en_terms_cover_the_basics():
    en = {w for t in en_terms() for w in t["en"]}
    for w in ("employer", "boss", "worker", "government", "fire brigade", "emergency management department",
              "report", "training", "helmet", "protective equipment", "refuse", "evacuate", "compensation",
              "insurance", "fine", "prison", "detention", "revoke", "suspend production", "crime",
              "hazardous chemicals", "special equipment", "elevator", "coal mine", "fire", "fire exit",
              "forest fire", "earthquake", "flood", "typhoon", "disaster relief", "emergency plan",
              "early warning", "occupational disease", "medical examination", "construction site",
              "major accident hazard", "safety assessment", "hearing", "appeal", "lawsuit", "amendment",
              "take effect", "definition", "wuhan", "one hour", "24 hours", "30 days"):
        assert w in en, w


@pytest.mark.parametrize("question, wanted, unwanted", [
    ("Who must block off the fire exit?", ["安全出口", "占用"], ["火灾"]),
    ("Must the accident be reported within one hour?", ["1小时", "报告"], []),
    ("Is a 30-day deadline set?", ["30日", "三十日"], []),
    ("The people's court and workers' compensation", ["人民法院", "工伤保险"], []),
    ("Forest fire in the hills", ["森林火灾"], ["火灾"]),
    ("How much is the fine for a hazardous chemical leak?", ["罚款", "危险化学品", "泄漏"], []),
])
def test_en_terms_translate_questions(question, wanted, unwanted):
    got = en_translate(question)
    for z in wanted:
        assert z in got, (question, got)
    for z in unwanted:
        assert z not in got, (question, got)


# ---- userdict.txt ---------------------------------------------------------------------------
USERDICT_LINE = re.compile(r"^(?P<word>[\u4e00-\u9fffA-Za-z0-9]+) (?P<freq>\d+) (?P<tag>[a-z]+)$")


def userdict() -> list[tuple[str, int, str]]:
    path = DATA_DIR / "userdict.txt"
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = USERDICT_LINE.match(line)
        assert m, f"userdict.txt:{i}: {line!r} is not 'word freq tag' (jieba cannot hold punctuation)"
        rows.append((m["word"], int(m["freq"]), m["tag"]))
    return rows


def test_userdict_format():
    rows = userdict()
    words = [w for w, _, _ in rows]
    assert len(words) >= 300
    dups = sorted({w for w in words if words.count(w) > 1})
    assert not dups, dups
    assert all(f > 0 for _, f, _ in rows)
    assert all(len(w) >= 2 for w in words)


def test_userdict_words_occur_in_corpus():
    text = all_text()
    titles = short_titles()
    absent = [w for w, _, _ in userdict() if w not in text and w not in titles]
    print(f"userdict: {len(userdict())} words, {len(absent)} not in corpus: {absent}")
    assert not absent


def test_userdict_has_titles_and_core_terms():
    words = {w for w, _, _ in userdict()}
    for short in short_titles():
        if re.fullmatch(r"[\u4e00-\u9fff]+", short):
            assert short in words, short
    for w in ("生产经营单位", "主要负责人", "安全生产管理机构", "安全生产管理人员", "从业人员",
              "劳动防护用品", "重大事故隐患", "生产安全事故", "应急救援预案", "危险化学品", "特种设备",
              "有限空间", "撤离作业场所", "安全评价", "较大事故", "重大事故", "特别重大事故", "一般事故",
              "迟报", "漏报", "谎报", "瞒报", "责令限期改正", "责令停产停业整顿", "罚款", "吊销",
              "有期徒刑", "拘役", "三同时", "双随机"):
        assert w in words, w


def test_userdict_words_stay_whole_in_jieba():
    jieba = pytest.importorskip("jieba")
    jieba.setLogLevel(60)
    tk = jieba.Tokenizer()
    tk.load_userdict(str(DATA_DIR / "userdict.txt"))
    split = [w for w, _, _ in userdict() if tk.lcut(w, HMM=False) != [w]]
    assert not split, split


# ---- missing.json ---------------------------------------------------------------------------
MISSING_FIELDS = {"title", "short_title", "aliases", "issuer", "doc_number", "promulgated", "effective",
                  "priority", "official_source", "topics"}
OPTIONAL_FIELDS = {"doc_type", "amendments", "replaces", "verified", "unverified", "cited_in", "note"}
DATE = re.compile(r"^\d{4}(-\d{2}-\d{2})?$")


def missing() -> list[dict]:
    data = load_json("missing.json")
    assert isinstance(data.get("documents"), list)
    return data["documents"]


def test_missing_format():
    docs = missing()
    assert docs
    for d in docs:
        assert MISSING_FIELDS <= set(d) <= MISSING_FIELDS | OPTIONAL_FIELDS, d.get("title")
        assert isinstance(d["title"], str) and d["title"]
        assert isinstance(d["short_title"], str) and d["short_title"]
        assert d["priority"] in {"must", "strong"}
        assert is_str_list(d["aliases"]) and is_str_list(d["topics"]) and d["topics"]
        assert all(" " not in t for t in d["topics"]), d["topics"]
        for k in ("promulgated", "effective"):
            assert d[k] is None or DATE.match(d[k]), (d["title"], k, d[k])
        assert d["doc_number"] is None or isinstance(d["doc_number"], str)
        assert isinstance(d["official_source"], str) and d["official_source"]
        if "verified" in d:
            assert d["verified"] is False, "only unverified facts are flagged"
            assert is_str_list(d.get("unverified", [])) and d.get("unverified"), d["title"]
        if d["priority"] == "strong":
            assert d.get("verified") is False, f"{d['title']}: MISSING.md marks this table as not verified"
    titles = [d["title"] for d in docs]
    assert len(titles) == len(set(titles))


def test_missing_topics_are_rare_in_the_corpus():
    # a topic that the corpus itself uses often (安全生产违法行为, 上一年年收入) is no sign that the
    # question needs the missing document: kb.answer refuses when the best rule lacks the topic
    text = all_text()
    for doc in missing():
        for topic in doc.get("topics", []):
            assert text.count(topic) <= 4, (doc["title"], topic, text.count(topic))


def test_missing_documents_match_missing_md():
    md = (CORPUS_DIR / "MISSING.md").read_text(encoding="utf-8")
    for d in missing():
        assert d["title"] in md, d["title"]
        if d["doc_number"]:
            core = re.sub(r"^原", "", d["doc_number"])
            assert core in md, (d["title"], d["doc_number"])
        if d["official_source"].startswith("http"):
            assert d["official_source"] in md


def test_missing_documents_are_not_in_corpus():
    from kb.corpus import load_corpus
    corpus = load_corpus([CORPUS_DIR])
    present = {n for s in short_titles() for n in own_names(s)}
    alias_names = {a for names in aliases().values() for a in names}
    for d in missing():
        for name in (d["title"], d["short_title"], *d["aliases"]):
            assert name not in present, f"{name} is in the corpus"
            assert name not in alias_names, f"{name} is an alias of a corpus law"
            assert corpus.resolve_law(name) is None, name
        for r in manifest():
            assert d["title"] not in r["title"], (d["title"], r["file"])


def test_missing_cited_in_is_true():
    texts = bodies()
    for d in missing():
        for short in d.get("cited_in", []):
            assert short in texts, short
            assert d["title"] in texts[short] or any(a in texts[short] for a in d["aliases"]), (d["title"], short)


# ---- out_of_scope.json ------------------------------------------------------------------------
def out_of_scope() -> dict:
    return json.loads((DATA_DIR / "out_of_scope.json").read_text(encoding="utf-8"))


def test_out_of_scope_format():
    fields = out_of_scope()["fields"]
    assert len(fields) >= 10
    for f in fields:
        assert set(f) == {"field", "field_en", "cues", "cues_en", "refer", "refer_en"}, f
        assert f["cues"] and all(isinstance(c, str) and len(c) >= 2 for c in f["cues"])
        assert all(c == c.strip() and not re.search(r"[\u4e00-\u9fff]", c) for c in f["cues_en"])
        assert f["refer"] and f["refer_en"]


def test_out_of_scope_cues_are_not_work_safety_words():
    # a cue that is a word of our own field would turn away in-scope questions (a cue may contain
    # one, 交通事故 or 食品安全: other_field() removes the cues before looking for our words)
    from kb.core import core_words, core_words_en
    CORE_WORDS, EN_CORE_WORDS = core_words(), core_words_en()
    for f in out_of_scope()["fields"]:
        for cue in f["cues"]:
            assert cue not in CORE_WORDS and not any(cue in w for w in CORE_WORDS), cue
        for cue in f["cues_en"]:
            assert not any(cue.lower() in w for w in EN_CORE_WORDS), cue


def test_out_of_scope_cues_are_rare_in_the_corpus():
    # a cue that many articles use is a topic of the corpus, not a neighbouring field
    text = all_text()
    for f in out_of_scope()["fields"]:
        for cue in f["cues"]:
            assert text.count(cue) <= 3, (cue, text.count(cue))


# ---- fields.json ------------------------------------------------------------------------------
GENERAL_DOCUMENTS = ("安全生产法", "刑法", "行政处罚法", "突发事件应对法", "生产安全事故报告和调查处理条例",
                     "生产安全事故应急条例", "消防法")


def test_fields_name_sector_documents_of_the_corpus():
    fields = json.loads((DATA_DIR / "fields.json").read_text(encoding="utf-8"))["fields"]
    short_titles = {m["short_title"] for m in manifest()}
    assert len(fields) >= 10
    for law, words in fields.items():
        assert law in short_titles, law
        assert law not in GENERAL_DOCUMENTS, law       # never lowered: they answer every sector
        assert words and len(set(words)) == len(words), law
        assert all(isinstance(w, str) and w == w.strip() and CJK.search(w) for w in words), law
        # the document's own short title (minus 条例/法) must count as naming its field
        assert any(w in law for w in words), law
