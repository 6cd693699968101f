"""Test databases: a SQLite file always, and a fresh PostgreSQL database per test as well
when TEST_POSTGRES_URL names a server (its admin database, e.g. `.../postgres`).

A PostgreSQL test never skips: if the variable is set and the server cannot be reached,
creating the database raises and the test fails, so CI cannot go green on SQLite alone.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

ENV = "TEST_POSTGRES_URL"
SQLITE, POSTGRES = "sqlite", "postgresql"
T = TypeVar("T")


def backends() -> list[str]:
    """The backends every database-parametrised test runs on in this session."""
    return [SQLITE, POSTGRES] if os.environ.get(ENV) else [SQLITE]


def _in_own_loop(make: Callable[[], Awaitable[T]]) -> T:
    """Run admin SQL in a thread with its own loop: fixtures may already be inside one."""

    async def run() -> T:
        return await make()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


async def _admin(admin_url: str, sql: str) -> None:
    # CREATE/DROP DATABASE cannot run inside a transaction block
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test; dropped (connections and all) after."""
    admin_url = os.environ[ENV]
    name = f"bot_test_{uuid.uuid4().hex[:16]}"
    _in_own_loop(lambda: _admin(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _in_own_loop(lambda: _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of `backend` that lives as long as the block."""
    if backend == SQLITE:
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
        return
    with postgres_database() as url:
        yield url
