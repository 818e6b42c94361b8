"""The renderings of an alignment that `kb diff` and the 新旧对照 page offer: plain text, a printable
side-by-side HTML page, and JSON for tools. Only JSON carries the alignment's scores and reasons; what
people read says in plain words what happened to each article.

Labels people see: one per pair, by its group (the articles linked to each other directly or through
one another), so an article is never called both 拆分 and 合并:
  - one old and one new article: 条文未改 (same text, whatever its number) or 条文修改;
  - several articles: 拆分 when the group has at least as many new articles as old ones, else 合并
    (2007 第二、三条 → 2024 第二、三条, where part of 第三条 went into 第二条, is 拆分);
  - 新增 / 删除.
A changed number (条号变动) is said beside the label, never instead of it, so the labels of the listed
pairs always add up to the number of pairs. `Alignment.counts()` and each pair's `kind` keep the
per-link rule of kb/versions/align.py (what evals/align_expected.json is scored on); JSON has both.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

from kb.core.errors import DiffError
from kb.core.labels import article_heading

from .align import ADDED, DELETED, KIND_LABELS, KINDS, MERGED, SPLIT, Alignment, ArticlePair, word_diff

SAME, REVISED = "same", "revised"
LABELS = {SAME: "条文未改", REVISED: "条文修改", SPLIT: "拆分", MERGED: "合并", ADDED: "新增", DELETED: "删除"}
# plain words for how alike a one-to-one pair is (weighted bigram dice, see align.py)
ALIKE = ((0.9, "内容几乎相同"), (0.6, "内容大体相同"), (0.0, "内容改写较多"))


@dataclass(frozen=True)
class PairLabel:
    """What people are told about one pair: its label and, for a group, the articles on each side."""
    key: str                       # a key of LABELS
    olds: tuple[str, ...] = ()     # old labels of the group (several only for 拆分/合并)
    news: tuple[str, ...] = ()
    renumbered: bool = False       # one-to-one pair whose number changed

    @property
    def text(self) -> str:
        """'条文未改，条号变动' / '拆分' — the label with the renumbering beside it."""
        return LABELS[self.key] + ("，条号变动" if self.renumbered else "")


def pair_labels(al: Alignment) -> list[PairLabel]:
    """One PairLabel per pair of `al.pairs` (same order), by the rule in the module docstring."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for p in al.pairs:
        if p.old and p.new:
            parent[find("o" + p.old.id)] = find("n" + p.new.id)
    groups: dict[str, tuple[list[str], list[str]]] = {}
    for p in al.pairs:
        if p.old and p.new:
            olds, news = groups.setdefault(find("o" + p.old.id), ([], []))
            for side, label in ((olds, p.old.label), (news, p.new.label)):
                if label not in side:
                    side.append(label)
    return [_label(p, groups.get(find("o" + p.old.id)) if p.old and p.new else None) for p in al.pairs]


def _label(p: ArticlePair, group: tuple[list[str], list[str]] | None) -> PairLabel:
    if group is None:
        return PairLabel(ADDED if p.old is None else DELETED)
    olds, news = group
    if len(olds) == 1 and len(news) == 1:
        return PairLabel(REVISED if p.text_changed else SAME, renumbered=p.old.label != p.new.label)
    return PairLabel(SPLIT if len(news) >= len(olds) else MERGED, tuple(olds), tuple(news))


def _headings(labels: tuple[str, ...]) -> str:
    """('2', '3') → '第二条、第三条'."""
    return "、".join(article_heading(x) for x in labels)


def plain_note(p: ArticlePair, label: PairLabel) -> str:
    """In plain words what happened, without scores: '旧第三条的内容分入新第二条、第三条' / '内容几乎相同'."""
    olds, news = _headings(label.olds), _headings(label.news)
    if label.key in (SPLIT, MERGED) and len(label.olds) > 1 and len(label.news) > 1:
        return f"旧{olds}的内容重新组合为新{news}。"
    if label.key == SPLIT:
        return f"旧{olds}的内容分入新{news}。"
    if label.key == MERGED:
        return f"旧{olds}合并为新{news}。"
    if label.key == REVISED:
        return next(words for floor, words in ALIKE if p.score.ngram >= floor) + "，文字有修改。"
    return ""


