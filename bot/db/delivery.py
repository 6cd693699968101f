"""Queries for the update store and the outbox: portable SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dialect import insert_for
from bot.db.models import OutboxMessage, Reminder, TgUpdate, User, utcnow

# Outbox rows are never loaded as objects in a transaction that updates them: skipping the
# ORM's session synchronisation spares it evaluating every WHERE clause in Python.
PLAIN = {"synchronize_session": False}


@dataclass(frozen=True)
class Leased:
    """An outbox row this process holds for sending (plain values, no ORM object)."""

    id: int
    chat_id: int
    method: str
    payload: dict[str, Any]
    attempts: int


class DeliveryQueries:
    """Mixed into Repo: durable updates (idempotent by update_id) and the reply outbox."""

    s: AsyncSession

    async def _insert_ignore(self, rows: list[dict[str, Any]]) -> int:
        """INSERT … ON CONFLICT DO NOTHING on tg_updates; returns how many were new."""
        if not rows:
            return 0
        stmt = (
            insert_for(self.s, TgUpdate)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["update_id"])
        )
        result = await self.s.execute(stmt)
        return max(int(getattr(result, "rowcount", 0) or 0), 0)

    async def save_updates(
        self, rows: Sequence[tuple[int, int | None, dict[str, Any], str]], now: datetime
    ) -> int:
        """Store fetched updates (raw JSON as Telegram sent it, with a status); skip known ids."""
        return await self._insert_ignore(
            [
                {
                    "update_id": u,
                    "chat_id": c,
                    "payload": p,
                    "status": status,
                    "received_at": now,
                    "processed_at": None if status == "pending" else now,
                }
                for u, c, p, status in rows
            ]
        )

    async def set_aside_update(
        self,
        update_id: int,
        chat_id: int | None,
        payload: dict[str, Any],
        error: str,
        now: datetime,
    ) -> bool:
        """Record an update that cannot be processed, with why; True the first time only."""
        row = {
            "update_id": update_id,
            "chat_id": chat_id,
            "payload": payload,
            "status": "failed",
            "error": error[:2000],
            "received_at": now,
            "processed_at": now,
        }
        return await self._insert_ignore([row]) == 1

    async def pending_updates(self, limit: int = 1000) -> Sequence[TgUpdate]:
        stmt = (
            select(TgUpdate)
            .where(TgUpdate.status == "pending")
            .order_by(TgUpdate.update_id)
            .limit(limit)
        )
        return (await self.s.execute(stmt)).scalars().all()

    async def claim_update(
        self,
        update_id: int,
        chat_id: int | None,
        payload: dict[str, Any] | Callable[[], dict[str, Any]],
        now: datetime,
    ) -> bool:
        """Mark an update processed inside the caller's transaction. False if it already was.

        The claim commits together with everything the handler changes, so a crash before
        the commit leaves the update pending (replayed at start) and a crash after it
        leaves it done (never processed twice). `payload` may be a function: it is only
        needed for an update the intake never stored, so it is built only then.
        """
        stmt = (
            update(TgUpdate)
            .where(TgUpdate.update_id == update_id, TgUpdate.status == "pending")
            .values(status="done", processed_at=now)
            .execution_options(**PLAIN)
        )
        result: CursorResult[Any] = await self.s.execute(stmt)  # type: ignore[assignment]
        if result.rowcount == 1:
            return True
        inserted = await self._insert_ignore(
            [
                {
                    "update_id": update_id,
                    "chat_id": chat_id,
                    "payload": payload() if callable(payload) else payload,
                    "status": "done",
                    "received_at": now,
                    "processed_at": now,
                }
            ]
        )
        return inserted == 1

    async def finish_update(
        self, update_id: int, now: datetime, status: str = "ignored", error: str | None = None
    ) -> bool:
        """Mark an update nobody handled (or that crashed a handler) so it is not replayed.

        True if this call changed it: a handler error is recorded (and logged) once.
        """
        result: CursorResult[Any] = await self.s.execute(  # type: ignore[assignment]
            update(TgUpdate)
            .where(TgUpdate.update_id == update_id, TgUpdate.status == "pending")
            .values(status=status, processed_at=now, error=error[:2000] if error else None)
            .execution_options(**PLAIN)
        )
        return result.rowcount == 1

    # ---- outbox -------------------------------------------------------------------------
    async def enqueue(
        self, chat_id: int, method: str, payload: dict[str, Any], now: datetime
    ) -> None:
        # Due at once on the sender's real clock (business time may be a test's clock).
        self.s.add(
            OutboxMessage(
                chat_id=chat_id,
                method=method,
                payload=payload,
                next_attempt_at=utcnow(),
                created_at=now,
            )
        )  # flushed with the transaction: a batch of drills is one round of inserts

    async def outbox_chats_due(self, now: datetime, limit: int = 500) -> list[int]:
        stmt = (
            select(OutboxMessage.chat_id)
            .where(
                OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
            )
            .group_by(OutboxMessage.chat_id)
            .limit(limit)
        )
        return list((await self.s.execute(stmt)).scalars())

    async def lease_next(
        self, chat_id: int, now: datetime, lease: timedelta, owner: str | None = None
    ) -> Leased | None:
        """Take the chat's oldest pending message for sending, unless another sender has it.

        Strict order per chat: while the oldest message waits (backoff, lease), later ones
        wait too. One statement: UPDATE … WHERE id = (the oldest) … RETURNING.
        """
        oldest = (
            select(OutboxMessage.id)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)
            .limit(1)
            .scalar_subquery()
        )
        free = or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now)
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id == oldest, OutboxMessage.next_attempt_at <= now, free)
            .values(lease_until=now + lease, lease_owner=owner, attempts=OutboxMessage.attempts + 1)
            .returning(
                OutboxMessage.id,
                OutboxMessage.method,
                OutboxMessage.payload,
                OutboxMessage.attempts,
            )
            .execution_options(**PLAIN)
        )
        row = (await self.s.execute(stmt)).one_or_none()
        if row is None:
            return None
        return Leased(int(row[0]), chat_id, str(row[1]), dict(row[2]), int(row[3]))

    async def outbox_has_pending(self, chat_id: int) -> bool:
        stmt = (
            select(OutboxMessage.id)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending")
            .limit(1)
        )
        return (await self.s.execute(stmt)).first() is not None

    async def take_over_leases(self, owner: str) -> int:
        """Free every lease held by another process: in single-process polling a fresh start
        means the previous owner is dead, so its rows go out now, not when the lease ends."""
        result: CursorResult[Any] = await self.s.execute(  # type: ignore[assignment]
            update(OutboxMessage)
            .where(
                OutboxMessage.status == "pending",
                OutboxMessage.lease_until.is_not(None),
                or_(OutboxMessage.lease_owner.is_(None), OutboxMessage.lease_owner != owner),
            )
            .values(lease_until=None, lease_owner=None)
        )
        return max(int(result.rowcount or 0), 0)

    async def message_content(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """What a message of ours shows now: the payload of its last send or edit."""
        stmt = (
            select(OutboxMessage.payload)
            .where(
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.tg_message_id == message_id,
                OutboxMessage.status == "sent",
            )
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
        return (await self.s.execute(stmt)).scalar()

    async def outbox_done(
        self,
        row_id: int,
        status: str,
        now: datetime,
        message_id: int | None = None,
        error: str | None = None,
    ) -> None:
        await self.s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(
                status=status,
                sent_at=now if status == "sent" else None,
                tg_message_id=message_id,
                error=error,
                lease_until=None,
                lease_owner=None,
            )
            .execution_options(**PLAIN)
        )

    async def outbox_move(self, row_id: int, chat_id: int) -> None:
        """The chat moved (group -> supergroup): send this and later rows to the new id."""
        row = await self.s.get(OutboxMessage, row_id)
        if row is not None:
            await self.s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.chat_id == row.chat_id, OutboxMessage.status == "pending")
                .values(chat_id=chat_id, lease_until=None)
            )

    async def outbox_retry(self, row_id: int, at: datetime, error: str) -> None:
        await self.s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(next_attempt_at=at, error=error[:500], lease_until=None, lease_owner=None)
        )

    async def mark_chat_blocked(self, chat_id: int, now: datetime) -> None:
        """The user blocked the bot: record it, turn reminders off, drop what was queued."""
        await self.s.execute(update(User).where(User.chat_id == chat_id).values(blocked_at=now))
        users = select(User.id).where(User.chat_id == chat_id).scalar_subquery()
        await self.s.execute(
            update(Reminder)
            .where(Reminder.user_id.in_(users))
            .values(enabled=False, disabled_reason="blocked")
        )
        await self.s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending")
            .values(status="blocked", lease_until=None)
        )
