"""Turn engine and service results into short, phone-sized HTML messages."""

from __future__ import annotations

import html
from collections.abc import Sequence

from bot.db.models import AskedQuestion
from bot.engine.model import Probe, Question
from bot.engine.scoring import CHECK_TAGS, Check
from bot.engine.session import Feedback
from bot.services.practice import Summary
from bot.services.reminders import Drill
from bot.texts import Texts


def question(t: Texts, q: Question, number: int, hint_key: str = "question.hint") -> str:
    theme = t.raw(f"themes.{q.themes[0]}") if q.themes else ""
    header = t.html(
        "question.header_html", kind=t.raw(f"kinds.{q.kind}"), theme=theme, number=number
    )
    return f"{header}\n{html.escape(q.text, quote=False)}\n\n<i>{t.html(hint_key)}</i>"


def probe(t: Texts, p: Probe) -> str:
    return t.html("probe.prefix_html", text=p.text)


def tag_names(t: Texts, tags: Sequence[str]) -> str:
    return ", ".join(str(t.raw(f"tags.{tag}")) for tag in tags)


def feedback(t: Texts, fb: Feedback) -> str:
    """One phone-sized message: the score, what was there, what the follow-ups added,
    this question's own points (covered with the candidate's words, missed ones first
    by importance), and one thing to practise next."""
    s = fb.score
    if s.level.startswith("case"):
        head = t.html(
            "feedback.score_case_html", points=s.points, level=t.raw(f"feedback.levels.{s.level}")
        )
    elif s.level.startswith("star"):
        head = t.html("feedback.score_star_html", points=s.points)
    else:
        head = t.html("feedback.score_technical_html", points=s.points, out_of=s.out_of)
    lines = [head]
    if fb.no_answer:
        lines.append(t.html("feedback.no_answer"))
    seen: set[str] = set()  # each quote of the candidate's words is shown once
    lines.extend(_check_lines(t, fb, seen))
    lines.extend(_point_lines(t, fb, seen))
    # a gap already shown as a rubric line (met after a follow-up, or missing) is not
    # repeated below it: the message stays one phone screen
    shown = {tag for c in fb.score.checks for tag in CHECK_TAGS.get(c.key, ())}
    closed = [c for c in fb.closed if c.tag not in shown]
    if closed:
        items = "; ".join(
            t.html("feedback.closed_item_html", gap=t.raw(f"tags.{c.tag}"), quote=_quote(c.quote))
            for c in closed
        )
        lines.append(f"{t.html('feedback.resolved_prefix_html')} {items}")
    still = [tag for tag in fb.open_tags if tag not in shown]
    if still:
        lines.append(t.html("feedback.still_open_html", tags=tag_names(t, still)))
    if not fb.points and fb.strong_points:
        lines.append(t.html("feedback.strong_html", points="; ".join(fb.strong_points[:2])))
    nxt = _practise_next(t, fb)
    if nxt:
        lines.append(t.html("feedback.next_html", step=nxt))
    return "\n".join(lines)


def _check_lines(t: Texts, fb: Feedback, seen: set[str]) -> list[str]:
    closed = set(fb.resolved_tags)

    # strongest first: met from the start, met after a follow-up, then the missing ones
    def order(c: Check) -> int:
        return 2 if not c.ok else int(bool(closed.intersection(CHECK_TAGS.get(c.key, ()))))

    # a line met in a follow-up quotes the reply that closed it; a quote is shown once
    reply_quote = {c.tag: c.quote for c in fb.closed}
    lines = []
    for check in sorted(fb.score.checks, key=order):
        mark = t.raw("feedback.ok") if check.ok else t.raw("feedback.missing")
        label = html.escape(str(t.raw(f"feedback.checks.{check.key}")), quote=False)
        said = next(
            (reply_quote[tag] for tag in CHECK_TAGS.get(check.key, ()) if tag in reply_quote),
            check.detail,
        )
        shown = _quote(said, 50) if check.ok and said else ""
        detail = f" — “{html.escape(shown, quote=False)}”" if shown and shown not in seen else ""
        seen.add(shown)
        later = f" <i>({t.html('feedback.after_followup')})</i>" if order(check) == 1 else ""
        lines.append(f"{mark} {label}{detail}{later}")
    return lines


