"""The public legal-education kiosk (KB_MODE=kiosk): lay answers, topic buttons, input limits and
anonymous usage counts. No Streamlit here; app_pages/kiosk.py only renders what this returns.

A kiosk answer is the extractive answer (kb.answer) told for a passer-by: "简单说：…" first (the
quoted words in plainer framing), then the article quoted verbatim with its citation line, then
where to get help (help lines by topic), then a short disclaimer. Anything the corpus does not
answer with a current law or regulation gets a friendly refusal that lists what the kiosk can answer.

Privacy: nothing here logs or stores a question. A KioskAnswer does not carry the question; the
usage counts (KB_HOME/kiosk_stats.json) are {topic id: count}.

Settings (environment):
- KB_KIOSK_IDLE_SECONDS   idle time after which the screen clears itself (default 120)
- KB_KIOSK_MAX_CHARS      longest question accepted (default 200)
- KB_KIOSK_MAX_PER_MINUTE questions per session per minute (default 6)
- KB_KIOSK_STATS          "0" turns the anonymous usage counts off (default on)
"""
from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from kb.core.data import plain_words
from kb.core.errors import KBError, QueryError
from kb.core.settings import DATA_DIR

from .citations import check_answer, make_citation
from .emergency import match_emergency
from .gloss import plain_gloss
from .pipeline import answer

log = logging.getLogger(__name__)

TOPICS_FILE = DATA_DIR / "kiosk_topics.json"
STATS_FILE = "kiosk_stats.json"
OTHER = "other"                  # usage-count key of a typed question that matches no topic
DISCLAIMER = "以上为法律信息，不构成法律意见。具体情况请咨询当地应急管理部门、司法所或律师。"
PLAIN_MAX_CHARS = 120            # the "简单说" sentence; longer ones are cut at a clause boundary
RATE_WINDOW_SECONDS = 60.0


# ---- settings -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KioskConfig:
    idle_seconds: float = 120.0
    max_chars: int = 200
    max_per_minute: int = 6
    stats: bool = True

    @classmethod
    def from_env(cls, environ=None) -> "KioskConfig":
        """Settings from KB_KIOSK_*; a bad value falls back to the default (an unattended kiosk
        must start), and the log says which variable was ignored."""
        env = os.environ if environ is None else environ
        d = cls()
        return cls(idle_seconds=_positive(env, "KB_KIOSK_IDLE_SECONDS", d.idle_seconds, float),
                   max_chars=_positive(env, "KB_KIOSK_MAX_CHARS", d.max_chars, int),
                   max_per_minute=_positive(env, "KB_KIOSK_MAX_PER_MINUTE", d.max_per_minute, int),
                   stats=env.get("KB_KIOSK_STATS", "1").strip().lower() not in ("0", "false", "no", "off"))


def _positive(env, name: str, default, kind):
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(float(raw)) if kind is int else kind(raw)
        if value > 0:
            return value
    except ValueError:
        pass
    log.warning("%s=%r is not a positive number; using %s", name, raw, default)
    return default


# ---- topics and help lines ------------------------------------------------------------------------
@dataclass(frozen=True)
class Topic:
    id: str
    label: str              # the button
    question: str           # what the button asks
    expect: str             # the article id its answer must cite (checked by the tests)
    help: tuple[str, ...]   # help-line numbers
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class KioskData:
    topics: tuple[Topic, ...]
    help_lines: dict[str, str]                      # number → what it is for
    help_keywords: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    default_help: tuple[str, ...]
    emergency_help: tuple[str, ...]
    abusive_words: tuple[str, ...]


@lru_cache(maxsize=1)
def kiosk_data(path: Path = TOPICS_FILE) -> KioskData:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        topics = tuple(Topic(t["id"], t["label"], t["question"], t.get("expect", ""), tuple(t.get("help", ())),
                             tuple(t.get("keywords", ()))) for t in raw["topics"])
        return KioskData(topics, dict(raw["help_lines"]),
                         tuple((tuple(k["words"]), tuple(k["help"])) for k in raw.get("help_keywords", [])),
                         tuple(raw.get("default_help", ["12345"])), tuple(raw.get("emergency_help", [])),
                         tuple(raw.get("abusive_words", [])))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KBError(f"自助机话题文件 {path} 无法读取（{type(exc).__name__}: {exc}）。请检查该 JSON 文件。") from None


def topics() -> tuple[Topic, ...]:
    return kiosk_data().topics


def topic_by_id(topic_id: str) -> Topic | None:
    return next((t for t in topics() if t.id == topic_id), None)


