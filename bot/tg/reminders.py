"""Reminders in chat (/timezone, /remind, /settings, location) and the drill dispatcher."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.db.models import Reminder, ReminderDelivery
from bot.db.repo import Repo
from bot.engine.schedule import ScheduleError
from bot.services.reminders import ReminderService, ReminderState
from bot.tg import reminder_views as views
from bot.tg.callback_data import decode
from bot.tg.unit import Deps, Outgoing, Unit, update_unit

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
PRIVATE_MSG = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
BATCH = 500


class ReminderChat:
    """Handlers for reminder settings and the drill buttons, plus the dispatcher job."""

    def __init__(self, deps: Deps, service: ReminderService) -> None:
        self.deps, self.service = deps, service

    def handlers(self) -> list[BaseHandler[Update, Any, Any]]:
        # registered before the private chat's handlers: these presses edit their message
        return [
            CommandHandler("timezone", self.timezone, filters=PRIVATE_MSG),
            CommandHandler("remind", self.remind, filters=PRIVATE_MSG),
            CommandHandler("settings", self.settings, filters=PRIVATE_MSG),
            MessageHandler(PRIVATE_MSG & filters.LOCATION, self.location),
            CallbackQueryHandler(self.button, pattern=r"^v1:(snooze|skipday|rset):"),
        ]

    async def _confirm(self, u: Unit, state: ReminderState, zone_changed: bool) -> None:
        d = views.describe(u.t, state, u.now)
        if zone_changed:
            text = u.t.html(
                "reminders.zone_set_html", zone=d["zone"], local=views.local_time(state.zone, u.now)
            )
            if state.zone_fixed:
                text += "\n" + u.t.html("reminders.zone_fixed_html")
            await u.say(text)
            if state.enabled and state.next_due:
                await u.say(u.t.html("reminders.zone_applied_html", **d))
            return
        if not state.enabled:
            await u.say(u.t.html("reminders.turned_off"))
        elif state.zone is None:
            await u.say(u.t.html("reminders.zone_needed_html", time=d["time"]))
        else:
            await u.say(u.t.html("reminders.set_html", **d))

    # ---- commands -----------------------------------------------------------------------------
    async def timezone(self, update: Update, context: Context) -> None:
        text = " ".join(context.args or [])
        async with update_unit(self.deps, update) as u:
            if u is None:
                return
            if not text.strip():  # a bare /timezone: where am I, and how to change it
                zone = u.user.timezone
                await u.say(
                    u.t.html(
                        "reminders.zone_current_html",
                        zone=views.zone_label(zone, u.now),
                        local=views.local_time(zone, u.now),
                    )
                    if zone
                    else u.t.html("reminders.zone_unset_html")
                )
                return
            try:
                state = await self.service.set_zone(u.repo, u.user, text, u.now)
            except ScheduleError:
                await u.say(u.t.html("reminders.zone_bad_html", text=text[:40]))
                return
            await self._confirm(u, state, zone_changed=True)

    async def location(self, update: Update, context: Context) -> None:
        loc = update.effective_message.location if update.effective_message else None
        async with update_unit(self.deps, update) as u:
            if u is None or loc is None:
                return
            state = await self.service.set_zone_at(
                u.repo, u.user, loc.latitude, loc.longitude, u.now
            )
            await self._confirm(u, state, zone_changed=True)

    async def remind(self, update: Update, context: Context) -> None:
        args = context.args or []
        async with update_unit(self.deps, update) as u:
            if u is None:
                return
            if not args:
                await u.say(u.t.html("reminders.time_bad_html"))
                return
            if args[0].lower() in ("off", "stop", "none"):
                await self.service.turn_off(u.repo, u.user)
                await u.say(u.t.html("reminders.turned_off"))
                return
            time_text, days_text = _split_time_days(args)
            try:
                state = await self.service.set_reminder(u.repo, u.user, time_text, days_text, u.now)
            except ScheduleError as exc:
                key = "days_bad_html" if exc.key == "bad_days" else "time_bad_html"
                await u.say(u.t.html(f"reminders.{key}"))
                return
            await self._confirm(u, state, zone_changed=False)

    async def settings(self, update: Update, context: Context) -> None:
        async with update_unit(self.deps, update) as u:
            if u is not None:
                state = await self.service.state(u.repo, u.user)
                await u.say(
                    views.settings_text(u.t, state, u.now), views.settings_keyboard(u.t, state)
                )

    # ---- buttons ------------------------------------------------------------------------------
    async def button(self, update: Update, context: Context) -> None:
        """Every press is answered once; the pressed message is edited to show the result."""
        query = update.callback_query
        chat = update.effective_chat
        if query is None:
            return
        notice: str | None = None
        data = decode(query.data)
        message_id = query.message.message_id if query.message else None
        if chat is not None and chat.type == chat.PRIVATE and data is not None:
            async with update_unit(self.deps, update) as u:
                if u is not None:
                    notice = await self.on_button(u, data.action, data.arg, message_id)
        else:
            notice = str(self.deps.texts("en").raw("tg.forged_button"))
        try:
            await query.answer(notice)
        except TelegramError as exc:
            log.debug("callback answer failed: %s", exc)

    async def on_button(
        self, u: Unit, action: str, arg: str, message_id: int | None = None
    ) -> str | None:
        """Apply a reminder button; returns a short notice for the callback answer."""
        if action == "rset":
            return await self._settings_press(u, arg, message_id)
        if not arg.isdigit():
            return str(u.t.raw("tg.forged_button"))
        if action == "snooze":
            press = await self.service.snooze(u.repo, u.user, int(arg), u.now)
        elif action == "skipday":
            press = await self.service.skip_today(u.repo, u.user, int(arg))
        else:
            return None
        d = press.delivery
        if press.outcome != "done" or d is None:
            return views.refusal(u.t, press.outcome, d, u.user.timezone)
        d.message_id = d.message_id or message_id
        await self._redraw(u, d)
        if d.status == "snoozed" and d.until is not None:
            until = views.local_time(u.user.timezone, d.until)
            return str(u.t.raw("reminders.snoozed")).format(until=until)
        return str(u.t.raw("reminders.skipped_today"))

    async def _settings_press(self, u: Unit, arg: str, message_id: int | None) -> str | None:
        before = await self.service.state(u.repo, u.user)
        try:
            if arg == "off":
                await self.service.turn_off(u.repo, u.user)
            elif arg.startswith("t"):
                await self.service.set_reminder(u.repo, u.user, f"{arg[1:3]}:{arg[3:5]}", "", u.now)
            else:
                days = {"dall": "daily", "dwk": "weekdays", "dwe": "weekends"}[arg]
                await self.service.set_days(u.repo, u.user, days, u.now)
        except (ScheduleError, KeyError):
            return str(u.t.raw("tg.forged_button"))
        after = await self.service.state(u.repo, u.user)
        if _settings_key(before) == _settings_key(after):
            return str(u.t.raw("reminders.settings_unchanged"))  # no edit: nothing changed
        text, keyboard = views.settings_text(u.t, after, u.now), views.settings_keyboard(u.t, after)
        if message_id is not None:
            await u.edit(message_id, text, keyboard)
        else:
            await u.say(text, keyboard)
        if not after.enabled:
            return str(u.t.raw("reminders.turned_off_short"))
        if after.zone is None:
            return str(u.t.raw("reminders.saved_need_zone"))
        return str(u.t.raw("reminders.saved"))

    async def _redraw(self, out: Outgoing, d: ReminderDelivery) -> None:
        """Edit a sent drill to show its state and the buttons that still make sense."""
        if d.message_id is None or d.text is None or d.shown == d.status:
            return
        reminder = await out.repo.s.get(Reminder, d.reminder_id)
        user = await out.repo.user(reminder.user_id) if reminder else None
        zone = (user.timezone if user else None) or "UTC"
        await out.edit(
            d.message_id,
            views.drill_state_text(out.t, d, zone, reminder.next_due_at if reminder else None),
            views.drill_keyboard(out.t, d.id, d.status),
        )
        d.shown = d.status

    # ---- the dispatcher -----------------------------------------------------------------------
    async def dispatch(self, now: datetime | None = None) -> int:
        """Claim due drills in batches; queue each in the outbox in the claiming transaction.

        Then bring sent drills up to date: one answered from the private chat's button, or
        snoozed and just asked again, is edited to say so.
        """
        total = 0
        while True:
            now_ = now or self.deps.clock()
            chats: set[int] = set()
            async with self.deps.db.tx() as repo:
                drills = await self.service.claim_due(repo, now_, BATCH)
                for d in drills:
                    t = self.deps.texts(d.lang)
                    text = views.drill_text(t, d)
                    delivery = await repo.s.get(ReminderDelivery, d.delivery_id)
                    if delivery is not None:
                        delivery.text, delivery.shown = text, "queued"
                    await repo.enqueue(
                        d.chat_id,
                        "sendMessage",
                        {
                            "text": text,
                            "parse_mode": "HTML",
                            "reply_markup": views.drill_keyboard(t, d.delivery_id),
                            "ref": f"drill:{d.delivery_id}",
                        },
                        now_,
                    )
                    chats.add(d.chat_id)
                for delivery, user in await repo.drills_to_redraw(BATCH):
                    assert user.chat_id is not None
                    out = Outgoing(repo, user.chat_id, self.deps.texts(user.lang), now_)
                    await self._redraw(out, delivery)
                    chats.add(user.chat_id)
            total += len(drills)
            if self.deps.outbox is not None and chats:
                outbox = self.deps.outbox
                asyncio.get_running_loop().create_task(_flush_all(outbox, sorted(chats)))
            if len(drills) < BATCH:
                return total


async def record_drill_message(repo: Repo, delivery_id: int, message_id: int) -> None:
    """Outbox hook: a sent drill's message id, so a later press or answer can edit it."""
    delivery = await repo.s.get(ReminderDelivery, delivery_id)
    if delivery is not None:
        delivery.message_id = message_id


def _settings_key(state: ReminderState) -> tuple[object, ...]:
    return (state.zone, state.at, state.days, state.enabled)


async def _flush_all(outbox: Any, chats: list[int]) -> None:
    try:
        await asyncio.gather(*(outbox.flush(c) for c in chats))
    except Exception:  # one chat's failure never stops the batch; the sweeper retries
        log.exception("flushing drills failed")


def _split_time_days(args: list[str]) -> tuple[str, str]:
    """'8:30 pm mon-fri' -> ('8:30 pm', 'mon-fri'): am/pm may be a separate word."""
    if len(args) >= 2 and args[1].lower().replace(".", "") in ("am", "pm"):
        return f"{args[0]} {args[1]}", " ".join(args[2:])
    return args[0], " ".join(args[1:])
