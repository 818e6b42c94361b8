"""Cited answers. The default path is extractive: pick the article(s), select the 款/项/sentences
that carry the answer, compose a short conclusion from those words, and quote verbatim with a full
citation. Every quote and citation is checked against the indexed text before it is returned."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import NumeralError, QueryError
from .numerals import CN_NUMERAL_CHARS, cn_to_int, int_to_cn
from .query import QueryPlan, other_field
from .schema import Answer, Article, Citation, DocMeta, Hit
from .tokenize import tokenize

MAX_QUESTION_CHARS = 2000
QUANTITY_RE = re.compile(r"多少|几|多久|多长|期限|时限|金额|数额|幅度|how (much|many|long)|within", re.I)
AMOUNT_RE = re.compile(r"[0-9一二三四五六七八九十百千万两]+(?:万元|元|日|天|小时|个月|年|倍|人)|百分之")
SENT_SPLIT = re.compile(r"(?<=[。；])")
ITEM_LINE = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")


@dataclass
class Confidence:
    """Signals used to decide whether the corpus answers the question at all."""
    dense_max: float
    bm25_max: float
    coverage: float       # share of the question's content words found in the top article
    direct: bool


# Thresholds calibrated on the out-of-scope questions of evals/dev.jsonl (see evals/RESULTS.md).
MIN_DENSE = 0.85
MIN_BM25 = 4.0


def answer(question: str, retriever, *, k: int = 5, as_of: str | None = None,
           include_superseded: bool = False, laws: list[str] | None = None,
           doc_types: list[str] | None = None, llm=None) -> Answer:
    """Answer a question from the indexed corpus: extractive by default, an LLM if one is given."""
    if not question or not question.strip():
        raise QueryError("问题为空。请输入一个问题，例如：有限空间作业前要检测什么？")
    question = question.strip()[:MAX_QUESTION_CHARS]
    change, change_notes = change_answer(question, retriever, laws=laws, doc_types=doc_types)
    if change is not None:
        return change
    plan = retriever.analyzer.analyze(question, as_of=as_of, include_superseded=include_superseded)
    hits, diag = retriever.search_plan(plan, k=k, laws=laws, doc_types=doc_types)
    conf = confidence(plan, hits, diag)
    refusal = not_covered_reason(plan, hits, conf)
    if refusal is not None:
        refusal.related = general_rules(retriever.corpus, plan, refusal, diag)
        if refusal.related:
            refusal.conclusion += (" A general rule of the indexed laws that touches the question is listed below."
                                   if refusal.language == "en" else " 收录法规中与此相关的一般规定列在下面，供参考。")
        return refusal
    extractive = compose_extractive(plan, hits, retriever)
    extractive.notes.extend(change_notes)
    if llm is None:
        return extractive
    from .llm import llm_answer
    return llm_answer(llm, plan, hits, extractive, retriever.corpus)


# ---- questions about changes between versions (新旧对照) ---------------------------------------------
# A cheap test before kb.diff is imported: only questions with one of these words can be about changes.
# "修正案" itself is not a cue (刑法修正案（十一）是从哪一天起施行的 is an ordinary question).
CHANGE_RE = re.compile(r"修订|修改|修正(?!案)|变化|变动|新增|删除|删去|现在是第几条|原来的第|对应|改了|改动|新旧")
CHANGE_CITATIONS = 10     # articles quoted in full; the others of the change go to `related`
CHANGE_RELATED = 50
CHANGE_QUOTE = 400        # an article longer than this is quoted by a verbatim prefix


def looks_like_change_question(question: str) -> bool:
    return bool(CHANGE_RE.search(question))


def change_answer(question: str, retriever, laws: list[str] | None = None,
                  doc_types: list[str] | None = None) -> tuple[Answer | None, list[str]]:
    """(Answer from the version alignment or the amendment links, notes): an Answer when the question
    asks what changed between two versions and the change cites articles; otherwise None, with a note
    when the change path had something to say (e.g. the old version has no such article)."""
    if not looks_like_change_question(question):
        return None, []
    from .diff import KIND_LABELS, answer_change_question   # lazy: kb.diff is only needed here
    corpus = retriever.corpus
    ca = answer_change_question(question, corpus)
    if ca is None:
        return None, []
    if not ca.rows:
        return None, [ca.summary]
    ids = [aid for r in ca.rows for aid in (r.old_id, r.new_id) if aid and aid in corpus.by_id]
    if laws:
        wanted = {corpus.resolve_law(name) or name for name in laws}
        if not any(corpus.by_id[aid].law in wanted for aid in ids):
            return None, []
    if doc_types and not any(corpus.documents[corpus.by_id[aid].doc_key].meta.doc_type in doc_types for aid in ids):
        return None, []
    rows = list(ca.rows)
    if ca.kind == "amendment":      # the article the question names first (刑法第一百三十四条 …)
        asked = set(article_labels(question))
        rows.sort(key=lambda r: corpus.by_id[r.new_id].label not in asked if r.new_id in corpus.by_id else True)
    reasons: dict[str, str] = {}
    for r in rows:
        label = KIND_LABELS.get(r.kind) or _AMEND_REASONS.get(r.kind, r.kind)
        for side, aid in (("old", r.old_id), ("new", r.new_id)):
            if not aid or aid not in corpus.by_id or aid in reasons:
                continue
            art = corpus.by_id[aid]
            if ca.kind == "amendment":
                reasons[aid] = f"修正案条款（{label}）" if side == "old" else f"被修改的条文（{label}）"
            else:
                reasons[aid] = f"{'旧版' if side == 'old' else '新版'} {art.version}（{label}）"
    cites = [make_citation(corpus, corpus.by_id[aid], change_quote(corpus.by_id[aid]), reason=why)
             for aid, why in reasons.items()]
    notes = []
    if ca.lines:
        shown = ca.lines[:CHANGE_CITATIONS]
        more = f"等 {len(ca.lines)} 处" if len(ca.lines) > len(shown) else ""
        notes.append("对照：" + "；".join(shown) + more + "。")
    if ca.kind != "amendment" and ca.law:
        notes.append(f"完整的逐条对照见“新旧对照”页面，或运行 python -m kb diff {ca.law} "
                     f"--from {ca.from_version} --to {ca.to_version}。")
    left = len(cites) - CHANGE_CITATIONS - CHANGE_RELATED
    if left > 0:
        notes.append(f"另有 {left} 条相关条文未列出。")
    ans = Answer("answered", question, "zh", ca.summary, cites[:CHANGE_CITATIONS],
                 cites[CHANGE_CITATIONS:CHANGE_CITATIONS + CHANGE_RELATED], notes, [], "extractive", [])
    problems = check_answer(ans, corpus)
    if problems:   # never show an unchecked quote (should not happen: quotes are the articles' own words)
        ans.citations = [c for c in ans.citations if not verify_citation(corpus, c)]
        ans.related = [c for c in ans.related if not verify_citation(corpus, c)]
        ans.notes.extend(problems)
    return ans, []


_ARTICLE_REF = re.compile(rf"第([{CN_NUMERAL_CHARS}0-9]+)条(?:之([{CN_NUMERAL_CHARS}]+))?")


def article_labels(text: str) -> list[str]:
    """'第一百三十四条之一' → ['134之一'] (the labels articles carry)."""
    out = []
    for m in _ARTICLE_REF.finditer(text):
        try:
            out.append(str(cn_to_int(m.group(1))) + (f"之{m.group(2)}" if m.group(2) else ""))
        except NumeralError:
            continue
    return out


_AMEND_REASONS = {"modify": "修改", "add_article": "增加一条", "add_clause": "增加一款", "delete": "删去"}


def change_quote(art: Article, limit: int = CHANGE_QUOTE) -> str:
    """The article's own words: the whole body, or a verbatim prefix ending at a sentence end."""
    body = art.body
    if len(body) <= limit:
        return body
    cut = max(body.rfind(p, 0, limit) for p in "。；\n")
    return body[:cut + 1].rstrip("\n") if cut > 0 else body[:limit]


