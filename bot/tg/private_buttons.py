"""The inline buttons of the private chat: every press answered once, whatever happens."""

from __future__ import annotations

import logging
from typing import cast

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import render
from bot.engine.model import Kind
from bot.services.practice import Turn
from bot.tg.callback_data import Button, decode
from bot.tg.messages import after_feedback_keyboard, kinds_keyboard
from bot.tg.reminders import ReminderChat
from bot.tg.unit import Deps, Unit, update_unit

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE


class ButtonPresses:
    """Button handling for PrivateChat, which supplies `show` and `_stop`."""

    deps: Deps
    reminders: ReminderChat | None

    async def show(self, u: Unit, turn: Turn) -> None:
        raise NotImplementedError

    async def _stop(self, u: Unit) -> None:
        raise NotImplementedError

    async def button(self, update: Update, context: Context) -> None:
        """Every press is answered once, whatever happens (even a duplicate delivery)."""
        query = update.callback_query
        if query is None:
            return
        chat = update.effective_chat
        if chat is not None and chat.type != chat.PRIVATE:  # not a group's button: foreign
            await self._answer(update, str(self.deps.texts("en").raw("tg.forged_button")))
            return
        notice: str | None = None
        async with update_unit(self.deps, update) as u:
            if u is not None:
                notice = await self._press(u, decode(query.data))
        await self._answer(update, notice)

    async def _press(self, u: Unit, data: Button | None) -> str | None:
        """Do what the button asks; the notice to show, or None when it was done."""
        if data is None:
            return str(u.t.raw("tg.forged_button"))
        if data.action in ("snooze", "skipday", "rset") and self.reminders:
            return await self.reminders.on_button(u, data.action, data.arg)
        if data.action == "drill" and self.reminders:
            qid = await self.reminders.service.delivery_question(u.repo, u.user, int(data.arg))
            if qid is None:
                return str(u.t.raw("reminders.stale"))
            await self.show(u, await self.deps.practice.ask(u.repo, u.user, question_id=qid))
            return None
        if data.action == "kind":
            await self.show(u, await self.deps.practice.ask(u.repo, u.user, cast(Kind, data.arg)))
            return None
        if data.action == "lang":
            if self.deps.practice.set_language(u.user, data.arg):
                u.t = self.deps.texts(u.user.lang)
                await u.say(u.t.html("tg.language_set"), kinds_keyboard(u.t))
            return None
        if data.action == "model":  # any of the user's questions, not only the latest
            q = await self.deps.practice.asked(u.repo, u.user, int(data.arg))
            if q is None:
                return str(u.t.raw("tg.stale_button"))
            latest = await self.deps.practice.latest_asked_id(u.repo, u.user)
            keyboard = (
                after_feedback_keyboard(u.t, int(data.arg), model=False)
                if latest == int(data.arg)
                else None
            )
            await u.say(render.model_answer(u.t, q), keyboard)
            return None
        latest = await self.deps.practice.latest_asked_id(u.repo, u.user)
        if latest is None or not data.arg.isdigit() or int(data.arg) != latest:
            return str(u.t.raw("tg.stale_button"))
        if data.action == "next":
            await self.show(u, await self.deps.practice.skip(u.repo, u.user))
        elif data.action == "retry":
            await self.show(u, await self.deps.practice.retry(u.repo, u.user))
        elif data.action == "stop":
            await self._stop(u)
        else:  # a group's action pressed in a private chat
            return str(u.t.raw("tg.forged_button"))
        return None

    async def _answer(self, update: Update, notice: str | None) -> None:
        query = update.callback_query
        if query is None:
            return
        try:
            await query.answer(notice)
            if notice is None and isinstance(query.message, Message):  # one press per keyboard
                await query.edit_message_reply_markup(None)
        except TelegramError as exc:  # an expired query or a deleted message: cosmetic
            log.debug("callback cleanup failed: %s", exc)
