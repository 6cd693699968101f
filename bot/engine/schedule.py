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
    if days == ALL_DAYS:
        return "daily"
    if days == frozenset(range(5)):
        return "mon-fri"
    return ",".join(DAYS[d] for d in sorted(days))


def days_to_mask(days: frozenset[int]) -> int:
    return sum(1 << d for d in days)


def mask_to_days(mask: int) -> frozenset[int]:
    return frozenset(d for d in range(7) if mask & (1 << d))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError("bad_zone") from exc


def resolve_zone(text: str, cities: dict[str, str]) -> str:
    """An IANA name ('Asia/Shanghai'), a known city ('Hangzhou'), or a zone's city part."""
    t = " ".join((text or "").split())
    if not t:
        raise ScheduleError("bad_zone")
    key = t.lower()
    if key in cities:
        return cities[key]
    names = _zone_names()
    exact = {n.lower(): n for n in names}
    if key in exact:
        return exact[key]
    suffix = key.replace(" ", "_")
    matches = sorted(n for n in names if n.lower().endswith("/" + suffix))
    if matches:
        return matches[0]
    raise ScheduleError("bad_zone")


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