# ---- confidence and refusal -------------------------------------------------------------------
def confidence(plan: QueryPlan, hits: list[Hit], diag: dict) -> Confidence:
    coverage = word_share(question_words(plan, diag), hits[0].text if hits else "")
    return Confidence(diag.get("dense_max", 0.0), diag.get("bm25_max", 0.0), coverage, bool(plan.direct))


def question_words(plan: QueryPlan, diag: dict) -> set[str]:
    """The question's content words as searched, plus its lay/glossary terms."""
    words = [t for t in diag.get("tokens", []) if len(t) >= 2]
    words += [t for t in tokenize(" ".join(plan.expansions + plan.translations)) if len(t) >= 2]
    return set(words)


def word_share(words: set[str], text: str) -> float:
    return sum(1 for w in words if w in text) / len(words) if words else 0.0


def not_covered_reason(plan: QueryPlan, hits: list[Hit], conf: Confidence) -> Answer | None:
    """An Answer saying the corpus does not cover the question, or None if it does."""
    if conf.direct and hits:
        return None
    if plan.unknown_refs and _only_about(plan, plan.unknown_ref_text):
        # "安全生产法第999条是什么": say there is no such article, never substitute another
        return _no_such_article(plan, hits)
    if plan.missing and not plan.laws:
        return _not_covered(plan, plan.missing, hits)
    # a work plan names topics (有限空间) without regulating them: look at the best rule instead
    rule_text = next((h.text for h in _rules(hits)), "")
    topical = [] if plan.laws else _missing_by_topic(plan, rule_text)
    if topical:
        return _not_covered(plan, topical, hits)
    field = None if plan.laws else other_field(plan.text)
    if field and not any(c in rule_text for c in field[1]):
        return _other_field(plan, field[0], hits)
    if not hits or not plan.domain_terms:
        return _not_covered(plan, [], hits)
    if conf.bm25_max < MIN_BM25 and conf.dense_max < MIN_DENSE:
        return _not_covered(plan, [], hits)
    return None


