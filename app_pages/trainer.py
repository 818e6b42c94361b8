"""出题: a trainer builds a quiz from the articles (kb.quiz), reads every item in full (stem, options,
answer, explanation, the cited article as a link), edits, regenerates or removes single items, draws
another set (换一组题), and downloads it in the formats exam systems import (kb.quiz.export).

Every item comes from kb.quiz.generate_quiz / regenerate_item and passes its quality gates (a trainer's
edit is kb.quiz.edit_item, tagged 人工修改); this page only chooses the scope, keeps the quiz in the
session, and turns it into files in memory. The seed stays out of sight: the first quiz of a session is
DEFAULT_SEED's, 换一组题 moves to the next seed of a fixed sequence (`kb quiz --seed` reproduces a set).
"""
from __future__ import annotations

import hashlib
import json
import random
import tempfile
from pathlib import Path

import streamlit as st

from app_pages._shared import AppContext, cited_link, md_escape
from kb.core import QuizError
from kb.quiz import LETTERS, TYPES, edit_item, generate_quiz, quiz_spread, regenerate_item
from kb.quiz import default_title, format_items, source_text, write_docx, write_xlsx

QUIZ_KEY = "trainer_quiz"          # session: the current kb.quiz.Quiz
ERROR_KEY = "trainer_error"        # session: a message from the last remove/regenerate/edit
REGEN_KEY = "trainer_regen_round"  # session: how many regenerations so far (seed offset)
FILES_KEY = "trainer_files"        # session: (signature of the items, {format: bytes})
SEED_KEY = "trainer_seed"          # session: the seed of the next draw (kept out of sight; `kb quiz --seed`)
EDIT_KEY = "trainer_editing"       # session: the number (1-based) of the item being edited, if any
ROUND_KEY = "trainer_round"        # session: bumped on every change of the item list (fresh widget keys)
DEFAULT_LAW = "安全生产法"
DEFAULT_COUNTS = {"single": 10, "multi": 5, "judge": 10, "cloze": 5}
DEFAULT_SEED = 7                   # the first quiz of a session is always the same one (reproducible)
MAX_PER_TYPE = 100


def render(ctx: AppContext) -> None:
    st.title("出题")
    st.caption("从法规条文自动生成单选、多选、判断、填空题。每道题的答案都能在所引条文中逐字核实，"
               "干扰项经过检查不会同样正确。题目按章节分散抽取，罚款数额题不超过四分之一。")
    ss = st.session_state
    with st.container(border=True):
        scope_form(ctx)
        with st.container(horizontal=True):
            st.button("生成题目", key="trainer_generate", type="primary", icon=":material/quiz:",
                      on_click=_generate, args=(ctx, False))
            st.button("换一组题", key="trainer_again", icon=":material/shuffle:", disabled=QUIZ_KEY not in ss,
                      help="同样的范围和题量，换一批题目", on_click=_generate, args=(ctx, True))
    if ss.get(ERROR_KEY):
        st.error(ss[ERROR_KEY])
    quiz = ss.get(QUIZ_KEY)
    if quiz is None:
        st.info("选择范围和各题型的数量后，点击“生成题目”。")
        return
    show_quiz(ctx, quiz)


def _generate(ctx: AppContext, new_draw: bool) -> None:
    """生成题目 (the current seed: the same scope gives the same quiz) or 换一组题 (the next seed)."""
    ss = st.session_state
    if new_draw:     # the next seed of a fixed sequence, so a session stays reproducible
        ss[SEED_KEY] = random.Random(ss.get(SEED_KEY, DEFAULT_SEED)).randrange(1_000_000)
    request = current_request()
    ss.pop(ERROR_KEY, None)
    ss[REGEN_KEY] = 0
    try:
        ss[QUIZ_KEY] = generate_quiz(ctx.corpus, request["laws"], chapters=request["chapters"],
                                     articles=request["articles"], types=request["types"],
                                     seed=ss.get(SEED_KEY, DEFAULT_SEED), changed_only=request["changed_only"])
    except QuizError as exc:
        ss.pop(QUIZ_KEY, None)
        ss[ERROR_KEY] = str(exc)
    _changed()


