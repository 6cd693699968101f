"""DIALECT SPECIFICS — the one place where SQLite and PostgreSQL differ.

Everything else (models, repositories, migrations) is portable SQLAlchemy. What differs:
- connecting: SQLite gets WAL, foreign keys and a busy timeout per connection, and its
  file's folder is created; PostgreSQL needs nothing beyond the URL;
- INSERT … ON CONFLICT DO NOTHING: each dialect has its own `insert()` construct;
- timestamps: SQLite stores naive UTC, PostgreSQL `timestamptz` keeps the offset.
Row locks need no switch: `with_for_update(skip_locked=True)` becomes `FOR UPDATE SKIP
LOCKED` on PostgreSQL, and SQLite (which serialises writers itself) compiles it away.
Partial indexes name both dialects' `*_where` in the model and migration 0008.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

SQLITE, POSTGRESQL = "sqlite", "postgresql"


def backend_of(url: str) -> str:
    """`sqlite` or `postgresql` (anything else is refused: it was never tested)."""
    name = make_url(url).get_backend_name()
    if name not in (SQLITE, POSTGRESQL):
        raise ValueError(f"unsupported database {name!r}: use sqlite+aiosqlite or asyncpg")
    return name


def engine_options(url: str) -> dict[str, Any]:
    """Keyword arguments for `create_async_engine`; creates a SQLite file's folder."""
    parsed = make_url(url)
    if backend_of(url) == SQLITE:
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return {"connect_args": {"timeout": 30}}
    # a connection killed by a restart or failover is replaced instead of failing a handler
    return {"pool_pre_ping": True}


def prepare_engine(engine: AsyncEngine) -> None:
    """Per-connection set-up after the engine exists."""
    if engine.dialect.name == SQLITE:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def insert_for(session: AsyncSession, table: Any) -> Any:
    """The dialect's `insert(table)`, which has `on_conflict_do_nothing` (core's has not)."""
    if session.get_bind().dialect.name == POSTGRESQL:
        return postgresql.insert(table)
    return sqlite.insert(table)


def stores_naive_utc(dialect: Dialect) -> bool:
    """True where timestamps are stored without an offset (always UTC then)."""
    return dialect.name == SQLITE