def _point_lines(t: Texts, fb: Feedback, seen: set[str], max_missed: int = 2) -> list[str]:
    if not fb.points:
        return []
    lines = [t.html("feedback.points_header_html")]
    for c in fb.points:
        if c.covered:
            later = (
                f" <i>({t.html('feedback.after_followup')})</i>"
                if c.index in fb.late_points
                else ""
            )
            quote = _quote(c.quote, 50)
            said = f" — “{html.escape(quote, quote=False)}”" if quote not in seen else ""
            seen.add(quote)
            lines.append(
                f"{t.raw('feedback.ok')} {html.escape(c.point.text, quote=False)}{said}{later}"
            )
    for c in fb.missed_points[:max_missed]:
        lines.append(f"{t.raw('feedback.point_missed')} {html.escape(c.point.text, quote=False)}")
    return lines


def _practise_next(t: Texts, fb: Feedback) -> str:
    """The single most useful next step: the interviewer's question for the top missed
    point (something to think through, not a repeat of the ❌ line), else the top gap."""
    if fb.missed_points:
        return fb.missed_points[0].point.follow_up
    if fb.open_tags:
        return str(t.raw(f"feedback.practise.{fb.open_tags[0]}"))
    if fb.score.level == "case_2":
        lacking = [
            c.key for c in fb.score.checks if not c.ok and c.key in ("tradeoff", "validation")
        ]
        return "; ".join(str(t.raw(f"feedback.to_three_steps.{key}")) for key in lacking)
    return ""


def model_answer(t: Texts, q: Question) -> str:
    """A worked answer that would get full marks, so a 1/3 can see what a 3/3 looks like."""
    if not q.model_answer:
        return t.html("feedback.no_model_answer")
    return t.html("feedback.model_answer_html", text=q.model_answer)


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def summary(t: Texts, sm: Summary | None) -> str:
    if sm is None or sm.answered == 0:
        return t.html("session.summary_empty")
    gaps = ", ".join(f"{t.raw(f'tags.{tag}')} ×{n}" for tag, n in sm.gaps.items())
    scores = ", ".join(f"{t.raw(f'kinds.{kind}')} {p}/{o}" for kind, p, o in sm.scores)
    return t.html(
        "session.summary_html",
        answered=sm.answered,
        gaps=gaps or t.raw("session.no_gaps"),
        scores=scores,
    )


def transcript_markdown(
    t: Texts, questions: Sequence[AskedQuestion], lookup: dict[str, Question]
) -> str:
    """The user's whole history as Markdown, for /export."""
    out = [f"# {t.raw('export.title')}", ""]
    for aq in questions:
        q = lookup.get(aq.question_id)
        out.append(
            f"## {aq.created_at:%Y-%m-%d %H:%M} UTC · {t.raw(f'kinds.{aq.kind}')} · "
            f"{aq.question_id} ({aq.state})"
        )
        out.append("")
        out.append(f"**{t.raw('export.question')}:** {q.text if q else aq.question_id}")
        out.append("")
        probes = {p.ordinal: p for p in aq.probes}
        for ans in aq.answers:
            text = ans.text or "\n".join(f.text for f in ans.fragments)
            if ans.round > 0 and ans.round in probes:
                out.append(f"**{t.raw('export.follow_up')}:** {probes[ans.round].text}")
                out.append("")
            label = t.raw("export.answer") if ans.round == 0 else t.raw("export.reply")
            out.append(f"**{label}:**")
            out.append("")
            out.extend(f"> {line}" if line else ">" for line in text.splitlines() or [""])
            out.append("")
        if aq.feedback is not None:
            fb = aq.feedback
            out.append(f"**{t.raw('export.score')}:** {fb.points}/{fb.out_of}")
            if fb.first_tags:
                out.append(f"**{t.raw('export.gaps')}:** {tag_names(t, fb.first_tags)}")
            if fb.open_tags:
                out.append(f"**{t.raw('export.open')}:** {tag_names(t, fb.open_tags)}")
            out.append("")
            if q is not None and q.model_answer:
                out.append(f"**{t.raw('export.model')}:** {q.model_answer}")
                out.append("")
    return "\n".join(out) + "\n"


def drill_message(t: Texts, d: Drill) -> str:
    """The morning drill: streak, the weak spot, the question; buttons come separately."""
    streak_text = (
        t.html("reminders.streak_days", n=d.streak)
        if d.streak
        else t.html("reminders.streak_start")
    )
    lines = [t.html("reminders.drill_header_html", time=d.local_time, streak=streak_text)]
    if d.top_gap:
        lines.append(t.html("reminders.top_gap_html", gap=t.raw(f"tags.{d.top_gap}")))
    q = d.question
    theme = t.raw(f"themes.{q.themes[0]}") if q.themes else ""
    lines.append(f"<i>{html.escape(str(t.raw(f'kinds.{q.kind}')))} · {html.escape(str(theme))}</i>")
    lines.append(html.escape(q.text, quote=False))
    lines.append(f"<i>{t.html('reminders.drill_hint')}</i>")
    return "\n".join(lines)
