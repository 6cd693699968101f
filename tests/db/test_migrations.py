"""Alembic migrations on a real database (SQLite, and PostgreSQL when configured): head
applies, is idempotent, round-trips, and matches the models."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.script import ScriptDirectory
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


async def test_upgrade_creates_every_table(db: Database) -> None:
    async with db.engine.connect() as conn:
        names = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        if conn.dialect.name == "sqlite":
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
            fks = (await conn.execute(text("PRAGMA foreign_keys"))).scalar()
            assert mode == "wal" and fks == 1
    assert names >= TABLES


async def test_upgrade_twice_is_harmless(db: Database) -> None:
    await db.migrate()
    async with db.engine.connect() as conn:
        rev = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    assert rev


def test_downgrade_to_base_and_back(database_url: str) -> None:
    """Every migration, one step at a time, both ways: each must run on this backend."""
    cfg = alembic_config(database_url)
    revisions = [s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()][::-1]
    assert revisions[0] == "0001" and len(revisions) >= 8
    for rev in revisions:
        command.upgrade(cfg, rev)
    assert _version(database_url) == revisions[-1]
    command.downgrade(cfg, "base")
    assert _version(database_url) is None
    command.upgrade(cfg, "head")
    assert _version(database_url) == revisions[-1]


def _version(url: str) -> str | None:
    async def read() -> str | None:
        database = Database(url)
        try:
            async with database.engine.connect() as conn:
                return (
                    await conn.execute(text("SELECT version_num FROM alembic_version"))
                ).scalar()
        finally:
            await database.close()

    return asyncio.run(read())


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
