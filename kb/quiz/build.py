"""Exam items (单选/多选/判断/填空) built from what an article states, each re-checked by quality gates.

Facts: numbers with units (二十四小时, 五万元以上十万元以下, 百分之四十), the subject of a duty, right or
prohibition (主要负责人, 从业人员, 应急管理部门), enumerations of 项, and the words 不得/有权/禁止.
The statement behind every key is made of verbatim fragments of the cited article (`QuizItem.quote`),
so items are right by construction; the gates check that again, plus distractors, options and stems.
Exporters live in quiz_export.py.

The split: quiz_records.py (QuizItem, QuizSource, ArticleChange), quiz_facts.py (fact extraction and
distractor pools), quiz_gates.py (quality gates); this module builds and draws the items and runs the CLI.
"""
from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field, replace

from kb.core.errors import NumeralError, QuizError
from kb.core.numerals import cn_to_int, int_to_cn
from kb.core.schema import STATUS_LABELS, Article
from kb.corpus.citation import citation_line

from .facts import (_FAR, FLIPS, SCALES, Enumeration, Statement, _context, _distance, _DocFacts, _join,
                         _scaled, _shape, _swap, norm, number_value, previous_version, similar, subjects_overlap)
from .gates import GateReport, Rejection, gate_distractors, gate_key, gate_options, gate_stem
from .records import CHOICE_BLANK, CLOZE_BLANK, DEFAULT_TYPES, LETTERS, TYPES, ArticleChange, QuizItem, QuizSource

TYPE_ALIASES = {"single": "single", "单选": "single", "单选题": "single", "multi": "multi", "multiple": "multi",
                "多选": "multi", "多选题": "multi", "judge": "judge", "tf": "judge", "判断": "judge",
                "判断题": "judge", "cloze": "cloze", "blank": "cloze", "填空": "cloze", "填空题": "cloze"}


# ---- records -----------------------------------------------------------------------------------
@dataclass
class Quiz:
    items: list[QuizItem]
    report: GateReport
    seed: int
    scope: list[str]       # article ids in scope
    changed_only: bool = False


CHANGED_TAG = "修订变化"
REVISED_PREFIX = "修订后，"
AMOUNT_TAG = "数额"          # the tag of a statement with a sum of money (kb.quiz.facts.NUMBER_TAGS)
# At most a quarter of a quiz asks about sums of money. Measured before (issue 16): 安全生产法 with the
# default counts and seed 7 gave 12 of 30 such items (17 of 30 from 法律责任), as the penalty chapter is
# where most numbers are. A trainer who picks only the penalty chapter gets no cap.
AMOUNT_SHARE = 0.25
PENALTY_CHAPTER = re.compile(r"法律责任|罚则")


# ---- scope -------------------------------------------------------------------------------------------
def parse_types(spec: str | dict | None) -> dict[str, int]:
    """'single:10,multi:5' (or 单选:10) → {"single": 10, "multi": 5}, in the order given."""
    if isinstance(spec, dict):
        spec = ",".join(f"{k}:{v}" for k, v in spec.items())
    spec = (spec or DEFAULT_TYPES).strip()
    valid = "single（单选）、multi（多选）、judge（判断）、cloze（填空）"
    out: dict[str, int] = {}
    for part in filter(None, re.split(r"[,，、\s]+", spec)):
        m = re.fullmatch(r"([^:：=]+)[:：=](\d+)", part)
        if not m:
            raise QuizError(f"无法识别的题型数量 {part!r}：请写成 题型:数量，例如 --types {DEFAULT_TYPES}")
        name = TYPE_ALIASES.get(m.group(1).strip().lower())
        if not name:
            raise QuizError(f"未知题型 {m.group(1)!r}；可用题型：{valid}")
        out[name] = out.get(name, 0) + int(m.group(2))
    if not sum(out.values()):
        raise QuizError(f"题目总数为 0：请在 --types 中至少要求一道题，例如 --types {DEFAULT_TYPES}")
    return out


def parse_ranges(spec: str) -> list[tuple[int, int]]:
    """'21-30,95' or '第二十一条至第三十条' → [(21, 30), (95, 95)]."""
    out = []
    for part in filter(None, re.split(r"[,，、\s]+", spec or "")):
        bounds = re.split(r"[-－~～—至到]", part)
        try:
            nums = [cn_to_int(re.sub(r"^第|条$", "", b.strip())) for b in bounds]
        except NumeralError:
            nums = []
        if len(nums) not in (1, 2) or nums[0] > nums[-1]:
            raise QuizError(f"无法识别的条文范围 {part!r}：请写成 21-30,95 这样的条号或范围")
        out.append((nums[0], nums[-1]))
    return out