# ---- scope ---------------------------------------------------------------------------------------
def scope_form(ctx: AppContext) -> None:
    """The scope widgets; their values are read back by current_request()."""
    corpus = ctx.corpus
    titles = {law: corpus.current(law).title for law in corpus.laws() if corpus.current(law)}
    default = [DEFAULT_LAW] if DEFAULT_LAW in titles else list(titles)[:1]
    c1, c2, c3 = st.columns([3, 3, 2])
    laws = c1.multiselect("法规文件（现行版本）", list(titles), default=default, format_func=titles.__getitem__,
                          key="trainer_laws", placeholder="请选择至少一个文件")
    chapter_options = list(dict.fromkeys(el for law in laws for path in
                                         corpus.documents[corpus.current(law).key].headings for el in path))
    c2.multiselect("章节（可选）", chapter_options, key="trainer_chapters", placeholder="全部章节")
    c3.text_input("条文范围（可选）", key="trainer_articles", placeholder="例如 21-30,95")
    for col, (typ, label) in zip(st.columns(len(TYPES)), TYPES.items()):
        col.number_input(f"{label}（道）", min_value=0, max_value=MAX_PER_TYPE, step=1, value=DEFAULT_COUNTS[typ],
                         key=f"trainer_n_{typ}")
    multi = [law for law in laws if len(corpus.versions(law)) > 1]
    st.checkbox("只出修订变化的题", key="trainer_changed",
                help="只从最近一次修订新增或改动的条文出题，题干以“修订后，”开头"
                     + (f"（可用于：{'、'.join(multi)}）" if multi else "（需要语料中有旧版本的文件，如突发事件应对法）"))


def current_request() -> dict:
    """What the scope widgets say: laws, chapters, article ranges, counts per type, changed only."""
    ss = st.session_state
    counts = {t: int(ss.get(f"trainer_n_{t}", DEFAULT_COUNTS[t]) or 0) for t in TYPES}
    return {"laws": ss.get("trainer_laws") or None, "chapters": ss.get("trainer_chapters") or None,
            "articles": (ss.get("trainer_articles") or "").strip() or None,
            "types": {t: n for t, n in counts.items() if n}, "changed_only": bool(ss.get("trainer_changed"))}


# ---- preview, edit, remove, regenerate ---------------------------------------------------------------
def show_quiz(ctx: AppContext, quiz) -> None:
    items = quiz.items
    st.subheader(f"题目预览（共 {len(items)} 道）")
    if not items:
        st.warning("题目已全部删除。请重新生成。")
        return
    show_spread(quiz_spread(items, ctx.corpus))
    with st.expander("质量检查"):
        st.caption(quiz.report.summary().replace("\n", " ") + f" 题组编号 {quiz.seed}"
                   f"（命令行 python -m kb quiz --seed {quiz.seed} 可重现同一范围的这组题）。")
    downloads(quiz)
    for n, item in enumerate(items, 1):
        show_item(ctx, n, item)


def show_spread(spread: dict) -> None:
    """How the items are spread: per type, per chapter, and how many ask about sums of money."""
    st.markdown("**题型**：" + "　".join(f"{TYPES[t]} {k} 道" for t, k in spread["type"].items()))
    st.markdown("**章节**：" + "　".join(f"{md_escape(c or '（无章节）')} {k} 道" for c, k in spread["chapter"].items()))
    st.caption(f"其中涉及罚款等数额的题 {spread['amount']['数额']} 道。")


def show_item(ctx: AppContext, n: int, item) -> None:
    """One item in full: stem, every option, answer, explanation, the cited article; edit/regenerate/remove."""
    art = ctx.corpus.by_id.get(item.source.article_id)
    with st.container(border=True, key=f"trainer_item_{n}"):
        tags = "、".join(t for t in item.tags if t)
        st.markdown(f"**第 {n} 题　{item.type_label}**　难度 {item.difficulty}" + (f"　·　{md_escape(tags)}" if tags else ""))
        if st.session_state.get(EDIT_KEY) == n:
            edit_form(n, item)
            return
        st.markdown(md_escape(item.stem))
        if item.options:
            st.markdown("  \n".join(md_escape(f"{LETTERS[i]}. {o}") for i, o in enumerate(item.options)))
        st.markdown(f"**答案**：{md_escape(item.answer)}")
        st.markdown(f"**解析**：{md_escape(item.explanation)}")
        st.markdown("**出处**：" + (cited_link(ctx, art) if art else md_escape(source_text(item))))
        with st.container(horizontal=True):
            st.button("修改", key=f"trainer_edit_{n}", icon=":material/edit:", on_click=_start_edit, args=(n,))
            st.button("重新生成", key=f"trainer_regen_{n}", icon=":material/autorenew:", on_click=_regenerate,
                      args=(ctx, n))
            st.button("删除", key=f"trainer_remove_{n}", icon=":material/delete:", on_click=_remove, args=(n,))


