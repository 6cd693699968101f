"""`python -m bot run` with Telegram's pacing switched off, for raw capacity per core.

    python bench/run_ours.py        (BENCH_NO_LIMIT=1 is what side_by_side sets)

Nothing else changes: the same Application, database and outbox as `python -m bot run`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bot.tg.app as tg_app
import bot.tg.pace as pace
from bot.__main__ import main

if __name__ == "__main__":
    if os.environ.get("BENCH_NO_LIMIT") == "1":
        tg_app.smooth_rate_limiter = lambda _per_second: None  # type: ignore[assignment,return-value]
        pace.PRIVATE_LIMIT = (1 << 30, 1.0)  # per-chat pace off too: capacity, not politeness
    sys.exit(main(["run"]))