def select_articles(corpus, laws=None, chapters=None, articles=None, version: str | None = None) -> list[Article]:
    """The articles in scope: the named laws (all laws if none; version in force unless `version`),
    narrowed to chapters (a 章/节 name or part of it) and article ranges."""
    names = [n for law in (laws or []) for n in re.split(r"[,，、]", law) if n.strip()]
    metas = []
    for name in names or corpus.laws():
        short = corpus.resolve_law(name)
        if not short:
            raise QuizError(f"语料中没有名为 {name!r} 的文件。运行 python -m kb corpus list 查看已收录文件。")
        if version:
            meta = next((m for m in corpus.versions(short) if m.version == version), None)
            if meta is None:
                have = "、".join(m.version for m in corpus.versions(short))
                raise QuizError(f"{short} 没有 {version} 版本；已收录版本：{have}")
        else:
            meta = corpus.current(short)
        if meta not in metas:
            metas.append(meta)
    chapters = [re.sub(r"第(\d+)([编章节])", lambda m: f"第{int_to_cn(int(m.group(1)))}{m.group(2)}", c.strip())
                for c in (chapters or []) if c.strip()]
    ranges = parse_ranges(articles) if isinstance(articles, str) else list(articles or [])
    arts = [a for m in metas for a in corpus.documents[m.key].articles
            if (not chapters or any(c in el for c in chapters for el in a.chapter_path))
            and (not ranges or any(lo <= a.number <= hi for lo, hi in ranges))]
    if not arts:
        what = "、".join(m.short_title for m in metas)
        known = "、".join(dict.fromkeys(h[-1] for m in metas for h in corpus.documents[m.key].headings))[:300]
        raise QuizError(f"所选范围内没有条文（{what}，章节 {chapters or '全部'}，条文 {articles or '全部'}）。"
                        + (f"可选章节：{known}" if known else "请检查 --chapter 与 --articles。"))
    return arts


# ---- changes -----------------------------------------------------------------------------------------
def article_changes(corpus, key: str) -> dict[str, ArticleChange]:
    """Public: the changed/added articles of document version `key` (see _change_map)."""
    return _context(corpus).changes(key)


def mark_changes(items: list[QuizItem], corpus) -> list[QuizItem]:
    """Give each item's source its citation line (kb.corpus.citation_line, the one format of the project);
    tag items whose source article the latest revision changed ("修订变化") and add the note
    '本条在YYYY年修订中有变化（原第X条）' to the explanation (in place; returns the items)."""
    ctx = _context(corpus)
    for it in items:
        art = corpus.by_id.get(it.source.article_id)
        if art is not None and not it.source.line:
            it.source = replace(it.source, line=citation_line(corpus, art))
        if art is None or art.status != "in_force":
            continue
        change = ctx.changes(art.doc_key).get(art.id)
        if change is None or CHANGED_TAG in it.tags:
            continue
        it.tags = [CHANGED_TAG] + it.tags
        it.explanation = it.explanation + change.note
    return items


# ---- candidates ------------------------------------------------------------------------------------
def _prefix(art: Article) -> str:
    old = "" if art.status == "in_force" else f"（{art.version} 版，{STATUS_LABELS.get(art.status, art.status)}）"
    return f"根据《{art.title}》{old}，"


def _make(typ, stem, options, key, expl, art, quote, difficulty, tags, fact, change=None) -> QuizItem:
    src = QuizSource(art.law, art.title, art.version, art.id, art.citation, art.status)
    chapter = [art.chapter_path[-1]] if art.chapter_path else []
    old = [STATUS_LABELS.get(art.status, art.status)] if art.status != "in_force" else []
    return QuizItem(typ, stem, options, key, expl, src, max(1, min(3, difficulty)),
                    list(dict.fromkeys(tags + chapter + old)), art.status != "in_force", list(quote), change, fact)


