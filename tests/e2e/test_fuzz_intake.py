"""Property-based fuzz of the intake: updates of every kind (absent and extra fields, dates
of 0, any unicode, huge texts, deliberate poison) through the real `python -m bot run`.

Derandomized (a fixed draw) so CI sees the same storm every time; `bench/fuzz_intake.py`
runs longer storms with fresh seeds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.fuzz_updates import draw_updates
from tests.e2e.process import BotProcess
from tests.e2e.storm import prepare, storm
from tests.fakes.telegram_server import FakeTelegram

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


@pytest.fixture
async def tg() -> Any:
    async with FakeTelegram() as server:
        yield server


async def test_no_update_can_stop_the_bot(tg: FakeTelegram, tmp_path: Path) -> None:
    drawn = draw_updates(280)
    assert sum(d.poisoned for d in drawn) >= 20
    prepare(tg)
    bot = BotProcess(tg, tmp_path)
    try:
        await bot.start()
        result = await storm(tg, bot, drawn, drain=30)
    finally:
        bot.stop()
    print(
        f"{result.updates} updates, {len(result.poisoned)} poisoned, settled in "
        f"{result.seconds:.1f} s, new user's /help in {result.help_seconds:.2f} s, "
        f"updates {result.statuses}, outbox {result.outbox}, {result.answered} answers"
    )
    assert result.problems() == []
