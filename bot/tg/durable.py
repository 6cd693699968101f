"""Crash-safe intake: updates are stored before Telegram is told we have them.

PTB's polling confirms a batch (by asking for the next offset) before handlers run, so a
killed process would lose it. `DurableBot.get_updates` writes every fetched update to our
database before returning it; the next `getUpdates` — the confirmation — can only happen
after that. Handlers claim an update by id in their own transaction, so a replayed or
redelivered update is processed once; pending ones are replayed at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor, ExtBot

from bot.services.database import Database
from bot.tg.outbox import ChatLocks

log = logging.getLogger(__name__)


def chat_id_of(update: Update) -> int | None:
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    user = update.effective_user
    return user.id if user is not None else None


class DurableBot(ExtBot[None]):
    """An ExtBot whose getUpdates persists what it fetched before returning it."""

    def __init__(
        self, *args: Any, db: Database, clock: Callable[[], datetime], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._durable_db = db
        self._durable_clock = clock

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        updates = await super().get_updates(*args, **kwargs)
        if updates:
            rows = [(u.update_id, chat_id_of(u), u.to_dict()) for u in updates]
            async with self._durable_db.tx() as repo:
                await repo.save_updates(rows, self._durable_clock())
        return updates


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of one chat run one after another, in order; different chats in parallel."""

    def __init__(self, locks: ChatLocks, max_concurrent_updates: int = 512) -> None:
        super().__init__(max_concurrent_updates)
        self.locks = locks

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_id_of(update) if isinstance(update, Update) else None
        if key is None:
            await coroutine
            return
        async with self.locks.get(key):
            await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


async def replay_pending(app: Application[Any, Any, Any, Any, Any, Any], db: Database) -> int:
    """Queue updates that were stored but never processed (the process died first)."""
    async with db.tx() as repo:
        rows = await repo.pending_updates()
        payloads = [r.payload for r in rows]
    for payload in payloads:
        update = Update.de_json(payload, app.bot)
        if update is not None:
            await app.update_queue.put(update)
    if payloads:
        log.info("replaying %d stored update(s) after a restart", len(payloads))
    return len(payloads)