def _alternatives(info: _DocFacts, st: Statement, fact, avoid: str, n: int, rng) -> list[str]:
    """Up to n values of the same kind as the fact, none in `avoid` (normalised text), preferring other
    articles and the same shape (range / 以上 / 以下); numbers fall back to scaled values."""
    kind, words, cls = fact
    if kind == "modal":
        return [FLIPS[words]]
    if kind == "number":
        seen, same, other = {number_value(words)}, [], []
        for w, _ in info.numbers.get(cls, []):
            v = number_value(w)
            if v not in seen and norm(w) not in avoid:
                seen.add(v)
                (same if _shape(w) == _shape(words) else other).append(w)
        # plausible distractors are of the same order of magnitude: draw from the 2n closest
        same = sorted((w for w in same if _distance(w, words) <= _FAR), key=lambda w: _distance(w, words))
        other = sorted((w for w in other if _distance(w, words) <= _FAR), key=lambda w: _distance(w, words))
        pool = rng.sample(same[:2 * n], min(n, len(same)))
        pool += rng.sample(other[:2 * n], min(n - len(pool), len(other)))
        for f in SCALES["range" if _shape(words) == "range" else "plain"]:
            w = _scaled(words, f) if len(pool) < n else None
            if w and number_value(w) not in seen and norm(w) not in avoid:
                seen.add(number_value(w))
                pool.append(w)
        return pool[:n]
    # the subjects the law names most often are the plausible distractors; random among equals
    freq = info.subject_freq
    cands = list(dict.fromkeys(w for w, aid in info.subjects.get(cls, []) if aid != st.article.id and norm(w) not in avoid))
    ties = {w: rng.random() for w in cands}
    cands.sort(key=lambda w: (-freq[w], ties[w]))
    cands = rng.sample(cands[:2 * n], min(2 * n, len(cands))) + cands[2 * n:]
    out: list[str] = []
    for w in cands:
        if not subjects_overlap(w, words) and not any(subjects_overlap(w, o) for o in out):
            out.append(w)
    return out[:n]


def _fill_items(info, st: Statement, fact, typ: str, rng) -> QuizItem | None:
    art, (kind, words, cls) = st.article, fact
    blank = CLOZE_BLANK if typ == "cloze" else CHOICE_BLANK
    stem = _prefix(art) + _join(_swap(st.frags, words, blank), st.seps) + "。"
    expl = f"依据{art.citation}：“{st.evidence}”。"
    hard = 3 if len(words) > 6 else 2
    if typ == "cloze":
        return _make("cloze", stem, [], words, expl, art, st.frags, hard, st.tags, st.key)
    wrong = _alternatives(info, st, fact, info.norm_texts[art.id], 3, rng)
    if len(wrong) < 3:
        return None
    options = [words] + wrong
    rng.shuffle(options)
    letter = LETTERS[options.index(words)]
    return _make("single", stem, options, [letter], expl + f"故选 {letter}。", art, st.frags, hard, st.tags, st.key)


def _judge_items(info, st: Statement, rng) -> list[QuizItem]:
    art = st.article
    prefix = _prefix(art)
    true = _make("judge", prefix + st.core + "。", [], "正确", f"正确。{art.citation}规定：“{st.evidence}”。",
                 art, st.frags, 1, st.tags, st.key)
    out = [true]
    for fact in st.facts:
        # another value of the same article in another role makes a good false statement; another subject
        # of the same article may share the duty (生产经营单位 also trains 被派遣劳动者), so not those
        avoid = info.norm_texts[art.id] if fact[0] == "subject" else norm(st.core)
        alt = _alternatives(info, st, fact, avoid, 1, rng)
        if not alt or alt[0] in st.core:
            continue
        words, new = fact[1], alt[0]
        stem = prefix + _join(_swap(st.frags, words, new), st.seps) + "。"
        expl = f"错误。{art.citation}规定：“{st.evidence}”，题干将「{words}」改成了「{new}」。"
        out.append(_make("judge", stem, [], "错误", expl, art, st.frags, 1 if fact[0] == "modal" else 2,
                         st.tags, st.key, change=(words, new)))
    return out


def _ask(lead: str, which: str) -> str:
    s = re.sub(r"(下列|以下)([^，。；:：的]{0,6}?)之一", rf"\g<1>{which}\g<2>", lead, count=1)
    return s if s != lead else re.sub(r"(下列|以下)", rf"\g<1>{which}", lead, count=1)


