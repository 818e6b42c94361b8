"""The three renderings of an alignment that `kb diff` and the 新旧对照 page offer: plain text, a
printable side-by-side HTML page, and JSON for tools (which keeps the alignment's scores and reasons)."""
from __future__ import annotations

import html

from kb.core.errors import DiffError

from .align import KIND_LABELS, KINDS, Alignment, ArticlePair, word_diff


def parse_kinds(text: str | None) -> list[str] | None:
    """'added,deleted' → ['added', 'deleted'] (None for no filter); DiffError for an unknown kind."""
    if not text:
        return None
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise DiffError(f"--only 中的 {'、'.join(bad) or text!r} 无法识别；可用：{', '.join(KINDS)}")
    return kinds


def _selected(al: Alignment, only: list[str] | None) -> list[ArticlePair]:
    return [p for p in al.pairs if not only or p.kind in only]


def _head(p: ArticlePair) -> str:
    note = "，条文未改" if p.old and p.new and not p.text_changed else ""
    return (f"{f'旧第{p.old.label}条' if p.old else '（旧法无）'} → {f'新第{p.new.label}条' if p.new else '（新法无）'}"
            f"  [{KIND_LABELS[p.kind]}{note}]")


def _map_cells(al: Alignment) -> list[str]:
    """'4→16', '7→17,18', '10→删除' for every old article, in old order."""
    return [f"{a.label}→{','.join(p.new_label for p in al.for_old(a.label) if p.new) or '删除'}"
            for a in al.old.articles]


def _score_note(p: ArticlePair) -> str:
    return (f"ngram {p.score.ngram:.2f}" + (f" embed {p.score.embed:.2f}" if p.score.embed is not None else "")
            + " · " if p.old and p.new else "") + p.score.reason


def render_text(al: Alignment, only: list[str] | None = None) -> str:
    c, om, nm = al.counts(), al.old.meta, al.new.meta
    out = [f"《{nm.title}》新旧对照：{om.version}（{len(al.old.articles)} 条）→ {nm.version}（{len(al.new.articles)} 条）",
           "统计：" + "，".join(f"{KIND_LABELS[k]} {c[k]}" for k in KINDS),
           "条号对照（旧 → 新）："]
    cells = _map_cells(al)
    out += ["  " + "  ".join(cells[k:k + 8]) for k in range(0, len(cells), 8)] + [""]
    for p in _selected(al, only):
        out.append(f"== {_head(p)}  {_score_note(p)}")
        if p.old and p.new:
            out.append("".join(t if op == "equal" else f"〔-{t}-〕" if op == "delete" else f"〔+{t}+〕"
                               for op, t in word_diff(p.old.body, p.new.body)) if p.text_changed else "（条文未改动）")
        else:
            out.append(f"〔+{p.new.body}+〕" if p.new else f"〔-{p.old.body}-〕")
        out.append("")
    return "\n".join(out)


def alignment_json(al: Alignment, only: list[str] | None = None) -> dict:
    """Alignment.to_dict() with, per listed pair, both texts and the diff as [op, text] lists."""
    d = al.to_dict()
    d["pairs"] = [p.to_dict() | {"old_text": p.old.text if p.old else None, "new_text": p.new.text if p.new else None,
                                 "diff": [list(x) for x in word_diff(p.old.body, p.new.body)] if p.old and p.new else None}
                  for p in _selected(al, only)]
    return d


_CSS = """body{font-family:"Noto Serif CJK SC","Source Han Serif SC","SimSun",serif;margin:2em;line-height:1.7}
table{border-collapse:collapse;width:100%;table-layout:fixed;margin:1em 0}
th,td{border:1px solid #bbb;padding:.35em .6em;vertical-align:top;text-align:left}
td.t{white-space:pre-wrap}th.pair{background:#f3f3f3;font-weight:normal}
ins{background:#d6f5d6;text-decoration:underline}del{background:#f8d4d4;text-decoration:line-through}
.small{font-size:.85em;color:#555}
@media print{body{margin:0}ins{background:none;font-weight:bold}del{background:none}tr{page-break-inside:avoid}}"""


def render_html(al: Alignment, only: list[str] | None = None) -> str:
    e = html.escape
    c, om, nm = al.counts(), al.old.meta, al.new.meta
    title = f"《{nm.title}》新旧对照 {om.version} → {nm.version}"
    rows = []
    for p in _selected(al, only):
        if p.old and p.new:
            ops = word_diff(p.old.body, p.new.body)
            left = "".join(e(t) if op == "equal" else f"<del>{e(t)}</del>" for op, t in ops if op != "insert")
            right = "".join(e(t) if op == "equal" else f"<ins>{e(t)}</ins>" for op, t in ops if op != "delete")
        else:
            left = f"<del>{e(p.old.body)}</del>" if p.old else ""
            right = f"<ins>{e(p.new.body)}</ins>" if p.new else ""
        lh = e(p.old.heading) + " " if p.old else ""
        rh = e(p.new.heading) + " " if p.new else ""
        rows.append(f'<tr><th class="pair" colspan="2">{e(_head(p))} <span class="small">{e(_score_note(p))}'
                    f'</span></th></tr>\n<tr><td class="t"><b>{lh}</b>{left}</td>'
                    f'<td class="t"><b>{rh}</b>{right}</td></tr>')
    counts = "".join(f"<td>{e(KIND_LABELS[k])} {c[k]}</td>" for k in KINDS)
    cells = _map_cells(al)
    mapping = "".join("<tr>" + "".join(f"<td>{e(x)}</td>" for x in cells[k:k + 10]) + "</tr>"
                      for k in range(0, len(cells), 10))
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{e(title)}</title>'
            f"<style>{_CSS}</style></head><body>\n<h1>{e(title)}</h1>\n"
            f"<p>旧版 {len(al.old.articles)} 条，新版 {len(al.new.articles)} 条。"
            f'<span class="small">对齐方法：字符二元组相似度{"＋" + e(al.embedder) if al.embedder else ""}</span></p>\n'
            f"<table><tr>{counts}</tr></table>\n<h2>条号对照（旧 → 新）</h2>\n"
            f"<table>{mapping}</table>\n<h2>逐条对照</h2>\n"
            f"<table><tr><th>旧（{e(om.version)}）</th><th>新（{e(nm.version)}）</th></tr>\n"
            + "\n".join(rows) + "\n</table></body></html>\n")
