"""Alembic migrations on a real SQLite file: head applies, is idempotent, and round-trips."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from bot.db.migrate import alembic_config
from bot.services.database import Database

TABLES = {
    "users",
    "interview_sessions",
    "asked_questions",
    "answers",
    "answer_fragments",
    "probes",
    "feedback",
    "alembic_version",
}


async def test_upgrade_creates_every_table_in_wal_mode(db: Database) -> None:
    async with db.engine.connect() as conn:
        names = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
        fks = (await conn.execute(text("PRAGMA foreign_keys"))).scalar()
    assert names >= TABLES
    assert mode == "wal" and fks == 1


async def test_upgrade_twice_is_harmless(db: Database) -> None:
    await db.migrate()
    async with db.engine.connect() as conn:
        rev = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    assert rev


def test_downgrade_to_base_and_back(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "head")
    assert (tmp_path / "m.sqlite3").exists()


async def test_migrations_match_the_models(db: Database) -> None:
    """`alembic check`: the migrated schema and the models agree, column for column."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bot.db.models import Base

    async with db.engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
        )
    assert diff == []