def _choice_items(info, en: Enumeration, typ: str, rng) -> QuizItem | None:
    art = en.article
    usable = [(b, line) for b, line in zip(en.bodies, en.lines) if 4 <= len(b) <= 80]
    if "下列规定" in en.lead or len(usable) < 2:
        return None
    n_right = 1 if typ == "single" else rng.randint(2, min(4, len(usable)))
    n_wrong = 3 if typ == "single" else max(1, rng.choice((4, 5)) - n_right)
    avoid, lead = info.norm_texts[art.id], norm(en.lead)
    mine = info.items.get(art.id, [])
    acts = sum(b.endswith("的") for b in en.bodies) * 2 > len(en.bodies)   # "…的" 行为/情形, or duties
    pool = [(b, k) for b, aid, k, ld in info.enum_pool if aid != art.id and norm(ld) != lead and norm(b) not in avoid
            and b.endswith("的") == acts]
    rng.shuffle(pool)
    pool.sort(key=lambda bk: bk[1] != en.kind)    # 项 of the same kind (职责, 行为 …) first
    wrong: list[str] = []
    for b, _ in pool:   # a near copy of one of this article's 项 could be read as right
        if b not in wrong and all(similar(b, m) < 0.5 for m in mine):
            wrong.append(b)
            if len(wrong) == n_wrong:
                break
    if len(wrong) < n_wrong:
        return None
    right = sorted(rng.sample(usable, n_right), key=usable.index)   # quoted in the order of the article
    options = [b for b, _ in right] + wrong
    rng.shuffle(options)
    key = sorted(LETTERS[options.index(b)] for b, _ in right)
    bad = "、".join(LETTERS[i] for i, o in enumerate(options) if o in wrong)
    expl = (f"依据{art.citation}：“{en.lead}……{'……'.join(line for _, line in right)}”。"
            f"{bad} 项不是本条所列{en.kind or '内容'}。")
    stem = _prefix(art) + _ask(en.lead, "哪些" if typ == "multi" else "哪一项") + "？"
    tags = ["列举"] + ([en.kind] if en.kind and len(en.kind) <= 4 else [])
    diff = 3 if typ == "multi" and n_right >= 3 else 2
    return _make(typ, stem, options, key, expl, art, [en.lead], diff, tags, f"{art.id}|{lead}")


# ---- generation --------------------------------------------------------------------------------------
def _first_rejection(item: QuizItem, corpus) -> Rejection | None:
    """The first gate that refuses the item: cheap gates first, so each candidate is counted once."""
    for gate, fn in (("stem", gate_stem), ("options", gate_options), ("key", gate_key), ("distractor", gate_distractors)):
        detail = fn(item) if gate in ("stem", "options") else fn(item, corpus)
        if detail:
            return Rejection(gate, detail)
    return None


def generate_quiz(corpus, laws=None, *, chapters=None, articles=None, version: str | None = None,
                  types=None, seed: int | None = None, strict: bool = True, changed_only: bool = False) -> Quiz:
    """Build candidates from every fact in scope, keep those that pass the gates, then draw the requested
    number of each type with random.Random(seed), at most one item per fact, spread over chapters (the
    chapter with the fewest items so far picks next) and over articles, with at most AMOUNT_SHARE of
    the items about sums of money unless the scope is only the penalty chapter (法律责任/罚则).

    Items from an article the latest revision changed are tagged "修订变化" with a note in the explanation.
    With `changed_only`, the scope is narrowed to the articles the revision added or whose text it changed,
    and every stem starts "修订后，".
    With `strict`, a type that cannot be filled raises QuizError saying how many could be made."""
    t0 = time.perf_counter()
    counts = parse_types(types)
    seed = random.SystemRandom().randrange(1_000_000) if seed is None else int(seed)
    rng = random.Random(seed)
    arts = select_articles(corpus, laws, chapters, articles, version)
    if changed_only:
        arts = changed_articles(corpus, arts)
    report = GateReport()
    pools = _candidates(corpus, arts, counts, rng, report, changed_only)
    items = mark_changes(_select(pools, counts, rng, report, _Spread.over(arts, sum(counts.values()))), corpus)
    report.available = {t: len({it.fact for it in pools[t]}) for t in counts}
    report.selected, report.seconds = len(items), time.perf_counter() - t0
    short = {t: n for t, n in counts.items() if sum(it.type == t for it in items) < n}
    if short and strict:
        made = "、".join(f"{TYPES[t]} {sum(it.type == t for it in items)} 道（要求 {n} 道）" for t, n in short.items())
        raise QuizError(f"所选范围内只能生成 {made}。请扩大范围（--law/--chapter/--articles）或减少 --types 中的数量。")
    return Quiz(items, report, seed, [a.id for a in arts], changed_only)


