"""One object that owns the engine and hands out transactions with a repository."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_engine, session_factory
from bot.db.migrate import upgrade
from bot.db.repo import Repo


class Database:
    """Engine + session factory; `tx()` is the only way services touch the database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: AsyncEngine = create_engine(url)
        self._sessions = session_factory(self.engine)

    async def migrate(self) -> None:
        await upgrade(self.engine)

    async def revision(self) -> str | None:
        """The Alembic revision the database is at (None before the first migration)."""
        async with self.engine.connect() as conn:
            return await conn.run_sync(
                lambda c: MigrationContext.configure(c).get_current_revision()
            )

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Repo]:
        """A transaction: commits when the block ends, rolls back on an exception."""
        async with self._sessions() as session, session.begin():
            yield Repo(session)

    async def close(self) -> None:
        await self.engine.dispose()


async def migrate_to_head(url: str) -> str | None:
    """`python -m bot migrate`: bring the database to the newest schema, say which it is."""
    database = Database(url)
    try:
        await database.migrate()
        return await database.revision()
    finally:
        await database.close()