RELATED_MIN_COVERAGE = 0.3   # share of the question's words in the article shown (word_share)
GENERAL_RULES = 1


def _rules(hits: list[Hit]) -> list[Hit]:
    """Hits that regulate: a work plan names topics (有限空间) without regulating them."""
    return [h for h in hits if h.doc_type != "plan"]


def general_rules(corpus, plan: QueryPlan, refusal: Answer, diag: dict) -> list[Citation]:
    """When a question touches the topic of a missing document only through its setting (大罐子 →
    有限空间) and asks something the corpus does answer (拒绝冒险作业能不能被扣奖金 → 安全生产法第五十四条),
    the refusal stands but the general article is shown beside it, marked as such. Not when the
    missing document is named (plan.missing), and not when the article shares little of the
    question's words (下污水井前气体怎么测: 0.09)."""
    if not refusal.missing or plan.missing:
        return []
    words = question_words(plan, diag)
    rules = [h for h in _rules(refusal.hits)[:GENERAL_RULES] if word_share(words, h.text) >= RELATED_MIN_COVERAGE]
    en = refusal.language == "en"
    reason = ("general rule; not the missing document's specific requirements" if en else
              "收录法规中的一般规定，不含该专门规定的具体要求")
    return [make_citation(corpus, corpus.by_id[h.article_id], h.text, h.matched_terms, reason=reason) for h in rules]


def _only_about(plan: QueryPlan, refs: list[str]) -> bool:
    """True when little is left of the question once the references are taken out ("…是什么")."""
    rest = plan.text
    for ref in refs:
        rest = rest.replace(ref, " ")
    return len([t for t in tokenize(rest) if len(t) >= 2]) <= 2


def _no_such_article(plan: QueryPlan, hits: list[Hit]) -> Answer:
    en = plan.language == "en"
    refs = "、".join(plan.unknown_refs)
    conclusion = (f"The indexed corpus has no article {refs}; please check the article number." if en else
                  f"收录的版本中没有{refs}，请核对条号。可用 python -m kb show 法规名 条号 查看原文。")
    return Answer("not_covered", plan.text, "en" if en else "zh", conclusion, hits=hits)


def _missing_by_topic(plan: QueryPlan, top_text: str) -> list[dict]:
    """Wanted-but-missing documents whose topic the question names while the best article does not
    mention it (有限空间 is the subject of 工贸企业有限空间作业安全规定, which is not in the corpus)."""
    from .query import missing_catalogue
    out = []
    for d in missing_catalogue():
        asked = plan.text + " " + " ".join(plan.expansions)
        topics = [t for t in d.get("topics", []) if len(t) >= 3 and t in asked]
        if topics and not any(t in top_text for t in topics):
            out.append(d)
    return out[:2]


