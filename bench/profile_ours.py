"""`python -m bot run` under cProfile; SIGUSR1 writes the profile so far to BENCH_PROFILE.

PTB's shutdown can outlast a benchmark's patience, so the profile is written on a signal
while the bot still runs, not at exit.
"""

from __future__ import annotations

import cProfile
import os
import signal
import sys
from pathlib import Path
from types import FrameType

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collections import Counter

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.__main__ import main

STATEMENTS: Counter[str] = Counter()


@event.listens_for(Engine, "before_cursor_execute")
def _count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
    STATEMENTS[" ".join(statement.split())[:90]] += 1


@event.listens_for(Engine, "commit")
def _count_commit(_conn: object) -> None:
    STATEMENTS["COMMIT"] += 1


if __name__ == "__main__":
    profiler = cProfile.Profile()

    def dump(_sig: int, _frame: FrameType | None) -> None:
        profiler.disable()
        profiler.dump_stats(os.environ["BENCH_PROFILE"] + ".part")
        with open(os.environ["BENCH_PROFILE"] + ".sql", "w") as out:
            for statement, n in STATEMENTS.most_common(40):
                out.write(f"{n:7d}  {statement}\n")
        os.replace(os.environ["BENCH_PROFILE"] + ".part", os.environ["BENCH_PROFILE"])

    signal.signal(signal.SIGUSR1, dump)
    profiler.enable()
    sys.exit(main(["run"]))
