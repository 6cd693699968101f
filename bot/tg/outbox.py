"""Send what handlers queued in the outbox: in order per chat, at least once.

A reply is written to the outbox in the same transaction as the state change that caused
it, then sent. The one unavoidable window: Telegram accepted a message and the process
died before recording it. We then send it again on restart (a duplicate is better than
a lost probe or feedback); the window is always a single message.
"""

from __future__ import annotations

import asyncio
import logging
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

from bot.db.repo import Repo
from bot.services.database import Database

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
        for key in [k for k, lock in self._locks.items() if not lock.locked()]:
            del self._locks[key]


class OutboxSender:
    """Delivers outbox rows through the PTB bot and records the outcome."""

    def __init__(
        self,
        db: Database,
        bot: Bot,
        clock: Callable[[], datetime],
        on_sent: Callable[[Repo, str, int], Awaitable[None]] | None = None,
    ) -> None:
        self.db, self.bot, self.clock = db, bot, clock
        self._sending: dict[int, asyncio.Lock] = {}
        # A payload may carry a "ref" (e.g. "timer:12"): once sent, the message id is
        # recorded through this hook, in the same transaction that marks the row sent.
        self.on_sent = on_sent

    async def flush(self, chat_id: int) -> None:
        """Send the chat's pending messages in order until one has to wait."""
        lock = self._sending.setdefault(chat_id, asyncio.Lock())
        async with lock:
            while await self._send_next(chat_id):
                pass

    async def flush_due(self) -> None:
        async with self.db.tx() as repo:
            chats = await repo.outbox_chats_due(self.clock())
        await asyncio.gather(*(self.flush(c) for c in chats))

    async def _send_next(self, chat_id: int) -> bool:
        now = self.clock()
        async with self.db.tx() as repo:
            row = await repo.lease_next(chat_id, now, LEASE)
            if row is None:
                return False
            row_id, method, payload, attempts = row.id, row.method, dict(row.payload), row.attempts
        try:
            message_id = await self._call(chat_id, method, payload)
        except ChatMigrated as exc:  # the group became a supergroup: follow it
            async with self.db.tx() as repo:
                await repo.outbox_move(row_id, exc.new_chat_id)
            return False
        except Forbidden as exc:
            log.info("chat %s blocked the bot: %s", chat_id, exc.message)
            async with self.db.tx() as repo:
                await repo.outbox_done(row_id, "blocked", self.clock(), error=exc.message)
                await repo.mark_chat_blocked(chat_id, self.clock())
            return False
        except BadRequest as exc:
            # Telegram will never accept this message; keep the row for inspection.
            log.error("outbox %s to %s rejected: %s", row_id, chat_id, exc.message)
            async with self.db.tx() as repo:
                await repo.outbox_done(row_id, "failed", self.clock(), error=exc.message)
            return True
        except RetryAfter as exc:
            await self._retry(row_id, _seconds(exc.retry_after), f"429 retry after {exc}")
            return False
        except (NetworkError, TelegramError) as exc:  # 5xx, timeouts, connection errors
            await self._retry(row_id, min(2.0 ** (attempts - 1), MAX_BACKOFF), str(exc))
            return False
        async with self.db.tx() as repo:
            await repo.outbox_done(row_id, "sent", self.clock(), message_id=message_id)
            ref = payload.get("ref")
            if ref and message_id is not None and self.on_sent is not None:
                await self.on_sent(repo, str(ref), message_id)
        return True

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


def _seconds(value: object) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)  # type: ignore[arg-type]