def match_topic(text: str) -> Topic | None:
    """The topic whose keywords occur in the text (the most keyword characters wins), if any."""
    best, score = None, 0
    for t in topics():
        s = sum(len(k) for k in t.keywords if k in text)
        if s > score:
            best, score = t, s
    return best


def help_lines(numbers: Iterable[str]) -> list[str]:
    """'火警 119' lines, in the order given, without repeats."""
    names = kiosk_data().help_lines
    return [f"{names.get(n, '')} {n}".strip() for n in dict.fromkeys(numbers)]


def help_for(question: str, quote: str = "", topic: Topic | None = None, limit: int = 4) -> list[str]:
    """Help lines: a topic button's own; for a typed question, those of the topics and help words
    it mentions (else those the quoted article mentions, else the default 12345)."""
    data = kiosk_data()
    if topic is not None and topic.help:
        return help_lines(topic.help)
    for text in (question, quote):
        numbers: list[str] = []
        for t in data.topics:
            if any(k in text for k in t.keywords):
                numbers += t.help
        for words, nums in data.help_keywords:
            if any(w in text for w in words):
                numbers += nums
        if numbers:
            return help_lines(numbers)[:limit]
    return help_lines(data.default_help)


# ---- input checks ---------------------------------------------------------------------------------
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff\W_]+", re.U)


