"""/timezone input as people type it: offsets with the sign they mean, cities, countries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.content import Content
from bot.engine.schedule import ScheduleError, choose_zone, days_label, utc_offset

NOV = datetime(2026, 11, 26, 22, 0, tzinfo=UTC)
JUL = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def cities(content: Content) -> dict[str, str]:
    return {name: c.zone for name, c in content.cities.items()}


@pytest.mark.parametrize(
    ("text", "zone", "fixed", "offset"),
    [
        # the bug: GMT+8 is east of Greenwich, i.e. UTC+8 (POSIX Etc/GMT-8), not UTC-8
        ("GMT+8", "Etc/GMT-8", True, "UTC+8"),
        ("gmt+8", "Etc/GMT-8", True, "UTC+8"),
        ("UTC+8", "Etc/GMT-8", True, "UTC+8"),
        ("UTC +8", "Etc/GMT-8", True, "UTC+8"),
        ("+08:00", "Etc/GMT-8", True, "UTC+8"),
        ("+8", "Etc/GMT-8", True, "UTC+8"),
        ("GMT+08", "Etc/GMT-8", True, "UTC+8"),
        ("UTC-5", "Etc/GMT+5", True, "UTC−5"),
        ("utc−5", "Etc/GMT+5", True, "UTC−5"),  # a typographic minus
        ("-05:00", "Etc/GMT+5", True, "UTC−5"),
        ("UTC+5:30", "Asia/Kolkata", True, "UTC+5:30"),
        ("+0545", "Asia/Kathmandu", True, "UTC+5:45"),
        ("UTC+0", "UTC", True, "UTC"),
        ("UTC", "UTC", True, "UTC"),
        ("GMT", "UTC", True, "UTC"),
        ("UTC+14", "Etc/GMT-14", True, "UTC+14"),
        # names: IANA, cities in English and Chinese, countries with one zone
        ("Asia/Shanghai", "Asia/Shanghai", False, "UTC+8"),
        ("asia/shanghai", "Asia/Shanghai", False, "UTC+8"),
        ("Hangzhou", "Asia/Shanghai", False, "UTC+8"),
        ("Beijing", "Asia/Shanghai", False, "UTC+8"),
        ("杭州", "Asia/Shanghai", False, "UTC+8"),
        ("北京", "Asia/Shanghai", False, "UTC+8"),
        ("China", "Asia/Shanghai", False, "UTC+8"),
        ("中国", "Asia/Shanghai", False, "UTC+8"),
        ("Japan", "Asia/Tokyo", False, "UTC+9"),
        ("India", "Asia/Kolkata", False, "UTC+5:30"),
        ("Tokyo", "Asia/Tokyo", False, "UTC+9"),
        ("new  york", "America/New_York", False, "UTC−5"),
        ("Berlin", "Europe/Berlin", False, "UTC+1"),
        # typed as an IANA Etc/ name: kept as IANA means it, and the offset shows the sign
        ("Etc/GMT+8", "Etc/GMT+8", True, "UTC−8"),
    ],
)
def test_choose_zone(
    cities: dict[str, str], text: str, zone: str, fixed: bool, offset: str
) -> None:
    choice = choose_zone(text, cities)
    assert (choice.name, choice.fixed) == (zone, fixed)
    assert utc_offset(choice.name, NOV) == offset


@pytest.mark.parametrize(
    "text", ["", "   ", "Atlantis", "UTC+15", "UTC-13", "+25:00", "UTC+8:20", "GMT-3:30", "8"]
)
def test_choose_zone_rejects(cities: dict[str, str], text: str) -> None:
    with pytest.raises(ScheduleError):
        choose_zone(text, cities)


def test_city_follows_daylight_saving_and_offset_does_not(cities: dict[str, str]) -> None:
    assert utc_offset(choose_zone("Berlin", cities).name, JUL) == "UTC+2"
    assert utc_offset(choose_zone("UTC+1", cities).name, JUL) == "UTC+1"


NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (set(range(7)), ("daily", "")),
        (set(), ("daily", "")),
        ({0, 1, 2, 3, 4}, ("weekdays", "")),
        ({5, 6}, ("weekends", "")),
        ({0, 1, 2, 3}, ("", "Mon–Thu")),
        ({0, 2, 4}, ("", "Mon, Wed, Fri")),
        ({0, 1}, ("", "Mon, Tue")),
        ({0, 2, 3, 4, 5}, ("", "Mon, Wed–Sat")),
    ],
)
def test_days_label(days: set[int], label: tuple[str, str]) -> None:
    assert days_label(frozenset(days), NAMES) == label
