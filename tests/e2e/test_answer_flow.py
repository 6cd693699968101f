"""Answers typed in several messages stay whole; worked answers, themes and languages.

Real PTB over real HTTP against the fake Bot API; time moves on an injected clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio

from bot.content.loader import Content
from tests.e2e.conftest import FakeClock, Harness, person
from tests.fakes.telegram_server import FakeTelegram

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest_asyncio.fixture
async def timed(
    tg: FakeTelegram, content: Content, tmp_path: Path
) -> AsyncIterator[tuple[Harness, FakeClock]]:
    clock = FakeClock(T0)
    h = Harness(tg, content, tmp_path / "bot.sqlite3", grace=5, wait=20, clock=clock)
    await h.start()
    yield h, clock
    await h.stop()


async def settle(tg: FakeTelegram) -> None:
    await tg.wait_for(lambda: not tg.pending_updates())
    await asyncio.sleep(0.8)  # a few sweeps of the grace-period job


def buttons(record: dict[str, Any]) -> list[str]:
    rows = (record.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


async def test_three_fragments_15s_apart_form_one_answer(
    tg: FakeTelegram, timed: tuple[Harness, FakeClock]
) -> None:
    _, clock = timed
    ann = person(tg, 601, "Ann")
    tg.send_text(ann, "/practice behavioral")
    await tg.wait_sent(601)
    parts = [
        "so at my internship the refund report took most of monday morning,",
        "i rewrote the sql myself and added a daily check on late tables and",
        "now it runs in 10 minutes instead of 3 hours, and ops uses it every day.",
    ]
    for i, part in enumerate(parts):
        clock.set(T0 + timedelta(seconds=15 * i))
        tg.send_text(ann, part)
        await settle(tg)
        if i < len(parts) - 1:
            clock.set(T0 + timedelta(seconds=15 * i + 14))
            await settle(tg)
            assert len(tg.sent_to(601)) == 1, "the bot answered before the candidate finished"
    clock.set(T0 + timedelta(seconds=30 + 6))  # the last part ends a sentence: 5 s grace
    await tg.wait_sent(601)
    assert len(tg.sent_to(601)) == 2  # the question and exactly one evaluation


async def test_one_complete_message_is_answered_within_6s(
    tg: FakeTelegram, timed: tuple[Harness, FakeClock]
) -> None:
    _, clock = timed
    bo = person(tg, 602, "Bo")
    tg.send_text(bo, "/practice behavioral")
    await tg.wait_sent(602)
    tg.send_text(bo, "I rebuilt the refund report myself; it now runs in 10 minutes, not 3 hours.")
    await settle(tg)
    assert len(tg.sent_to(602)) == 1
    clock.set(T0 + timedelta(seconds=6))
    await tg.wait_sent(602, timeout=5)


async def test_worked_answer_button_and_a_theme(tg: FakeTelegram, harness: Harness) -> None:
    cy = person(tg, 603, "Cy")
    tg.send_text(cy, "/practice sql")
    [question] = await tg.wait_sent(603)
    assert "SQL" in tg.plain(question)
    tg.send_text(cy, "No idea.")
    [feedback] = await tg.wait_sent(603)
    assert "No worries" in tg.plain(feedback)
    assert "Show a strong answer" in buttons(feedback)
    tg.press(cy, feedback, text="Show a strong answer")
    [model] = await tg.wait_sent(603)
    assert tg.plain(model).startswith("A strong answer")
    assert buttons(model) == ["Next question", "Try again", "Stop"]
    tg.press(cy, model, text="Try again")
    [again] = await tg.wait_sent(603)
    assert tg.plain(again).split("\n")[1] == tg.plain(question).split("\n")[1]


async def test_bad_theme_gets_usage(tg: FakeTelegram, harness: Harness) -> None:
    dee = person(tg, 604, "Dee")
    tg.send_text(dee, "/practice astrology")
    [usage] = await tg.wait_sent(604)
    assert "/practice sql" in tg.plain(usage)


async def test_command_menus_in_both_languages(tg: FakeTelegram, harness: Harness) -> None:
    await tg.wait_for(lambda: len(tg.commands) >= 4)
    langs = {key for key in tg.commands}
    assert any("zh" in str(key) for key in langs), langs
    private_zh = next(v for k, v in tg.commands.items() if "zh" in str(k) and "private" in str(k))
    assert any(c["command"] == "language" for c in private_zh)
