"""Facts of an incident from free text (Chinese or English): deaths, serious injuries (急性工业中毒 counts
as 重伤, as 条例第三条 says), direct economic loss, and the circumstances the law cares about (the
words for each are in kb/data/incident_rules.json). Used by kb.answer.assess; shown to the officer,
who may correct them before the assessment is re-run."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from kb.core.data import incident_rules
from kb.core.errors import NumeralError
from kb.core.numerals import cn_to_int

CN_DIGITS = "零〇一二两三四五六七八九十百千壹贰叁肆伍陆柒捌玖拾佰仟"
# financial numerals (伍仟贰佰万元) read as the ordinary ones
FINANCIAL = str.maketrans("壹贰叁肆伍陆柒捌玖拾佰仟", "一二三四五六七八九十百千")
NUM = rf"[0-9０-９][0-9０-９,，.]*[十百千]?[万亿]?|[{CN_DIGITS}万亿]+"
PERSONS = r"(?:余|多)?(?:个人|人|名|位|个)"
EN_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
            "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
            "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100}
EN_NUM = r"\d[\d,]*|(?:twenty|thirty|forty|fifty|sixty)-(?:one|two|three|four|five|six|seven|eight|nine)\b|" + \
    "|".join(rf"{w}\b" for w in sorted(EN_WORDS, key=len, reverse=True))
# "近1000万" is just below 1000万 (the grade boundary matters); "1000余万" / "逾" / "超过" at least it.
BELOW = ("近", "将近", "接近", "不到", "不足", "nearly", "almost", "just under", "under", "less than")
ACCIDENT_WORDS = re.compile(r"事故|爆炸|坍塌|垮塌|倒塌|火灾|起火|着火|失火|中毒|窒息|坠落|泄漏|冒顶|透水|触电|伤亡|遇难|"
                            r"侧翻|倾覆|翻沉|沉没|落水|塌方|闪爆|爆燃|山火|晕倒|埋压|压埋|被困|卷入|"
                            r"\b(accident|explosion|explod|collaps|fire|blaze|poison|leak|fell|killed|died|injur|trapped|"
                            r"roof fall|buried|overturn|capsiz|drown)", re.I)
NO_ACCIDENT = re.compile(r"(?:未|没有|尚未|还没有?|并未)(?:发生|造成)(?:生产安全)?事故|(?:未|没有|尚未)造成人员伤亡|事故隐患|"
                         r"\bno accident\b", re.I)
NO_CASUALTY = re.compile(r"(?:无|未造成|没有造成?|没有)人员(?:伤亡|死亡|受伤)|无人(?:员)?(?:伤亡|死亡|受伤)|\bno (?:one|body) "
                         r"(?:was )?(?:hurt|injured|killed)|no (?:casualties|injuries|deaths)", re.I)


@dataclass
class IncidentFacts:
    """What the text says (None: not said). Numbers are persons and 元."""
    deaths: int | None = None
    serious_injuries: int | None = None
    direct_loss_yuan: int | None = None
    minor_injuries: int | None = None          # 轻伤 / 受伤 without 重伤: not counted for the grade
    circumstances: list[str] = field(default_factory=list)
    accident: bool = False                     # an accident happened (not only a danger)
    setting: list[str] = field(default_factory=list)   # industry and work type words found
    notes: list[str] = field(default_factory=list)     # what the reader should check (e.g. 受伤 of unknown severity)
    deaths_after_delay: int | None = None      # deaths a concealment caused by delaying the rescue (解释第八条)
    text: str = ""                             # the description the facts were read from

    def to_json(self) -> dict:
        d = asdict(self)
        return {"deaths": d["deaths"] or 0, "serious_injuries": d["serious_injuries"] or 0,
                "direct_loss_yuan": d["direct_loss_yuan"], "circumstances": d["circumstances"],
                "minor_injuries": d["minor_injuries"] or 0, "accident": d["accident"], "setting": d["setting"]}


# ---- numbers ----------------------------------------------------------------------------------------
def parse_number(text: str) -> float | None:
    """'3', '1,200', '1.2', '十二', '一千二百', '两', '1.5万', '三千五百万' → the number; None if unreadable."""
    s = text.strip().translate(str.maketrans("０１２３４５６７８９，", "0123456789,")).translate(FINANCIAL).replace(",", "")
    if not s:
        return None
    if s.lower() in EN_WORDS:
        return float(EN_WORDS[s.lower()])
    tens = re.fullmatch(r"(twenty|thirty|forty|fifty|sixty)-(\w+)", s.lower())
    if tens and tens.group(2) in EN_WORDS:
        return float(EN_WORDS[tens.group(1)] + EN_WORDS[tens.group(2)])
    try:
        return float(s)
    except ValueError:
        pass
    total = 0.0
    for unit, scale in (("亿", 10 ** 8), ("万", 10 ** 4)):
        if unit in s:
            head, s = s.split(unit, 1)
            value = _small(head) if head else 1.0
            if value is None:
                return None
            total += value * scale
    if s:
        value = _small(s)
        if value is None:
            return None
        total += value
    return total


def _small(s: str) -> float | None:
    try:
        return float(s)
    except ValueError:
        pass
    mixed = re.fullmatch(r"([\d.]+)([十百千])", s)          # 5千(万), 1.2千
    if mixed:
        return float(mixed.group(1)) * {"十": 10, "百": 100, "千": 1000}[mixed.group(2)]
    try:
        return float(cn_to_int(s))
    except NumeralError:
        return None


def _persons(m: re.Match) -> int | None:
    n = parse_number(m.group("n"))
    return int(n) if n is not None else None


# ---- deaths and injuries ------------------------------------------------------------------------------
DEATH_WORDS = r"(?:死亡|遇难|身亡|丧生|罹难|殒命|不幸去世|抢救无效死亡|[压砸烧摔淹电撞炸]死|致死)"
# between a count and its verb: no other number, and nothing that turns it into injuries or a negation
FILL = r"(?:(?!无人|未造成|没有)[^，。；、,;0-9（(伤])"
DEATH_RES = [
    re.compile(rf"(?<!另外)(?<!另有)(?<!又有)(?P<n>{NUM})\s*{PERSONS}{FILL}{{0,12}}?{DEATH_WORDS}"),
    re.compile(rf"死亡人数\s*(?:为|达|是)?\s*(?P<n>{NUM})"),
    re.compile(rf"(?P<n>{NUM})\s*{PERSONS}?[^，。；0-9]{{0,6}}?(?:遗体|尸体)"),
    re.compile(rf"{DEATH_WORDS}\s*(?P<n>{NUM})\s*{PERSONS}"),
    re.compile(rf"(?P<n>{NUM})\s*{PERSONS}?\s*死(?![亡者])"),
    re.compile(rf"死了\s*(?P<n>{NUM})\s*{PERSONS}"),
    re.compile(rf"\b(?P<n>{EN_NUM})\s+(?:(?!and\b|injur)\w+\s+){{0,3}}?(?:died|were killed|was killed|dead|deaths|fatalities|lost their lives)", re.I),
    re.compile(rf"(?:killing|killed)\s+(?P<n>{EN_NUM})\b", re.I),
    re.compile(r"(?:deaths|fatalities|dead)\s*[:：]?\s*(?P<n>\d+)", re.I),
]
# more victims on top of those already counted: "1人当场死亡……另外3名工人……死亡"
ADDED_DEATHS = re.compile(rf"(?:另外|另有|又有|此外还有)(?P<n>{NUM})\s*{PERSONS}[^。；0-9]{{0,30}}?{DEATH_WORDS}")
# one victim described, not counted: "一名钢筋工从高处坠落，经抢救无效死亡" / "a worker was crushed to death"
ONE_VICTIM = re.compile(rf"(?:一|1)\s*(?:名|位|个)(?:(?!\d+\s*(?:名|人|个人))[^。；]){{0,40}}?{DEATH_WORDS}|"
                        r"\b(?:a|one)\s+(?:[\w-]+\s+){0,2}?(?:worker|man|woman|miner|employee|person|welder|driver|"
                        r"operator|labou?rer|technician|electrician|passer-by|child)\b[^.;]{0,80}?(?:died|was killed|to death)",
                        re.I)
# a count, then (across commas, no other number or injury) the verb: "2名矿工被埋压……均已死亡",
# "两名工人下井清淤时……中毒，经抢救无效死亡"
SPREAD_DEATH = re.compile(rf"(?<!另外)(?<!另有)(?<!又有)(?P<n>{NUM})\s*{PERSONS}(?:(?!未造成|未发生|无人|没有)[^。；0-9伤无没]){{0,50}}?(?:均已|均|都已|全部)?(?:经抢救无效|不幸)?{DEATH_WORDS}")
# people named instead of counted (judgments): 陈某某, 黄某; not the 被告人 and not 某公司
NAME_RE = re.compile(r"(?<![系在于的至向与和及将对由被是为从到某])([\u4e00-\u9fff]某某?)"
                     r"(?![\u4e00-\u9fff]{0,6}(?:公司|厂|矿|店|局|所|队|院|园|校|楼|站|室|车间|工地|项目|集团|镇|村|市|县))")
DEFENDANT_RE = re.compile(r"被告人([\u4e00-\u9fff]某某?)")
NAMED_SERIOUS = re.compile(r"(?:受重伤|致重伤|重伤(?!\d))")
# deaths the concealment added (解释第八条): "4人因救援延误死亡"
SAVABLE = re.compile(rf"(?P<n>{NUM})\s*{PERSONS}[^。；0-9]{{0,6}}?本可(?:获救|生还|避免死亡)")
DELAY_DEATHS = re.compile(rf"(?P<n>{NUM})\s*{PERSONS}[^。；0-9]{{0,20}}?因[^。；0-9]{{0,12}}(?:延误|得不到及时|未能及时|不及时)"
                          rf"[^。；0-9]{{0,8}}{DEATH_WORDS}")
NAMED_DEATH = re.compile(rf"致(?P<names>[^，。；致]{{1,30}}?)(?:当场|经抢救无效|送医后)?{DEATH_WORDS}")
SERIOUS_RES = [
    re.compile(rf"(?P<n>{NUM})\s*{PERSONS}{FILL}{{0,6}}?(?:重伤|严重受伤|受重伤)"),
    re.compile(rf"重伤\s*(?P<n>{NUM})\s*{PERSONS}"),
    re.compile(rf"(?P<n>{NUM})\s*{PERSONS}[^。；0-9]{{0,30}}?(?:均|都|全部)[^。；，0-9]{{0,6}}?重伤"),
    re.compile(rf"\b(?P<n>{EN_NUM})\s+(?:(?!and\b|killed\b|died\b|dead\b)\w+\s+){{0,3}}?(?:were |was )?(?:seriously|severely|critically|badly) (?:injured|hurt|wounded)", re.I),
    re.compile(rf"(?:seriously|severely|critically) (?:injur\w*|wound\w*)\s+(?P<n>{EN_NUM})\b", re.I),
]
POISON_RES = [
    re.compile(rf"(?P<n>{NUM})\s*{PERSONS}[^，。；、,;0-9]{{0,6}}?(?:急性工业中毒|急性中毒|中毒)(?!死亡|身亡)"),
    re.compile(rf"(?:急性工业中毒|急性中毒|中毒)\s*(?P<n>{NUM})\s*{PERSONS}"),
    re.compile(rf"\b(?P<n>{EN_NUM})\s+(?:(?!and\b|killed\b|died\b)\w+\s+){{0,6}}?(?:poisoned|gassed|acute (?:industrial )?poisoning)", re.I),
    re.compile(rf"(?:acute (?:industrial )?poisoning|poisoned|gassed) (?:in |of )?(?:another |a further )?(?P<n>{EN_NUM})\b", re.I),
]
MINOR_RES = [
    re.compile(rf"(?P<n>{NUM})\s*{PERSONS}[^，。；、,;0-9]{{0,6}}?(?<!重)(?:轻伤|受伤|负伤|伤)(?!亡)"),
    re.compile(rf"死\s*(?P<n>{NUM})\s*伤"),
    re.compile(rf"(?:轻伤|受伤)\s*(?P<n>{NUM})\s*{PERSONS}"),
    re.compile(rf"\b(?P<n>{EN_NUM})\s+(?:(?!and\b|killed\b|died\b)\w+\s+){{0,3}}?(?:(?:slightly|minor|lightly) )?(?:injured|hurt|wounded)", re.I),
]
AMONG_DEATHS = re.compile(rf"其中\s*(?P<n>{NUM})\s*{PERSONS}?[^，。；0-9]{{0,6}}?{DEATH_WORDS}")
EXPLICIT_MINOR = re.compile(r"轻伤|轻微伤|minor|slight", re.I)


def _max_count(patterns, text: str) -> int | None:
    found = [n for rx in patterns for m in rx.finditer(text) if (n := _persons(m)) is not None]
    return max(found) if found else None


def _named_victims(text: str, verb: re.Pattern) -> int | None:
    """Distinct people named (陈某某) in the sentences where `verb` (死亡 / 重伤) happens to someone,
    the defendants left out: judgments name victims instead of counting them."""
    defendants = set(DEFENDANT_RE.findall(text))
    found: list[str] = []
    for sentence in re.split(r"[。；]", text):
        m = verb.search(sentence)
        if not m or re.search(rf"(?:{NUM})\s*{PERSONS}", sentence[:m.start()][-12:]):
            continue
        names = [n for n in NAME_RE.findall(sentence[:m.start()]) if n not in defendants]
        if names:
            found.append(names[-1])     # the one the verb follows: the victim
    return len(set(found)) or None


def _named_deaths(text: str) -> int | None:
    """'致李某某、王某某当场死亡' → 2: victims named instead of counted."""
    counts = []
    for m in NAMED_DEATH.finditer(text):
        names = m.group("names")
        if re.search(NUM, names):
            continue
        counts.append(len(re.split(r"[、和及与]", names)))
    return max(counts) if counts else None


# ---- loss ---------------------------------------------------------------------------------------------
LOSS_RE = re.compile(
    rf"(?:直接)?(?:经济)?损失(?:金额)?(?:初步)?(?:核定|估算|统计|测算|计算)?(?:为|达|达到|共计|合计|总计|约为|约|计|逾|超过|近|将近|接近|不到|不足)*"
    rf"\s*(?:人民币)?\s*(?P<n>{NUM})\s*(?P<more>余|多)?\s*(?P<unit>亿元|万元|元|亿|万)")
LOSS_AFTER_RE = re.compile(rf"(?P<n>{NUM})\s*(?P<more>余|多)?\s*(?P<unit>亿元|万元|元)(?:的)?(?:直接)?(?:经济)?损失")
EN_LOSS_RE = re.compile(
    r"(?:(?:direct )?(?:economic |financial )?loss(?:es)?|damage)[^.;]{0,30}?(?P<q>about |around |approximately |roughly |"
    r"some |over |more than |nearly |almost |just under |under |less than )?(?:rmb|cny|¥|yuan)?\s*(?P<n>\d[\d,.]*)\s*"
    r"(?P<unit>billion|million|thousand|万元|亿元|yuan|元)?", re.I)
EN_LOSS_BEFORE_RE = re.compile(
    r"(?P<q>about |around |approximately |roughly |over |more than |nearly |almost |just under )?(?:rmb|cny|¥)?\s*"
    r"(?P<n>\d[\d,.]*)\s*(?P<unit>billion|million|thousand)\s*(?:yuan|rmb)?\s+(?:in|of)\s+(?:direct\s+)?"
    r"(?:economic\s+|financial\s+)?(?:loss|damage)", re.I)
SCALE = {"亿元": 10 ** 8, "亿": 10 ** 8, "万元": 10 ** 4, "万": 10 ** 4, "元": 1, "billion": 10 ** 9,
         "million": 10 ** 6, "thousand": 10 ** 3, "yuan": 1, "": 1}


def _loss(text: str) -> int | None:
    for rx in (LOSS_RE, LOSS_AFTER_RE):
        for m in rx.finditer(text):
            value = parse_number(m.group("n"))
            if value is None:
                continue
            before = text[max(0, m.start() - 2):m.start() + (m.start("n") - m.start())]
            below = any(w in before for w in BELOW if not w.isascii())
            return _amount(value * SCALE[m.group("unit")], below)
    for rx in (EN_LOSS_BEFORE_RE, EN_LOSS_RE):
        for m in rx.finditer(text):
            value = parse_number(m.group("n"))
            if value is None or (rx is EN_LOSS_RE and not m.group("unit") and value < 1000):
                continue
            q = (m.group("q") or "").strip().lower()
            return _amount(value * SCALE[(m.group("unit") or "").lower() if m.group("unit") else ""],
                           q in BELOW)
    return None


def _amount(value: float, below: bool) -> int:
    """An amount in 元; "近X" is taken as just below X (1 元 less), so a grade boundary is not reached."""
    return int(round(value)) - (1 if below else 0)


# ---- circumstances and setting ----------------------------------------------------------------------
@lru_cache(maxsize=1)
def circumstance_patterns() -> dict[str, re.Pattern]:
    """Circumstance code → one pattern of its Chinese and English cue words (incident_rules.json)."""
    out = {}
    for code, spec in incident_rules().get("circumstances", {}).items():
        if code.startswith("_"):
            continue
        parts = [f"(?:{p})" for p in spec.get("zh", [])] + [f"(?i:{p})" for p in spec.get("en", [])]
        out[code] = re.compile("|".join(parts))
    return out


# circumstances that concern an accident that has happened: they count only after the text describes it
AFTER_ACCIDENT = frozenset({"concealment", "late_report"})


def circumstance_label(code: str) -> str:
    return incident_rules().get("circumstances", {}).get(code, {}).get("label", code)


SETTING_RE = re.compile(r"化工|危化|煤矿|矿山|非煤矿山|金属冶炼|冶金|建筑|施工|工地|隧道|桥梁|烟花爆竹|加油站|燃气|仓库|"
                        r"商场|酒店|宾馆|餐馆|饭店|学校|幼儿园|医院|工厂|车间|码头|港口|有限空间|受限空间|动火|焊接|高处作业|"
                        r"吊装|起重|脚手架|模板|反应釜|储罐|锅炉|压力容器|电梯|粉尘|涉氨|\b(chemical|mine|mining|construction|"
                        r"warehouse|factory|plant|restaurant|school|tank|welding|scaffold|boiler|crane)\w*", re.I)


def extract_facts(text: str) -> IncidentFacts:
    """The facts a description states. Never raises for what the text contains."""
    text = re.sub(r"\s+", " ", text or "").strip()
    facts = IncidentFacts(text=text)
    none_hurt = bool(NO_CASUALTY.search(text))
    counted = [x for x in (_max_count(DEATH_RES + [SPREAD_DEATH], text), _named_deaths(text)) if x is not None]
    if not counted:
        named = _named_victims(text, re.compile(DEATH_WORDS))
        counted = [named] if named else []
    if not counted and ONE_VICTIM.search(text):
        counted = [1]
    added = sum(n for m in ADDED_DEATHS.finditer(text) if (n := _persons(m)))
    facts.deaths = max(counted, default=0) + added if counted or added else (0 if none_hurt else None)
    serious = _max_count(SERIOUS_RES, text)
    if serious is None:
        serious = _named_victims(text, NAMED_SERIOUS)
    poisoned = _max_count(POISON_RES, text)
    if poisoned:     # 条例第三条: 重伤（包括急性工业中毒）; "8人中毒，其中2人死亡": 6 poisoned survivors
        died = _max_count([AMONG_DEATHS], text)
        serious = (serious or 0) + max(poisoned - (died or 0), 0)
    facts.serious_injuries = serious if serious is not None else (0 if none_hurt else None)
    minor = _max_count(MINOR_RES, text)
    if minor and serious is None:
        facts.minor_injuries = minor
        if not EXPLICIT_MINOR.search(text):
            facts.notes.append(f"{minor}人受伤，伤情未载明：重伤人数不明，按未重伤计；如有重伤请改正重伤人数")
    facts.direct_loss_yuan = _loss(text)
    facts.deaths_after_delay = _max_count([DELAY_DEATHS, SAVABLE], text)
    first_accident = ACCIDENT_WORDS.search(NO_ACCIDENT.sub(" ", text))
    for code, rx in circumstance_patterns().items():
        if code in AFTER_ACCIDENT and first_accident:
            # not reporting is about the accident: "未向教育主管部门报告" a danger before it is not concealment
            if not any(m.start() >= first_accident.start() for m in rx.finditer(text)):
                continue
        if rx.search(text):
            facts.circumstances.append(code)
    happened = bool(facts.deaths or facts.serious_injuries or facts.minor_injuries or facts.direct_loss_yuan
                    or ACCIDENT_WORDS.search(NO_ACCIDENT.sub(" ", text)))
    if "danger_no_accident" in facts.circumstances and not (facts.deaths or facts.serious_injuries
                                                           or facts.minor_injuries or facts.direct_loss_yuan):
        happened = False
    elif "danger_no_accident" in facts.circumstances:
        facts.circumstances.remove("danger_no_accident")     # an accident did happen after all
    facts.accident = happened
    facts.setting = list(dict.fromkeys(m.group(0).lower() for m in SETTING_RE.finditer(text)))
    return facts
