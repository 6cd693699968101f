"""Mock rounds in group chats: lobby, turns answered by replies, timer, probes, panel votes."""

from __future__ import annotations

import logging
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
from bot.engine.model import KINDS, Kind
from bot.services.rounds import RoundService
from bot.texts import Texts
from bot.tg import group_clock as clock
from bot.tg import group_views as views
from bot.tg.callback_data import Button, decode
from bot.tg.commands import PRIVATE_ONLY
from bot.tg.group_clock import RoundClock, record_message_ref
from bot.tg.unit import Deps, Outgoing, group_unit

__all__ = ["GroupRounds", "record_message_ref"]  # app.py wires the outbox hook from here

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
GROUPS = filters.ChatType.GROUPS
ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
PRIVATE_COMMANDS = PRIVATE_ONLY


class GroupRounds:
    """Handlers and the timer job of group mock rounds."""

    def __init__(self, deps: Deps, service: RoundService) -> None:
        self.deps, self.service = deps, service
        self.clock = RoundClock(deps, service)

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
            MessageHandler(msg & filters.TEXT & ~filters.COMMAND & ~filters.REPLY, self.stray),
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
        return views.lobby_text(t, r, cands, panel)

    async def _score_view(self, g: Outgoing, r: Round, turn: RoundTurn) -> tuple[str, Any]:
        voted, of = await self.service.voters(g.repo, r, turn)
        return (
            views.score_text(g.t, r, turn, voted, of),
            views.score_keyboard(g.t, r, turn, self.service.max_score(r.kind)),
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
                views.lobby_keyboard(g.t, r),
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
                await g.say(g.t.html("groups.no_round_html"))
                return
            if not allowed:
                await g.say(g.t.html("groups.not_allowed"))
                return
            await self._finish_turn(g, r, ending=end)
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
            await g.say(views.leaderboard_text(g.t, rows))

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
        text = t.html(
            "groups.turn_html",
            name=turn.candidate_name,
            kind=t.raw(f"kinds.{r.kind}"),
            timing=views.timing(t, r),
            question=q.text,
        )
        text = views.with_mention(text, turn.candidate_id, turn.candidate_name)
        await g.say(text, force_reply=True, ref=f"question:{turn.id}")
        turn.timer_minute = clock.minutes_left(turn, g.now)  # what the timer shows: no edit yet
        await g.say(
            views.timer_text(t, turn, turn.timer_minute, first=True), ref=f"timer:{turn.id}"
        )
        return True

    async def _finish_turn(self, g: Outgoing, r: Round, ending: bool = False) -> None:
        turn = await self.service.current_turn(g.repo, r)
        if turn is None:
            return
        await clock.stop_timer(g, turn)
        summary = await self.service.close_turn(g.repo, r, turn, g.now)
        if turn.score_message_id is not None and summary.outcome == "scored":
            voted, of = await self.service.voters(g.repo, r, turn)
            closed = views.score_text(g.t, r, turn, voted, of)
            # the score buttons go: voting is over
            await g.edit(turn.score_message_id, f"{closed}\n{g.t.html('groups.voting_closed')}")
        text = views.summary_text(g.t, summary, r, ending=ending)
        await g.say(text, None if ending else views.after_keyboard(g.t, r, summary))

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

    async def stray(self, update: Update, context: Context) -> None:
        """The candidate posted without replying: the answer would be lost. Say so, once."""
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None:
            return
        async with group_unit(self.deps, update) as g:
            if g is None:
                return
            r = await self.service.open_in_chat(g.repo, g.chat_id)
            turn = await self.service.current_turn(g.repo, r) if r else None
            if turn is None or turn.phase not in ("prep", "answering", "probing"):
                return
            if user.id != turn.candidate_id or user.id in (turn.noticed or []):
                return
            turn.noticed = [*(turn.noticed or []), user.id]  # the candidate is told once
            await g.say(
                g.t.html("groups.reply_hint_html", name=turn.candidate_name),
                reply_to=message.message_id,
            )

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
            turn = await self.service.current_turn(g.repo, r)
            pressed = query.message.message_id if query.message is not None else None
            if (
                new
                and pressed is not None
                and turn is not None
                and pressed == turn.score_message_id
            ):
                await g.edit(pressed, *await self._score_view(g, r, turn))
            elif new and pressed is not None:
                await g.edit(
                    pressed, await self._lobby_text(g.repo, t, r), views.lobby_keyboard(t, r)
                )
            return str(t.raw("groups.joined" if new else "groups.already_joined"))
        if data.action == "gvote":
            turn_id, score = (int(x) for x in data.arg.split("-"))
            turn = await g.repo.s.get(RoundTurn, turn_id)
            if turn is None or turn.round_id != r.id:
                return str(t.raw("tg.forged_button"))
            result = await self.service.vote(g.repo, turn, user_id, name or "?", score)
            if result == "ok" and turn.score_message_id is not None:  # a new name: "2 of 3"
                await g.edit(turn.score_message_id, *await self._score_view(g, r, turn))
            return str(t.raw(f"groups.vote_{result}" if result != "bad" else "tg.forged_button"))
        if not manage_ok:
            return str(t.raw("groups.not_allowed"))
        if data.action == "gstart":
            if await self.service.current_turn(g.repo, r) is None:
                await self._start_next(g, r)
        elif data.action == "gsum":
            await self._finish_turn(g, r)
        elif data.action == "gend":
            await self._finish_turn(g, r, ending=True)
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
        await self.clock.tick()
