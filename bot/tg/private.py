"""Private-chat practice: commands, answers, buttons. Each handler: read, one service, reply."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import render
from bot.engine.model import KINDS
from bot.services.practice import Turn
from bot.tg.messages import (
    after_feedback_keyboard,
    kinds_keyboard,
    language_keyboard,
    welcome_keyboard,
)
from bot.tg.private_buttons import ButtonPresses
from bot.tg.reminders import ReminderChat
from bot.tg.unit import Deps, Unit, job_unit, update_unit

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
PRIVATE = filters.ChatType.PRIVATE
TYPING_AFTER = 1.0  # seconds: a reply slower than this shows "typing" meanwhile
NON_TEXT = (
    filters.Sticker.ALL
    | filters.VOICE
    | filters.AUDIO
    | filters.PHOTO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.Document.ALL
    | filters.LOCATION
    | filters.CONTACT
    | filters.ANIMATION
    | filters.POLL
    | filters.Dice.ALL
)


class PrivateChat(ButtonPresses):
    """The handlers of the private practice flow, bound to their dependencies."""

    def __init__(self, deps: Deps, reminders: ReminderChat | None = None) -> None:
        self.deps = deps
        self.reminders = reminders
        self._typing_tasks: set[asyncio.Task[None]] = set()

    def handlers(self) -> list[BaseHandler[Update, Any, Any]]:
        new_msg = filters.UpdateType.MESSAGE & PRIVATE
        return [
            CommandHandler("start", self.start, filters=new_msg),
            CommandHandler("practice", self.practice, filters=new_msg),
            CommandHandler("skip", self.skip, filters=new_msg),
            CommandHandler("stop", self.stop, filters=new_msg),
            CommandHandler("done", self.done, filters=new_msg),
            CommandHandler("help", self.help, filters=new_msg),
            CommandHandler("export", self.export, filters=new_msg),
            CommandHandler("language", self.language, filters=new_msg),
            CommandHandler(
                ["mockround", "endround", "nextcandidate", "leaderboard"],
                self.group_only,
                filters=new_msg,
            ),
            CallbackQueryHandler(self.button),
            MessageHandler(filters.UpdateType.EDITED_MESSAGE & PRIVATE & filters.TEXT, self.edited),
            MessageHandler(new_msg & filters.COMMAND, self.unknown_command),
            MessageHandler(new_msg & filters.TEXT, self.text),
            MessageHandler(new_msg & NON_TEXT, self.non_text),
        ]

    # ---- rendering of a turn ------------------------------------------------------------
    async def show(self, u: Unit, turn: Turn) -> None:
        t = u.t
        if turn.question is None:
            kind = turn.exhausted or "behavioral"
            await u.say(
                t.html("session.no_more_questions", kind=t.raw(f"kinds.{kind}")), kinds_keyboard(t)
            )
            return
        if turn.feedback is not None:
            await u.say(
                render.feedback(t, turn.feedback), after_feedback_keyboard(t, turn.asked_id)
            )
            return
        if turn.probe is not None and not turn.resumed:
            await u.say(render.probe(t, turn.probe))
            return
        if turn.resumed:
            await u.say(t.html("tg.resume_html"))
        await u.say(render.question(t, turn.question, turn.number))
        if turn.probe is not None:
            await u.say(render.probe(t, turn.probe))

    # ---- commands ---------------------------------------------------------------------------
    async def start(self, update: Update, context: Context) -> None:
        payload = (context.args or [""])[0].strip().lower()
        async with update_unit(self.deps, update) as u:
            if u is None:
                return
            practice = self.deps.practice
            if payload in KINDS:
                await self.show(u, await practice.ask(u.repo, u.user, payload))
                return
            if payload and self.deps.content.question(payload, u.user.lang):
                await self.show(u, await practice.ask(u.repo, u.user, question_id=payload))
                return
            await u.say(
                u.t.html("tg.welcome_html", name=u.user.first_name or "there"),
                welcome_keyboard(u.t),
            )

    async def practice(self, update: Update, context: Context) -> None:
        arg = (context.args or [""])[0].strip().lower()
        async with update_unit(self.deps, update) as u:
            if u is None:
                return
            practice = self.deps.practice
            theme_kind = practice.theme_kind(arg, u.user.lang) if arg else None
            if arg and arg not in KINDS and theme_kind is None:
                await u.say(u.t.html("tg.practice_usage_html"), kinds_keyboard(u.t))
                return
            if not arg:
                current = await practice.current(u.repo, u.user)
                if current is not None:
                    await self.show(u, current)
                    return
            if theme_kind is not None and arg not in KINDS:  # /practice sql, /practice stats
                await self.show(u, await practice.ask(u.repo, u.user, theme_kind, theme=arg))
                return
            await self.show(u, await practice.ask(u.repo, u.user, arg if arg in KINDS else None))

    async def skip(self, update: Update, context: Context) -> None:
        async with update_unit(self.deps, update) as u:
            if u is not None:
                await self.show(u, await self.deps.practice.skip(u.repo, u.user))

    async def stop(self, update: Update, context: Context) -> None:
        async with update_unit(self.deps, update) as u:
            if u is not None:
                await self._stop(u)

    async def _stop(self, u: Unit) -> None:
        summary = await self.deps.practice.stop(u.repo, u.user)
        await u.say(render.summary(u.t, summary) + "\n\n" + u.t.html("session.stopped"))

    async def done(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        async with (
            self._typing_if_slow(chat.id if chat else None),
            update_unit(self.deps, update) as u,
        ):
            if u is None:
                return
            turn = await self.deps.practice.submit(u.repo, u.user)
            if turn is None:
                await u.say(u.t.html("tg.nothing_to_send"))
                return
            await self.show(u, turn)

    async def help(self, update: Update, context: Context) -> None:
        async with update_unit(self.deps, update) as u:
            if u is not None:
                await u.say(u.t.html("tg.help_html"))

    async def export(self, update: Update, context: Context) -> None:
        async with update_unit(self.deps, update) as u:
            if u is None:
                return
            history = await self.deps.practice.export(u.repo, u.user)
            if not history:
                await u.say(u.t.html("tg.export_empty"))
                return
            lookup = {q.id: q for bank in self.deps.content.questions.values() for q in bank}
            text = render.transcript_markdown(u.t, history, lookup)
            caption = str(u.t.raw("tg.export_caption"))
            await u.document("mock-interview-transcript.md", text, caption)

    async def language(self, update: Update, context: Context) -> None:
        async with update_unit(self.deps, update) as u:
            if u is not None:
                await u.say(u.t.html("tg.language_prompt"), language_keyboard())

    async def group_only(self, update: Update, context: Context) -> None:
        async with update_unit(self.deps, update) as u:
            if u is not None:
                await u.say(u.t.html("groups.group_only"))

    async def unknown_command(self, update: Update, context: Context) -> None:
        async with update_unit(self.deps, update) as u:
            if u is not None:
                await u.say(u.t.html("tg.unknown_command"))

    # ---- answers ----------------------------------------------------------------------------
    async def text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        async with update_unit(self.deps, update) as u:
            if u is None:
                return
            stored = await self.deps.practice.add_fragment(
                u.repo, u.user, message.text, message.message_id, u.now
            )
            if not stored:
                await u.say(u.t.html("tg.no_open_question"), kinds_keyboard(u.t))

    async def edited(self, update: Update, context: Context) -> None:
        message = update.edited_message
        if message is None or message.text is None:
            return
        async with update_unit(self.deps, update) as u:
            if u is None:
                return
            replaced = await self.deps.practice.edit_fragment(
                u.repo, u.user, message.message_id, message.text
            )
            if not replaced:
                await u.say(u.t.html("tg.edit_too_late"))

    async def non_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        async with update_unit(self.deps, update) as u:
            if u is None or message is None:
                return
            key = "tg.voice" if (message.voice or message.audio) else "tg.non_text"
            await u.say(u.t.html(key))

    # ---- grace period -------------------------------------------------------------------------
    async def evaluate_quiet_answers(self) -> None:
        """Evaluate answers whose last fragment is older than the grace period."""
        deps = self.deps
        grace = timedelta(seconds=deps.settings.answer_grace_seconds)
        wait = timedelta(seconds=deps.settings.answer_wait_seconds)
        async with deps.db.tx() as repo:
            due = await deps.practice.due_users(repo, deps.clock(), grace, wait)
        for user_id in due:
            await self._evaluate(user_id)

    async def _evaluate(self, user_id: int) -> None:
        async with self.deps.db.tx() as repo:
            chat_id = (await repo.user(user_id)).chat_id
        if chat_id is None:
            return
        async with (
            self.deps.locks.get(chat_id),
            self._typing_if_slow(chat_id),
            job_unit(self.deps, user_id) as u,
        ):
            if u is None:
                return
            turn = await self.deps.practice.submit(u.repo, u.user)
            if turn is not None:
                await self.show(u, turn)

    @asynccontextmanager
    async def _typing_if_slow(self, chat_id: int | None) -> AsyncIterator[None]:
        """Show "typing" only if the reply is not out within TYPING_AFTER: the engine answers
        in about a millisecond, and a chat action costs a request of the same rate limit
        as the reply itself. It goes out beside the work, never inside a transaction."""
        if chat_id is None:
            yield
            return
        loop = asyncio.get_running_loop()

        def start() -> None:
            task = loop.create_task(self._typing(chat_id))
            self._typing_tasks.add(task)
            task.add_done_callback(self._typing_tasks.discard)

        timer = loop.call_later(TYPING_AFTER, start)
        try:
            yield
        finally:
            timer.cancel()

    async def _typing(self, chat_id: int) -> None:
        if self.deps.outbox is None:
            return
        try:
            await self.deps.outbox.bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as exc:
            log.debug("typing indicator failed for %s: %s", chat_id, exc)