def changed_articles(corpus, arts: list[Article]) -> list[Article]:
    """The articles of `arts` that the latest revision added or whose text it changed; QuizError if none
    (e.g. the document has no earlier version in the corpus)."""
    ctx = _context(corpus)
    keep = [a for a in arts if (c := ctx.changes(a.doc_key).get(a.id)) is not None and c.text_changed]
    if not keep:
        docs = list(dict.fromkeys(a.doc_key for a in arts))
        without = [corpus.documents[k].meta.short_title for k in docs if previous_version(corpus, k) is None]
        multi = [n for n in corpus.laws() if len(corpus.versions(n)) > 1]
        why = (f"{'、'.join(without)} 在语料中没有更早的版本，无法判断哪些条文有修订变化"
               if without else "所选范围内没有修订中新增或改动的条文")
        raise QuizError(f"{why}。有多个版本的文件：{'、'.join(multi) or '无'}。")
    return keep


def _candidates(corpus, arts: list[Article], counts: dict[str, int], rng, report: GateReport,
                changed_only: bool = False) -> dict[str, list[QuizItem]]:
    """Every candidate item of the requested types over the articles that passes the gates, per type."""
    ctx = _context(corpus)
    pools: dict[str, list[QuizItem]] = {t: [] for t in TYPES}

    def attempt(build, tries: int = 3) -> None:
        for _ in range(tries):
            item = build()
            if item is None:
                return
            if changed_only and not item.stem.startswith(REVISED_PREFIX):
                item.stem = REVISED_PREFIX + item.stem
            report.candidates += 1
            why = _first_rejection(item, corpus)
            if why is None:
                report.passed += 1
                pools[item.type].append(item)
                return
            report.rejected[why.gate] += 1

    for art in arts:
        info = ctx.doc(art.doc_key)
        for st in info.statements.get(art.id, []):
            for fact in st.facts:
                if fact[0] == "modal":
                    continue
                if counts.get("single"):
                    attempt(lambda: _fill_items(info, st, fact, "single", rng))
                if counts.get("cloze"):
                    attempt(lambda: _fill_items(info, st, fact, "cloze", rng), 1)
            if counts.get("judge"):
                for item in _judge_items(info, st, rng):
                    attempt(lambda: item, 1)
        for en in info.enums.get(art.id, []):
            for typ in ("multi", "single"):
                if counts.get(typ):
                    attempt(lambda: _choice_items(info, en, typ, rng))
    return pools


def regenerate_item(corpus, quiz: Quiz, index: int, seed: int | None = None) -> QuizItem:
    """A new item of the same type over the quiz's scope to replace quiz.items[index]: another fact than
    every item of the quiz (the replaced one included), passing every gate; a 判断题 keeps its key
    (正确/错误) when it can, so the quiz stays balanced. `seed` (default: quiz.seed + index + 1) draws it.
    Returns the item; the caller puts it in place (quiz.items[index] = item). QuizError if none is left."""
    if not 0 <= index < len(quiz.items):
        raise QuizError(f"没有第 {index + 1} 题（共 {len(quiz.items)} 题）。")
    old = quiz.items[index]
    rng = random.Random(quiz.seed + index + 1 if seed is None else int(seed))
    arts = [corpus.by_id[a] for a in quiz.scope if a in corpus.by_id]
    pools = _candidates(corpus, arts, {old.type: 1}, rng, GateReport(), quiz.changed_only)
    used = {x for it in quiz.items for x in (it.fact, norm(it.stem)) if x}
    pool = [it for it in pools[old.type] if it.fact not in used and norm(it.stem) not in used]
    if old.type == "judge":
        pool = [it for it in pool if it.key == old.key] or pool
    if not pool:
        raise QuizError(f"所选范围内没有可替换第 {index + 1} 题的其他{old.type_label}；请删除该题或扩大范围。")
    # prefer an article the quiz does not ask about yet, then any
    asked = {it.source.article_id for it in quiz.items}
    fresh = [it for it in pool if it.source.article_id not in asked]
    return mark_changes([rng.choice(fresh or pool)], corpus)[0]