def summary(al: Alignment, labels: list[PairLabel] | None = None) -> dict[str, int]:
    """Pairs per label key (they add up to len(al.pairs)) and, apart, 'renumbered': one-to-one pairs
    whose number changed."""
    labels = labels if labels is not None else pair_labels(al)
    out = {k: sum(1 for lb in labels if lb.key == k) for k in LABELS}
    return out | {"renumbered": sum(lb.renumbered for lb in labels)}


def summary_line(counts: dict[str, int]) -> str:
    """'共 112 对：条文未改 9，条文修改 45，…（…条号变动的 50 对）' (the label counts add up to the total)."""
    total = sum(counts[k] for k in LABELS)
    return (f"共 {total} 对：" + "，".join(f"{LABELS[k]} {counts[k]}" for k in LABELS)
            + f"（未改、修改的条文中条号变动的 {counts['renumbered']} 对）")


def parse_kinds(text: str | None) -> list[str] | None:
    """'added,deleted' → ['added', 'deleted'] (None for no filter); a pair kind (align.KINDS) or a label
    key (same, revised, …); DiffError for anything else."""
    if not text:
        return None
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    valid = list(KINDS) + [k for k in LABELS if k not in KINDS]
    bad = [k for k in kinds if k not in valid]
    if bad or not kinds:
        raise DiffError(f"--only 中的 {'、'.join(bad) or text!r} 无法识别；可用：{', '.join(valid)}")
    return kinds


def _selected(al: Alignment, only: list[str] | None) -> list[tuple[ArticlePair, PairLabel]]:
    """The pairs whose label (or, for unchanged/modified/renumbered, per-link kind) is in `only`."""
    def wanted(p: ArticlePair, lb: PairLabel) -> bool:
        return any(lb.key == k if k in LABELS else p.kind == k for k in only)
    return [(p, lb) for p, lb in zip(al.pairs, pair_labels(al)) if not only or wanted(p, lb)]


def _head(p: ArticlePair, label: PairLabel) -> str:
    return (f"{f'旧第{p.old.label}条' if p.old else '（旧法无）'} → {f'新第{p.new.label}条' if p.new else '（新法无）'}"
            f"  [{label.text}]")


def _map_cells(al: Alignment) -> list[str]:
    """'4→16', '7→17,18', '10→删除' for every old article, in old order."""
    return [f"{a.label}→{','.join(p.new_label for p in al.for_old(a.label) if p.new) or '删除'}"
            for a in al.old.articles]


def render_text(al: Alignment, only: list[str] | None = None) -> str:
    """The report for people: counts, the renumbering map (only when nothing is filtered out: `--only
    added` lists the added articles, nothing else), then each selected pair with its changed words."""
    om, nm = al.old.meta, al.new.meta
    out = [f"《{nm.title}》新旧对照：{om.version}（{len(al.old.articles)} 条）→ {nm.version}（{len(al.new.articles)} 条）"]
    selected = _selected(al, only)
    if only:
        out += [f"列出：{'、'.join(LABELS.get(k) or KIND_LABELS[k] for k in only)}，共 {len(selected)} 对", ""]
    else:
        cells = _map_cells(al)
        out += ["统计：" + summary_line(summary(al)), "条号对照（旧 → 新）："]
        out += ["  " + "  ".join(cells[k:k + 8]) for k in range(0, len(cells), 8)] + [""]
    for p, label in selected:
        note = plain_note(p, label)
        out.append(f"== {_head(p, label)}" + (f"  {note}" if note else ""))
        if p.old and p.new:
            out.append("".join(t if op == "equal" else f"〔-{t}-〕" if op == "delete" else f"〔+{t}+〕"
                               for op, t in word_diff(p.old.body, p.new.body)) if p.text_changed else "（条文未改动）")
        else:
            out.append(f"〔+{p.new.body}+〕" if p.new else f"〔-{p.old.body}-〕")
        out.append("")
    return "\n".join(out)


