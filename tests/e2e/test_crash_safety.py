"""SIGKILL the real `python -m bot run` at several points and prove nothing is lost or doubled.

Kill points: right after updates are fetched (before or after they are stored), after
processing while replies wait in the outbox (Telegram answering 500), during the grace
period of a multi-message answer, and inside the one window no bot can close (Telegram
accepted a reply, we died before recording it: the reply is sent again, by design).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import person
from tests.e2e.process import BotProcess
from tests.fakes.telegram_server import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


@pytest.fixture
async def tg() -> Any:
    async with FakeTelegram() as server:
        yield server


async def _delivered(tg: FakeTelegram) -> None:
    await tg.wait_for(lambda: not tg.pending_updates(), timeout=15)


async def test_sigkill_at_many_points_loses_and_doubles_nothing(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    bot = BotProcess(tg, tmp_path)
    bot.env["ANSWER_GRACE_SECONDS"] = "120"  # all parts form one answer; /done sends it
    ann = person(tg, 4242, "Ann")
    try:
        await bot.start()
        tg.send_text(ann, "/practice behavioral")
        [question] = await tg.wait_sent(4242, timeout=20)
        assert "Behavioral ·" in tg.plain(question)

        # Telegram refuses every reply for now: whatever is processed waits in the outbox.
        tg.fail_next("sendMessage", status=500, count=100_000)
        helps, parts = [], []
        for i, delay in enumerate([0.0, 0.002, 0.01, 0.03, 0.1, 0.4]):
            helps.append(tg.send_text(ann, "/help")["update_id"])
            parts.append(tg.send_text(ann, f"We worked on part {i} of the project.")["update_id"])
            await _delivered(tg)
            await asyncio.sleep(delay)
            bot.kill()  # somewhere between fetch, store, process and the outbox
            await bot.start()
        tg.clear_faults()
        tg.send_text(ann, "/done")
        replies = await tg.wait_sent(4242, count=len(helps) + 1, timeout=40)
        await asyncio.sleep(2.5)  # anything doubled would show up by now

        shown = [tg.plain(r) for r in tg.sent_to(4242)[1:]]
        assert sum("How it works" in s for s in shown) == len(helps)  # each /help once
        probes = [s for s in shown if s.startswith("Follow-up:")]
        assert len(probes) == 1  # the multi-part answer was evaluated once
        assert len(replies) == len(helps) + 1

        # every fragment stored exactly once, in order, and every update processed once
        rows = bot.query("SELECT text FROM answer_fragments ORDER BY id")
        assert [r[0] for r in rows] == [
            f"We worked on part {i} of the project." for i in range(len(parts))
        ]
        statuses = dict(bot.query("SELECT update_id, status FROM tg_updates"))
        assert all(statuses.get(u) == "done" for u in helps + parts)

        # the session continues where it was
        tg.send_text(ann, "My part was the SQL: I wrote it myself and cut the runtime.")
        tg.send_text(ann, "/done")
        [nxt] = await tg.wait_sent(4242, timeout=20)
        assert tg.plain(nxt).startswith(("Follow-up:", "STAR"))
    finally:
        bot.stop()


async def test_sigkill_during_grace_period_keeps_the_answer(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    bot = BotProcess(tg, tmp_path)
    bo = person(tg, 4343, "Bo")
    try:
        await bot.start()
        tg.send_text(bo, "/practice case")
        await tg.wait_sent(4343, timeout=20)
        tg.send_text(bo, "First I'd split conversion by step and device.")
        await _delivered(tg)
        await asyncio.sleep(0.3)  # stored, grace (1 s) still running
        bot.kill()
        await bot.start()
        [probe] = await tg.wait_sent(4343, timeout=20)
        assert tg.plain(probe).startswith("Follow-up:")
        await asyncio.sleep(2)
        assert len(tg.sent_to(4343)) == 2
    finally:
        bot.stop()


async def test_the_unclosable_window_resends_once(tg: FakeTelegram, tmp_path: Path) -> None:
    """Telegram accepted the reply, the process died before recording it: sent again."""
    bot = BotProcess(tg, tmp_path)
    cy = person(tg, 4444, "Cy")
    try:
        await bot.start()
        tg.delay("sendMessage", 5.0, count=1)  # accepted at once, answered late
        tg.send_text(cy, "/help")
        await tg.wait_for(lambda: len(tg.sent_to(4444)) == 1, timeout=20)
        bot.kill()  # the bot never saw Telegram's answer
        tg.delay("sendMessage", 0)
        await bot.start()
        # the dead process leased the row: the new one takes the lease over and resends
        await tg.wait_for(lambda: len(tg.sent_to(4444)) == 2, timeout=10)
        await asyncio.sleep(1.5)
        copies = [tg.plain(r) for r in tg.sent_to(4444)]
        assert len(copies) == 2 and all("How it works" in c for c in copies)
        assert bot.query("SELECT status FROM outbox") == [("sent",)]
    finally:
        bot.stop()


async def test_missing_token_exits_2_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}"
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "TELEGRAM_BOT_TOKEN" in lines[0] and "BotFather" in lines[0]


async def test_token_never_logged(tg: FakeTelegram, tmp_path: Path) -> None:
    bot = BotProcess(tg, tmp_path)
    dee = person(tg, 4545, "Dee")
    try:
        await bot.start()
        tg.send_text(dee, "/help")
        await tg.wait_sent(4545, timeout=20)
    finally:
        bot.stop()
    log = bot.log.read_text()
    assert "Application started" in log or "getUpdates" in log or log
    assert tg.token not in log
    assert tg.token.split(":")[1] not in log


async def _armed_drill(tg: FakeTelegram, bot: BotProcess, user: dict[str, Any]) -> None:
    """Set a reminder through the chat, then make it due now (the real clock is running)."""
    chat = user["id"]
    tg.send_text(user, "/timezone Asia/Shanghai")
    await tg.wait_sent(chat, timeout=20)
    tg.send_text(user, "/remind 08:00")
    await tg.wait_sent(chat, timeout=20)
    now = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
    with sqlite3.connect(bot.db) as conn:
        conn.execute("UPDATE reminders SET next_due_at = ?", (now.isoformat(" "),))


def _drills(tg: FakeTelegram, chat: int) -> list[str]:
    return [tg.plain(r) for r in tg.sent_to(chat) if tg.plain(r).startswith("☀️")]


async def test_sigkill_between_claim_and_send_delivers_the_drill_once(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    bot = BotProcess(tg, tmp_path)
    bot.env["REMINDER_POLL_SECONDS"] = "0.3"
    eve = person(tg, 4646, "Eve")
    try:
        await bot.start()
        await _armed_drill(tg, bot, eve)  # chat replies first, then Telegram refuses sends
        tg.fail_next("sendMessage", status=500, count=100_000, chat_id=4646)
        for _ in range(100):  # claimed and queued, not sent
            rows = bot.query("SELECT status FROM reminder_deliveries")
            if rows:
                break
            await asyncio.sleep(0.1)
        assert rows == [("queued",)]
        assert _drills(tg, 4646) == []
        bot.kill()
        tg.clear_faults()
        await bot.start()
        await tg.wait_for(lambda: len(_drills(tg, 4646)) == 1, timeout=30)
        await asyncio.sleep(2)
        assert len(_drills(tg, 4646)) == 1
        assert bot.query("SELECT COUNT(*) FROM reminder_deliveries") == [(1,)]
    finally:
        bot.stop()


async def test_sigkill_after_the_drill_was_accepted_resends_it_once(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    """The documented window, for reminders: accepted by Telegram, not yet recorded."""
    bot = BotProcess(tg, tmp_path)
    bot.env["REMINDER_POLL_SECONDS"] = "0.3"
    fay = person(tg, 4747, "Fay")
    try:
        await bot.start()
        await _armed_drill(tg, bot, fay)
        tg.delay("sendMessage", 5.0, count=1)
        await tg.wait_for(lambda: len(_drills(tg, 4747)) == 1, timeout=30)
        bot.kill()
        tg.delay("sendMessage", 0)
        await bot.start()
        await tg.wait_for(lambda: len(_drills(tg, 4747)) == 2, timeout=40)
        await asyncio.sleep(2)
        assert len(_drills(tg, 4747)) == 2  # resent once, never re-claimed
        assert bot.query("SELECT COUNT(*) FROM reminder_deliveries") == [(1,)]
    finally:
        bot.stop()


async def test_sigkill_mid_round_resumes_with_the_right_time_left(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    """A 1-minute round on the real clock: killed 10 s in, restarted, it still ends once at
    the original deadline (deadlines are stored, not held in memory)."""
    bot = BotProcess(tg, tmp_path)
    group = tg.group_chat(-4800, "Crash group")
    gil, hal = tg.user(4801, "Gil"), tg.user(4802, "Hal")
    tg.set_member(group, gil)
    tg.set_member(group, hal)
    try:
        await bot.start()
        tg.send_text(gil, "/mockround behavioral 1", chat=group)
        [lobby] = await tg.wait_sent(-4800, timeout=20)
        tg.press(hal, lobby, text="I'm the candidate")
        await asyncio.sleep(0.5)
        tg.press(gil, lobby, text="Start")
        question, _timer = await tg.wait_sent(-4800, count=2, timeout=20)
        started = asyncio.get_running_loop().time()
        assert "Hal is up" in tg.plain(question)
        await asyncio.sleep(10)
        bot.kill()
        await bot.start()
        [up] = await tg.wait_sent(-4800, timeout=90)
        ended = asyncio.get_running_loop().time() - started
        assert tg.plain(up).startswith("⏱ Time is up")  # Hal never answered: a no-show
        assert 55 <= ended <= 75  # the original minute, not a fresh one after the restart
        await asyncio.sleep(2)
        ups = [t for t in (tg.plain(r) for r in tg.sent_to(-4800)) if t.startswith("⏱ Time is up")]
        assert len(ups) == 1  # the deadline fired once across the restart
    finally:
        bot.stop()
