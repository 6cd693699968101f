"""Send what handlers queued in the outbox: in order per chat, at least once.

A reply is written to the outbox in the same transaction as the state change that caused
it, then sent. The one unavoidable window: Telegram accepted a message and the process
died before recording it. We then send it again on restart (a duplicate is better than
a lost probe or feedback); the window is always a single message.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, ForceReply, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.db.delivery import Leased
from bot.db.repo import Repo
from bot.services.database import Database
from bot.tg.pace import ChatPace

log = logging.getLogger(__name__)

# Longer than one send can take (15 s read timeout); a sender that died holds it this long.
LEASE = timedelta(seconds=20)
MAX_BACKOFF = 300.0


class ChatLocks:
    """One asyncio lock per chat, shared by the update processor, sweepers and senders."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}

    def get(self, chat_id: int) -> asyncio.Lock:
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        return lock

    def release_idle(self) -> None:
        # A just-released lock may still have a waiter about to take it: dropping that lock
        # would let a newer update of the chat run beside the older one.
        idle = [k for k, lock in self._locks.items() if not lock.locked() and not _waiters(lock)]
        for key in idle:
            del self._locks[key]


def _waiters(lock: asyncio.Lock) -> int:
    return len(getattr(lock, "_waiters", None) or ())


class OutboxSender:
    """Delivers outbox rows through the PTB bot and records the outcome."""

    def __init__(
        self,
        db: Database,
        bot: Bot,
        clock: Callable[[], datetime],
        on_sent: Callable[[Repo, str, int], Awaitable[None]] | None = None,
        owner: str | None = None,
        pace: ChatPace | None = None,
    ) -> None:
        self.db, self.bot, self.clock = db, bot, clock
        self.owner = owner or process_identity()
        self.pace = pace or ChatPace()
        self._sending: dict[int, asyncio.Lock] = {}
        self._later: dict[int, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        # A payload may carry a "ref" (e.g. "timer:12"): once sent, the message id is
        # recorded through this hook, in the same transaction that marks the row sent.
        self.on_sent = on_sent

    async def take_over(self) -> int:
        """At start-up: rows leased by the process this one replaces go out now."""
        async with self.db.tx() as repo:
            freed = await repo.take_over_leases(self.owner)
        if freed:
            log.info("took over %d outbox lease(s) of the previous process", freed)
        return freed

    def busy(self, chat_id: int) -> bool:
        """A flush of the chat is under way (it will see rows committed before it ends)."""
        lock = self._sending.get(chat_id)
        return lock is not None and lock.locked()

    async def next_due(self, repo: Repo, chat_id: int) -> Leased | None:
        """Lease the chat's next row inside the caller's transaction, if it may go now.

        Called by the transaction that queued a reply (so sending needs no transaction of
        its own) and by the one that marks the previous reply sent. When the chat is at
        Telegram's pace, a pending row is left for a timer at the moment its window opens.
        """
        while True:
            wait = self.pace.wait(chat_id)
            if wait > 0:
                if await repo.outbox_has_pending(chat_id):
                    self._flush_later(chat_id, wait)
                return None
            now = self.clock()
            row = await repo.lease_next(chat_id, now, LEASE, self.owner)
            if row is None or row.method != "editMessageText":
                return row
            message_id = int(row.payload["message_id"])
            if not _unchanged(row.payload, await repo.message_content(chat_id, message_id)):
                return row
            # Telegram rejects an edit that changes nothing: it is already done
            await repo.outbox_done(row.id, "sent", now, message_id=message_id)

    async def flush(self, chat_id: int, leased: Leased | None = None) -> None:
        """Send the chat's pending messages in order until one has to wait.

        `leased`: the chat's next row, already leased by the caller's committed transaction.
        """
        lock = self._sending.setdefault(chat_id, asyncio.Lock())
        async with lock:
            row = leased
            if row is None:
                async with self.db.tx() as repo:
                    row = await self.next_due(repo, chat_id)
            while row is not None:
                row = await self._send(row)

    async def flush_due(self) -> None:
        async with self.db.tx() as repo:
            chats = await repo.outbox_chats_due(self.clock())
        await asyncio.gather(*(self.flush(c) for c in chats))
        self.pace.forget_idle()

    def _flush_later(self, chat_id: int, delay: float) -> None:
        """The chat is at Telegram's pace: try again when its window opens (no one waits)."""
        if chat_id in self._later:
            return
        loop = asyncio.get_running_loop()

        def fire() -> None:
            self._later.pop(chat_id, None)
            task = loop.create_task(self.flush(chat_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        self._later[chat_id] = loop.call_later(delay, fire)

    async def _send(self, row: Leased) -> Leased | None:
        """Send one leased row and record the outcome; the chat's next row when it may go now.

        Marking a row sent and leasing the next is one transaction: a reply costs one
        transaction here, and the next is never sent before the previous one is recorded
        (the window stays one message).
        """
        chat_id, method, payload = row.chat_id, row.method, row.payload
        try:
            message_id = await self._call(chat_id, method, payload)
        except ChatMigrated as exc:  # the group became a supergroup: follow it
            async with self.db.tx() as repo:
                await repo.outbox_move(row.id, exc.new_chat_id)
            return None
        except Forbidden as exc:
            log.info("chat %s blocked the bot: %s", chat_id, exc.message)
            async with self.db.tx() as repo:
                await repo.outbox_done(row.id, "blocked", self.clock(), error=exc.message)
                await repo.mark_chat_blocked(chat_id, self.clock())
            return None
        except BadRequest as exc:
            # Telegram will never accept this message; keep the row for inspection. An edit
            # of a message someone deleted (or a too old one) is routine, a send is not.
            level = logging.WARNING if method == "editMessageText" else logging.ERROR
            log.log(level, "outbox %s to %s rejected: %s", row.id, chat_id, exc.message)
            async with self.db.tx() as repo:
                await repo.outbox_done(row.id, "failed", self.clock(), error=exc.message)
                return await self.next_due(repo, chat_id)
        except RetryAfter as exc:
            await self._retry(row.id, _seconds(exc.retry_after), f"429 retry after {exc}")
            return None
        except (NetworkError, TelegramError) as exc:  # 5xx, timeouts, connection errors
            await self._retry(row.id, min(2.0 ** (row.attempts - 1), MAX_BACKOFF), str(exc))
            return None
        if method != "editMessageText":
            self.pace.sent(chat_id)
        async with self.db.tx() as repo:
            await repo.outbox_done(row.id, "sent", self.clock(), message_id=message_id)
            ref = payload.get("ref")
            if ref and message_id is not None and self.on_sent is not None:
                await self.on_sent(repo, str(ref), message_id)
            return await self.next_due(repo, chat_id)

    async def _retry(self, row_id: int, delay: float, error: str) -> None:
        log.warning("outbox %s: %s; retrying in %.1fs", row_id, error, delay)
        async with self.db.tx() as repo:
            await repo.outbox_retry(row_id, self.clock() + timedelta(seconds=delay), error)

    async def _call(self, chat_id: int, method: str, payload: dict[str, Any]) -> int | None:
        markup = payload.get("reply_markup")
        keyboard = InlineKeyboardMarkup.de_json(markup, self.bot) if markup else None
        if method == "sendMessage":
            reply_to = payload.get("reply_to")
            msg = await self.bot.send_message(
                chat_id,
                payload["text"],
                parse_mode=payload.get("parse_mode"),
                reply_markup=ForceReply(selective=True) if payload.get("force_reply") else keyboard,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to
                else None,
            )
            return msg.message_id
        if method == "editMessageText":
            try:
                await self.bot.edit_message_text(
                    payload["text"],
                    chat_id=chat_id,
                    message_id=payload["message_id"],
                    parse_mode=payload.get("parse_mode"),
                    reply_markup=keyboard,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
            except BadRequest as exc:
                if "not modified" not in exc.message.lower():
                    raise
            return int(payload["message_id"])
        if method == "sendDocument":
            msg = await self.bot.send_document(
                chat_id,
                payload["content"].encode("utf-8"),
                filename=payload["filename"],
                caption=payload.get("caption"),
                parse_mode=payload.get("parse_mode"),
            )
            return msg.message_id
        raise ValueError(f"unknown outbox method {method!r}")


def process_identity() -> str:
    """Who holds a lease: host, pid and a random part (pids are reused across restarts)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _unchanged(payload: dict[str, Any], shown: dict[str, Any] | None) -> bool:
    """An edit whose text and inline keyboard equal what the message shows already."""
    if shown is None:
        return False
    keyboard = shown.get("reply_markup") if not shown.get("force_reply") else None
    return bool(
        payload.get("text") == shown.get("text")
        and payload.get("parse_mode") == shown.get("parse_mode")
        and payload.get("reply_markup") == keyboard
    )


def _seconds(value: object) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)  # type: ignore[arg-type]
