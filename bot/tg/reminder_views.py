"""What reminder messages look like: settings, zone confirmations, a drill and its state."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import render
from bot.db.models import ReminderDelivery
from bot.engine.schedule import days_label, utc_offset
from bot.services.reminders import Drill, ReminderState
from bot.texts import Texts
from bot.tg.callback_data import Button
from bot.tg.messages import inline_keyboard

SETTINGS_TIMES = ("0700", "0800", "0900", "2000")
SETTINGS_DAYS = (("dall", "daily"), ("dwk", "weekdays"), ("dwe", "weekends"))
# what a drill's buttons offer in each state: only what still makes sense
DRILL_BUTTONS = {
    "queued": ("answer", "snooze", "skip"),
    "snoozed": ("answer", "skip"),
    "skipped": ("answer",),
    "answered": (),
    "resent": (),
}
_ACTIONS = {"answer": "drill", "snooze": "snooze", "skip": "skipday"}


def zone_label(zone: str | None, now: datetime) -> str:
    """'Asia/Shanghai (UTC+8)', or just 'UTC+8' for a fixed offset: the sign is visible."""
    if not zone:
        return "—"
    offset = utc_offset(zone, now)
    return offset if zone == "UTC" or zone.startswith("Etc/") else f"{zone} ({offset})"


def local_time(zone: str | None, now: datetime) -> str:
    return now.astimezone(ZoneInfo(zone or "UTC")).strftime("%H:%M")


def when(t: Texts, zone: str, instant: datetime) -> str:
    """A future instant in the user's zone, e.g. 'Fri 27 Nov, 08:00'."""
    local = instant.astimezone(ZoneInfo(zone))
    weekday = t.raw("reminders.weekdays")[local.weekday()]
    return local.strftime(str(t.raw("reminders.next_format"))).replace("{wd}", weekday)


def days_text(t: Texts, days: frozenset[int]) -> str:
    key, listed = days_label(days, list(t.raw("reminders.weekdays")))
    return (
        str(t.raw(f"reminders.days.{key}")) if key else t.html("reminders.days.list", days=listed)
    )


def describe(t: Texts, state: ReminderState, now: datetime) -> dict[str, str]:
    """The placeholders every reminder confirmation uses."""
    nxt = when(t, state.zone, state.next_due) if state.next_due and state.zone else "—"
    return {
        "time": state.at.strftime("%H:%M") if state.at else "",
        "days": days_text(t, state.days),
        "next": nxt,
        "zone": zone_label(state.zone, now),
    }


def settings_text(t: Texts, state: ReminderState, now: datetime) -> str:
    d = describe(t, state, now)
    if state.at is None:
        reminder = str(t.raw("reminders.settings_none"))
    elif not state.enabled:
        reminder = str(t.raw("reminders.settings_off"))
    else:
        reminder = t.html("reminders.settings_on", **d)
    return t.html("reminders.settings_html", zone=d["zone"], reminder=reminder)


def settings_keyboard(t: Texts, state: ReminderState) -> dict[str, Any]:
    """Time and day buttons, the current choice ticked; the message stays usable."""
    on = state.enabled and state.at is not None
    at = state.at.strftime("%H%M") if on and state.at else ""
    key = days_label(state.days, list(t.raw("reminders.weekdays")))[0] if on else ""

    def tick(label: str, chosen: bool) -> str:
        return f"✓ {label}" if chosen else label

    times = [(tick(f"{x[:2]}:{x[2:]}", x == at), Button("rset", f"t{x}")) for x in SETTINGS_TIMES]
    days = [
        (tick(str(t.raw(f"reminders.buttons.{name}")), name == key), Button("rset", arg))
        for arg, name in SETTINGS_DAYS
    ]
    off = str(t.raw("reminders.buttons.turn_off" if on else "reminders.buttons.is_off"))
    return inline_keyboard([times, days, [(off, Button("rset", "off"))]])


def drill_text(t: Texts, d: Drill) -> str:
    """The drill as first sent; a snoozed one says so instead of pretending to be new."""
    text = render.drill_message(t, d)
    if not d.snoozed:
        return text
    streak = (
        t.html("reminders.streak_days", n=d.streak)
        if d.streak
        else t.html("reminders.streak_start")
    )
    header = t.html("reminders.drill_again_header_html", time=d.local_time, streak=streak)
    return header + "\n" + text.split("\n", 1)[1]


def drill_keyboard(t: Texts, delivery_id: int, status: str = "queued") -> dict[str, Any] | None:
    names = DRILL_BUTTONS.get(status, ())
    if not names:
        return None
    row = [
        (str(t.raw(f"reminders.buttons.{n}")), Button(_ACTIONS[n], str(delivery_id))) for n in names
    ]
    return inline_keyboard([row])


def drill_state_text(t: Texts, d: ReminderDelivery, zone: str, next_due: datetime | None) -> str:
    """The drill as sent, plus one line saying what happened to it."""
    z = zone or "UTC"
    if d.status == "snoozed" and d.until is not None:
        line = t.html("reminders.drill_snoozed_html", until=local_time(z, d.until))
    elif d.status == "skipped":
        nxt = when(t, z, next_due) if next_due else "—"
        line = t.html("reminders.drill_skipped_html", next=nxt)
    elif d.status == "resent":
        line = t.html("reminders.drill_resent_html")
    else:
        line = t.html("reminders.drill_answered_html")
    return f"{d.text or ''}\n\n{line}"


def refusal(t: Texts, outcome: str, d: ReminderDelivery | None, zone: str | None) -> str:
    """A polite pop-up for a press that contradicts what already happened."""
    if outcome == "snoozed" and d is not None and d.until is not None:
        return str(t.raw("reminders.refused.snoozed")).format(until=local_time(zone, d.until))
    if outcome in ("answered", "skipped", "resent"):
        return str(t.raw(f"reminders.refused.{outcome}"))
    return str(t.raw("reminders.stale"))