def alignment_json(al: Alignment, only: list[str] | None = None) -> dict:
    """Alignment.to_dict() (scores and reasons included) with the label summary and, per listed pair, its
    label, both texts and the diff as [op, text] lists."""
    d = al.to_dict()
    d["summary"] = summary(al)
    d["pairs"] = [p.to_dict() | {"label": lb.key, "label_text": lb.text,
                                 "old_text": p.old.text if p.old else None, "new_text": p.new.text if p.new else None,
                                 "diff": [list(x) for x in word_diff(p.old.body, p.new.body)] if p.old and p.new else None}
                  for p, lb in _selected(al, only)]
    return d


_CSS = """body{font-family:"Noto Serif CJK SC","Source Han Serif SC","SimSun",serif;margin:2em;line-height:1.7}
table{border-collapse:collapse;width:100%;table-layout:fixed;margin:1em 0}
th,td{border:1px solid #bbb;padding:.35em .6em;vertical-align:top;text-align:left}
td.t{white-space:pre-wrap}th.pair{background:#f3f3f3;font-weight:normal}
ins{background:#d6f5d6;text-decoration:underline}del{background:#f8d4d4;text-decoration:line-through}
.small{font-size:.85em;color:#555}
@media print{body{margin:0}ins{background:none;font-weight:bold}del{background:none}tr{page-break-inside:avoid}}"""


def render_html(al: Alignment, only: list[str] | None = None) -> str:
    """A printable side-by-side page: counts, the renumbering map (unless filtered), each selected pair."""
    e = html.escape
    om, nm = al.old.meta, al.new.meta
    title = f"《{nm.title}》新旧对照 {om.version} → {nm.version}"
    rows = []
    for p, label in _selected(al, only):
        if p.old and p.new:
            ops = word_diff(p.old.body, p.new.body)
            left = "".join(e(t) if op == "equal" else f"<del>{e(t)}</del>" for op, t in ops if op != "insert")
            right = "".join(e(t) if op == "equal" else f"<ins>{e(t)}</ins>" for op, t in ops if op != "delete")
        else:
            left = f"<del>{e(p.old.body)}</del>" if p.old else ""
            right = f"<ins>{e(p.new.body)}</ins>" if p.new else ""
        lh = e(p.old.heading) + " " if p.old else ""
        rh = e(p.new.heading) + " " if p.new else ""
        rows.append(f'<tr><th class="pair" colspan="2">{e(_head(p, label))} <span class="small">'
                    f'{e(plain_note(p, label))}</span></th></tr>\n<tr><td class="t"><b>{lh}</b>{left}</td>'
                    f'<td class="t"><b>{rh}</b>{right}</td></tr>')
    cells = _map_cells(al)
    mapping = "".join("<tr>" + "".join(f"<td>{e(x)}</td>" for x in cells[k:k + 10]) + "</tr>"
                      for k in range(0, len(cells), 10))
    overview = (f"<p>{e(summary_line(summary(al)))}</p>\n<h2>条号对照（旧 → 新）</h2>\n<table>{mapping}</table>\n"
                if not only else "")
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{e(title)}</title>'
            f"<style>{_CSS}</style></head><body>\n<h1>{e(title)}</h1>\n"
            f"<p>旧版 {len(al.old.articles)} 条，新版 {len(al.new.articles)} 条。</p>\n{overview}<h2>逐条对照</h2>\n"
            f"<table><tr><th>旧（{e(om.version)}）</th><th>新（{e(nm.version)}）</th></tr>\n"
            + "\n".join(rows) + "\n</table></body></html>\n")
