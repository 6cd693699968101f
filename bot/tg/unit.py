"""One update = one transaction: claim the update, run a service, queue the replies.

Replies go to the outbox inside the same transaction and are sent after the commit, so
state and replies never disagree, whatever moment the process dies.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram import Update

from bot.config import Settings
from bot.content.loader import Content
from bot.db.delivery import Leased
from bot.db.models import User
from bot.db.repo import Repo
from bot.services.database import Database
from bot.services.practice import PracticeService
from bot.texts import Texts
from bot.tg.intake import Intake, chat_id_of, update_json
from bot.tg.messages import split_html
from bot.tg.outbox import ChatLocks, OutboxSender


@dataclass
class Deps:
    """Everything handlers need, passed in when the application is built."""

    settings: Settings
    content: Content
    db: Database
    practice: PracticeService
    clock: Callable[[], datetime]
    locks: ChatLocks
    outbox: OutboxSender | None = None
    intake: Intake | None = None  # told which updates a handler finished (see Intake.settle)

    def texts(self, lang: str) -> Texts:
        return Texts(self.content.messages, lang)


@dataclass
class Outgoing:
    """The open transaction of one update (or job run) in one chat, and its queued replies."""

    repo: Repo
    chat_id: int
    t: Texts
    now: datetime
    queued: int = field(default=0, init=False)  # outbox rows this transaction added

    async def say(
        self,
        html_text: str,
        keyboard: dict[str, Any] | None = None,
        *,
        force_reply: bool = False,
        reply_to: int | None = None,
        ref: str | None = None,
    ) -> None:
        """Queue an HTML message (split below 4,096 chars; markup on the last part)."""
        chunks = split_html(html_text)
        for i, chunk in enumerate(chunks):
            payload: dict[str, Any] = {"text": chunk, "parse_mode": "HTML"}
            if i == len(chunks) - 1:
                if keyboard is not None:
                    payload["reply_markup"] = keyboard
                if force_reply:
                    payload["force_reply"] = True
                if ref:
                    payload["ref"] = ref
            if reply_to and i == 0:
                payload["reply_to"] = reply_to
            await self._enqueue("sendMessage", payload)

    async def edit(
        self, message_id: int, html_text: str, keyboard: dict[str, Any] | None = None
    ) -> None:
        payload: dict[str, Any] = {
            "text": html_text,
            "parse_mode": "HTML",
            "message_id": message_id,
        }
        if keyboard is not None:
            payload["reply_markup"] = keyboard
        await self._enqueue("editMessageText", payload)

    async def document(self, filename: str, content: str, caption: str) -> None:
        await self._enqueue(
            "sendDocument", {"filename": filename, "content": content, "caption": caption}
        )

    async def _enqueue(self, method: str, payload: dict[str, Any]) -> None:
        self.queued += 1
        await self.repo.enqueue(self.chat_id, method, payload, self.now)

    async def lease_first(self, outbox: OutboxSender | None) -> tuple[bool, Leased | None]:
        """At the end of the transaction: (send after commit?, the reply leased for it).

        Leasing here spares the sender a transaction; a chat whose flush is under way is
        left to a flush after the commit, so the order per chat holds.
        """
        if outbox is None or not self.queued:
            return False, None
        if outbox.busy(self.chat_id):
            return True, None
        return True, await outbox.next_due(self.repo, self.chat_id)


@dataclass
class Unit(Outgoing):
    """An Outgoing for a private chat, with the user it belongs to."""

    user: User


@asynccontextmanager
async def update_unit(deps: Deps, update: Update) -> AsyncIterator[Unit | None]:
    """Yield a Unit for a fresh update, or None when it was already processed.

    Claim, state, replies and the lease of the first reply are one transaction.
    """
    chat_id = chat_id_of(update)
    tg_user = update.effective_user
    if chat_id is None or tg_user is None:
        yield None
        return
    now = deps.clock()
    async with deps.db.tx() as repo:
        if not await repo.claim_update(update.update_id, chat_id, lambda: update_json(update), now):
            _settled(deps, update)
            yield None
            return
        user = await deps.practice.telegram_user(
            repo, tg_user.id, chat_id, tg_user.first_name or "", tg_user.language_code
        )
        unit = Unit(repo, chat_id, deps.texts(user.lang), now, user)
        yield unit
        send, leased = await unit.lease_first(deps.outbox)
    _settled(deps, update)
    if send and deps.outbox is not None:
        await deps.outbox.flush(chat_id, leased)


def _settled(deps: Deps, update: Update) -> None:
    """The update is finished in the database: the catch-all handler need not touch it."""
    if deps.intake is not None:
        deps.intake.settle(update.update_id)


@asynccontextmanager
async def job_unit(deps: Deps, user_id: int) -> AsyncIterator[Unit | None]:
    """A Unit for work not caused by an update (the grace-period sweeper)."""
    async with deps.db.tx() as repo:
        user = await repo.user(user_id)
        if user.chat_id is None or user.blocked_at is not None:
            yield None
            return
        chat_id = user.chat_id
        unit = Unit(repo, chat_id, deps.texts(user.lang), deps.clock(), user)
        yield unit
        send, leased = await unit.lease_first(deps.outbox)
    if send and deps.outbox is not None:
        await deps.outbox.flush(chat_id, leased)


@asynccontextmanager
async def group_unit(deps: Deps, update: Update) -> AsyncIterator[Outgoing | None]:
    """Like update_unit for group chats: no user record (a group is not anyone's chat)."""
    chat = update.effective_chat
    if chat is None:
        yield None
        return
    now = deps.clock()
    async with deps.db.tx() as repo:
        if not await repo.claim_update(update.update_id, chat.id, lambda: update_json(update), now):
            _settled(deps, update)
            yield None
            return
        lang = await repo.round_lang(chat.id) or sender_lang(deps, update)
        out = Outgoing(repo, chat.id, deps.texts(lang), now)
        yield out
        send, leased = await out.lease_first(deps.outbox)
    _settled(deps, update)
    if send and deps.outbox is not None:
        await deps.outbox.flush(chat.id, leased)


def sender_lang(deps: Deps, update: Update) -> str:
    """The interface language of whoever sent an update (Telegram's language_code)."""
    user = update.effective_user
    code = ((user.language_code if user else None) or "en").split("-")[0].lower()
    return code if code in deps.content.messages else "en"


@asynccontextmanager
async def chat_job_unit(deps: Deps, chat_id: int) -> AsyncIterator[Outgoing]:
    """An Outgoing for timer work in a group (no update to claim)."""
    async with deps.db.tx() as repo:
        lang = await repo.round_lang(chat_id) or "en"
        out = Outgoing(repo, chat_id, deps.texts(lang), deps.clock())
        yield out
        send, leased = await out.lease_first(deps.outbox)
    if send and deps.outbox is not None:
        await deps.outbox.flush(chat_id, leased)