def _select(pools, counts, rng, report, spread: _Spread) -> list[QuizItem]:
    """Draw per type in random order, spread over chapters and articles (_draw); 判断 half true, half false."""
    chosen: list[QuizItem] = []
    used: set[str] = set()
    # the type with the fewest facts to spare picks first (多选 and 单选 both feed on enumerations)
    spare = {t: len({it.fact for it in pools[t]}) / max(1, n) for t, n in counts.items()}
    for typ in sorted(counts, key=lambda t: spare[t]):
        n, pool = counts[typ], list(pools[typ])
        rng.shuffle(pool)
        if typ == "judge":
            n_true = n // 2 + (n % 2 and rng.random() < 0.5)
            trues = _draw([it for it in pool if it.key == "正确"], n_true, used, report, spread)
            picked = trues + _draw([it for it in pool if it.key == "错误"], n - len(trues), used, report, spread)
            picked += _draw([it for it in pool if it.key == "正确"], n - len(picked), used, report, spread)
            rng.shuffle(picked)
        else:
            picked = _draw(pool, n, used, report, spread)
        chosen.extend(picked)
    _swap_facts(chosen, pools, counts, used)
    order = list(counts)
    return sorted(chosen, key=lambda it: order.index(it.type))


def _swap_facts(chosen: list[QuizItem], pools, counts, used: set[str]) -> None:
    """A type left short takes a fact held by another type when that type can move to a free fact."""
    for typ, n in counts.items():
        for want in pools[typ]:
            if sum(it.type == typ for it in chosen) >= n:
                break
            if norm(want.stem) in used:
                continue
            holder = next((it for it in chosen if it.fact == want.fact and it.type != typ), None)
            alt = holder and next((a for a in pools[holder.type] if a.fact not in used and norm(a.stem) not in used
                                   and (holder.type != "judge" or a.key == holder.key)), None)
            if alt:
                chosen[chosen.index(holder)] = alt
                chosen.append(want)
                used.update((alt.fact, norm(alt.stem), norm(want.stem)))


def chapter_of(art: Article) -> str:
    """The 章 an article belongs to ('第六章 法律责任'), the top heading if none is a 章, '' if none."""
    path = art.chapter_path or ()
    return next((h for h in path if re.match(r"第\S+章", h)), path[0] if path else "")


def is_amount(item: QuizItem) -> bool:
    """Does the item ask about a sum of money (a fine, mostly)?"""
    return AMOUNT_TAG in item.tags


def quiz_spread(items: list[QuizItem], corpus) -> dict[str, dict[str, int]]:
    """{"chapter": items per chapter (in the order of the law), "type": items per type, "amount": {"数额": n}}."""
    arts = [corpus.by_id.get(it.source.article_id) for it in items]
    docs = dict.fromkeys(a.doc_key for a in arts if a)

    def name(a: Article) -> str:     # 第一章 总则 of two laws are two chapters
        return chapter_of(a) if len(docs) == 1 else f"{a.law}·{chapter_of(a)}"

    chapters = [name(a) if a else "" for a in arts]
    order = {c: k for k, c in enumerate(dict.fromkeys(name(a) for d in docs for a in corpus.documents[d].articles))}
    per_chapter = {c: chapters.count(c) for c in sorted(set(chapters), key=lambda c: order.get(c, len(order)))}
    per_type = {t: sum(it.type == t for it in items) for t in TYPES if any(it.type == t for it in items)}
    return {"chapter": per_chapter, "type": per_type, "amount": {AMOUNT_TAG: sum(map(is_amount, items))}}


@dataclass
class _Spread:
    """What the draw has taken so far across all types: items per chapter and items about money."""
    chapter: dict[str, str]                  # article id → "document key|chapter"
    amount_cap: int | None                   # None: no cap (the scope is the penalty chapter only)
    taken: dict[str, int] = field(default_factory=dict)
    amounts: int = 0

    @classmethod
    def over(cls, arts: list[Article], total: int) -> _Spread:
        chapter = {a.id: f"{a.doc_key}|{chapter_of(a)}" for a in arts}
        penalty_only = all(PENALTY_CHAPTER.search(chapter_of(a)) for a in arts)
        return cls(chapter, None if penalty_only else int(total * AMOUNT_SHARE))

    def capped(self, item: QuizItem) -> bool:
        return self.amount_cap is not None and is_amount(item) and self.amounts >= self.amount_cap

    def take(self, item: QuizItem) -> None:
        ch = self.chapter.get(item.source.article_id, "")
        self.taken[ch] = self.taken.get(ch, 0) + 1
        self.amounts += is_amount(item)


