"""Raw intake: what Telegram sent is stored as sent; a bad update is set aside, never a blocker."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update

from bot.content import Content
from bot.db.models import OutboxMessage, TgUpdate
from bot.tg.intake import update_json
from bot.tg.private import PrivateChat
from tests.e2e.conftest import Harness, person
from tests.fakes.telegram_server import FakeTelegram

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


async def stored(h: Harness) -> dict[int, TgUpdate]:
    async with h.db.tx() as repo:
        rows = (await repo.s.execute(select(TgUpdate))).scalars().all()
        return {r.update_id: r for r in rows}


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def inaccessible_pin(tg: FakeTelegram, group: dict[str, Any], by: dict[str, Any]) -> dict[str, Any]:
    """What Telegram sends when someone pins a message the bot cannot see."""
    return tg.push_update(
        {
            "message": {
                "message_id": 90,
                "date": 1_760_000_000,
                "chat": group,
                "from": by,
                "pinned_message": {"message_id": 12, "date": 0, "chat": group},
            }
        }
    )


async def test_inaccessible_pin_and_poison_do_not_block_anyone(
    tg: FakeTelegram, harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    group = tg.group_chat(-700, "Pins")
    ann = person(tg, 701, "Ann")
    pin = inaccessible_pin(tg, group, ann)
    poison = tg.push_update(
        {"message": {"message_id": 91, "date": "yesterday", "chat": group, "from": ann}}
    )
    future = tg.push_update({"update_kind_from_2031": {"chat": group, "x": [1, {"y": None}]}})
    tg.send_text(ann, "/help")
    [help_] = await tg.wait_sent(701, timeout=10)
    assert "How it works" in tg.plain(help_)
    await tg.wait_for(lambda: not tg.pending_updates())  # all confirmed, the poison too

    rows = await stored(harness)
    assert rows[pin["update_id"]].payload == pin  # the raw JSON, date 0 and all
    assert rows[future["update_id"]].payload == future
    bad = rows[poison["update_id"]]
    assert bad.status == "failed" and bad.error and bad.error.startswith("unparsable")
    await asyncio.sleep(0.5)  # the catch-all marks ignored updates after the handlers
    rows = await stored(harness)
    assert {rows[pin["update_id"]].status, rows[future["update_id"]].status} == {"ignored"}
    assert errors(caplog) == [f"update {poison['update_id']} set aside: {bad.error}"]

    # the stored form replays into the same Update
    again = Update.de_json(rows[pin["update_id"]].payload, None)
    assert update_json(again) == update_json(Update.de_json(pin, None))


async def test_a_handler_failure_sets_the_update_aside_once(
    tg: FakeTelegram,
    content: Content,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*_args: Any) -> None:
        raise RuntimeError("bug in a handler")

    monkeypatch.setattr(PrivateChat, "help", broken)
    monkeypatch.setattr(PrivateChat, "_press", broken)
    h = Harness(tg, content, tmp_path / "bot.sqlite3")
    await h.start()
    try:
        bo = person(tg, 702, "Bo")
        failing = tg.send_text(bo, "/help")
        tg.send_text(bo, "/start")
        [welcome] = await tg.wait_sent(702, timeout=10)  # the next update goes on
        press = tg.press(bo, welcome, text="Behavioral")
        await tg.wait_for(lambda: not tg.unanswered_callbacks(), timeout=10)  # answered anyway
        await tg.wait_for(lambda: not tg.pending_updates())
        rows = await stored(h)
        for u in (failing, press):
            row = rows[u["update_id"]]
            assert row.status == "failed" and row.error and "bug in a handler" in row.error
        assert errors(caplog) == [
            f"update {u['update_id']} set aside: handler failed: RuntimeError: bug in a handler"
            for u in (failing, press)
        ]
        pressed = press["callback_query"]["id"]
        assert [a["callback_query_id"] for a in tg.callback_answers] == [pressed]
    finally:
        await h.stop()


async def test_an_edit_that_would_change_nothing_is_not_sent(
    tg: FakeTelegram, harness: Harness
) -> None:
    """Telegram rejects it ("message is not modified"); the outbox compares first."""
    cy = person(tg, 703, "Cy")
    tg.send_text(cy, "/help")
    [sent] = await tg.wait_sent(703)
    for text in (sent["text"], "Changed."):
        async with harness.db.tx() as repo:
            payload = {"text": text, "parse_mode": "HTML", "message_id": sent["message_id"]}
            await repo.enqueue(703, "editMessageText", payload, harness.clock())
        await drained(harness)
    assert [c.status for c in tg.calls if c.method == "editMessageText"] == [200]


async def drained(h: Harness) -> None:
    for _ in range(100):  # the sweeper sends what is due every 0.5 s
        async with h.db.tx() as repo:
            pending = select(OutboxMessage.id).where(OutboxMessage.status == "pending")
            if (await repo.s.execute(pending)).first() is None:
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox never drained")
