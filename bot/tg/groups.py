"""Mock rounds in group chats: lobby, turns answered by replies, timer, probes, panel votes."""

from __future__ import annotations

import html
import logging
import math
from datetime import datetime, timedelta
from typing import Any, cast

from telegram import CallbackQuery, ChatMember, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.db.models import Round, RoundTurn
from bot.db.repo import Repo
from bot.engine.model import KINDS, Kind, Probe
from bot.services.rounds import RoundService, TurnSummary
from bot.texts import Texts
from bot.tg.callback_data import Button, decode
from bot.tg.messages import inline_keyboard
from bot.tg.reminders import record_drill_message
from bot.tg.unit import Deps, Outgoing, chat_job_unit, group_unit

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
GROUPS = filters.ChatType.GROUPS
ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
PRIVATE_COMMANDS = (
    "start",
    "practice",
    "done",
    "skip",
    "stop",
    "export",
    "remind",
    "timezone",
    "settings",
)


def mention(user_id: int, name: str) -> str:
    return f'<a href="tg://user?id={user_id}">{html.escape(name, quote=False)}</a>'


class GroupRounds:
    """Handlers and the timer job of group mock rounds."""

    def __init__(self, deps: Deps, service: RoundService) -> None:
        self.deps, self.service = deps, service

    def handlers(self) -> list[BaseHandler[Update, Any, Any]]:
        msg = filters.UpdateType.MESSAGE & GROUPS
        return [
            CommandHandler("mockround", self.mockround, filters=msg),
            CommandHandler("endround", self.endround, filters=msg),
            CommandHandler("nextcandidate", self.nextcandidate, filters=msg),
            CommandHandler("leaderboard", self.leaderboard, filters=msg),
            CommandHandler(PRIVATE_COMMANDS, self.private_only, filters=msg),
            CallbackQueryHandler(self.button, pattern=r"^v1:g"),
            MessageHandler(msg & filters.StatusUpdate.MIGRATE, self.migrated),
            MessageHandler(msg & filters.REPLY & filters.TEXT & ~filters.COMMAND, self.reply),
            ChatMemberHandler(self.membership, ChatMemberHandler.MY_CHAT_MEMBER),
        ]

    # ---- helpers -----------------------------------------------------------------------------
    async def _may_manage(self, update: Update, context: Context, r: Round) -> bool:
        """The opener, a group admin, or an anonymous admin (posting as the group)."""
        message = update.effective_message
        chat = update.effective_chat
        if message is not None and chat is not None and message.sender_chat is not None:
            return message.sender_chat.id == chat.id
        user = update.effective_user
        if user is None or chat is None:
            return False
        if user.id == r.opened_by:
            return True
        try:
            member: ChatMember = await context.bot.get_chat_member(chat.id, user.id)
        except TelegramError:
            return False
        return member.status in ADMINS

    async def _lobby_text(self, repo: Repo, t: Texts, r: Round) -> str:
        cands = await self.service.members(repo, r, "candidate")
        panel = await self.service.members(repo, r, "panel")
        nobody = str(t.raw("groups.nobody"))
        return t.html(
            "groups.lobby_html",
            kind=t.raw(f"kinds.{r.kind}"),
            minutes=r.minutes,
            candidates=", ".join(m.name for m in cands) or nobody,
            panel=", ".join(m.name for m in panel) or nobody,
        )

    def _lobby_keyboard(self, t: Texts, r: Round) -> dict[str, Any]:
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

    def _score_keyboard(self, t: Texts, r: Round, turn: RoundTurn) -> dict[str, Any]:
        top = self.service.max_score(r.kind)
        return inline_keyboard(
            [
                [(str(n), Button("gvote", f"{turn.id}-{n}")) for n in range(top + 1)],
                [(str(t.raw("groups.done_scoring")), Button("gsum", str(turn.id)))],
            ]
        )

    # ---- commands ------------------------------------------------------------------------------
    async def mockround(self, update: Update, context: Context) -> None:
        args = [a.lower() for a in context.args or []]
        kind = next((a for a in args if a in KINDS), "case")
        numbers = [a for a in args if a.isdigit()]
        unknown = [a for a in args if a not in KINDS and not a.isdigit()]
        minutes = int(numbers[0]) if numbers else 10
        prep = int(numbers[1]) if len(numbers) > 1 else None
        user = update.effective_user
        opener = user.id if user else 0
        async with group_unit(self.deps, update) as g:
            if g is None:
                return
            if unknown or not 1 <= minutes <= 60 or (prep is not None and prep > 60):
                await g.say(g.t.html("groups.usage_html"))
                return
            r, new = await self.service.open_round(
                g.repo,
                g.chat_id,
                opener,
                cast(Kind, kind),
                minutes,
                prep,
                lang=g.t.lang,  # the opener's language becomes the round's
            )
            if not new:
                await g.say(g.t.html("groups.already_open"))
                return
            await g.say(
                await self._lobby_text(g.repo, g.t, r),
                self._lobby_keyboard(g.t, r),
            )

    async def endround(self, update: Update, context: Context) -> None:
        await self._manage(update, context, end=True)

    async def nextcandidate(self, update: Update, context: Context) -> None:
        await self._manage(update, context, end=False)

    async def _manage(self, update: Update, context: Context, end: bool) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        async with self.deps.db.tx() as repo:
            r = await self.service.open_in_chat(repo, chat.id)
        allowed = r is not None and await self._may_manage(update, context, r)
        async with group_unit(self.deps, update) as g:
            if g is None:
                return
            r = await self.service.open_in_chat(g.repo, g.chat_id)
            if r is None:
                await g.say(g.t.html("groups.usage_html"))
                return
            if not allowed:
                await g.say(g.t.html("groups.not_allowed"))
                return
            await self._finish_turn(g, r)
            if end:
                await self.service.end_round(r, g.now)
                await g.say(g.t.html("groups.ended"))
            else:
                await self._start_next(g, r)

    async def leaderboard(self, update: Update, context: Context) -> None:
        async with group_unit(self.deps, update) as g:
            if g is None:
                return
            rows = await self.service.leaderboard(g.repo, g.chat_id)
            if not rows:
                await g.say(g.t.html("groups.leaderboard_empty"))
                return
            lines = [
                g.t.html(
                    "groups.leaderboard_row",
                    rank=i + 1,
                    name=name,
                    turns=n,
                    bot=round(bot * 100),
                    panel=round(panel * 100),
                )
                for i, (name, n, bot, panel) in enumerate(rows[:15])
            ]
            await g.say(g.t.html("groups.leaderboard_html", rows="\n".join(lines)))

    async def private_only(self, update: Update, context: Context) -> None:
        async with group_unit(self.deps, update) as g:
            if g is not None:
                await g.say(g.t.html("groups.private_only"))

    # ---- turns ---------------------------------------------------------------------------------
    async def _start_next(self, g: Outgoing, r: Round) -> bool:
        started = await self.service.start_turn(g.repo, r, g.now)
        if started is None:
            await g.say(g.t.html("groups.no_candidates"))
            return False
        turn, q = started
        t = g.t
        timing = (
            t.html("groups.timing_prep", prep=r.prep_minutes, minutes=r.minutes)
            if turn.phase == "prep"
            else t.html("groups.timing_answer", minutes=r.minutes)
        )
        await g.say(
            t.html(
                "groups.turn_html",
                name=turn.candidate_name,
                kind=t.raw(f"kinds.{r.kind}"),
                timing=timing,
                question=q.text,
            ).replace(
                html.escape(turn.candidate_name, quote=False),
                mention(turn.candidate_id, turn.candidate_name),
                1,
            ),
            force_reply=True,
            ref=f"question:{turn.id}",
        )
        turn.timer_minute = _minutes_left(turn, g.now)  # what the timer shows: no edit yet
        await g.say(self._timer_text(t, turn, g.now), ref=f"timer:{turn.id}")
        return True

    def _timer_text(self, t: Texts, turn: RoundTurn, now: datetime) -> str:
        return self._timer_text_at(t, turn, _minutes_left(turn, now))

    def _timer_text_at(self, t: Texts, turn: RoundTurn, left: int) -> str:
        phase = t.raw("groups.phase_prep" if turn.phase == "prep" else "groups.phase_answer")
        if left <= 1:
            return t.html("groups.timer_warn_html", phase=phase)
        return t.html("groups.timer_html", phase=phase, left=left)

    async def _finish_turn(self, g: Outgoing, r: Round) -> TurnSummary | None:
        turn = await self.service.current_turn(g.repo, r)
        if turn is None:
            return None
        summary = await self.service.close_turn(g.repo, r, turn, g.now)
        await g.say(self._summary_text(g.t, summary, r), self._after_keyboard(g.t, r, summary))
        return summary

    def _after_keyboard(self, t: Texts, r: Round, s: TurnSummary) -> dict[str, Any]:
        row = [(str(t.raw("groups.end_button")), Button("gend", str(r.id)))]
        if s.next_candidate:
            row.insert(0, (str(t.raw("groups.start_next")), Button("gstart", str(r.id))))
        return inline_keyboard([row])

    def _summary_text(self, t: Texts, s: TurnSummary, r: Round) -> str:
        if s.votes:
            panel = t.html(
                "groups.panel_votes",
                mean=f"{s.panel_mean:.1f}",
                n=len(s.votes),
                low=min(s.votes),
                high=max(s.votes),
            )
        else:
            panel = str(t.raw("groups.panel_none"))

        def tags(names: list[str]) -> str:
            return ", ".join(str(t.raw(f"tags.{x}")) for x in names) or "—"

        nxt = (
            t.html("groups.next_html", name=s.next_candidate)
            if s.next_candidate
            else t.html("groups.no_next")
        )
        body = t.html(
            "groups.summary_html",
            name=s.candidate,
            kind=t.raw(f"kinds.{r.kind}"),
            bot=s.bot_points,
            top=s.bot_out_of,
            panel=panel,
            gaps=tags(s.first_tags),
            open=tags(s.open_tags),
        )
        return f"{body}\n{nxt}"

    async def _after_answer(self, g: Outgoing, r: Round, turn: RoundTurn, step: object) -> None:
        if isinstance(step, Probe):
            text = g.t.html("groups.probe_html", name=turn.candidate_name, text=step.text)
            text = text.replace(
                html.escape(turn.candidate_name, quote=False),
                mention(turn.candidate_id, turn.candidate_name),
                1,
            )
            await g.say(
                text, force_reply=True, reply_to=turn.last_message_id or turn.question_message_id
            )
            return
        await self._score_prompt(g, r, turn)

    async def _score_prompt(self, g: Outgoing, r: Round, turn: RoundTurn) -> None:
        scale = g.t.raw(
            "groups.scale_behavioral" if r.kind == "behavioral" else "groups.scale_case"
        )
        await g.say(
            g.t.html("groups.score_prompt_html", name=turn.candidate_name, scale=scale),
            self._score_keyboard(g.t, r, turn),
        )

    # ---- replies -------------------------------------------------------------------------------
    async def reply(self, update: Update, context: Context) -> None:
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None or message.reply_to_message is None:
            return
        replied = message.reply_to_message.from_user
        if replied is None or replied.id != context.bot.id:
            return  # a conversation between people: not ours
        async with group_unit(self.deps, update) as g:
            if g is None:
                return
            r = await self.service.open_in_chat(g.repo, g.chat_id)
            turn = await self.service.current_turn(g.repo, r) if r else None
            if r is None or turn is None or turn.phase not in ("prep", "answering", "probing"):
                return
            if user.id != turn.candidate_id:
                if user.id not in (turn.noticed or []):  # one notice per person, no storm
                    turn.noticed = [*(turn.noticed or []), user.id]
                    await g.say(
                        g.t.html("groups.only_candidate", name=turn.candidate_name),
                        reply_to=message.message_id,
                    )
                return
            self.service.add_answer(r, turn, message.text or "", g.now, message.message_id)

    # ---- buttons -------------------------------------------------------------------------------
    async def button(self, update: Update, context: Context) -> None:
        """Every press is answered once, whatever happens (even a duplicate delivery)."""
        query = update.callback_query
        user = update.effective_user
        if query is None:
            return
        data = decode(query.data)
        notice: str | None = None
        manage_ok: bool | None = None
        if data is not None and data.action in ("gstart", "gend", "gsum"):
            async with self.deps.db.tx() as repo:
                r0 = await self._round_for(repo, data)
            manage_ok = r0 is not None and await self._may_manage(update, context, r0)
        async with group_unit(self.deps, update) as g:
            if g is not None and user is not None:
                notice = await self._press(g, query, user.id, user.first_name, data, manage_ok)
        try:
            await query.answer(notice)
        except TelegramError as exc:
            log.debug("callback answer failed: %s", exc)

    async def _press(
        self,
        g: Outgoing,
        query: CallbackQuery,
        user_id: int,
        name: str,
        data: Button | None,
        manage_ok: bool | None,
    ) -> str | None:
        """Do what the button asks in this group; the notice to show, if any."""
        t = g.t
        r = await self._round_for(g.repo, data) if data else None
        if data is None or r is None or r.chat_id != g.chat_id:
            return str(t.raw("tg.forged_button"))
        if r.status == "closed":
            return str(t.raw("tg.stale_button"))
        if data.action in ("gjoin", "gpanel"):
            role = "candidate" if data.action == "gjoin" else "panel"
            new = await self.service.join(g.repo, r, user_id, name or "?", role)
            if new and query.message is not None:
                await g.edit(
                    query.message.message_id,
                    await self._lobby_text(g.repo, t, r),
                    self._lobby_keyboard(t, r),
                )
            return str(t.raw("groups.joined" if new else "groups.already_joined"))
        if data.action == "gvote":
            turn_id, score = (int(x) for x in data.arg.split("-"))
            turn = await g.repo.s.get(RoundTurn, turn_id)
            if turn is None or turn.round_id != r.id:
                return str(t.raw("tg.forged_button"))
            result = await self.service.vote(g.repo, turn, user_id, name or "?", score)
            return str(t.raw(f"groups.vote_{result}" if result != "bad" else "tg.forged_button"))
        if not manage_ok:
            return str(t.raw("groups.not_allowed"))
        if data.action == "gstart":
            if await self.service.current_turn(g.repo, r) is None:
                await self._start_next(g, r)
        elif data.action == "gsum":
            await self._finish_turn(g, r)
        elif data.action == "gend":
            await self._finish_turn(g, r)
            await self.service.end_round(r, g.now)
            await g.say(t.html("groups.ended"))
        else:  # a private chat's action pressed in a group
            return str(t.raw("tg.forged_button"))
        return None

    async def _round_for(self, repo: Repo, data: Button) -> Round | None:
        if data.action == "gvote":
            turn = await repo.s.get(RoundTurn, int(data.arg.split("-")[0]))
            return await repo.s.get(Round, turn.round_id) if turn else None
        if data.action == "gsum":
            turn = await repo.s.get(RoundTurn, int(data.arg))
            return await repo.s.get(Round, turn.round_id) if turn else None
        return await self.service.round_by_id(repo, int(data.arg))

    # ---- group life ----------------------------------------------------------------------------
    async def migrated(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or message.migrate_to_chat_id is None:
            return
        async with group_unit(self.deps, update) as g:
            if g is not None:
                await self.service.migrate_chat(g.repo, g.chat_id, message.migrate_to_chat_id)

    async def membership(self, update: Update, context: Context) -> None:
        change = update.my_chat_member
        if change is None:
            return
        status = change.new_chat_member.status
        async with group_unit(self.deps, update) as g:
            if g is not None and status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
                closed = await self.service.close_chat(g.repo, g.chat_id, g.now)
                log.info("removed from chat %s: closed %d round(s)", g.chat_id, closed)

    # ---- the clock -----------------------------------------------------------------------------
    async def tick(self) -> None:
        """Phase deadlines, minute timer edits, the 1-minute warning, quiet answers."""
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
            await self._after_answer(g, r, turn, self.service.evaluate(turn))
            return
        if ends is not None and now >= ends:
            if turn.phase == "prep":
                self.service.begin_answering(r, turn, now)
                await g.say(
                    g.t.html("groups.answer_now_html", name=turn.candidate_name),
                    reply_to=turn.question_message_id,
                )
            else:
                await g.say(g.t.html("groups.times_up"))
                self.service.verdict(turn)
                await self._score_prompt(g, r, turn)
                return
        if turn.timer_message_id is None or turn.phase_ends_at is None:
            return
        left = _minutes_left(turn, now)
        if left == turn.timer_minute:  # one edit a minute keeps the group under its limit
            return
        shown = turn.timer_minute
        turn.timer_minute = left
        text = self._timer_text_at(g.t, turn, left)
        # None: a new phase since the last edit. Telegram rejects an edit that changes nothing.
        if shown is None or text != self._timer_text_at(g.t, turn, shown):
            await g.edit(turn.timer_message_id, text)


def _minutes_left(turn: RoundTurn, now: datetime) -> int:
    return max(0, math.ceil(((turn.phase_ends_at or now) - now).total_seconds() / 60))


async def record_message_ref(repo: Repo, ref: str, message_id: int) -> None:
    """Outbox hook: remember the ids of question and timer messages for later replies/edits."""
    kind, _, raw = ref.partition(":")
    if not raw.isdigit():
        return
    if kind == "drill":
        await record_drill_message(repo, int(raw), message_id)
        return
    if kind == "question":
        turn = await repo.s.get(RoundTurn, int(raw))
        if turn is not None:
            turn.question_message_id = message_id
    elif kind == "timer":
        turn = await repo.s.get(RoundTurn, int(raw))
        if turn is not None:
            turn.timer_message_id = message_id
