"""What group-round messages look like: lobby, timer, score prompt, summary, leaderboard."""

from __future__ import annotations

import html
from typing import Any

from bot.db.models import Round, RoundMember, RoundTurn
from bot.services.rounds import Board, TurnSummary
from bot.texts import Texts
from bot.tg.callback_data import Button
from bot.tg.messages import inline_keyboard

MAX_POINT_LINES = 2  # covered and missed each: the summary stays one phone screen


def mention(user_id: int, name: str) -> str:
    return f'<a href="tg://user?id={user_id}">{html.escape(name, quote=False)}</a>'


def with_mention(text: str, user_id: int, name: str) -> str:
    """Make the first appearance of a name tappable (it notifies that person)."""
    return text.replace(html.escape(name, quote=False), mention(user_id, name), 1)


def timing(t: Texts, r: Round) -> str:
    if r.prep_minutes:
        return t.html("groups.timing_prep", prep=r.prep_minutes, minutes=r.minutes)
    return t.html("groups.timing_answer", minutes=r.minutes)


def lobby_text(t: Texts, r: Round, cands: list[RoundMember], panel: list[RoundMember]) -> str:
    nobody = str(t.raw("groups.nobody"))
    return t.html(
        "groups.lobby_html",
        kind=t.raw(f"kinds.{r.kind}"),
        minutes=r.minutes,
        timing=timing(t, r),
        candidates=", ".join(m.name for m in cands) or nobody,
        panel=", ".join(m.name for m in panel) or nobody,
    )


def lobby_keyboard(t: Texts, r: Round) -> dict[str, Any]:
    rid = str(r.id)
    return inline_keyboard(
        [
            [
                (str(t.raw("groups.buttons.candidate")), Button("gjoin", rid)),
                (str(t.raw("groups.buttons.panel")), Button("gpanel", rid)),
            ],
            [(str(t.raw("groups.buttons.start")), Button("gstart", rid))],
        ]
    )


def timer_text(t: Texts, turn: RoundTurn, left: int, first: bool = False) -> str:
    """Minutes left; the warning only as an edit (a 1-minute phase opens without it)."""
    phase = t.raw("groups.phase_prep" if turn.phase == "prep" else "groups.phase_answer")
    if left <= 1 and not first:
        return t.html("groups.timer_warn_html", phase=phase)
    return t.html("groups.timer_html", phase=phase, left=max(left, 1))


def score_text(t: Texts, r: Round, turn: RoundTurn, voted: list[str], of: int) -> str:
    """The rubric being scored, one item a line, and who has voted (names, not votes)."""
    scale = t.html("groups.scale_behavioral" if r.kind == "behavioral" else "groups.scale_case")
    if voted:
        status = t.html("groups.voted", n=len(voted), of=of, names=", ".join(voted))
    else:
        status = t.html("groups.voted_none")
    head = t.html("groups.score_prompt_html", name=turn.candidate_name)
    return f"{head}\n{scale}\n\n{status}"


def score_keyboard(t: Texts, r: Round, turn: RoundTurn, top: int) -> dict[str, Any]:
    return inline_keyboard(
        [
            [(str(n), Button("gvote", f"{turn.id}-{n}")) for n in range(top + 1)],
            [
                (str(t.raw("groups.buttons.panel")), Button("gpanel", str(r.id))),
                (str(t.raw("groups.done_scoring")), Button("gsum", str(turn.id))),
            ],
        ]
    )


def after_keyboard(t: Texts, r: Round, s: TurnSummary) -> dict[str, Any]:
    row = [(str(t.raw("groups.end_button")), Button("gend", str(r.id)))]
    if s.next_candidate:
        row.insert(0, (str(t.raw("groups.start_next")), Button("gstart", str(r.id))))
    return inline_keyboard([row])


def _tags(t: Texts, names: list[str] | tuple[str, ...]) -> str:
    return ", ".join(str(t.raw(f"tags.{x}")) for x in names)


def summary_text(t: Texts, s: TurnSummary, r: Round, ending: bool = False) -> str:
    """Bot score with what the follow-ups closed, the panel's mean and spread, the
    question's points covered and missed, and one line to practise. A turn with no
    answer, or ended mid-answer, says so and shows no score."""
    kind = t.raw(f"kinds.{r.kind}")
    fb = s.feedback
    if s.outcome == "no_answer":
        lines = [t.html("groups.summary_no_answer_html", name=s.candidate, kind=kind)]
    elif s.outcome == "unfinished":
        lines = [t.html("groups.summary_unfinished_html", name=s.candidate, kind=kind)]
    else:
        lines = [t.html("groups.summary_head_html", name=s.candidate, kind=kind)]
        bot = t.html("groups.summary_bot_html", bot=s.bot_points, top=s.bot_out_of)
        if fb is not None and fb.closed:
            bot += " · " + t.html("groups.summary_closed", tags=_tags(t, fb.resolved_tags))
        if s.open_tags:
            bot += " · " + t.html("groups.summary_open", tags=_tags(t, s.open_tags))
        lines.append(bot)
        if s.votes:
            panel = t.html(
                "groups.panel_votes_html",
                mean=f"{s.panel_mean:.1f}",
                top=s.bot_out_of,
                n=len(s.votes),
                low=min(s.votes),
                high=max(s.votes),
            )
        else:
            panel = t.html("groups.panel_none")
        lines.append(_fill(t, "groups.summary_panel_html", panel=panel))
    if fb is not None:
        covered = [c for c in fb.points if c.covered][:MAX_POINT_LINES]
        lines += [t.html("groups.point_covered", point=c.point.text) for c in covered]
        missed = fb.missed_points[:MAX_POINT_LINES]
        lines += [t.html("groups.point_missed", point=c.point.text) for c in missed]
        step = _practise(t, s)
        if step:
            lines.append(t.html("groups.practise_html", step=step))
    if not ending:
        if s.next_candidate:
            lines.append(t.html("groups.next_html", name=s.next_candidate))
        else:
            lines.append(t.html("groups.no_next"))
    return "\n".join(lines)


def _fill(t: Texts, key: str, **safe_html: str) -> str:
    """An _html template filled with parts that are already escaped HTML."""
    return str(t.raw(key)).format(**safe_html)


def _practise(t: Texts, s: TurnSummary) -> str:
    fb = s.feedback
    if fb is not None and fb.missed_points:
        return fb.missed_points[0].point.text
    if s.open_tags:
        return str(t.raw(f"feedback.practise.{s.open_tags[0]}"))
    return ""


def leaderboard_text(t: Texts, rows: list[Board]) -> str:
    def score(mean: float | None, top: int) -> str:
        return f"{mean:.1f}/{top}" if mean is not None else "—"

    lines = [
        t.html(
            "groups.leaderboard_row_html",
            rank=i + 1,
            name=b.name,
            kind=t.raw(f"kinds.{b.kind}"),
            turns=b.turns,
            panel=score(b.panel_mean, b.bot_top),
            bot=score(b.bot_mean, b.bot_top),
        )
        for i, b in enumerate(rows[:15])
    ]
    return "\n".join([t.html("groups.leaderboard_html"), *lines])
