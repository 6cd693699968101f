"""`python -m bot run` and `python -m bot console` as real subprocesses on whatever
DATABASE_URL names: a SQLite file always, a fresh PostgreSQL database when configured."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import OutboxMessage, TgUpdate
from bot.services.database import Database
from tests.e2e.conftest import person
from tests.e2e.process import BotProcess
from tests.e2e.test_console import run_console
from tests.fakes.telegram_server import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


async def _outbox_pending(url: str) -> int:
    database = Database(url)
    try:
        async with database.tx() as repo:
            rows = await repo.s.execute(
                select(OutboxMessage.id).where(OutboxMessage.status == "pending")
            )
            return len(rows.all())
    finally:
        await database.close()


async def _stored_updates(url: str) -> list[tuple[int, str]]:
    database = Database(url)
    try:
        async with database.tx() as repo:
            rows = await repo.s.execute(select(TgUpdate.update_id, TgUpdate.status))
            return sorted((int(u), str(s)) for u, s in rows)
    finally:
        await database.close()


async def test_run_migrates_stores_and_replies(
    tg: FakeTelegram, tmp_path: Path, database_url: str
) -> None:
    """A fresh database: `run` migrates it, keeps each update, replies, and survives a kill."""
    bot = BotProcess(tg, tmp_path)
    bot.env["DATABASE_URL"] = database_url
    ann = person(tg, 5151, "Ann")
    try:
        await bot.start()
        first = tg.send_text(ann, "/practice behavioral")["update_id"]
        [question] = await tg.wait_sent(5151, timeout=20)
        assert "Behavioral ·" in tg.plain(question)
        # past the one window no bot closes (sent, not yet recorded) before the kill
        for _ in range(100):
            if await _outbox_pending(database_url) == 0:
                break
            await asyncio.sleep(0.05)
        bot.kill()
        await bot.start()  # a second process on the same database resumes the session
        second = tg.send_text(ann, "/help")["update_id"]
        [help_reply] = await tg.wait_sent(5151, timeout=20)
        assert "How it works" in tg.plain(help_reply)
        await asyncio.sleep(0.5)
    finally:
        bot.stop()
    assert bot.log_lines("ERROR") == []
    stored = await _stored_updates(database_url)
    assert [u for u, _ in stored] == [first, second]
    assert {s for _, s in stored} == {"done"}, stored
    assert len(tg.sent_to(5151)) == 2  # nothing doubled by the kill


def test_console_resumes_from_the_database(database_url: str) -> None:
    out = run_console(database_url, "\n\n/quit\n", "--kind", "case")
    assert "Case ·" in out and "(question 1)" in out
    again = run_console(database_url, "/quit\n")
    assert "Welcome back" in again


def test_fixture_gives_each_test_its_own_database(database_url: str, tmp_path: Path) -> None:
    """A PostgreSQL URL names a per-test database, never the admin one it was made from."""
    if database_url.startswith("postgresql"):
        admin = os.environ["TEST_POSTGRES_URL"]
        assert database_url != admin and "/bot_test_" in database_url
    else:
        assert str(tmp_path) in database_url