def _draw(pool: list[QuizItem], n: int, used: set[str], report, spread: _Spread | None = None) -> list[QuizItem]:
    """Up to n items of `pool` (already shuffled): the chapter with the fewest items so far (over every
    type) gives the next one, round-robin over its articles, each fact once. Items about money beyond the
    cap are taken only when nothing else is left (a short quiz is worse than one more amount)."""
    spread = spread or _Spread({}, None)
    out, held = _take(pool, n, used, report, spread, cap=True)
    if len(out) < n and held:
        out += _take(held, n - len(out), used, report, spread, cap=False)[0]
    return out


def _take(pool, n, used, report, spread: _Spread, cap: bool) -> tuple[list[QuizItem], list[QuizItem]]:
    """(items taken, items held back by the money cap)."""
    tree: dict[str, dict[str, list[QuizItem]]] = {}      # chapter → article → items, in pool order
    for it in pool:
        ch = spread.chapter.get(it.source.article_id, "")
        tree.setdefault(ch, {}).setdefault(it.source.article_id, []).append(it)
    order = {ch: k for k, ch in enumerate(tree)}            # ties go to the chapter met first (random)
    out: list[QuizItem] = []
    held: list[QuizItem] = []
    while len(out) < n and tree:
        ch = min(tree, key=lambda c: (spread.taken.get(c, 0), order[c]))
        arts = tree[ch]
        aid = next(iter(arts))
        it = arts[aid].pop(0)
        if not arts[aid]:
            del arts[aid]
        else:                                               # this article goes to the back of the line
            arts[aid] = arts.pop(aid)
        if not arts:
            del tree[ch]
        if it.fact in used or norm(it.stem) in used:
            report.rejected["duplicate"] += 1
            continue
        if cap and spread.capped(it):
            held.append(it)
            continue
        used.update((it.fact, norm(it.stem)))
        spread.take(it)
        out.append(it)
    return out, held


# ---- a trainer's edits -------------------------------------------------------------------------------
EDITED_TAG = "人工修改"


def edit_item(item: QuizItem, stem: str, options: list[str] | None = None, answer: str = "") -> QuizItem:
    """A copy of `item` with the trainer's words: the stem, the options (单选/多选; empty ones dropped) and
    the answer ('A' or 'A,C' for choices, 正确/错误 for 判断, the words for 填空). Tagged "人工修改": the
    gates checked the generated item, not these words. QuizError saying what to correct."""
    stem, answer = stem.strip(), answer.strip()
    if not stem:
        raise QuizError("题干不能为空。")
    if item.type == "judge":
        if answer not in ("正确", "错误"):
            raise QuizError(f"判断题的答案只能是“正确”或“错误”（现为 {answer!r}）。")
        return _edited(item, stem, [], answer)
    if item.type == "cloze":
        if CLOZE_BLANK not in stem or not answer:
            raise QuizError(f"填空题的题干要留出空格 {CLOZE_BLANK}，答案不能为空。")
        return _edited(item, stem, [], answer)
    opts = [o.strip() for o in options or [] if o.strip()]
    letters = sorted(set(re.findall(r"[A-F]", answer.upper())))
    if not 2 <= len(opts) <= len(LETTERS) or len(set(opts)) < len(opts):
        raise QuizError(f"选项要有 2 至 {len(LETTERS)} 个，且互不相同。")
    wrong = [x for x in letters if LETTERS.index(x) >= len(opts)]
    want = "一个" if item.type == "single" else "两个或以上"
    if wrong or not letters or (item.type == "single") != (len(letters) == 1):
        raise QuizError(f"{item.type_label}的答案要写{want}选项字母（A–{LETTERS[len(opts) - 1]}），例如 "
                        f"{'B' if item.type == 'single' else 'A,C'}。")
    return _edited(item, stem, opts, letters)


def _edited(item: QuizItem, stem: str, options: list[str], key) -> QuizItem:
    expl = item.explanation
    if item.type == "single":     # the generated explanation ends "故选 A。": keep it true
        expl = re.sub(r"故选 [A-F]。", f"故选 {key[0]}。", expl)
    tags = item.tags if EDITED_TAG in item.tags else item.tags + [EDITED_TAG]
    return replace(item, stem=stem, options=options, key=key, explanation=expl, tags=list(tags))
