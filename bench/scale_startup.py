"""Start-up time and memory of `python -m bot run` over a big database.

    python bench/scale_startup.py [--users 100000] [--answers 1000000] [--idle 10]

Fills a fresh SQLite file (migrated by Alembic) with users, closed sessions, asked
questions, answers and their fragments in bulk, then starts the bot against the fake Bot
API and reports: seconds to its first getUpdates, peak memory, CPU while idle, and one
old user's `/practice` answered.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.side_by_side import BenchTelegram, Bot, User, cores, cpu_seconds, peak_mib  # noqa: E402
from bot.services.database import Database  # noqa: E402

WHEN = "2026-11-01 08:00:00.000000"
PER_QUESTION = 3  # answers per asked question (the answer and two replies to probes)


def fill(path: Path, users: int, answers: int) -> None:
    """Bulk rows through sqlite3 (the ORM would take minutes for a million)."""
    asyncio.run(_migrate(path))
    questions = answers // PER_QUESTION
    per_user = max(1, questions // users)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    with conn:
        conn.executemany(
            "INSERT INTO users (id, tg_user_id, chat_id, first_name, lang, created_at)"
            " VALUES (?, ?, ?, ?, 'en', ?)",
            ((i, 1_000_000 + i, 1_000_000 + i, f"U{i}", WHEN) for i in range(1, users + 1)),
        )
        conn.executemany(
            "INSERT INTO interview_sessions (id, user_id, kind, status, started_at, closed_at)"
            " VALUES (?, ?, 'behavioral', 'closed', ?, ?)",
            ((i, i, WHEN, WHEN) for i in range(1, users + 1)),
        )
        conn.executemany(
            "INSERT INTO asked_questions (id, session_id, question_id, kind, lang, ordinal,"
            " state, created_at, finished_at) VALUES (?, ?, 'b01', 'behavioral', 'en', ?,"
            " 'done', ?, ?)",
            (
                (q, 1 + (q - 1) // per_user % users, (q - 1) % per_user, WHEN, WHEN)
                for q in range(1, questions + 1)
            ),
        )
        text = "At my internship I rewrote the nightly revenue job; 4 hours to 20 minutes."
        conn.executemany(
            "INSERT INTO answers (id, asked_question_id, round, text, submitted_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                (a, 1 + (a - 1) // PER_QUESTION, (a - 1) % PER_QUESTION, text, WHEN, WHEN)
                for a in range(1, questions * PER_QUESTION + 1)
            ),
        )
        conn.executemany(
            "INSERT INTO answer_fragments (id, answer_id, message_id, text, received_at)"
            " VALUES (?, ?, ?, ?, ?)",
            ((a, a, a, text, WHEN) for a in range(1, questions * PER_QUESTION + 1)),
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


async def _migrate(path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.migrate()
    await db.close()


async def measure(path: Path, idle: float) -> None:
    _, core = cores()
    tg = BenchTelegram()
    await tg.start()
    bot = Bot("ours", "closed", tg, path.parent, db=path, core=core)
    try:
        startup = await bot.start(tg)
        assert bot.proc is not None
        pid = bot.proc.pid
        cpu0 = cpu_seconds(pid)
        await asyncio.sleep(idle)
        idle_cpu = (cpu_seconds(pid) - cpu0) / idle
        old = User(tg, 1_000_000 + 1)
        t0 = time.perf_counter()
        await old.turn()
        first = time.perf_counter() - t0
        print(f"start-up (spawn to first getUpdates): {startup:.2f} s")
        print(f"idle CPU: {100 * idle_cpu:.1f}% of a core over {idle:.0f} s")
        print(f"an old user's /practice answered in {1000 * first:.0f} ms")
        print(f"peak memory (VmHWM): {peak_mib(pid):.0f} MiB")
    finally:
        bot.stop()
        await tg.stop()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--answers", type=int, default=1_000_000)
    ap.add_argument("--idle", type=float, default=10.0)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.sqlite3"
        t0 = time.perf_counter()
        fill(path, args.users, args.answers)
        size = path.stat().st_size / 2**20
        print(f"filled {args.users} users, {args.answers} answers: {size:.0f} MiB", end="")
        print(f" in {time.perf_counter() - t0:.0f} s")
        asyncio.run(measure(path, args.idle))


if __name__ == "__main__":
    main()
