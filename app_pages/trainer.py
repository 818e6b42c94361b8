"""出题: a trainer builds a quiz from the articles (kb.quiz), previews it, removes or regenerates single
items, and downloads it in the formats exam systems import (kb.quiz.export).

Every item comes from kb.quiz.generate_quiz / regenerate_item and passes its quality gates; this page
only chooses the scope, keeps the quiz in the session, and turns it into files in memory.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import streamlit as st

from app_pages._shared import AppContext
from kb.core import QuizError
from kb.quiz import LETTERS, TYPES, generate_quiz, regenerate_item
from kb.quiz import default_title, format_items, source_text, write_docx, write_xlsx

QUIZ_KEY = "trainer_quiz"          # session: the current kb.quiz.Quiz
ERROR_KEY = "trainer_error"        # session: a message from the last remove/regenerate
REGEN_KEY = "trainer_regen_round"  # session: how many regenerations so far (seed offset)
FILES_KEY = "trainer_files"        # session: (signature of the items, {format: bytes})
DEFAULT_LAW = "安全生产法"
DEFAULT_COUNTS = {"single": 10, "multi": 5, "judge": 10, "cloze": 5}
MAX_PER_TYPE = 100


def render(ctx: AppContext) -> None:
    st.title("出题")
    st.caption("从法规条文自动生成单选、多选、判断、填空题。每道题的答案都能在所引条文中逐字核实，"
               "干扰项经过检查不会同样正确；同一随机种子生成同一份题目。")
    corpus = ctx.corpus
    ss = st.session_state
    with st.container(border=True):
        request = scope_form(ctx)
        if st.button("生成题目", key="trainer_generate", type="primary", icon=":material/quiz:"):
            ss.pop(ERROR_KEY, None)
            ss[REGEN_KEY] = 0
            try:
                ss[QUIZ_KEY] = generate_quiz(corpus, request["laws"], chapters=request["chapters"],
                                             articles=request["articles"], types=request["types"],
                                             seed=request["seed"], changed_only=request["changed_only"])
                ss["trainer_pick"] = []
            except QuizError as exc:
                ss.pop(QUIZ_KEY, None)
                st.error(str(exc))
    if ss.get(ERROR_KEY):
        st.error(ss[ERROR_KEY])
    quiz = ss.get(QUIZ_KEY)
    if quiz is None:
        st.info("选择范围、题型数量和随机种子后，点击“生成题目”。")
        return
    show_quiz(ctx, quiz)


# ---- scope ---------------------------------------------------------------------------------------
def scope_form(ctx: AppContext) -> dict:
    corpus = ctx.corpus
    titles = {law: corpus.current(law).title for law in corpus.laws() if corpus.current(law)}
    default = [DEFAULT_LAW] if DEFAULT_LAW in titles else list(titles)[:1]
    c1, c2, c3 = st.columns([3, 3, 2])
    laws = c1.multiselect("法规文件（现行版本）", list(titles), default=default, format_func=titles.__getitem__,
                          key="trainer_laws", placeholder="请选择至少一个文件")
    chapter_options = list(dict.fromkeys(el for law in laws for path in
                                         corpus.documents[corpus.current(law).key].headings for el in path))
    chapters = c2.multiselect("章节（可选）", chapter_options, key="trainer_chapters", placeholder="全部章节")
    articles = c3.text_input("条文范围（可选）", key="trainer_articles", placeholder="例如 21-30,95")

    cols = st.columns(6)
    counts = {}
    for col, (typ, label) in zip(cols, TYPES.items()):
        counts[typ] = int(col.number_input(label, min_value=0, max_value=MAX_PER_TYPE, step=1,
                                           value=DEFAULT_COUNTS[typ], key=f"trainer_n_{typ}"))
    seed = int(cols[4].number_input("随机种子", min_value=0, max_value=999_999, value=7, step=1, key="trainer_seed"))
    multi = [law for law in laws if len(corpus.versions(law)) > 1]
    changed_only = cols[5].checkbox("只出修订变化的题", key="trainer_changed",
                                    help="只从最近一次修订新增或改动的条文出题，题干以“修订后，”开头"
                                         + (f"（可用于：{'、'.join(multi)}）" if multi else "（需要语料中有旧版本的文件，如突发事件应对法）"))
    return {"laws": laws or None, "chapters": chapters or None, "articles": articles.strip() or None,
            "types": {t: n for t, n in counts.items() if n}, "seed": seed, "changed_only": changed_only}


# ---- preview, remove, regenerate -----------------------------------------------------------------------
def item_rows(items) -> list[dict]:
    return [{"题号": n, "题型": it.type_label, "题干": it.stem,
             "选项": "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(it.options)),
             "答案": it.answer, "出处": source_text(it), "难度": it.difficulty, "标签": "、".join(it.tags),
             "解析": it.explanation} for n, it in enumerate(items, 1)]


def show_quiz(ctx: AppContext, quiz) -> None:
    items = quiz.items
    per_type = "，".join(f"{TYPES[t]} {sum(it.type == t for it in items)} 道" for t in TYPES
                        if any(it.type == t for it in items))
    st.subheader(f"题目预览（共 {len(items)} 道）")
    st.caption(f"{per_type}。随机种子 {quiz.seed}。" + quiz.report.summary().replace("\n", " "))
    if not items:
        st.warning("题目已全部删除。请重新生成。")
        return
    st.dataframe(item_rows(items), hide_index=True, width="stretch",
                 column_config={"题干": st.column_config.TextColumn(width="large"),
                                "解析": st.column_config.TextColumn(width="large")})

    c1, c2, c3 = st.columns([4, 1, 1], vertical_alignment="bottom")
    c1.multiselect("选择题号", list(range(1, len(items) + 1)), key="trainer_pick",
                   format_func=lambda n: f"第 {n} 题（{items[n - 1].type_label}）",
                   placeholder="选择要删除或重新生成的题目")
    picked = bool(st.session_state.get("trainer_pick"))
    c2.button("删除所选", key="trainer_remove", icon=":material/delete:", disabled=not picked,
              on_click=_remove, width="stretch")
    c3.button("重新生成所选", key="trainer_regen", icon=":material/autorenew:", disabled=not picked,
              on_click=_regenerate, args=(ctx,), width="stretch")
    downloads(quiz)


def _remove() -> None:
    ss = st.session_state
    quiz, picked = ss.get(QUIZ_KEY), set(ss.get("trainer_pick") or [])
    if quiz is None:
        return
    quiz.items = [it for n, it in enumerate(quiz.items, 1) if n not in picked]
    quiz.report.selected = len(quiz.items)
    ss["trainer_pick"] = []
    ss.pop(ERROR_KEY, None)


def _regenerate(ctx: AppContext) -> None:
    """Replace each picked item by a new candidate of the same type and scope (another seed each round)."""
    ss = st.session_state
    quiz, picked = ss.get(QUIZ_KEY), sorted(ss.get("trainer_pick") or [])
    if quiz is None:
        return
    ss[REGEN_KEY] = ss.get(REGEN_KEY, 0) + 1
    failed = []
    for n in picked:
        try:
            quiz.items[n - 1] = regenerate_item(ctx.corpus, quiz, n - 1, seed=quiz.seed + 1000 * ss[REGEN_KEY] + n)
        except QuizError as exc:
            failed.append(str(exc))
    ss["trainer_pick"] = []
    if failed:
        ss[ERROR_KEY] = " ".join(failed)
    else:
        ss.pop(ERROR_KEY, None)


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
    stem = ("、".join(laws[:2]) + ("等" if len(laws) > 2 else "")) + f"练习题_种子{quiz.seed}"
    st.markdown("**下载**")
    cols = st.columns(len(DOWNLOADS))
    for col, (fmt, label, suffix, mime) in zip(cols, DOWNLOADS):
        name = f"{stem}_答案.{suffix}" if fmt == "docx_key" else f"{stem}.{suffix}"
        col.download_button(label, files[fmt], file_name=name, mime=mime, key=f"trainer_dl_{fmt}",
                            icon=":material/download:", width="stretch", on_click="ignore")
    st.caption("xlsx/csv 的列：题型、题干、选项A–F、答案（多选如 A,B）、解析、出处、难度，可直接导入常见考试系统；"
               "GIFT 可导入 Moodle。")
