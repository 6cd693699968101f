"""Reminder time maths with a fixed clock: DST, Asia/Shanghai, weekdays, the grace window."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.engine.schedule import (
    ALL_DAYS,
    ScheduleError,
    decide,
    next_due,
    parse_days,
    parse_time,
    resolve_zone,
    streak,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:00", time(8)),
        ("8", time(8)),
        ("8am", time(8)),
        ("8:30 pm", time(20, 30)),
        ("12am", time(0)),
        ("12 pm", time(12)),
        ("07.45", time(7, 45)),
        ("23:59", time(23, 59)),
        ("7h45", time(7, 45)),
        ("8 A.M.", time(8)),
    ],
)
def test_parse_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "8:60", "13pm", "0am", "noonish", "", "8:5"])
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_time(text)


def test_parse_days() -> None:
    assert parse_days("mon-fri") == frozenset(range(5))
    assert parse_days("sat,sun") == parse_days("weekends") == frozenset({5, 6})
    assert parse_days("fri-mon") == frozenset({4, 5, 6, 0})
    assert parse_days("") == parse_days("daily") == ALL_DAYS
    with pytest.raises(ScheduleError):
        parse_days("funday")


def test_shanghai_eight_am_is_midnight_utc() -> None:
    due = next_due(utc(2026, 11, 26, 1, 0), "Asia/Shanghai", time(8), ALL_DAYS)
    assert due == utc(2026, 11, 27, 0, 0)
    # just before 08:00 local: today
    assert next_due(utc(2026, 11, 26, 23, 59), "Asia/Shanghai", time(8), ALL_DAYS) == utc(
        2026, 11, 27, 0, 0
    )


def test_weekdays_skip_the_weekend() -> None:
    friday_after = utc(2026, 11, 27, 1, 0)  # Fri 09:00 in Shanghai
    due = next_due(friday_after, "Asia/Shanghai", time(7, 45), parse_days("mon-fri"))
    assert due is not None
    assert due.astimezone(ZoneInfo("Asia/Shanghai")).date() == date(2026, 11, 30)  # Monday


def test_dst_spring_gap_moves_after_the_gap() -> None:
    # Europe/Berlin springs forward on 2026-03-29: 02:00 -> 03:00; 02:30 does not exist
    due = next_due(utc(2026, 3, 28, 12), "Europe/Berlin", time(2, 30), ALL_DAYS)
    assert due is not None and due.date() == date(2026, 3, 29)
    local = due.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.hour, local.minute) == (3, 30)


def test_dst_autumn_fold_fires_once() -> None:
    # 2026-10-25 02:30 happens twice in Berlin; the first one counts, then the next day
    first = next_due(utc(2026, 10, 24, 12), "Europe/Berlin", time(2, 30), ALL_DAYS)
    assert first == utc(2026, 10, 25, 0, 30)
    second = next_due(first, "Europe/Berlin", time(2, 30), ALL_DAYS)
    assert second == utc(2026, 10, 26, 1, 30)


def test_new_york_keeps_local_time_across_dst() -> None:
    before = next_due(utc(2026, 3, 7, 20), "America/New_York", time(8), ALL_DAYS)
    after = next_due(utc(2026, 3, 8, 20), "America/New_York", time(8), ALL_DAYS)
    assert before == utc(2026, 3, 8, 12) and after == utc(2026, 3, 9, 12)  # EST -> EDT


def test_grace_window() -> None:
    due = utc(2026, 11, 26, 0, 0)
    assert decide(due, due + timedelta(minutes=119)).send
    assert not decide(due, due + timedelta(hours=2, minutes=1)).send


def test_resolve_zone() -> None:
    cities = {"hangzhou": "Asia/Shanghai"}
    assert resolve_zone("Hangzhou", cities) == "Asia/Shanghai"
    assert resolve_zone("asia/shanghai", cities) == "Asia/Shanghai"
    assert resolve_zone("Tokyo", cities) == "Asia/Tokyo"
    assert resolve_zone("new york", cities) == "America/New_York"
    with pytest.raises(ScheduleError):
        resolve_zone("Atlantis", cities)


def test_streak_counts_consecutive_local_days() -> None:
    d = date(2026, 11, 26)
    days = {d, d - timedelta(days=1), d - timedelta(days=2), d - timedelta(days=4)}
    assert streak(days, d) == 3
    assert streak(days - {d}, d) == 2  # not answered yet today: yesterday's run still counts
    assert streak(set(), d) == 0
