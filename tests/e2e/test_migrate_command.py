"""`python -m bot migrate` as a deploy step: a fresh database comes to head, twice is
harmless, and a bot started afterwards finds nothing left to do."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.db.migrate import alembic_config
from bot.services.database import Database

ROOT = Path(__file__).resolve().parents[2]


def _migrate(url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


async def _tables(url: str) -> set[str]:
    database = Database(url)
    try:
        async with database.engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await database.close()


def test_migrate_brings_a_fresh_database_to_head_and_is_idempotent(database_url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    for _ in range(2):
        done = _migrate(database_url)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"database at revision {head}"
        assert "Traceback" not in done.stderr
    assert {"users", "tg_updates", "outbox", "reminders", "rounds"} <= asyncio.run(
        _tables(database_url)
    )


def test_migrate_fails_loudly_on_an_unreachable_database() -> None:
    done = _migrate("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere")
    assert done.returncode != 0
    assert "database at revision" not in done.stdout
