"""Fairness and restarts on the real `python -m bot run`: a flood from one chat never delays
another chat, the flood is answered at Telegram's per-chat pace (no 429), and after SIGKILL
the restarted process takes over the dead one's outbox leases at once."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import person
from tests.e2e.process import BotProcess
from tests.fakes.telegram_server import FakeTelegram

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


@pytest.fixture
async def tg() -> Any:
    async with FakeTelegram(rate_limit=True) as server:  # Telegram's limits, enforced
        yield server


async def test_a_flood_from_one_chat_never_delays_another(tg: FakeTelegram, tmp_path: Path) -> None:
    bot = BotProcess(tg, tmp_path)
    flood, calm = person(tg, 5101, "Flo"), person(tg, 5102, "Cal")
    try:
        await bot.start()
        flood_ids = [
            tg.send_text(flood, f"message {i} " + "x" * 50)["update_id"] for i in range(400)
        ]
        latencies = []
        for _ in range(10):
            await asyncio.sleep(1.1)  # a person, not a script: Telegram's pace is per chat
            sent = time.monotonic()
            tg.send_text(calm, "/help")
            [reply] = await tg.wait_sent(5102, timeout=10)
            latencies.append(time.monotonic() - sent)
            assert "How it works" in tg.plain(reply)
        print(f"other chat's /help latencies during a 400-message flood: {latencies}")
        assert max(latencies) < 1.0, latencies

        # the flood itself: all stored and processed, answered at one message a second
        await tg.wait_for(lambda: not tg.pending_updates(), timeout=20)
        for _ in range(100):
            done = bot.query(
                f"SELECT COUNT(*) FROM tg_updates WHERE status = 'done' "
                f"AND update_id BETWEEN {flood_ids[0]} AND {flood_ids[-1]}"
            )[0][0]
            if done == len(flood_ids):
                break
            await asyncio.sleep(0.2)
        assert done == len(flood_ids)
        times = [r["time"] for r in tg.sent_to(5101)]
        assert len(times) >= 8  # replies keep coming during the test
        assert min(b - a for a, b in itertools.pairwise(times)) >= 0.95
        assert tg.stats["429"] == 0
        assert bot.alive()
    finally:
        bot.stop()


async def test_after_sigkill_the_next_answer_is_replied_to_within_3s(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    """Killed right after a probe went out (accepted by Telegram, not yet recorded): the
    restarted process resends it at once (the documented window) instead of waiting out
    the dead process's lease, so the candidate's next answer is not stuck behind it."""
    bot = BotProcess(tg, tmp_path)
    dee = person(tg, 5201, "Dee")
    try:
        await bot.start()
        tg.send_text(dee, "/practice behavioral")
        await tg.wait_sent(5201, timeout=20)
        tg.delay("sendMessage", 3.0, count=1)  # the probe: accepted, answered late
        tg.send_text(dee, "We worked on a churn project for the sales team.")
        await tg.wait_for(lambda: len(tg.sent_to(5201)) == 2, timeout=20)
        bot.kill()
        tg.delay("sendMessage", 0)
        await bot.start()
        sent = time.monotonic()
        tg.send_text(dee, "My part was the SQL: I wrote it myself and cut the runtime by half.")
        await tg.wait_for(lambda: len(tg.sent_to(5201)) == 4, timeout=3)
        assert time.monotonic() - sent < 3.0
        shown = [tg.plain(r) for r in tg.sent_to(5201)]
        assert shown[1] == shown[2]  # the probe, resent once (the documented window)
        await asyncio.sleep(1.5)
        assert len(tg.sent_to(5201)) == 4  # nothing else doubled
    finally:
        bot.stop()
