"""The group-round clock: phase deadlines, the minute timer, quiet answers, time-up."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from bot.db.models import Round, RoundTurn
from bot.db.repo import Repo
from bot.engine.model import Probe
from bot.services.rounds import RoundService
from bot.tg import group_views as views
from bot.tg.reminders import record_drill_message
from bot.tg.unit import Deps, Outgoing, chat_job_unit

TIMER_OVER = -1  # timer_minute once the timer says the turn is over: never edited again


def minutes_left(turn: RoundTurn, now: datetime) -> int:
    return max(0, math.ceil(((turn.phase_ends_at or now) - now).total_seconds() / 60))


async def stop_timer(g: Outgoing, turn: RoundTurn) -> None:
    """The timer stops counting when the turn's answer time ends, whatever ended it."""
    if turn.timer_message_id is None or turn.timer_minute == TIMER_OVER:
        return
    turn.timer_minute = TIMER_OVER
    await g.edit(turn.timer_message_id, g.t.html("groups.timer_over"))


class RoundClock:
    """Runs every few seconds over live turns; each chat under its own lock."""

    def __init__(self, deps: Deps, service: RoundService) -> None:
        self.deps, self.service = deps, service

    async def tick(self) -> None:
        now = self.deps.clock()
        grace = timedelta(seconds=self.deps.settings.answer_grace_seconds)
        async with self.deps.db.tx() as repo:
            chats = {r.chat_id for r, _ in await self.service.live_turns(repo)}
        for chat_id in chats:
            async with self.deps.locks.get(chat_id), chat_job_unit(self.deps, chat_id) as g:
                for r, turn in await self.service.live_turns(g.repo, chat_id):
                    await self._tick_turn(g, r, turn, now, grace)

    async def _tick_turn(
        self, g: Outgoing, r: Round, turn: RoundTurn, now: datetime, grace: timedelta
    ) -> None:
        ends = turn.phase_ends_at
        if turn.pending_text and turn.last_fragment_at and turn.last_fragment_at + grace <= now:
            await self.after_answer(g, r, turn, self.service.evaluate(turn))
            return
        if ends is not None and now >= ends:
            if turn.phase == "prep":
                self.service.begin_answering(r, turn, now)
                await g.say(
                    g.t.html("groups.answer_now_html", name=turn.candidate_name),
                    reply_to=turn.question_message_id,
                )
            else:
                await self._time_up(g, r, turn)
                return
        if turn.timer_message_id is None or turn.phase_ends_at is None:
            return
        left = minutes_left(turn, now)
        if left == turn.timer_minute:  # one edit a minute keeps the group under its limit
            return
        shown = turn.timer_minute
        turn.timer_minute = left
        text = views.timer_text(g.t, turn, left)
        # None: a new phase since the last edit. Telegram rejects an edit that changes nothing.
        if shown is None or shown == TIMER_OVER or text != views.timer_text(g.t, turn, shown):
            await g.edit(turn.timer_message_id, text)

    async def _time_up(self, g: Outgoing, r: Round, turn: RoundTurn) -> None:
        """Score what was said; with nothing said, say why and how to answer next time."""
        await stop_timer(g, turn)
        if not (turn.answer_text or "").strip():
            summary = await self.service.close_turn(g.repo, r, turn, g.now)
            text = views.with_mention(
                g.t.html("groups.no_answer_html", name=turn.candidate_name),
                turn.candidate_id,
                turn.candidate_name,
            )
            await g.say(text, reply_to=turn.question_message_id)
            await g.say(views.summary_text(g.t, summary, r), views.after_keyboard(g.t, r, summary))
            return
        await g.say(g.t.html("groups.times_up_html", name=turn.candidate_name))
        self.service.verdict(turn)
        await self.score_prompt(g, r, turn)

    async def after_answer(self, g: Outgoing, r: Round, turn: RoundTurn, step: object) -> None:
        if isinstance(step, Probe):
            text = g.t.html("groups.probe_html", name=turn.candidate_name, text=step.text)
            text = views.with_mention(text, turn.candidate_id, turn.candidate_name)
            await g.say(
                text, force_reply=True, reply_to=turn.last_message_id or turn.question_message_id
            )
            return
        await stop_timer(g, turn)
        await self.score_prompt(g, r, turn)

    async def score_prompt(self, g: Outgoing, r: Round, turn: RoundTurn) -> None:
        voted, of = await self.service.voters(g.repo, r, turn)
        await g.say(
            views.score_text(g.t, r, turn, voted, of),
            views.score_keyboard(g.t, r, turn, self.service.max_score(r.kind)),
            ref=f"score:{turn.id}",
        )


async def record_message_ref(repo: Repo, ref: str, message_id: int) -> None:
    """Outbox hook: remember the ids of sent messages that later replies or edits need."""
    kind, _, raw = ref.partition(":")
    if not raw.isdigit():
        return
    if kind == "drill":
        await record_drill_message(repo, int(raw), message_id)
        return
    turn = await repo.s.get(RoundTurn, int(raw))
    if turn is None:
        return
    if kind == "question":
        turn.question_message_id = message_id
    elif kind == "timer":
        turn.timer_message_id = message_id
    elif kind == "score":
        turn.score_message_id = message_id
