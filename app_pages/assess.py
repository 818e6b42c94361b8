"""案情研判: an officer describes an accident; the page shows the facts it read (editable), then the grade,
who investigates, reporting, fines and criminal exposure, each step with the articles it rests on,
quoted verbatim. All of it comes from kb.answer.assess; this page only renders and collects edits."""
from __future__ import annotations

import streamlit as st

from app_pages._shared import AppContext, cited_link, md_escape, text_block
from kb.answer import assess, circumstance_label, circumstance_patterns, extract_facts

TEXT_KEY = "assess_text"
FACTS_KEY = "assess_facts"        # session: the IncidentFacts being assessed (read from the text, then edited)
EXAMPLE = "化工厂反应釜爆炸，4人死亡、7人受伤，直接经济损失约1200万元。属于什么等级？谁来调查？罚多少？要不要移送司法？"


def render(ctx: AppContext) -> None:
    st.title("案情研判")
    st.caption("描述事故经过（死亡、重伤人数，直接经济损失，瞒报、强令冒险作业等情节），系统按《生产安全事故报告和调查处理条例》、"
               "安全生产法、刑法及司法解释逐步研判，每一步都引用条文原文。研判结果供执法参考，不代替调查结论。")
    text = st.text_area("事故描述", key=TEXT_KEY, height=120, placeholder=EXAMPLE)
    if st.button("研判", type="primary", key="assess_run"):
        if not text or not text.strip():
            st.warning("请先输入事故描述，例如：" + EXAMPLE)
            return
        st.session_state[FACTS_KEY] = extract_facts(text)
        _reset_edits()
    facts = st.session_state.get(FACTS_KEY)
    if facts is None:
        return
    edited = edit_facts(facts)
    show(ctx, assess(edited, ctx.corpus))


def _reset_edits() -> None:
    for key in ("assess_deaths", "assess_serious", "assess_loss", "assess_circ"):
        st.session_state.pop(key, None)


def edit_facts(facts):
    """The facts read from the text, in fields the officer can correct; the assessment re-runs on change."""
    codes = sorted(circumstance_patterns())
    with st.expander("识别出的事实（可修改，修改后自动重新研判）", expanded=True):
        c1, c2, c3 = st.columns(3)
        deaths = c1.number_input("死亡（人）", min_value=0, step=1, value=facts.deaths or 0, key="assess_deaths")
        serious = c2.number_input("重伤（人，含急性工业中毒）", min_value=0, step=1, value=facts.serious_injuries or 0,
                                  key="assess_serious")
        loss_wan = c3.number_input("直接经济损失（万元）", min_value=0.0, step=10.0, key="assess_loss",
                                   value=(facts.direct_loss_yuan or 0) / 10_000)
        chosen = st.multiselect("情节", codes, default=[c for c in facts.circumstances if c in codes],
                                format_func=circumstance_label, key="assess_circ")
        for note in facts.notes:
            st.caption(note)
    changed = (deaths, serious, round(loss_wan * 10_000)) != (facts.deaths or 0, facts.serious_injuries or 0,
                                                              facts.direct_loss_yuan or 0)
    out = type(facts)(**{**facts.__dict__})
    out.deaths, out.serious_injuries = int(deaths), int(serious)
    out.direct_loss_yuan = round(loss_wan * 10_000) if loss_wan or facts.direct_loss_yuan is not None else None
    out.circumstances = list(chosen)
    if changed and (deaths or serious or loss_wan):
        out.accident = True
    if "danger_no_accident" in chosen and not (deaths or serious or loss_wan):
        out.accident = False
    return out


def show(ctx: AppContext, a) -> None:
    lines = a.conclusion()
    st.subheader("结论")
    st.success("\n\n".join(md_escape(x) for x in lines))
    for step in a.steps:
        with st.expander(f"{step.topic}：{step.finding[:60]}{'…' if len(step.finding) > 60 else ''}", expanded=False):
            st.markdown(md_escape(step.finding))
            for c in step.citations:
                art = ctx.corpus.by_id.get(c.article_id)
                st.markdown(f"**{cited_link(ctx, art, c.line) if art else md_escape(c.line)}**")
                text_block(c.quote, css="kb-quote")
    for note in a.notes:
        st.caption(note)
    if a.missing:
        st.info("以下文件会细化罚款数额，但尚未收录全文，可在“语料”页导入："
                + "、".join(f"《{m['title']}》" for m in a.missing))
