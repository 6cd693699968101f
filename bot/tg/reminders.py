"""Reminders in chat (/timezone, /remind, /settings, location) and the drill dispatcher."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot import render
from bot.engine.schedule import ScheduleError, format_days
from bot.services.reminders import ReminderService, ReminderState
from bot.texts import Texts
from bot.tg.callback_data import Button
from bot.tg.messages import inline_keyboard
from bot.tg.unit import Deps, Unit, update_unit

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
PRIVATE_MSG = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
BATCH = 500


def drill_keyboard(t: Texts, delivery_id: int) -> dict[str, Any]:
    d = str(delivery_id)
    return inline_keyboard(
        [
            [
                (str(t.raw("reminders.buttons.answer")), Button("drill", d)),
                (str(t.raw("reminders.buttons.snooze")), Button("snooze", d)),
                (str(t.raw("reminders.buttons.skip")), Button("skipday", d)),
            ]
        ]
    )


def settings_keyboard(t: Texts) -> dict[str, Any]:
    return inline_keyboard(
        [
            [(f"{h:02d}:00", Button("rset", f"t{h:02d}00")) for h in (7, 8, 9, 20)],
            [
                (str(t.raw("reminders.buttons.daily")), Button("rset", "dall")),
                (str(t.raw("reminders.buttons.weekdays")), Button("rset", "dwk")),
                (str(t.raw("reminders.buttons.turn_off")), Button("rset", "off")),
            ],
        ]
    )


class ReminderChat:
    """Handlers for reminder settings and the drill buttons, plus the dispatcher job."""

    def __init__(self, deps: Deps, service: ReminderService) -> None:
        self.deps, self.service = deps, service

    def handlers(self) -> list[BaseHandler[Update, Any, Any]]:
        return [
            CommandHandler("timezone", self.timezone, filters=PRIVATE_MSG),
            CommandHandler("remind", self.remind, filters=PRIVATE_MSG),
            CommandHandler("settings", self.settings, filters=PRIVATE_MSG),
            MessageHandler(PRIVATE_MSG & filters.LOCATION, self.location),
        ]

    # ---- rendering ----------------------------------------------------------------------------
    def _describe(self, t: Texts, state: ReminderState) -> dict[str, str]:
        at = state.at.strftime("%H:%M") if state.at else ""
        days = format_days(state.days) if state.days else "daily"
        days_text = str(t.raw(f"reminders.days.{days}")) if days in ("daily", "mon-fri") else days
        nxt = ""
        if state.next_due and state.zone:
            local_next = state.next_due.astimezone(ZoneInfo(state.zone))
            weekday = t.raw("reminders.weekdays")[local_next.weekday()]
            nxt = local_next.strftime(str(t.raw("reminders.next_format"))).replace("{wd}", weekday)
        return {"time": at, "days": days_text, "next": nxt, "zone": state.zone or "—"}

    async def _confirm(self, u: Unit, state: ReminderState, zone_changed: bool) -> None:
        d = self._describe(u.t, state)
        if zone_changed:
            local = self.deps.clock().astimezone(ZoneInfo(state.zone or "UTC")).strftime("%H:%M")
            await u.say(u.t.html("reminders.zone_set_html", zone=d["zone"], local=local))
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
            try:
                state = await self.service.set_zone(u.repo, u.user, text, u.now)
            except ScheduleError:
                await u.say(u.t.html("reminders.zone_bad_html"))
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
                await self._show_settings(u)

    async def _show_settings(self, u: Unit) -> None:
        state = await self.service.state(u.repo, u.user)
        d = self._describe(u.t, state)
        if state.at is None:
            reminder = str(u.t.raw("reminders.settings_none"))
        elif not state.enabled:
            reminder = str(u.t.raw("reminders.settings_off"))
        else:
            reminder = u.t.html("reminders.settings_on", time=d["time"], days=d["days"])
        await u.say(
            u.t.html("reminders.settings_html", zone=d["zone"], reminder=reminder),
            settings_keyboard(u.t),
        )

    # ---- buttons (called from the private chat's button handler) -------------------------------
    async def on_button(self, u: Unit, action: str, arg: str) -> str | None:
        """Apply a reminder button; returns a short notice for the callback answer."""
        t = u.t
        if action == "rset":
            state = await self.service.state(u.repo, u.user)
            at = state.at or time(8)
            days = format_days(state.days) if state.days else "daily"
            try:
                if arg == "off":
                    await self.service.turn_off(u.repo, u.user)
                    await u.say(t.html("reminders.turned_off"))
                    return None
                if arg.startswith("t"):
                    at = time(int(arg[1:3]), int(arg[3:5]))
                else:
                    days = "daily" if arg == "dall" else "mon-fri"
                new = await self.service.set_reminder(
                    u.repo, u.user, at.strftime("%H:%M"), days, u.now
                )
            except (ScheduleError, ValueError):
                return str(t.raw("tg.forged_button"))
            await self._confirm(u, new, zone_changed=False)
            return None
        delivery_id = int(arg)
        if action == "snooze":
            ok = await self.service.snooze(u.repo, u.user, delivery_id, u.now)
            return str(t.raw("reminders.snoozed" if ok else "reminders.stale"))
        if action == "skipday":
            ok = await self.service.skip_today(u.repo, u.user, delivery_id)
            return str(t.raw("reminders.skipped_today" if ok else "reminders.stale"))
        return None

    # ---- the dispatcher -----------------------------------------------------------------------
    async def dispatch(self, now: datetime | None = None) -> int:
        """Claim due drills in batches; queue each in the outbox in the claiming transaction."""
        total = 0
        while True:
            now_ = now or self.deps.clock()
            async with self.deps.db.tx() as repo:
                drills = await self.service.claim_due(repo, now_, BATCH)
                for d in drills:
                    t = self.deps.texts(d.lang)
                    await repo.enqueue(
                        d.chat_id,
                        "sendMessage",
                        {
                            "text": render.drill_message(t, d),
                            "parse_mode": "HTML",
                            "reply_markup": drill_keyboard(t, d.delivery_id),
                        },
                        now_,
                    )
            total += len(drills)
            if self.deps.outbox is not None and drills:
                outbox = self.deps.outbox
                asyncio.get_running_loop().create_task(
                    _flush_all(outbox, [d.chat_id for d in drills])
                )
            if len(drills) < BATCH:
                return total


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
