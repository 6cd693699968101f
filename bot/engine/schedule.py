"""Reminder time maths: parsing user input and the next due instant in UTC.

Pure functions over `zoneinfo`: DST gaps (a local time that does not exist) move to the
first valid instant after the gap, repeated local times take their first occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAYS = frozenset(range(7))
DEFAULT_GRACE = timedelta(hours=2)

_TIME = re.compile(
    r"^\s*(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?\s*$", re.I
)


class ScheduleError(ValueError):
    """Input we cannot read; the message key says which example to show."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_time(text: str) -> time:
    """'08:00', '8', '8am', '8:30 pm', '20.15', '7h45' -> a local wall-clock time."""
    m = _TIME.match(text or "")
    if m is None:
        raise ScheduleError("bad_time")
    hour, minute = int(m["h"]), int(m["m"] or 0)
    ampm = (m["ampm"] or "").lower().replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            raise ScheduleError("bad_time")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ScheduleError("bad_time")
    return time(hour, minute)


def parse_days(text: str) -> frozenset[int]:
    """'mon-fri', 'mon,wed,fri', 'daily', 'weekdays', 'weekends', 'sat sun' -> {0..6}."""
    t = (text or "").strip().lower()
    if t in ("", "daily", "every day", "everyday", "all"):
        return ALL_DAYS
    if t in ("weekdays", "workdays"):
        return frozenset(range(5))
    if t in ("weekends", "weekend"):
        return frozenset({5, 6})
    days: set[int] = set()
    for part in re.split(r"[,\s]+", t):
        if not part:
            continue
        if "-" in part:
            a, _, b = part.partition("-")
            start, end = _day(a), _day(b)
            i = start
            while True:
                days.add(i)
                if i == end:
                    break
                i = (i + 1) % 7
        else:
            days.add(_day(part))
    return frozenset(days)


def _day(token: str) -> int:
    token = token.strip()[:3]
    if token not in DAYS:
        raise ScheduleError("bad_days")
    return DAYS.index(token)


def format_days(days: frozenset[int]) -> str:
    """Days in the form /remind reads back ('daily', 'mon-fri', 'sat,sun')."""
    if days == ALL_DAYS:
        return "daily"
    if days == frozenset(range(5)):
        return "mon-fri"
    return ",".join(DAYS[d] for d in sorted(days))


def days_label(days: frozenset[int], names: list[str] | tuple[str, ...]) -> tuple[str, str]:
    """('key', '') for a named set (daily, weekdays, weekends), else ('', 'Mon, Wed–Fri').

    `names` are the weekday names in the user's language; runs of three or more days
    read as a range, so a phone shows "Mon–Thu" instead of "mon,tue,wed,thu".
    """
    if not days or days == ALL_DAYS:
        return "daily", ""
    if days == frozenset(range(5)):
        return "weekdays", ""
    if days == frozenset({5, 6}):
        return "weekends", ""
    parts: list[str] = []
    run: list[int] = []
    for d in [*sorted(days), 99]:
        if run and d != run[-1] + 1:
            if len(run) >= 3:
                parts.append(f"{names[run[0]]}–{names[run[-1]]}")
            else:
                parts.extend(names[x] for x in run)
            run = []
        run.append(d)
    return "", ", ".join(parts)


def days_to_mask(days: frozenset[int]) -> int:
    return sum(1 << d for d in days)


def mask_to_days(mask: int) -> frozenset[int]:
    return frozenset(d for d in range(7) if mask & (1 << d))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError("bad_zone") from exc


# "+8", "UTC+8", "GMT+08:00", "utc -5", "+0530": the sign people mean (east is plus).
_OFFSET = re.compile(
    r"^(?:utc|gmt|ut)?\s*(?P<sign>[+\-\u2212])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$"
)
# Offsets that are not whole hours have no Etc/ zone: a zone that keeps that offset all year.
_HALF_HOURS = {
    (3, 30): "Asia/Tehran",
    (4, 30): "Asia/Kabul",
    (5, 30): "Asia/Kolkata",
    (5, 45): "Asia/Kathmandu",
    (6, 30): "Asia/Yangon",
    (9, 30): "Australia/Darwin",
}


