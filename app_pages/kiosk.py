"""自助机 (KB_MODE=kiosk, `make kiosk`): one screen for a community service station, used by anyone.

Big topic buttons and a question box; each answer is "简单说：…", the article quoted and cited, help
lines and a disclaimer, all from kb.answer.kiosk (no retrieval logic here). The screen clears itself after
KB_KIOSK_IDLE_SECONDS without use: checked on every rerun, and a fragment reruns on a timer so an
idle screen resets with nobody touching it. No question text is ever logged or written to disk.
"""
from __future__ import annotations

import html
import logging
import time
import traceback

import streamlit as st

from app_pages._shared import AppContext, marked_html
from kb.answer import KioskConfig, check_input, kiosk_answer, record_usage, topics

log = logging.getLogger("kb.kiosk")

TURNS = "kiosk_turns"              # newest first: {"asked": label or question, "answer": KioskAnswer}
TIMES = "kiosk_times"              # when this session's questions were answered (rate limit)
LAST_ACTIVE = "kiosk_last_active"  # time.time() of the last touch
NOTICE = "kiosk_notice"            # a gentle message shown once
KEYS = (TURNS, TIMES, LAST_ACTIVE, NOTICE)
MAX_TURNS = 3
COLUMNS = 2
TITLE = "安全生产法律小助手"

# Hide everything a passer-by could break (sidebar, menu, toolbar, deploy button, footer) and make
# the type and the buttons big enough for a touch screen read from a step away.
CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="collapsedControl"],
[data-testid="stSidebarNav"], [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], [data-testid="stAppDeployButton"], [data-testid="stMainMenu"], #MainMenu, footer
  { display: none !important; }