def edit_form(n: int, item) -> None:
    """The item's words as fields; 保存 keeps them in the session (and in every download)."""
    r = st.session_state.get(ROUND_KEY, 0)
    with st.form(key=f"trainer_form_{r}_{n}", border=False):
        stem = st.text_area("题干", item.stem, key=f"trainer_stem_{r}_{n}")
        options = [st.text_input(f"选项 {LETTERS[i]}", o, key=f"trainer_opt_{r}_{n}_{i}")
                   for i, o in enumerate(item.options)]
        if item.type == "judge":
            answer = st.radio("答案", ["正确", "错误"], index=0 if item.key == "正确" else 1, horizontal=True,
                              key=f"trainer_ans_{r}_{n}")
        else:
            hint = "写选项字母，多选用逗号分开，例如 A,C" if item.options else "填空处应填的词"
            answer = st.text_input("答案", item.answer, key=f"trainer_ans_{r}_{n}", help=hint)
        with st.container(horizontal=True):
            save = st.form_submit_button("保存", type="primary", icon=":material/check:")
            cancel = st.form_submit_button("取消")
    if save:
        try:
            st.session_state[QUIZ_KEY].items[n - 1] = edit_item(item, stem, options, answer)
        except QuizError as exc:
            st.error(str(exc))
            return
        st.session_state.pop(EDIT_KEY, None)
        st.rerun()
    if cancel:
        st.session_state.pop(EDIT_KEY, None)
        st.rerun()


def _changed() -> None:
    """The item list changed: no item is being edited, widget keys start afresh."""
    ss = st.session_state
    ss[ROUND_KEY] = ss.get(ROUND_KEY, 0) + 1
    ss.pop(EDIT_KEY, None)


def _start_edit(n: int) -> None:
    st.session_state[EDIT_KEY] = n
    st.session_state[ROUND_KEY] = st.session_state.get(ROUND_KEY, 0) + 1


def _remove(n: int) -> None:
    ss = st.session_state
    quiz = ss.get(QUIZ_KEY)
    if quiz is None or not 0 < n <= len(quiz.items):
        return
    del quiz.items[n - 1]
    quiz.report.selected = len(quiz.items)
    ss.pop(ERROR_KEY, None)
    _changed()


def _regenerate(ctx: AppContext, n: int) -> None:
    """Replace item n by a new candidate of the same type and scope (another seed each round)."""
    ss = st.session_state
    quiz = ss.get(QUIZ_KEY)
    if quiz is None or not 0 < n <= len(quiz.items):
        return
    ss[REGEN_KEY] = ss.get(REGEN_KEY, 0) + 1
    try:
        quiz.items[n - 1] = regenerate_item(ctx.corpus, quiz, n - 1, seed=quiz.seed + 1000 * ss[REGEN_KEY] + n)
        ss.pop(ERROR_KEY, None)
    except QuizError as exc:
        ss[ERROR_KEY] = str(exc)
    _changed()


# ---- downloads -----------------------------------------------------------------------------------
def export_bytes(items, title: str | None = None) -> dict[str, bytes]:
    """Every format in memory: xlsx, csv, json, docx paper, docx answer key, GIFT."""
    title = title or default_title(items)
    out = {"csv": format_items(items, "csv").encode("utf-8-sig"),
           "json": format_items(items, "json").encode("utf-8"),
           "gift": format_items(items, "gift").encode("utf-8")}
    with tempfile.TemporaryDirectory(prefix="kb-quiz-") as tmp:
        xlsx = Path(tmp) / "quiz.xlsx"
        write_xlsx(items, xlsx)
        out["xlsx"] = xlsx.read_bytes()
        paper, key = write_docx(items, Path(tmp) / "quiz.docx", title)
        out["docx"], out["docx_key"] = paper.read_bytes(), key.read_bytes()
    return out


def _signature(quiz) -> str:
    data = json.dumps([it.to_dict() for it in quiz.items], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha1(data.encode("utf-8")).hexdigest()


DOWNLOADS = [  # (format key, label, file suffix, mime)
    ("xlsx", "Excel（xlsx）", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("csv", "CSV", "csv", "text/csv"),
    ("json", "JSON", "json", "application/json"),
    ("docx", "Word 试卷", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("docx_key", "Word 答案与解析", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("gift", "Moodle GIFT", "gift", "text/plain"),
]


def downloads(quiz) -> None:
    ss = st.session_state
    sig = _signature(quiz)
    cached = ss.get(FILES_KEY)
    if not cached or cached[0] != sig:
        cached = (sig, export_bytes(quiz.items))
        ss[FILES_KEY] = cached
    files = cached[1]
    laws = list(dict.fromkeys(it.source.law for it in quiz.items))
    stem = ("、".join(laws[:2]) + ("等" if len(laws) > 2 else "")) + f"练习题_{quiz.seed}"
    st.markdown("**下载**（含修改后的题目）")
    # buttons as wide as their labels, wrapping onto a second line on a narrow screen: never cut off
    with st.container(horizontal=True):
        for fmt, label, suffix, mime in DOWNLOADS:
            name = f"{stem}_答案.{suffix}" if fmt == "docx_key" else f"{stem}.{suffix}"
            st.download_button(label, files[fmt], file_name=name, mime=mime, key=f"trainer_dl_{fmt}",
                               icon=":material/download:", on_click="ignore")
    st.caption("xlsx/csv 的列：题型、题干、选项A–F、答案（多选如 A,B）、解析、出处、难度，可直接导入常见考试系统；"
               "GIFT 可导入 Moodle。")