def _squeeze(text: str) -> str:
    """Lower-case NFKC text without spaces, punctuation or zero-width characters ("傻 逼" = "傻逼")."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text).lower())


def is_abusive(text: str) -> bool:
    squeezed = _squeeze(text)
    words = set(re.findall(r"[a-z]+", unicodedata.normalize("NFKC", text).lower()))
    for w in kiosk_data().abusive_words:
        w = w.lower()
        if (w in words) if w.isascii() else (w in squeezed):
            return True
    return False


def check_input(text: str, history_timestamps: Iterable[float], now: float,
                config: KioskConfig | None = None) -> str | None:
    """A gentle message if the question must not be answered (empty, too long, abusive, too many
    questions in the last minute), else None. `history_timestamps`: when this session's earlier
    questions were answered (seconds, same clock as `now`)."""
    cfg = config or KioskConfig.from_env()
    if not text or not text.strip():
        return "请先输入您的问题，或者点屏幕上的问题按钮。"
    n = len(text.strip())
    if n > cfg.max_chars:
        return (f"问题有点长（{n} 个字）。请用一两句话说明，控制在 {cfg.max_chars} 个字以内；"
                "也可以点屏幕上的问题按钮查看常见问题。")
    if is_abusive(text):
        return "请文明用语。您可以换个说法再问，或者点屏幕上的问题按钮查看常见问题。"
    recent = sorted(t for t in history_timestamps if 0 <= now - t < RATE_WINDOW_SECONDS)
    if len(recent) >= cfg.max_per_minute:
        wait = max(1, int(RATE_WINDOW_SECONDS - (now - recent[0])) + 1)
        return f"您问得有点快了，请稍等约 {wait} 秒再问。先看看已有的回答吧。"
    return None


# ---- answers --------------------------------------------------------------------------------------
@dataclass
class KioskAnswer:
    status: str                          # "answered" | "not_covered"
    plain: str = ""                      # "简单说：…"
    quote: str = ""                      # the article's own words, verbatim
    citation: str = ""                   # 《中华人民共和国消防法》第四十四条（2021年修正，现行有效）
    article_id: str = ""
    help_lines: list[str] = field(default_factory=list)   # "火警 119"
    disclaimer: str = DISCLAIMER
    refusal: str = ""                    # for not_covered: what the kiosk can answer instead
    topic: str = OTHER                   # topic id for the anonymous usage counts
    steps: list[str] = field(default_factory=list)   # an emergency: what to do now, shown first
    gloss: list[tuple[str, str]] = field(default_factory=list)   # legal term → everyday words, under the quote
    offered: list[str] = field(default_factory=list)  # for not_covered: the topics the kiosk answers


def refusal_text(other_field: str = "") -> str:
    """The friendly refusal; `other_field` is the answer layer's sentence naming the neighbouring
    field a question belongs to and where to ask (试用期工资 → 12333). The topics the kiosk can answer
    go with it as a list (KioskAnswer.offered), not as one long sentence."""
    first = other_field or "抱歉，这个问题我回答不了：收录的法律法规里没有找到可靠的答案。"
    return first + "\n请点屏幕上的问题按钮，或者换个说法再问。遇到紧急情况请直接拨打 110、119、120。"


def offered_topics() -> list[str]:
    """What the kiosk can answer, one short label each (the topic buttons)."""
    return [t.label for t in topics()]


def kiosk_answer(question: str, retriever, topic: Topic | None = None) -> KioskAnswer:
    """The lay answer to a question (a topic's question, or a typed one). Never raises for what the
    question contains: empty or unanswerable input gets the friendly refusal."""
    button = topic
    topic = topic or match_topic(question or "")
    topic_id = topic.id if topic else OTHER
    emergency = None if button else match_emergency(question or "")
    if emergency is not None:      # what to do now, and whom to call, before any article
        return _emergency(emergency, retriever.corpus, topic_id)
    try:
        ans = answer(question, retriever)
    except QueryError:
        ans = None
    if ans is None or not _sure(ans, retriever.corpus):
        field = ans.conclusion if ans is not None and ans.other_field else ""
        return KioskAnswer("not_covered", refusal=refusal_text(field), topic=topic_id, offered=offered_topics(),
                           help_lines=help_lines([*kiosk_data().emergency_help, *kiosk_data().default_help]))
    c = ans.citations[0]
    lines = help_for(question or "", c.quote, button)
    if topic is None:
        topic = match_topic(c.quote)
        topic_id = topic.id if topic else OTHER
    return KioskAnswer("answered", plain=plain_sentence(c.quote, c.law, c.heading), quote=c.quote,
                       citation=c.line, article_id=c.article_id, help_lines=lines, topic=topic_id,
                       gloss=plain_gloss(c.quote))


def _emergency(e, corpus, topic_id: str) -> KioskAnswer:
    quote = citation = article = ""
    if e.article and e.article in corpus.by_id:
        c = make_citation(corpus, corpus.by_id[e.article], e.phrase)
        quote, citation, article = c.quote, c.line, c.article_id
    return KioskAnswer("answered", plain=f"紧急情况（{e.label}），请先这样做：", quote=quote, citation=citation,
                       article_id=article, help_lines=help_lines(e.call), topic=topic_id, steps=list(e.steps),
                       gloss=plain_gloss(quote))


def _sure(ans, corpus) -> bool:
    """Answered from a law or regulation in force, with checked quotes. A municipal work plan
    naming a theme (防溺水 in the 2024 工作要点) is no rule a passer-by can rely on."""
    if ans.status != "answered" or not ans.citations or check_answer(ans, corpus):
        return False
    c = ans.citations[0]
    art = corpus.by_id.get(c.article_id)
    if art is None:
        return False
    meta = corpus.documents[art.doc_key].meta
    return meta.in_force and meta.doc_type != "plan" and corpus.documents[art.doc_key].layout == "articles"


def plain_sentence(quote: str, law: str, heading: str) -> str:
    """'简单说：按照《消防法》第四十四条，任何人发现火灾都要立即报警。' — the first sentence of the
    quoted words, with a few legal words in everyday form."""
    first = quote.split("……")[0].split("\n")[0].strip()
    sentence = re.split(r"(?<=。)", first)[0]
    if sentence.rstrip().endswith(("：", ":")):          # the lead-in of a list of items
        sentence = sentence.rstrip("：: ") + "（详见下面的条文）"
    if len(sentence) > PLAIN_MAX_CHARS:
        cut = sentence[:PLAIN_MAX_CHARS]
        at = max(cut.rfind("；"), cut.rfind("，"))
        sentence = (cut[:at] if at > PLAIN_MAX_CHARS // 3 else cut) + "……"
    for legal, lay in plain_words():   # legal words → everyday words (kb/data/plain_words.json)
        sentence = sentence.replace(legal, lay)
    sentence = sentence.rstrip("。；，,; ")
    if not sentence.endswith("……"):
        sentence += "。"
    return f"简单说：按照《{law}》{heading.rstrip('、')}，{sentence}"


# ---- anonymous usage counts -----------------------------------------------------------------------
_stats_lock = threading.Lock()


def record_usage(home: Path, topic_id: str) -> None:
    """Add one to the count of a topic in KB_HOME/kiosk_stats.json ({topic id: count}), written
    atomically. Never the question. A disk problem is logged and otherwise ignored."""
    known = {t.id for t in topics()} | {OTHER}
    key = topic_id if topic_id in known else OTHER
    path = Path(home) / STATS_FILE
    with _stats_lock:
        try:
            counts = read_usage(home)
            counts[key] = counts.get(key, 0) + 1
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".kiosk_stats-", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(counts, f, ensure_ascii=False, indent=1, sort_keys=True)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("kiosk usage counts not written to %s: %s", path, exc.strerror or type(exc).__name__)


def read_usage(home: Path) -> dict[str, int]:
    path = Path(home) / STATS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): int(v) for k, v in data.items() if isinstance(v, int)} if isinstance(data, dict) else {}