@dataclass(frozen=True)
class ZoneChoice:
    """What /timezone resolved to; `fixed` when it is an offset that ignores daylight saving."""

    name: str
    fixed: bool = False


def parse_offset(text: str) -> ZoneChoice | None:
    """'UTC+8' -> Etc/GMT-8 (which *is* UTC+8: POSIX names flip the sign); None if no offset."""
    m = _OFFSET.match(text.strip().lower())
    if m is None:
        return None
    hours, minutes = int(m["h"]), int(m["m"] or 0)
    east = m["sign"] == "+"
    if minutes:
        name = _HALF_HOURS.get((hours, minutes)) if east else None
        if name is None:
            raise ScheduleError("bad_zone")
        return ZoneChoice(name, fixed=True)
    if hours == 0:
        return ZoneChoice("UTC", fixed=True)
    if hours > (14 if east else 12):
        raise ScheduleError("bad_zone")
    return ZoneChoice(f"Etc/GMT{'-' if east else '+'}{hours}", fixed=True)


def resolve_zone(text: str, cities: dict[str, str]) -> str:
    """The zone name only; see `choose_zone`."""
    return choose_zone(text, cities).name


def choose_zone(text: str, cities: dict[str, str]) -> ZoneChoice:
    """An offset ('GMT+8'), a known city or country ('Hangzhou', '杭州', 'China'),
    an IANA name ('Asia/Shanghai'), or a zone's city part ('Tokyo')."""
    t = " ".join((text or "").split())
    if not t:
        raise ScheduleError("bad_zone")
    key = t.lower()
    if key in ("utc", "gmt", "z", "ut"):
        return ZoneChoice("UTC", fixed=True)
    offset = parse_offset(key)
    if offset is not None:
        return offset
    if key in cities:
        return ZoneChoice(cities[key])
    names = _zone_names()
    exact = {n.lower(): n for n in names}
    if key in exact:
        name = exact[key]
        return ZoneChoice(name, fixed=name.startswith("Etc/"))
    suffix = key.replace(" ", "_")
    matches = sorted(n for n in names if n.lower().endswith("/" + suffix))
    if matches:
        return ZoneChoice(matches[0])
    raise ScheduleError("bad_zone")


def utc_offset(name: str, at: datetime) -> str:
    """'UTC+8', 'UTC−5', 'UTC+5:30' at a given instant, for the user to check."""
    delta = at.astimezone(zone(name)).utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "\u2212"
    h, m = divmod(abs(minutes), 60)
    return f"UTC{sign}{h}" + (f":{m:02d}" if m else "") if minutes else "UTC"


_ZONES: frozenset[str] | None = None


def _zone_names() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of `at` on `day` in `tz`, across DST gaps and folds.

    fold=0 takes the offset in force before a transition: a repeated time (autumn) maps
    to its first occurrence, and a missing one (spring, e.g. 02:30) to the instant just
    after the gap (03:30 local), so a reminder is never skipped or sent twice.
    """
    return datetime.combine(day, at).replace(tzinfo=tz, fold=0).astimezone(UTC)


def next_due(after: datetime, tz_name: str, at: time, days: frozenset[int]) -> datetime | None:
    """First instant strictly after `after` (UTC) that falls on `at` local time on `days`."""
    if not days:
        return None
    tz = zone(tz_name)
    start = after.astimezone(tz).date()
    for offset in range(0, 9):
        day = start + timedelta(days=offset)
        if day.weekday() not in days:
            continue
        due = local_instant(day, at, tz)
        if due > after:
            return due
    return None


@dataclass(frozen=True)
class DueDecision:
    """What to do with an occurrence found due at `now`."""

    send: bool
    late_by: timedelta


def decide(due: datetime, now: datetime, grace: timedelta = DEFAULT_GRACE) -> DueDecision:
    """Send if we are within the grace window of the due instant, else skip it."""
    late = now - due
    return DueDecision(send=late <= grace, late_by=late)


def streak(answer_days: set[date], today: date) -> int:
    """Consecutive local days with an answer, ending today (or yesterday, if not yet today)."""
    day = today if today in answer_days else today - timedelta(days=1)
    count = 0
    while day in answer_days:
        count += 1
        day -= timedelta(days=1)
    return count