html, body, [data-testid="stAppViewContainer"] { font-size: 21px; }
[data-testid="stMainBlockContainer"], .block-container { padding-top: 1.2rem; max-width: 1800px; }
h1 { font-size: 2.4rem !important; padding-top: 0 !important; }
.kiosk-lead { font-size: 1.45rem; margin-bottom: 0.6rem; }
.stButton > button { min-height: 4rem; width: 100%; border-radius: 16px; border-width: 2px; }
.stButton > button p { font-size: 1.4rem !important; font-weight: 600; white-space: normal; line-height: 1.3; }
.stButton > button div { overflow: visible; }
.kiosk-welcome { font-size: 1.6rem; line-height: 1.8; padding: 2rem 1rem; color: #444; }
.kiosk-asked { font-size: 1.3rem; color: #555; margin-bottom: 0.4rem; scroll-margin-top: 2rem; }
.kiosk-plain { font-size: 1.8rem; font-weight: 700; line-height: 1.55; margin: 0.3rem 0 0.8rem 0; }
.kiosk-cite { font-size: 1.2rem; font-weight: 600; color: #8c5a00; }
.kiosk-quote { font-size: 1.35rem; line-height: 1.8; border-left: 8px solid #ffc53d; padding: 0.5rem 1rem;
               margin: 0.3rem 0 0.8rem 0; background: rgba(255, 229, 143, 0.18); }
.kiosk-refusal { font-size: 1.5rem; line-height: 1.7; }
.kiosk-steps { font-size: 1.5rem; line-height: 1.7; margin: 0.2rem 0 0.8rem 0; }
.kiosk-help { font-size: 1.6rem; margin: 0.4rem 0; overflow-wrap: anywhere; }
.kiosk-help b { display: inline-block; white-space: nowrap; margin-right: 1.2rem; }
.kiosk-gloss { font-size: 1.2rem; line-height: 1.7; color: #444; margin: 0 0 0.8rem 0; }
.kiosk-gloss b { color: #222; }
.kiosk-offered { font-size: 1.35rem; line-height: 1.6; columns: 2 14rem; column-gap: 2rem; margin: 0.4rem 0 0.8rem 0; }
.kiosk-offered li { break-inside: avoid; font-size: 1.3rem; }
.kiosk-text, .kiosk-quote, .kiosk-plain, .kiosk-refusal { overflow-wrap: anywhere; }
/* Portrait screens (1080×1920): the answer above the buttons, both full width. */
@media (orientation: portrait) {
  .st-key-kiosk_layout > div > [data-testid="stHorizontalBlock"],
  .st-key-kiosk_layout > [data-testid="stHorizontalBlock"] { flex-direction: column-reverse; }
  .st-key-kiosk_layout [data-testid="stHorizontalBlock"] > [data-testid="stColumn"]:has(.st-key-kiosk_answer),
  .st-key-kiosk_layout [data-testid="stHorizontalBlock"] > [data-testid="stColumn"]:has(.st-key-kiosk_topics)
    { width: 100% !important; flex: 1 1 100% !important; min-width: 100% !important; }
}
[data-testid="stChatInput"] textarea { font-size: 1.4rem !important; min-height: 3.6rem; }
[data-testid="stCaptionContainer"] { font-size: 1.05rem; }
</style>
"""


def render(ctx: AppContext) -> None:
    cfg = KioskConfig.from_env()
    ss = st.session_state
    st.markdown(CSS, unsafe_allow_html=True)
    if idle_expired(ss, time.time(), cfg):
        reset()
    st.title(TITLE)
    st.markdown('<div class="kiosk-lead">点一个问题，或在屏幕最下面输入您的问题。回答都引用国家法律法规原文。</div>',
                unsafe_allow_html=True)

    asked = None
    layout = st.container(key="kiosk_layout")
    left, right = layout.columns([6, 6], gap="large")     # buttons beside the answer: one screen
    with left.container(key="kiosk_topics"):
        cols = st.columns(COLUMNS)
        for i, topic in enumerate(topics()):
            if cols[i % COLUMNS].button(topic.label, key=f"kiosk_topic_{topic.id}", use_container_width=True):
                asked = (topic.question, topic)
    typed = st.chat_input(f"在这里输入问题（{cfg.max_chars} 字以内）", key="kiosk_input")
    if typed is not None:
        asked = (typed, None)
    if asked is not None:
        handle(ctx, cfg, *asked)

    with right.container(key="kiosk_answer"):
        notice = ss.pop(NOTICE, None)
        if notice:
            st.warning(notice)
        turns = ss.get(TURNS, [])
        if not turns and not notice:
            st.markdown('<div class="kiosk-welcome">点左边的问题，回答会显示在这里。<br>'
                        "遇到紧急情况请直接拨打 <b>110</b>、<b>119</b>、<b>120</b>。</div>", unsafe_allow_html=True)
        for n, turn in enumerate(turns):
            if n == 0:
                show_turn(turn)
                if asked is not None:
                    scroll_to_answer(turn.get("at", 0))
            else:
                with st.expander(f"之前的问题：{turn['asked'][:30]}"):
                    show_turn(turn)
        if turns:
            st.button("重新开始", key="kiosk_reset", on_click=reset, icon=":material/restart_alt:")
    idle_watch(cfg)


def handle(ctx: AppContext, cfg: KioskConfig, question: str, topic) -> None:
    ss = st.session_state
    now = time.time()
    ss[LAST_ACTIVE] = now
    times = [t for t in ss.get(TIMES, []) if now - t < 60]
    message = check_input(question, times, now, cfg)
    if message:
        ss[NOTICE] = message
        return
    ss[TIMES] = times + [now]
    try:
        with st.spinner("正在查找法律法规……"):
            answer = kiosk_answer(question, ctx.retriever, topic=topic)
    except Exception as exc:  # noqa: BLE001 - a passer-by sees an apology; the log gets no question text
        log.error("kiosk answer failed: %s\n%s", type(exc).__name__, "".join(traceback.format_tb(exc.__traceback__)))
        ss[NOTICE] = "抱歉，系统出了点问题。请稍后再试，或联系工作人员。"
        return
    turns = ss.setdefault(TURNS, [])
    turns.insert(0, {"asked": topic.label if topic else question.strip(), "answer": answer, "at": now})
    del turns[MAX_TURNS:]
    if cfg.stats:
        record_usage(ctx.settings.home, answer.topic)


def show_turn(turn: dict) -> None:
    ans = turn["answer"]
    with st.container(border=True):
        st.markdown(f'<div class="kiosk-asked" id="kiosk-newest">您问：{marked_html(turn["asked"])}</div>',
                    unsafe_allow_html=True)
        if ans.status == "answered":
            st.markdown(f'<div class="kiosk-plain">{html.escape(ans.plain)}</div>', unsafe_allow_html=True)
            if ans.steps:                                   # an emergency: what to do now comes first
                items = "".join(f"<li>{html.escape(s)}</li>" for s in ans.steps)
                st.markdown(f'<ol class="kiosk-steps">{items}</ol>', unsafe_allow_html=True)
            if ans.citation:
                st.markdown(f'<div class="kiosk-cite">法律原文：{html.escape(ans.citation)}</div>', unsafe_allow_html=True)
                st.markdown(f'<div class="kiosk-quote">{marked_html(ans.quote)}</div>', unsafe_allow_html=True)
            if ans.gloss:                                   # legal words in everyday words, under the quote
                words = "；".join(f"<b>{html.escape(t)}</b>：{html.escape(m)}" for t, m in ans.gloss)
                st.markdown(f'<div class="kiosk-gloss">词语解释　{words}</div>', unsafe_allow_html=True)
        else:
            st.markdown(f'<div class="kiosk-refusal">{marked_html(ans.refusal)}</div>', unsafe_allow_html=True)
            if ans.offered:
                items = "".join(f"<li>{html.escape(t)}</li>" for t in ans.offered)
                st.markdown(f'<div class="kiosk-refusal">我可以回答这些问题：</div><ul class="kiosk-offered">{items}</ul>',
                            unsafe_allow_html=True)
        lines = "".join(f"<b>{html.escape(h)}</b>" for h in ans.help_lines)
        st.markdown(f'<div class="kiosk-help">求助电话：{lines}</div>', unsafe_allow_html=True)
        st.caption(ans.disclaimer)


# The chat box sits at the bottom, so after an answer the browser is left scrolled down; bring the top
# of the new answer ("您问") into view instead. `n` makes each answer's script new, so it runs once.
SCROLL_JS = """<script>
/* answer {n} */
const go = () => {{ const el = document.getElementById("kiosk-newest");
  if (el) el.scrollIntoView({{block: "start", behavior: "instant"}}); }};
setTimeout(go, 50); setTimeout(go, 400); setTimeout(go, 1000);
</script>"""


def scroll_to_answer(n: float) -> None:
    st.html(SCROLL_JS.format(n=n), unsafe_allow_javascript=True)


# ---- inactivity reset -------------------------------------------------------------------------
def idle_expired(ss, now: float, cfg: KioskConfig) -> bool:
    last = ss.get(LAST_ACTIVE)
    return last is not None and now - last > cfg.idle_seconds


def reset() -> None:
    for key in KEYS:
        st.session_state.pop(key, None)


def idle_watch(cfg: KioskConfig) -> None:
    """Rerun a tiny fragment every few seconds; when the screen has been idle too long, clear it and
    rerun the whole page (a screen nobody touches has no other rerun to do it)."""
    every = max(1.0, min(cfg.idle_seconds / 4, 15.0))

    @st.fragment(run_every=every)
    def watch() -> None:
        if idle_expired(st.session_state, time.time(), cfg):
            reset()
            st.rerun(scope="app")

    watch()
