"""Longer fuzz storms than CI runs: fresh seeds, more updates, the real `python -m bot run`.

    python bench/fuzz_intake.py [--seeds 5] [--updates 3000] [--first-seed 1]

Each seed draws updates of every kind (tests/e2e/fuzz_updates.py) and pushes them all at
once to a fresh bot process; prints what `StormResult.problems()` finds (nothing, if the
intake holds) and how long the storm took to settle. Exit status 1 on any problem.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.fuzz_updates import draw_updates  # noqa: E402
from tests.e2e.process import BotProcess  # noqa: E402
from tests.e2e.storm import prepare, storm  # noqa: E402
from tests.fakes.telegram_server import FakeTelegram  # noqa: E402


async def one_seed(seed: int, n: int) -> list[str]:
    started = time.monotonic()
    drawn = draw_updates(n, seed=seed)
    drew = time.monotonic() - started
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeTelegram() as tg:
            prepare(tg)
            bot = BotProcess(tg, Path(tmp))
            try:
                await bot.start()
                result = await storm(tg, bot, drawn, settle=120, drain=20)
            finally:
                bot.stop()
    problems = result.problems()
    print(
        f"seed {seed}: {result.updates} updates ({len(result.poisoned)} poisoned) drawn in "
        f"{drew:.1f} s, settled in {result.seconds:.1f} s; new user's /help "
        f"{result.help_seconds:.2f} s; updates {result.statuses}; outbox {result.outbox}; "
        f"{result.answered} callback answers; problems: {problems or 'none'}",
        flush=True,
    )
    return problems


async def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--updates", type=int, default=3000)
    p.add_argument("--first-seed", type=int, default=1)
    args = p.parse_args()
    failed = 0
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        failed += bool(await one_seed(seed, args.updates))
    print(f"{args.seeds - failed}/{args.seeds} storms without a problem")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
