"""Crash-safe intake: updates are stored before Telegram is told we have them.

PTB's polling confirms a batch (by asking for the next offset) before handlers run, so a
killed process would lose it. `DurableBot` stores every fetched update's raw JSON (see
`intake`) before PTB parses the batch; the next `getUpdates` — the confirmation — can only
happen after that. Handlers claim an update by id in their own transaction, so a replayed
or redelivered update is processed once; pending ones are replayed at start-up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from telegram import CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import Application, BaseUpdateProcessor, ExtBot

from bot.services.database import Database
from bot.tg.intake import Intake, chat_id_of, describe
from bot.tg.outbox import ChatLocks

__all__ = ["DurableBot", "PerChatUpdateProcessor", "chat_id_of", "replay_pending"]
log = logging.getLogger(__name__)
# A press waiting this long behind its chat's queue is answered empty: Telegram drops
# unanswered queries after about 15 s and the button would spin until then.
ANSWER_WITHIN = 5.0
UNBOUNDED = 1 << 30  # PTB's own slot count: never the limit (see PerChatUpdateProcessor)


class DurableBot(ExtBot[None]):
    """An ExtBot whose getUpdates stores the raw batch before PTB parses and confirms it."""

    def __init__(
        self,
        *args: Any,
        db: Database,
        clock: Callable[[], datetime],
        handled: frozenset[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._intake = Intake(db, clock, handled)  # PTB bots refuse new public attributes

    @property
    def intake(self) -> Intake:
        return self._intake

    async def _post(self, endpoint: str, data: Any = None, **kwargs: Any) -> Any:
        # The raw dicts exist only here: Bot.get_updates parses them right after _post.
        result = await super()._post(endpoint, data, **kwargs)
        if endpoint != "getUpdates" or not isinstance(result, list) or not result:
            return result
        return await self._intake.keep(result, self)


async def _answer_later(query: CallbackQuery, delay: float) -> None:
    """Stop the button's spinner before Telegram drops the query (the notice is lost; the
    handler's own answer then fails quietly)."""
    await asyncio.sleep(delay)
    try:
        await query.answer()
    except TelegramError as exc:
        log.debug("early callback answer failed: %s", exc)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of one chat run one after another, in order; different chats in parallel.

    PTB takes its shared slot before `do_process_update`, so its semaphore is left
    unbounded and the real limit (`max_running`) is taken after the chat's lock: updates
    queued behind a busy chat wait without holding a slot, and a flood from one chat
    cannot starve the others.
    """

    def __init__(self, locks: ChatLocks, max_running: int = 256) -> None:
        super().__init__(UNBOUNDED)
        self.locks = locks
        self._running = asyncio.Semaphore(max_running)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_id_of(update) if isinstance(update, Update) else None
        if key is None:
            async with self._running:
                await coroutine
            return
        lock = self.locks.get(key)
        query = update.callback_query if isinstance(update, Update) else None
        early = None
        if query is not None and lock.locked():  # queued behind its chat's earlier updates
            early = asyncio.create_task(_answer_later(query, ANSWER_WITHIN))
        try:
            async with lock, self._running:
                if early is not None:
                    early.cancel()
                await coroutine
        finally:
            if early is not None:
                early.cancel()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


async def replay_pending(
    app: Application[Any, Any, Any, Any, Any, Any], db: Database, now: Callable[[], datetime]
) -> int:
    """Queue updates that were stored but never processed (the process died first)."""
    async with db.tx() as repo:
        rows = await repo.pending_updates()
        payloads = [(r.update_id, r.payload) for r in rows]
    queued = 0
    for update_id, payload in payloads:
        try:
            update = Update.de_json(payload, app.bot)
        except Exception as exc:  # e.g. stored by an older PTB: set aside, never retried
            error = f"unparsable on replay: {describe(exc)}"
            async with db.tx() as repo:
                await repo.finish_update(update_id, now(), status="failed", error=error)
            log.error("update %d set aside: %s", update_id, error)
            continue
        await app.update_queue.put(update)
        queued += 1
    if queued:
        log.info("replaying %d stored update(s) after a restart", queued)
    return queued