def _other_field(plan: QueryPlan, field: dict, hits: list[Hit]) -> Answer:
    en = plan.language == "en"
    conclusion = (f"This question is about {field['field_en']}. The knowledge base holds work-safety and "
                  f"emergency-management regulations and has no article on it, so it cannot give a cited answer. "
                  f"You could ask {field['refer_en']}." if en else
                  f"这个问题属于{field['field']}方面。知识库收录的是安全生产、应急管理等法规，没有这方面的条文，"
                  f"无法给出有出处的回答。可以咨询{field['refer']}。")
    return Answer("not_covered", plan.text, "en" if en else "zh", conclusion, hits=hits,
                  other_field=field["field_en" if en else "field"])


def _not_covered(plan: QueryPlan, missing: list[dict], hits: list[Hit]) -> Answer:
    en = plan.language == "en"
    notes = []
    if missing:
        names = "、".join(f"《{m['title']}》" for m in missing)
        conclusion = (f"The corpus does not yet contain the full text of {names}, so this question cannot be "
                      f"answered with a verified citation." if en else
                      f"该问题涉及的{names}尚未收录全文，无法给出有出处的回答。")
        for m in missing:
            src = m.get("official_source") or "官方网站"
            notes.append(f"{m['title']}（{m.get('issuer', '')}{'，' + m['doc_number'] if m.get('doc_number') else ''}）"
                         f"：取得官方文本（{src}）后运行 python -m kb ingest 文件.pdf，再运行 python -m kb build。")
    else:
        conclusion = ("The indexed regulations do not answer this question. I can answer questions about the "
                      "work-safety and emergency-management laws in the corpus." if en else
                      "知识库收录的法规中没有找到能回答这个问题的条文。本系统可以回答安全生产、应急管理、消防、"
                      "危险化学品、职业病防治、防灾减灾等法规问题。")
    return Answer("not_covered", plan.text, "en" if en else "zh", conclusion, notes=notes, missing=missing,
                  hits=hits)


# ---- extractive composition -------------------------------------------------------------------
def compose_extractive(plan: QueryPlan, hits: list[Hit], retriever) -> Answer:
    corpus = retriever.corpus
    en = plan.language == "en"
    chosen = _choose_articles(plan, hits)
    terms = query_terms(plan)
    citations = [make_citation(corpus, corpus.by_id[h.article_id], select_passage(corpus.by_id[h.article_id], terms, plan),
                               h.matched_terms) for h in chosen]
    notes: list[str] = []
    rank = precedence_note(citations, {h.article_id: h for h in hits}, en)
    if rank:
        notes.append(rank)
    if plan.version_note:
        notes.append(("Version: " if en else "版本：") + plan.version_note)
    if plan.unknown_refs:
        refs = "、".join(plan.unknown_refs)
        notes.append(f"The corpus has no article {refs}." if en else f"收录的版本中没有{refs}，以下回答未引用它。")
    related = related_articles(corpus, [c.article_id for c in citations])
    for c in list(citations):
        meta = corpus.documents[corpus.by_id[c.article_id].doc_key].meta
        if not meta.in_force:
            current = _current_counterpart(retriever, corpus.by_id[c.article_id])
            note = (f"{c.line} is from a superseded version." if en else f"{c.line}为已被修订的旧版本条文。")
            if current:
                line = make_citation(corpus, current, current.text, reason="现行版本")
                shown = {x.article_id for x in citations + related}
                if current.id not in shown:       # a comparison question may cite it already
                    related.insert(0, line)
                note += (f" The version in force: {line.line}." if en else f"现行有效版本见{line.line}。")
            notes.append(note)
    conclusion = _conclusion(citations, en, corpus, terms, plan)
    ans = Answer("answered", plan.text, "en" if en else "zh", conclusion, citations, related, notes,
                 plan.missing, "extractive", hits)
    problems = check_answer(ans, corpus)
    if problems:   # never show an unchecked quote: drop what fails (should not happen on this path)
        ans.citations = [c for c in ans.citations if not verify_citation(corpus, c)]
        ans.notes.extend(problems)
    return ans


