"""事故定性: from the facts of an incident to its grade, who investigates, reporting, fines and criminal
exposure, every step cited with the verbatim phrase its rule comes from.

The rules are data (kb/data/incident_rules.json: thresholds, fines, charges, each with its article id
and phrase); this module applies them. Where a rule depends on a fact a description rarely gives
(负事故主要责任, 情节特别严重), the step says so as a condition instead of concluding it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from kb.core.data import incident_rules, missing_catalogue
from kb.core.errors import QueryError
from kb.core.labels import article_heading, split_article_id
from kb.core.schema import Citation

from .citations import make_citation
from .incident import IncidentFacts, circumstance_label, extract_facts

GRADES = ("一般事故", "较大事故", "重大事故", "特别重大事故")
LEVELS = ("basic", "severe")
LEVEL_LABELS = {"basic": "基本档", "severe": "加重档"}
# 刑法第一百三十四条 is about 生产、作业: a fire started at work goes there first, one started elsewhere to 失火
WORK_CONTEXT = re.compile(r"作业|施工|生产|动火|焊接|电焊|气割|切割|操作|车间|工地|\b(?:welding|cutting|hot[- ]work|"
                          r"working|workshop|construction site|operat\w+)", re.I)


@dataclass
class Charge:
    """A candidate charge whose threshold the facts reach."""
    article_id: str
    name: str
    level: str                     # "basic" | "severe"
    basis_id: str                  # the interpretation article (or the 刑法 article) the level comes from
    paragraph: int = 0             # 款 of the 刑法 article (134: 1 重大责任事故, 2 强令、组织他人违章冒险作业)
    sentence: str = ""             # the penalty range of that level, in the article's words
    conditions: list[str] = field(default_factory=list)
    aggravating: list[str] = field(default_factory=list)   # 解释第十二条 items the facts show

    def to_json(self) -> dict:
        return {"article_id": self.article_id, "name": self.name, "paragraph": self.paragraph or None,
                "level": self.level, "basis_id": self.basis_id, "sentence": self.sentence,
                "conditions": self.conditions, "aggravating": self.aggravating}


@dataclass
class Step:
    """One rule applied: what it finds, and the articles it rests on (quotes verbatim)."""
    topic: str
    finding: str
    citations: list[Citation] = field(default_factory=list)


@dataclass
class Assessment:
    facts: IncidentFacts
    grade: str | None = None
    investigated_by: str | None = None
    reporting: dict | None = None
    company_fine: dict | None = None
    principal_fine: dict | None = None
    concealment: dict | None = None
    disqualification: dict | None = None
    criminal: list[Charge] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def citations(self) -> list[Citation]:
        """Every cited article once, in the order of the steps; quotes of one article joined by ……"""
        merged: dict[str, Citation] = {}
        for step in self.steps:
            for c in step.citations:
                if c.article_id not in merged:
                    merged[c.article_id] = c
                elif c.quote not in merged[c.article_id].quote.split("……"):
                    old = merged[c.article_id]
                    merged[c.article_id] = replace(old, quote=old.quote + "……" + c.quote)
        return list(merged.values())

    def conclusion(self) -> list[str]:
        """Three lines: grade and investigation; fines; criminal exposure."""
        f = self.facts
        if self.grade:
            first = f"等级：{self.grade}（{fact_line(f)}）；由{self.investigated_by}负责调查；单位负责人应于1小时内报告。"
        elif not f.accident:
            first = "等级：尚未发生生产安全事故，不定事故等级。"
        else:
            first = "等级：无法确定——描述中没有死亡、重伤人数或直接经济损失，请补充。"
        if self.company_fine:
            cf, pf = self.company_fine, self.principal_fine
            second = (f"罚款：对负有责任的单位{yuan(cf['min_yuan'])}至{yuan(cf['max_yuan'])}（情节特别严重、影响特别恶劣的"
                      f"可按二倍以上五倍以下）；主要负责人未履职的，处上一年年收入{pf['percent_of_annual_income']}%。")
        else:
            second = "罚款：未发生事故，不适用事故罚款；可依有关条款对违法行为处罚。"
        if self.concealment:
            second += "另有瞒报、谎报或迟报情节，见下文。"
        if self.criminal:
            top = self.criminal[0]
            conds = "；".join(top.conditions[:2])
            third = (f"刑事：涉嫌{top.name}（{cite_label(top.article_id, top.paragraph)}），达到{LEVEL_LABELS[top.level]}"
                     f"（{cite_label(top.basis_id)}）" + (f"，前提是{conds}" if conds else "") + "；应当移送司法机关。")
        else:
            third = "刑事：依描述的事实未达到危害生产安全犯罪的立案标准。"
        return [first, second, third]

    def to_json(self) -> dict:
        """The stable output of `kb assess --json`."""
        return {
            "facts": self.facts.to_json(), "grade": self.grade, "investigated_by": self.investigated_by,
            "reporting": self.reporting, "company_fine": self.company_fine, "principal_fine": self.principal_fine,
            "concealment": self.concealment, "disqualification": self.disqualification,
            "criminal": [c.to_json() for c in self.criminal],
            "conclusion": self.conclusion(),
            "steps": [{"topic": s.topic, "finding": s.finding, "citations": [c.article_id for c in s.citations]}
                      for s in self.steps],
            "citations": [{"law": c.law, "version": c.version, "article": c.label, "article_id": c.article_id,
                           "citation": c.line, "quote": c.quote} for c in self.citations],
            "missing": [{"title": m.get("title"), "issuer": m.get("issuer"), "doc_number": m.get("doc_number")}
                        for m in self.missing],
            "notes": self.notes + self.facts.notes,
        }


def _about_defendant(text: str) -> str:
    """In a judgment-style narrative, the sentences about the 被告人 (what they did decides the charge);
    otherwise the whole text."""
    names = set(re.findall(r"被告人([\u4e00-\u9fff]某某?)", text))
    if not names:
        return text
    return "。".join(s for s in re.split(r"[。；]", text) if any(n in s for n in names))


# ---- formatting helpers --------------------------------------------------------------------------------
def yuan(n: int) -> str:
    if n >= 10 ** 8 and n % 10 ** 7 == 0:
        return f"{n / 10 ** 8:g}亿元"
    if n >= 10 ** 4 and n % 10 ** 4 == 0:
        return f"{n // 10 ** 4}万元"
    return f"{n}元"


def fact_line(f: IncidentFacts) -> str:
    parts = []
    if f.deaths:
        parts.append(f"死亡{f.deaths}人")
    if f.serious_injuries:
        parts.append(f"重伤{f.serious_injuries}人")
    if f.direct_loss_yuan:
        parts.append(f"直接经济损失{yuan(f.direct_loss_yuan)}")
    return "、".join(parts) or "仅有轻伤或财产损失未载明"


def cite_label(aid: str, paragraph: int = 0) -> str:
    """'刑法@2023-12-29#134', 2 → '刑法第一百三十四条第二款'."""
    law, _, label = split_article_id(aid)
    return f"{law}{article_heading(label)}" + (f"第{'一二三四五'[paragraph - 1]}款" if paragraph else "")


# ---- the assessment ------------------------------------------------------------------------------------
class Assessor:
    """Applies incident_rules.json to facts, citing the corpus. Checks once that every rule's phrase
    stands in the indexed text: a rule whose law changed is never applied."""

    def __init__(self, corpus):
        self.corpus = corpus
        self.rules = incident_rules()
        from kb.core.data import cited_phrases
        phrases = cited_phrases(self.rules)
        absent = sorted({split_article_id(aid)[0] for _, aid, _ in phrases if aid not in corpus.by_id})
        problems = corpus.check_cited_phrases([(f"incident_rules.json:{w}", a, p) for w, a, p in phrases])
        if absent or problems:
            raise QueryError("案情研判所依据的条文不全或已变化，无法研判："
                             + "；".join([f"语料中没有{law}的所引版本" for law in absent] + problems))

    def cite(self, aid: str, phrase: str) -> Citation:
        return make_citation(self.corpus, self.corpus.by_id[aid], phrase)

    def assess(self, facts: IncidentFacts | str) -> Assessment:
        f = extract_facts(facts) if isinstance(facts, str) else facts
        a = Assessment(facts=f)
        a.grade = self._grade(f, a)
        if a.grade:
            self._investigation(a)
            self._reporting(a)
            self._fines(a)
        if {"concealment", "late_report"} & set(f.circumstances) and f.accident:
            self._concealment(a)
        a.criminal = self._charges(f, a)
        if a.grade:
            self._disqualification(a)
        self._missing(a)
        return a

    # -- grade ------------------------------------------------------------------------------------
    def _grade(self, f: IncidentFacts, a: Assessment) -> str | None:
        spec = self.rules["grades"]
        aid = spec["article"]
        if not f.accident:
            a.steps.append(Step("等级", "描述的是尚未造成后果的违法行为或现实危险，不是已发生的生产安全事故，不定等级。"))
            return None
        d, s, loss = f.deaths or 0, f.serious_injuries or 0, f.direct_loss_yuan or 0
        if not (d or s or loss or f.minor_injuries):
            a.steps.append(Step("等级", "描述中没有死亡、重伤人数和直接经济损失，无法定级；请补充这三项事实。"))
            return None
        for level in spec["levels"]:
            hits = [why for why, value, bound in (("死亡", d, level["deaths"]), ("重伤", s, level["serious_injuries"]),
                                                  ("直接经济损失", loss, level["loss_yuan"])) if bound and value >= bound]
            if hits or level["grade"] == "一般事故":
                cites = [self.cite(aid, level["phrase"]), self.cite(aid, spec["phrase"])]
                if "poisoning" in f.circumstances:
                    cites.insert(1, self.cite(aid, spec["poisoning_phrase"]))
                why = "、".join(hits) if hits else "各项均未达到较大事故标准"
                unknown = [name for name, value in (("死亡人数", f.deaths), ("重伤人数", f.serious_injuries),
                                                     ("直接经济损失", f.direct_loss_yuan)) if value is None]
                finding = (f"{fact_line(f)}：按{why}定为{level['grade']}（以上包括本数、以下不包括本数；"
                           f"各项标准取最高的一项）。")
                if unknown and level["grade"] != "特别重大事故":
                    finding += f"{'、'.join(unknown)}未载明，核实后等级可能更高。"
                a.steps.append(Step("等级", finding, cites))
                return level["grade"]
        return None

    def _investigation(self, a: Assessment) -> None:
        spec = self.rules["investigation"]
        rule = spec["by_grade"][a.grade]
        a.investigated_by = rule["body"]
        cites = [self.cite(spec["article"], rule["phrase"])]
        finding = f"{a.grade}由事故发生地{rule['body']}负责调查。" if a.grade != "特别重大事故" else \
            f"特别重大事故由{rule['body']}组织事故调查组进行调查。"
        f = a.facts
        if a.grade == "一般事故" and not (f.deaths or f.serious_injuries or f.minor_injuries):
            cites.append(self.cite(spec["article"], spec["no_casualty"]["phrase"]))
            finding += "未造成人员伤亡的，县级人民政府也可以委托事故发生单位组织调查。"
        a.steps.append(Step("调查", finding, cites))

    def _reporting(self, a: Assessment) -> None:
        unit, up = self.rules["reporting"]["unit"], self.rules["reporting"]["upward"]
        rule = up["by_grade"][a.grade]
        a.reporting = {"deadline": unit["deadline"], "to": unit["to"], "upward_to": rule["to"],
                       "article_ids": [unit["article"], up["article"]]}
        a.steps.append(Step("报告", f"单位负责人接到报告后应于{unit['deadline']}内向{unit['to']}报告；"
                                    f"{a.grade}由监管部门逐级上报至{rule['to']}。",
                            [self.cite(unit["article"], unit["phrase"]), self.cite(up["article"], rule["phrase"])]))

    def _fines(self, a: Assessment) -> None:
        cf, pf = self.rules["company_fine"], self.rules["principal_fine"]
        c, p = cf["by_grade"][a.grade], pf["by_grade"][a.grade]
        agg = cf["aggravated"]
        a.company_fine = {"min_yuan": c["min_yuan"], "max_yuan": c["max_yuan"], "article_id": cf["article"],
                          "aggravated": {"min_yuan": c["min_yuan"] * agg["factor_min"],
                                         "max_yuan": c["max_yuan"] * agg["factor_max"],
                                         "condition": agg["condition"]},
                          "condition": cf["condition"]}
        lower_c = cf["lower_rank"]["by_grade"][a.grade]
        precedence = ("《生产安全事故报告和调查处理条例》（2007年，行政法规）规定的数额较低；安全生产法（2021年修正，法律）"
                      "效力更高且在后，两者不一致时适用安全生产法（上位法优于下位法、新法优于旧法）。")
        a.steps.append(Step("单位罚款", f"{cf['condition']}的，处{yuan(c['min_yuan'])}以上{yuan(c['max_yuan'])}以下罚款；"
                                       f"{agg['condition']}的，可按{agg['factor_min']}倍以上{agg['factor_max']}倍以下，即"
                                       f"{yuan(c['min_yuan'] * agg['factor_min'])}至{yuan(c['max_yuan'] * agg['factor_max'])}。"
                                       f"条例第三十七条为{yuan(lower_c['min_yuan'])}至{yuan(lower_c['max_yuan'])}：{precedence}",
                            [self.cite(cf["article"], c["phrase"]), self.cite(cf["article"], agg["phrase"]),
                             self.cite(cf["lower_rank"]["article"], lower_c["phrase"])]))
        lower_p = pf["lower_rank"]["by_grade"][a.grade]
        a.principal_fine = {"percent_of_annual_income": p["percent"], "article_id": pf["article"],
                            "condition": pf["condition"],
                            "lower_rank": {"percent_of_annual_income": lower_p["percent"],
                                           "article_id": pf["lower_rank"]["article"]}}
        a.steps.append(Step("主要负责人罚款", f"{pf['condition']}的，处上一年年收入{p['percent']}%的罚款"
                                           f"（条例第三十八条为{lower_p['percent']}%，适用安全生产法）。",
                            [self.cite(pf["article"], p["phrase"]), self.cite(pf["lower_rank"]["article"], lower_p["phrase"])]))

    def _concealment(self, a: Assessment) -> None:
        spec = self.rules["concealment"]
        f = a.facts
        law, late, false = spec["law"], spec["late"], spec["false"]
        cites = [self.cite(law["article"], law["phrase"]), self.cite(law["article"], law["fine_phrase"])]
        finding = (f"主要负责人隐瞒不报、谎报或者迟报的，处上一年年收入{law['percent_min']}%至{law['percent_max']}%的罚款"
                   f"（安全生产法第一百一十条）")
        out = {"principal_percent_min": law["percent_min"], "principal_percent_max": law["percent_max"],
               "article_ids": [law["article"]]}
        if "concealment" in f.circumstances:
            cites += [self.cite(false["article"], false["phrase"]), self.cite(false["article"], false["fine_phrase"])]
            finding += (f"；谎报或者瞒报的，条例第三十六条对事故发生单位处{yuan(false['company_min_yuan'])}以上"
                        f"{yuan(false['company_max_yuan'])}以下罚款")
            out.update(company_min_yuan=false["company_min_yuan"], company_max_yuan=false["company_max_yuan"])
            out["article_ids"].append(false["article"])
        if "late_report" in f.circumstances:
            cites += [self.cite(late["article"], late["phrase"]), self.cite(late["article"], late["fine_phrase"])]
            finding += f"；迟报的，条例第三十五条处上一年年收入{late['percent_min']}%至{late['percent_max']}%的罚款"
            out["article_ids"].append(late["article"])
        a.concealment = out
        a.steps.append(Step("瞒报、谎报、迟报", finding + "。", cites))

    def _disqualification(self, a: Assessment) -> None:
        spec = self.rules["disqualification"]
        lifetime = a.grade in spec["lifetime_grades"]
        a.disqualification = {"years": 5, "lifetime": lifetime, "article_id": spec["article"],
                              "condition": "主要负责人因未履职导致事故受刑事处罚或者撤职处分"
                              + ("；终身禁入以对事故负有责任为前提" if lifetime else "")}
        cites = [self.cite(spec["article"], spec["phrase"])]
        finding = "主要负责人因此受刑事处罚或者撤职处分的，五年内不得担任任何生产经营单位的主要负责人"
        if lifetime:
            cites.append(self.cite(spec["article"], spec["lifetime_phrase"]))
            finding += f"；对{a.grade}负有责任的，终身不得担任本行业生产经营单位的主要负责人"
        a.steps.append(Step("职业禁入", finding + "。", cites))

    # -- criminal ---------------------------------------------------------------------------------
    def _charges(self, f: IncidentFacts, a: Assessment) -> list[Charge]:
        crim = self.rules["criminal"]
        out: list[Charge] = []
        outside_work = "school_facilities" in f.circumstances or \
            ("fire" in f.circumstances and not WORK_CONTEXT.search(f.text or ""))
        for spec in crim["charges"]:
            if spec["accident"] != f.accident:
                continue
            if outside_work and spec.get("work_only"):
                continue          # 刑法第一百三十四条、第一百三十五条: 在生产、作业中
            if spec["when"] and not set(spec["when"]) & set(f.circumstances):
                continue
            charge = self._charge(spec, f, crim)
            if charge is not None:
                out.append(charge)
        if self._hot_work_on_goods(f):      # an operation in 生产、作业 set the goods alight: 134 before 136
            out.sort(key=lambda c: c.article_id != "刑法@2023-12-29#134")
        if self._concealment_foremost(f):
            out.sort(key=lambda c: c.article_id != "刑法@2023-12-29#139之一")   # stable: the rest keep their order
        if not out:
            a.steps.append(Step("刑事", "依描述的事实，未达到危害生产安全刑事案件解释第六条的立案标准（死亡一人以上、"
                                        "重伤三人以上或者直接经济损失一百万元以上），也没有危险作业罪所列的情形。",
                                [self.cite(crim["basic"]["article"], crim["basic"]["phrase"])]))
            return out
        for charge in out:
            spec = next(s for s in crim["charges"] if s["article"] == charge.article_id
                        and s.get("paragraph", 0) == charge.paragraph)
            cites = [self.cite(charge.article_id, spec["phrase"])]
            level_spec = crim.get(charge.level) if charge.basis_id != charge.article_id else None
            cites += [self.cite(charge.article_id, item["phrase"]) for code, item in spec.get("items", {}).items()
                      if code in f.circumstances]
            if spec.get("basis") == "concealment":
                cites.append(self.cite(crim["concealment"]["article"], crim["concealment"]["phrase"]))
            elif level_spec:
                cites.append(self.cite(level_spec["article"], self._level_phrase(level_spec, f)))
            agg = crim["aggravating"]
            cites += [self.cite(agg["article"], agg["by_circumstance"][c]["phrase"]) for c in charge.aggravating
                      if c in agg["by_circumstance"]]
            finding = (f"{charge.name}（{cite_label(charge.article_id, charge.paragraph)}）：{LEVEL_LABELS[charge.level]}，"
                       f"{charge.sentence}。" + ("条件：" + "；".join(charge.conditions) + "。" if charge.conditions else ""))
            if charge.aggravating:
                finding += "从重处罚情节：" + "、".join(circumstance_label(c) for c in charge.aggravating) + "（解释第十二条）。"
            a.steps.append(Step("刑事", finding, cites))
        return out

    def _level_phrase(self, level_spec: dict, f: IncidentFacts) -> str:
        d, s, loss = f.deaths or 0, f.serious_injuries or 0, f.direct_loss_yuan or 0
        by_people = d >= level_spec["deaths"] or s >= level_spec["serious_injuries"]
        return level_spec["phrase"] if by_people or loss < level_spec["loss_yuan"] else level_spec["loss_phrase"]

    def _charge(self, spec: dict, f: IncidentFacts, crim: dict) -> Charge | None:
        d, s, loss = f.deaths or 0, f.serious_injuries or 0, f.direct_loss_yuan or 0
        basic, severe = crim["basic"], crim["severe"]
        aggravating = [c for c in crim["aggravating"]["by_circumstance"] if c in f.circumstances]
        common = dict(article_id=spec["article"], name=spec["name"], paragraph=spec.get("paragraph", 0),
                      aggravating=aggravating if spec["accident"] else [])
        if not spec["accident"]:                           # 134之一: a real danger, no accident yet
            return Charge(level="basic", basis_id=spec["article"], sentence=f"处{spec['basic_span']}",
                          conditions=["具有发生重大伤亡事故或者其他严重后果的现实危险（需结合现场认定）"], **common)
        if spec.get("basis") == "concealment":
            if not self._delayed_rescue(f):
                return None      # 解释第八条 needs the concealment to have delayed the rescue
            severe_spec = crim["concealment"]["severe"]
            obstructed = re.search("|".join(severe_spec["obstruction_cues"]), f.text or "")
            severe = obstructed or (f.deaths_after_delay or 0) >= severe_spec["added_deaths"]
            return Charge(level="severe" if severe else "basic", basis_id=crim["concealment"]["article"],
                          sentence=f"处{spec['severe_span' if severe else 'basic_span']}",
                          conditions=[crim["concealment"]["condition"], "负有报告职责"], **common)
        people = d >= basic["deaths"] or s >= basic["serious_injuries"]
        reaches_basic = people or (loss >= basic["loss_yuan"] and not spec.get("casualties_only"))
        if not reaches_basic:
            return None
        # 解释第七条; for 138 (第四款) a loss counts only together with the casualties of 第六条第一款第一项,
        # which reaches_basic already requires there
        reaches_severe = d >= severe["deaths"] or s >= severe["serious_injuries"] or loss >= severe["loss_yuan"]
        conditions = ["行为与事故后果之间有因果关系，由司法机关认定"]
        if reaches_severe:
            conditions.insert(0, severe["condition"])
        if spec.get("thresholds_not_in_corpus"):
            conditions.append("失火罪的立案追诉标准不在语料中，此处按危害生产安全刑事案件解释第六条、第七条的数额参考")
        level = "severe" if reaches_severe else "basic"
        return Charge(level=level, basis_id=(severe if reaches_severe else basic)["article"],
                      sentence=f"处{spec['severe_span' if reaches_severe else 'basic_span']}", conditions=conditions,
                      **common)

    def _concealment_foremost(self, f: IncidentFacts) -> bool:
        """The concealment, not the accident, is the crime to charge first: every death came from the
        delayed rescue, others were stopped from reporting, or the accident itself came from no
        violation (地质构造突变)."""
        spec = self.rules["criminal"]["concealment"]
        if "concealment" not in f.circumstances or not self._delayed_rescue(f):
            return False
        text = f.text or ""
        violation = re.compile("|".join(self.rules["criminal"].get("violation_cues", ["违反"])))
        return bool((f.deaths_after_delay or 0) >= (f.deaths or 0) > 0
                    or re.search("|".join(spec["severe"]["obstruction_cues"]), text)
                    or re.search("|".join(spec.get("not_caused_cues", [])), text)
                    or (self._narrative(text) and not violation.search(_about_defendant(text))))

    def _narrative(self, text: str) -> bool:
        """A judgment or investigation report (被告人, 经审理查明 …): it describes what the accused did."""
        cues = self.rules["criminal"].get("narrative_cues", [])
        return bool(cues and re.search("|".join(cues), text))

    def _hot_work_on_goods(self, f: IncidentFacts) -> bool:
        crim = self.rules["criminal"]
        text = f.text or ""
        return ("dangerous_goods" in f.circumstances and bool(re.search("|".join(crim.get("hot_work_cues", ["$^"])), text))
                and not re.search("|".join(crim.get("goods_management_cues", ["$^"])), text))

    def _delayed_rescue(self, f: IncidentFacts) -> bool:
        cues = self.rules["criminal"]["concealment"].get("delay_cues", [])
        return bool(f.text and cues and re.search("|".join(cues), f.text))

    def _missing(self, a: Assessment) -> None:
        wanted = set(self.rules.get("missing", []))
        a.missing = [d for d in missing_catalogue() if d.get("short_title") in wanted or d.get("title") in wanted]
        if a.missing and a.company_fine:
            a.notes.append("罚款的具体数额还要看" + "、".join(f"《{m['title']}》" for m in a.missing)
                           + "，这些文件尚未收录全文；上述幅度是法律规定的范围。")


_ASSESSORS: dict[int, Assessor] = {}


def assess(text_or_facts: str | IncidentFacts, corpus) -> Assessment:
    """The assessment of an incident description (or of facts an officer corrected)."""
    key = id(corpus)
    if key not in _ASSESSORS:
        _ASSESSORS.clear()
        _ASSESSORS[key] = Assessor(corpus)
    return _ASSESSORS[key].assess(text_or_facts)


def format_assessment(a: Assessment) -> str:
    """For people: the conclusion in three lines, then each step with its citations and quotes."""
    f = a.facts
    lines = [*a.conclusion(), "",
             f"事实：死亡 {f.deaths or 0} 人，重伤 {f.serious_injuries or 0} 人（含急性工业中毒），直接经济损失 "
             f"{yuan(f.direct_loss_yuan) if f.direct_loss_yuan is not None else '未载明'}；情节："
             + ("、".join(circumstance_label(c) for c in f.circumstances) or "无") + "。", ""]
    for step in a.steps:
        lines.append(f"【{step.topic}】{step.finding}")
        for c in step.citations:
            lines.append(f"  {c.line}")
            lines.append(f"    “{c.quote}”")
        lines.append("")
    lines += [f"注：{n}" for n in a.notes + f.notes]
    return "\n".join(lines).rstrip()


# ---- kb ask: incident questions ------------------------------------------------------------------------
# What an officer asks after an accident: its grade, who investigates, the fines, whether to refer it
ASKS_ASSESSMENT = re.compile(r"等级|级别|定级|哪一级|什么事故|哪类事故|调查|移送|罚多少|罚款|怎么罚|如何处罚|处罚|刑事|犯罪|追究|定性|"
                             r"判刑|\b(grade|investigat|fine|penalt|criminal|prosecut|classif)", re.I)


def looks_like_incident(question: str) -> bool:
    """A description of a concrete accident (deaths, injuries or a loss stated in numbers) that asks what
    follows from it: the assessment answers it, not a single retrieved article."""
    if not ASKS_ASSESSMENT.search(question):
        return False
    f = extract_facts(question)
    return bool(f.accident and (f.deaths or f.serious_injuries or f.direct_loss_yuan))


# which steps a question asks about, so that their articles are cited first ("…罚多少？" → 第一百一十四条)
FOCUS = (("单位罚款", r"罚|\b(fine|penalt)"), ("主要负责人罚款", r"罚|\b(fine|penalt)"), ("等级", r"等级|级别|定级|哪一级|什么事故|\b(grade|classif)"),
         ("调查", r"调查|\binvestigat"), ("刑事", r"移送|刑事|犯罪|判刑|追究|\b(criminal|prosecut)"))


def assessment_answer(question: str, a: Assessment, language: str = "zh"):
    """The assessment told as an Answer: the three-line conclusion, every cited article with its quotes
    (those of the steps the question asks about first), and each step as a note."""
    from kb.core.schema import Answer
    asked = sorted((m.start(), i, topic) for i, (topic, cue) in enumerate(FOCUS) if (m := re.search(cue, question, re.I)))
    rank = {topic: n for n, (_, _, topic) in enumerate(asked)}
    steps = sorted(a.steps, key=lambda s: rank.get(s.topic, len(rank)))
    ordered = Assessment(a.facts, steps=steps)
    notes = [f"{s.topic}：{s.finding}" for s in a.steps] + a.notes + a.facts.notes
    return Answer("answered", question, language, "\n".join(a.conclusion()), ordered.citations, [], notes, a.missing,
                  "assess", [])
