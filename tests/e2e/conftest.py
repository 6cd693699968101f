"""End-to-end harness: the real PTB Application over real HTTP to a fake Bot API server,
with a real database (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set) and the real
migrations. Nothing of ours is mocked."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.config import Settings
from bot.content import Content
from bot.db.models import utcnow
from bot.services.database import Database
from bot.tg.app import App, build_application
from tests.fakes.telegram_server import FakeTelegram

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


class Harness:
    """Starts and stops the bot against `tg`, as `python -m bot run` would; `database` is
    a SQLite file or any database URL."""

    def __init__(
        self,
        tg: FakeTelegram,
        content: Content,
        database: Path | str,
        grace: float = 0.3,
        clock: Callable[[], datetime] = utcnow,
        wait: float | None = None,
    ) -> None:
        self.tg = tg
        self.clock = clock
        self.settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            telegram_bot_token=tg.token,  # type: ignore[arg-type]
            telegram_api_base_url=tg.base_url,
            database_url=(
                f"sqlite+aiosqlite:///{database}" if isinstance(database, Path) else database
            ),
            answer_grace_seconds=grace,
            answer_wait_seconds=grace if wait is None else wait,
            reminder_poll_seconds=0.2,
        )
        self.content = content
        self.db = Database(self.settings.database_url)
        self.app: App | None = None

    async def start(self) -> App:
        app = build_application(self.settings, self.content, self.db, self.clock)
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        self.app = app
        return app

    async def stop(self) -> None:
        app = self.app
        if app is not None:
            assert app.updater is not None
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest_asyncio.fixture
async def harness(tg: FakeTelegram, content: Content, database_url: str) -> AsyncIterator[Harness]:
    h = Harness(tg, content, database_url)
    await h.start()
    yield h
    await h.stop()


def person(tg: FakeTelegram, uid: int, name: str) -> dict[str, Any]:
    user = tg.user(uid, name)
    tg.private_chat(user)
    return user


class FakeClock:
    """A settable UTC clock for the bot: tests move time instead of sleeping."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when