def _choose_articles(plan: QueryPlan, hits: list[Hit]) -> list[Hit]:
    if not hits:
        return []
    if plan.direct:
        direct_ids = {f"@{r.version_key.split('@', 1)[1]}#{r.label}" for r in plan.direct}
        chosen = [h for h in hits if any(h.article_id.endswith(x) for x in direct_ids)]
        return chosen[:3] or hits[:1]
    top = hits[0]
    chosen = [top]
    for h in hits[1:3]:
        if h.score >= top.score * 0.97 and h.article_id != top.article_id:
            chosen.append(h)
    # near-tied articles of different documents: the higher-ranking, then the newer, goes first
    # (上位法优于下位法、新法优于旧法) — a 2007 regulation must not state the fine a 2021 law changed
    return sorted(chosen, key=precedence)


# Rank of a document type in the hierarchy of norms (《立法法》: laws above administrative regulations
# above rules); judicial interpretations apply the law they interpret and rank with it.
DOC_RANK = {"law": 0, "judicial_interpretation": 0, "administrative_regulation": 1, "departmental_rule": 2,
            "local_regulation": 2, "normative_document": 3, "standard": 3, "plan": 4}


def precedence(hit: Hit) -> tuple[int, int]:
    """Sort key: higher rank first, then the newer version (labels are ISO dates or years: 2021-06-10, 2024)."""
    date = int(re.sub(r"\D", "", hit.version)[:8].ljust(8, "0") or 0)
    return DOC_RANK.get(hit.doc_type, 5), -date


def precedence_note(citations: list, hits_by_id: dict, en: bool) -> str:
    """When the first two cited articles come from documents of different rank, say which prevails."""
    if len(citations) < 2:
        return ""
    a, b = hits_by_id.get(citations[0].article_id), hits_by_id.get(citations[1].article_id)
    if not a or not b or a.law == b.law or DOC_RANK.get(a.doc_type, 5) >= DOC_RANK.get(b.doc_type, 5):
        return ""
    if en:
        return (f"{a.title} ranks above {b.title} in the hierarchy of norms; where the two differ, "
                f"the former prevails.")
    return f"《{a.title}》的效力高于《{b.title}》（上位法优于下位法）；两者规定不一致时，以前者为准。"


def query_terms(plan: QueryPlan) -> dict[str, float]:
    """Words to look for in an article, with weights: the question's own words (and the Chinese
    glossary terms of an English question) count fully; terms added for everyday words count
    less, since one lay word can expand to several related terms (较大事故 → every accident grade)."""
    terms: dict[str, float] = {}
    for t in tokenize(" ".join(plan.expansions)):
        terms[t] = 0.3
    for t in tokenize(plan.text) + tokenize(" ".join(plan.translations)):
        terms[t] = 1.0
    return {t: w for t, w in terms.items() if len(t) >= 2}


def unit_score(unit: str, terms: dict[str, float], wants_amount: bool) -> float:
    """How well a sentence/款/项 answers: matched words by length and weight, plus amounts when asked."""
    score = sum(len(t) * w for t, w in terms.items() if t in unit)
    return score + (3 if wants_amount and AMOUNT_RE.search(unit) else 0)


def split_units(art: Article) -> list[str]:
    """The quotable units of an article: sentences of each 款, and each 项 whole."""
    units: list[str] = []
    for clause in art.clauses:
        text = clause.text
        if text.startswith(art.heading):
            text = text[len(art.heading):].lstrip(" \u3000")
        units.extend(s for s in SENT_SPLIT.split(text) if s.strip())
        units.extend(item.text for item in clause.items)
    return units


