"""Metadata found in a law's own text: title, short title, promulgation and effective dates,
issuer, document number and document type.

detect_metadata(text) looks at the preamble (the lines before the first 条 or chapter heading) and
at "本法自…起施行"; parse_date reads Chinese and ISO-style dates. Used by kb.ingest.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Sequence

from kb.core.errors import KBError
from kb.core.numerals import cn_to_int

from .extract import HISTORY_LINE_RE, is_struct_heading, looks_like_title, normalize_line
from .parse import ARTICLE_RE, ITEM_RE, ORDINAL_RE

DATE_RE = re.compile(
    r"(?P<y>[0-9０-９]{4}|[〇零○ＯO一二三四五六七八九]{4})\s*年\s*"
    r"(?P<m>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*"
    r"(?P<d>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*日")
YEAR_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
               "六": 6, "七": 7, "八": 8, "九": 9}
ENACTED_RE = re.compile(r"公布|通过|发布|印发|修正|修订|修改")
EFFECTIVE_RE = re.compile(r"本[\u4e00-\u9fff]{0,4}?自\s*(?P<date>[^，。；起]{6,20}?)\s*起\s*施行")
ANY_EFFECTIVE_RE = re.compile(r"自\s*(?P<date>[^，。；起]{6,20}?)\s*起\s*施行")
FROM_PUBLICATION_RE = re.compile(r"本[\u4e00-\u9fff]{0,4}?自(公布|发布|印发)之日起施行")
YEAR_SUFFIX_RE = re.compile(r"[（(][^（）()]*\d{4}\s*年[^（）()]*[）)]$")   # "（2021年修正）": a version note
DOC_NUMBER_RE = re.compile(
    r"(?:中华人民共和国)?(?:主席令|国务院令)\s*第\s*[0-9０-９〇零一二三四五六七八九十百千]+\s*号"
    r"|[\u4e00-\u9fff]{1,8}〔\d{4}〕\d+号")
PLACE_PREFIX_RE = re.compile(r"^(?:\d{4}年)?[\u4e00-\u9fff]{2,8}?(?:省|市|自治区)")


def parse_date(text: str) -> str | None:
    """'2024年1月1日', '二〇二四年一月一日', '2024-01-01', '2024/1/1', '2024.1.1' → '2024-01-01'."""
    s = text.strip()
    m = DATE_RE.search(s)
    if m:
        try:
            # Years are written digit by digit (二〇二四); months and days as numbers (十二, 三十一).
            y = int("".join(str(YEAR_DIGITS.get(c, unicodedata.digit(c, 0))) for c in m.group("y")))
            mo, d = cn_to_int(m.group("m")), cn_to_int(m.group("d"))
        except (KBError, ValueError):
            return None
    else:
        m = re.fullmatch(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})", s)
        if not m:
            return None
        y, mo, d = (int(g) for g in m.groups())
    try:
        return dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


def _dates_in(line: str) -> list[str]:
    return [d for d in (parse_date(m.group(0)) for m in DATE_RE.finditer(line)) if d]


def preamble_lines(lines: Sequence[str]) -> list[str]:
    """Lines before the first 条, chapter heading or numbered item."""
    out = []
    for line in lines:
        if any(r.match(line) for r in (ARTICLE_RE, ORDINAL_RE, ITEM_RE)) or is_struct_heading(line):
            break
        out.append(line)
    return out


def detect_metadata(text: str) -> dict[str, str]:
    """Metadata found in the text itself: title, short_title, promulgated, effective, doc_number,
    issuer, doc_type. Only keys that were found are returned."""
    lines = [ln for ln in (normalize_line(x) for x in text.splitlines()) if ln]
    preamble = preamble_lines(lines)
    head = preamble[:15]          # the title is near the top; history lines may run longer (刑法)
    found: dict[str, str] = {}
    title = next((ln.strip("《》 ") for ln in head if looks_like_title(ln)), "")
    if title:
        found["title"] = YEAR_SUFFIX_RE.sub("", title).strip()
        found["short_title"] = short_title_of(found["title"])
    # History lines ("2021年6月10日 …第三次修正"). A line may name two enactment dates (two
    # bodies adopting a joint interpretation): the later counts; "自X起施行" in it is not one.
    history = []
    for ln in preamble:
        dates = _dates_in(ANY_EFFECTIVE_RE.sub("", ln))
        if HISTORY_LINE_RE.match(ln) and dates:
            history.append((max(dates), ln))
    enacted = [(d, ln) for d, ln in history if ENACTED_RE.search(ln)]
    if enacted:
        found["promulgated"], latest = max(enacted)
        issuer = _issuer_of(latest)
        if issuer:
            found["issuer"] = issuer
    effective = _effective_in(text)
    if effective:
        found["effective"] = effective
    elif FROM_PUBLICATION_RE.search(text) and found.get("promulgated"):
        found["effective"] = found["promulgated"]
    else:
        started = [d for d, ln in history if "施行" in ln and not ENACTED_RE.search(ln)]
        if started:
            found["effective"] = max(started)
    number = _doc_number_in(head, enacted)
    if number:
        found["doc_number"] = number
    if title:
        doc_type = guess_doc_type(found["title"], number)
        if doc_type:
            found["doc_type"] = doc_type
        if "issuer" not in found and found["title"].startswith(("最高人民法院", "最高人民检察院")):
            found["issuer"] = found["title"].split("关于", 1)[0]
    return found


def _effective_in(text: str) -> str | None:
    """The document's own 施行 date: the last '本法/本条例…自X起施行', else any '自X起施行'."""
    for pattern in (EFFECTIVE_RE, ANY_EFFECTIVE_RE):
        dates = [parse_date(m.group("date")) for m in pattern.finditer(text)]
        dates = [d for d in dates if d]
        if dates:
            return dates[-1]
    return None


def _issuer_of(line: str) -> str:
    for name in ("全国人民代表大会常务委员会", "全国人民代表大会", "国务院"):
        if name in line:
            return name
    return ""


def _doc_number_in(head: Sequence[str], enacted: Sequence[tuple[str, str]]) -> str:
    # Prefer the number in the latest promulgation line (the current version's order number).
    for line in [ln for _, ln in sorted(enacted, reverse=True)] + list(head):
        m = DOC_NUMBER_RE.search(line.replace(" ", ""))
        if m:
            number = m.group(0)
            if number.startswith(("主席令", "国务院令")):
                number = "中华人民共和国" + number
            return number
    return ""


def guess_doc_type(title: str, doc_number: str = "") -> str:
    """law / administrative_regulation / judicial_interpretation / plan / local_regulation /
    departmental_rule / local_rule, or "" if the title does not say."""
    t = re.sub(r"[（(][^（）()]*[）)]$", "", title)
    local = bool(PLACE_PREFIX_RE.match(t)) and not t.startswith("中华人民共和国")
    if t.endswith("修正案") or (t.endswith("法") and not local):
        return "law"
    if t.endswith("解释") or t.startswith(("最高人民法院", "最高人民检察院")):
        return "judicial_interpretation"
    if t.endswith(("要点", "方案", "计划", "纲要")):
        return "plan"
    if t.endswith("条例"):
        return "local_regulation" if local else "administrative_regulation"
    if t.endswith(("规定", "办法", "细则", "规则")):
        if t.startswith("国务院") or "国务院令" in doc_number:
            return "administrative_regulation"
        return "local_rule" if local else "departmental_rule"
    return ""


def short_title_of(title: str) -> str:
    return title.removeprefix("中华人民共和国").strip() or title
