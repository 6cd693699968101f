"""Raw intake: store each update's JSON as Telegram sent it; set aside what cannot be used.

PTB parses a whole getUpdates batch at once, so one update it cannot parse (or we cannot
store) would fail every poll and block everyone behind it. Here each update is parsed and
stored on its own: a bad one is recorded with its error (status "failed"), logged once, and
replaced in the batch by a bare `{"update_id": n}` so PTB's offset still moves past it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import Bot, Update

from bot.services.database import Database

log = logging.getLogger(__name__)
JSONDict = dict[str, Any]
DB_DOWN_PAUSE = 1.0  # seconds between polls while the database refuses every write


def chat_id_of(update: Update) -> int | None:
    """The chat an update belongs to (its user for chat-less kinds such as inline queries)."""
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    user = update.effective_user
    return user.id if user is not None else None


def update_json(update: Update) -> JSONDict:
    """A JSON-safe dict of a parsed Update: PTB's to_dict leaves some datetimes (date 0)."""
    return dict(json.loads(json.dumps(update.to_dict(), default=_jsonable)))


def _jsonable(value: object) -> object:
    if isinstance(value, datetime):
        return int(value.timestamp())
    return str(value)


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


@dataclass
class Entry:
    """One raw update of a batch, and why it is set aside (None: usable)."""

    update_id: int
    raw: JSONDict
    chat_id: int | None = None
    error: str | None = None
    ignored: bool = False  # a kind no handler listens to: stored as "ignored", not run


def sort_batch(
    raw_updates: list[Any], bot: Bot | None, handled: frozenset[str] | None = None
) -> list[Entry]:
    """Parse each raw update alone; an update without an integer id cannot even be skipped."""
    entries: list[Entry] = []
    for raw in raw_updates:
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            log.error("dropped an update without an update_id: %.200r", raw)
            continue
        try:
            update = Update.de_json(raw, bot)
            kinds = raw.keys() - {"update_id"}
            ignored = handled is not None and not kinds & handled
            entries.append(Entry(update_id, raw, chat_id_of(update), ignored=ignored))
        except Exception as exc:  # whatever PTB cannot parse is set aside, not fatal
            entries.append(Entry(update_id, raw, _raw_chat_id(raw), f"unparsable: {describe(exc)}"))
    return entries


def _raw_chat_id(raw: JSONDict) -> int | None:
    for value in raw.values():
        chat = value.get("chat") if isinstance(value, dict) else None
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
    return None


class Intake:
    """Stores a fetched batch before PTB confirms it, one bad update never blocking the rest."""

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        handled: frozenset[str] | None = None,
    ) -> None:
        self.db, self.clock = db, clock
        # Update kinds some handler listens to; the rest are stored as "ignored" at once,
        # which spares a transaction per reaction, poll, chat_member… (None: run them all).
        self.handled = handled
        self._stubs: set[int] = set()

    def settle(self, update_id: int) -> None:
        """A handler has finished this update in the database (claimed, or found done)."""
        self._stubs.add(update_id)

    def settled(self, update_id: int) -> bool:
        """True (once) for an update already finished: the bare id handed to PTB in place of
        one set aside or ignored on arrival, or one a handler settled. The catch-all handler
        then spares a transaction that would change nothing."""
        if update_id in self._stubs:
            self._stubs.discard(update_id)
            return True
        return False

    async def keep(self, raw_updates: list[Any], bot: Bot | None) -> list[JSONDict]:
        """Store the batch; return what PTB may parse (set-aside updates as bare ids).

        Returns [] when the database takes nothing at all: then nothing is confirmed and
        the same batch comes again on the next poll.
        """
        entries = sort_batch(raw_updates, bot, self.handled)
        good = [e for e in entries if e.error is None]
        try:
            await self._save(good)
        except Exception:  # find the rows it refuses; the rest go in one by one
            for entry in good:
                try:
                    await self._save([entry])
                except Exception as exc:  # e.g. a value this database cannot hold
                    entry.error = f"unstorable: {describe(exc)}"
        try:
            for entry in entries:
                if entry.error is not None:
                    await self._set_aside(entry)
        except Exception as exc:  # not even an id and an error could be written
            log.warning("database refuses updates (%s); polling again shortly", describe(exc))
            await asyncio.sleep(DB_DOWN_PAUSE)
            return []
        out: list[JSONDict] = []
        for e in entries:
            if e.error is None and not e.ignored:
                out.append(e.raw)
            else:  # PTB still needs the id, so the offset moves past it
                self._stubs.add(e.update_id)
                out.append({"update_id": e.update_id})
        return out

    async def _save(self, entries: list[Entry]) -> None:
        if entries:
            rows = [
                (e.update_id, e.chat_id, e.raw, "ignored" if e.ignored else "pending")
                for e in entries
            ]
            async with self.db.tx() as repo:
                await repo.save_updates(rows, self.clock())

    async def _set_aside(self, entry: Entry) -> None:
        assert entry.error is not None
        try:
            async with self.db.tx() as repo:
                first = await repo.set_aside_update(
                    entry.update_id, entry.chat_id, entry.raw, entry.error, self.clock()
                )
        except Exception:  # the raw JSON itself is refused: keep the id and the error
            async with self.db.tx() as repo:
                stub = {"update_id": entry.update_id}
                first = await repo.set_aside_update(
                    entry.update_id, entry.chat_id, stub, entry.error, self.clock()
                )
        if first:
            log.error("update %d set aside: %s", entry.update_id, entry.error)