def select_passage(art: Article, terms: dict[str, float], plan: QueryPlan, short: int = 220) -> str:
    """The verbatim words that carry the answer: the whole article if short, else the best units
    (with the lead-in of an enumeration kept together with its 项), joined by '……'."""
    body = art.body
    if len(body) <= short:
        return body
    units = split_units(art)
    wants_amount = bool(QUANTITY_RE.search(plan.text)) or "penalty" in plan.intents
    scored = [(unit_score(u, terms, wants_amount), -i, i) for i, u in enumerate(units)]
    best = sorted(scored, reverse=True)[:2]
    keep = sorted({i for s, _, i in best if s > 0} or {0})
    picked: list[int] = []
    for i in keep:
        picked.append(i)
        if units[i].endswith(("：", ":")):          # an enumeration: bring its 项 along
            j = i + 1
            while j < len(units) and re.match(r"^[（(][一二三四五六七八九十]+[）)]", units[j]):
                picked.append(j)
                j += 1
    picked = sorted(set(picked))
    segments, run = [], [units[picked[0]]]
    for a, b in zip(picked, picked[1:]):
        if b == a + 1 and _adjacent(art.text, units[a], units[b]):
            run.append(units[b])
        else:
            segments.append(_join(art.text, run))
            run = [units[b]]
    segments.append(_join(art.text, run))
    return "……".join(segments)


def _adjacent(text: str, a: str, b: str) -> bool:
    return (a + b) in text or (a + "\n" + b) in text


def _join(text: str, run: list[str]) -> str:
    out = run[0]
    for u in run[1:]:
        out = out + ("\n" if (out + "\n" + u) in text else "") + u
    return out


def _items_following(units: list[str], i: int) -> list[int]:
    """Indexes of the 项 that follow unit i (after the rest of its sentence), if it opens a list."""
    j = i + 1
    while j < len(units) and not ITEM_LINE.match(units[j]) and j - i <= 2:
        j += 1
    out = []
    while j < len(units) and ITEM_LINE.match(units[j]):
        out.append(j)
        j += 1
    return out if not ITEM_LINE.match(units[i]) else []


def version_phrase(meta: DocMeta, preamble: str) -> str:
    """'2021年修正', '2024年修订', '2019年公布' — from the history lines where they match this version."""
    year = (meta.promulgated or meta.version)[:4]
    for line in reversed(preamble.split("\n")):
        m = re.match(r"^(\d{4})年\d{1,2}月\d{1,2}日", line)
        if m and m.group(1) == year:
            kind = "修正" if "修正" in line else "修订" if "修订" in line else "公布"
            return f"{year}年{kind}"
    return f"{year}年公布" if year.isdigit() else meta.version


def make_citation(corpus, art: Article, quote: str, matched: list[str] | None = None, reason: str = "") -> Citation:
    doc = corpus.documents[art.doc_key]
    meta = doc.meta
    heading = art.heading.rstrip("、") if doc.layout == "articles" else f"第{int_to_cn(art.number)}项"
    line = f"《{meta.title}》{heading}（{version_phrase(meta, doc.preamble)}，{meta.status_label}）"
    return Citation(art.id, art.law, meta.title, meta.version, art.label, art.heading, meta.status, line, quote,
                    art.text, art.chapter_path, list(matched or []), reason)


def _conclusion(citations: list[Citation], en: bool, corpus=None, terms: dict[str, float] | None = None,
                plan: QueryPlan | None = None) -> str:
    """One or two sentences in the article's own words: the unit that best matches the question,
    after the lead-in of its enumeration when it is a 项 ("…依照下列规定处以罚款：（二）发生较大事故的…")."""
    if not citations:
        return "No article found." if en else "没有找到相关条文。"
    c = citations[0]
    sentence = c.quote.split("……")[0]
    if corpus is not None and plan is not None:
        sentence = _key_sentence(corpus.by_id[c.article_id], terms or {}, plan) or sentence
    if len(sentence) > 200:
        sentence = sentence[:200].rsplit("，", 1)[0] + "……"
    if sentence.endswith(("：", ":")) and corpus is not None:      # a lead-in alone: say a list follows
        n = sum(len(cl.items) for cl in corpus.by_id[c.article_id].clauses)
        sentence += (f" ({n} items, quoted below)" if en else f"（共{n}项，见下方引文）") if n else ""
    if en:
        return f"According to {c.line}: “{sentence}”"
    return f"根据{c.line}：{sentence}"


