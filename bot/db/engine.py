"""Database engine and session factory; backend differences live in `bot.db.dialect`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

from bot.db.dialect import engine_options, prepare_engine


def create_engine(url: str) -> AsyncEngine:
    """An async engine for a SQLite file or a PostgreSQL server (asyncpg)."""
    engine = create_async_engine(url, **engine_options(url))
    prepare_engine(engine)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