def _key_sentence(art: Article, terms: dict[str, float], plan: QueryPlan) -> str:
    units = split_units(art)
    if not units:
        return ""
    wants_amount = bool(QUANTITY_RE.search(plan.text)) or "penalty" in plan.intents
    best = max(range(len(units)), key=lambda i: (unit_score(units[i], terms, wants_amount), -i))
    items_after = _items_following(units, best)
    if items_after and wants_amount:             # a lead-in whose 项 hold the amounts: take the best 项
        item = max(items_after, key=lambda i: (unit_score(units[i], terms, wants_amount), -i))
        lead = units[item - 1] if not ITEM_LINE.match(units[item - 1]) else units[best]
        return f"{lead}{units[item]}" if len(lead) <= 120 else units[item]
    unit = units[best]
    if ITEM_LINE.match(unit):                    # a 项: say what it is an item of
        lead = next((units[j] for j in range(best - 1, -1, -1) if not ITEM_LINE.match(units[j])), "")
        if lead and len(lead) <= 120:
            return f"{lead}{unit}"
    return unit


# ---- related articles -------------------------------------------------------------------------
PENALTY_CHAPTER = re.compile(r"法律责任|罚则")


def related_articles(corpus, cited: list[str], limit: int = 6) -> list[Citation]:
    """Cross-references the cited articles make, and penalty articles (罚则) that refer to them."""
    out: list[Citation] = []
    seen = set(cited)
    for aid in cited:
        art = corpus.by_id[aid]
        for ref in art.refs:
            if ref.kind == "article" and ref.target_id and ref.target_id not in seen:
                seen.add(ref.target_id)
                target = corpus.by_id[ref.target_id]
                out.append(make_citation(corpus, target, target.text, reason=f"引用（{ref.text}）"))
        for other in map(corpus.by_id.get, corpus.cited_by(aid)):
            if (other.doc_key != art.doc_key or other.id in seen
                    or not PENALTY_CHAPTER.search(" ".join(other.chapter_path))):
                continue
            seen.add(other.id)
            out.append(make_citation(corpus, other, other.text, reason=f"罚则（引用{art.heading}）"))
    return out[:limit]


def _current_counterpart(retriever, art: Article) -> Article | None:
    """The article of the version in force closest to a superseded article (by retrieval)."""
    current = retriever.corpus.current(art.law)
    if current is None or current.key == art.doc_key:
        return None
    plan = retriever.analyzer.analyze(art.body[:300])
    plan.doc_keys, plan.direct = {current.key}, []    # the old words may mention years or 原来的
    hits, _ = retriever.search_plan(plan, k=1)
    return retriever.corpus.by_id[hits[0].article_id] if hits else None


# ---- checking ---------------------------------------------------------------------------------
def verify_citation(corpus, c: Citation) -> list[str]:
    """Problems with one citation: unknown article, a line that names another article, a quote
    that is not verbatim. An empty list means the citation is sound."""
    art = corpus.by_id.get(c.article_id)
    if art is None:
        return [f"引用的条文 {c.article_id} 不在索引中"]
    problems = []
    meta = corpus.documents[art.doc_key].meta
    if (c.law, c.version, c.label, c.title, c.status) != (art.law, meta.version, art.label, meta.title, meta.status):
        problems.append(f"引用 {c.line} 与条文 {c.article_id} 不符")
    if f"《{meta.title}》" not in c.line:
        problems.append(f"引用行 {c.line} 中的法规名称与条文不符")
    heading = art.heading.rstrip("、") if corpus.documents[art.doc_key].layout == "articles" else f"第{int_to_cn(art.number)}项"
    if heading not in c.line:
        problems.append(f"引用行 {c.line} 中的条号与条文不符")
    expected = make_citation(corpus, art, "").line   # version phrase and status too, nothing appended
    if not problems and c.line != expected:
        problems.append(f"引用行 {c.line} 应为 {expected}")
    if c.text != art.text:                            # the full text shown beside the quote
        problems.append(f"{c.article_id} 的条文全文与索引中的原文不一致")
    for seg in c.quote.split("……"):
        if seg and seg not in art.text:
            problems.append(f"引文“{seg[:30]}…”不是 {c.article_id} 的原文")
    return problems


def check_answer(ans: Answer, corpus) -> list[str]:
    return [p for c in ans.citations + ans.related for p in verify_citation(corpus, c)]
