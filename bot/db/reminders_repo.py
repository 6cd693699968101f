"""Queries for reminders and the history the morning drill is chosen from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dialect import insert_for
from bot.db.models import (
    AskedQuestion,
    Feedback,
    InterviewSession,
    Reminder,
    ReminderDelivery,
    User,
)


class ReminderQueries:
    """Mixed into Repo."""

    s: AsyncSession

    async def reminder_for(self, user_id: int) -> Reminder | None:
        stmt = select(Reminder).where(Reminder.user_id == user_id)
        return (await self.s.execute(stmt)).scalar()

    async def due_reminders(self, now: datetime, limit: int) -> Sequence[tuple[Reminder, User]]:
        """Enabled reminders due now (or whose snooze ended), oldest first.

        On PostgreSQL the rows are locked with SKIP LOCKED, so several dispatchers split
        the work instead of waiting on each other; SQLite serialises writers anyway.
        """
        out: dict[int, tuple[Reminder, User]] = {}
        # Two index range scans instead of one OR (which would scan every reminder).
        for column in (Reminder.next_due_at, Reminder.snoozed_until):
            stmt = (
                select(Reminder, User)
                .join(User, User.id == Reminder.user_id)
                .where(Reminder.enabled.is_(True), User.blocked_at.is_(None), column <= now)
                .order_by(column)
                .limit(limit)
                .with_for_update(of=Reminder, skip_locked=True)
            )
            for r, u in (await self.s.execute(stmt)).all():
                out.setdefault(r.id, (r, u))
        return list(out.values())[:limit]

    async def claim_deliveries(
        self, rows: Sequence[tuple[int, datetime, str, str | None]], now: datetime
    ) -> dict[int, int]:
        """Record occurrences (reminder id, due, status, question) in one statement.

        Returns reminder id -> delivery id for the rows this call inserted; an occurrence
        another dispatcher already claimed is left out (unique reminder_id + due_at).
        """
        if not rows:
            return {}
        values: list[dict[str, Any]] = [
            {"reminder_id": r, "due_at": d, "status": st, "question_id": q, "created_at": now}
            for r, d, st, q in rows
        ]
        stmt = (
            insert_for(self.s, ReminderDelivery)
            .values(values)
            .on_conflict_do_nothing(index_elements=["reminder_id", "due_at"])
            .returning(ReminderDelivery.reminder_id, ReminderDelivery.id)
        )
        return {rid: did for rid, did in (await self.s.execute(stmt)).all()}

    async def delivery(self, delivery_id: int, user_id: int) -> ReminderDelivery | None:
        stmt = (
            select(ReminderDelivery)
            .join(Reminder)
            .where(ReminderDelivery.id == delivery_id, Reminder.user_id == user_id)
        )
        return (await self.s.execute(stmt)).scalar()

    async def snoozed_delivery(self, reminder_id: int) -> ReminderDelivery | None:
        """The drill a snooze belongs to (the latest one snoozed)."""
        stmt = (
            select(ReminderDelivery)
            .where(
                ReminderDelivery.reminder_id == reminder_id, ReminderDelivery.status == "snoozed"
            )
            .order_by(ReminderDelivery.id.desc())
            .limit(1)
        )
        return (await self.s.execute(stmt)).scalar()

    async def deliveries_of_question(
        self, reminder_id: int, question_id: str | None, since: datetime
    ) -> Sequence[ReminderDelivery]:
        """Messages of one drill: the first one and its resend after a snooze."""
        stmt = select(ReminderDelivery).where(
            ReminderDelivery.reminder_id == reminder_id,
            ReminderDelivery.question_id == question_id,
            ReminderDelivery.due_at >= since,
        )
        return (await self.s.execute(stmt)).scalars().all()

    async def drills_to_redraw(self, limit: int) -> Sequence[tuple[ReminderDelivery, User]]:
        """Sent drills whose message does not show their state yet (answered from a button
        another handler owns, or asked again after a snooze)."""
        stmt = (
            select(ReminderDelivery, User)
            .join(Reminder, Reminder.id == ReminderDelivery.reminder_id)
            .join(User, User.id == Reminder.user_id)
            .where(
                ReminderDelivery.message_id.is_not(None),
                ReminderDelivery.status.in_(("answered", "skipped", "snoozed", "resent")),
                or_(
                    ReminderDelivery.shown.is_(None),
                    ReminderDelivery.shown != ReminderDelivery.status,
                ),
                User.chat_id.is_not(None),
                User.blocked_at.is_(None),
            )
            .limit(limit)
        )
        return [(d, u) for d, u in (await self.s.execute(stmt)).all()]

    async def disable_reminders_for_chat(self, chat_id: int, reason: str) -> None:
        users = select(User.id).where(User.chat_id == chat_id).scalar_subquery()
        await self.s.execute(
            update(Reminder)
            .where(Reminder.user_id.in_(users))
            .values(enabled=False, disabled_reason=reason)
        )

    # ---- history, batched over many users ---------------------------------------------
    async def answered_since(
        self, user_ids: Sequence[int], since: datetime
    ) -> dict[int, list[tuple[str, datetime, list[Any]]]]:
        """Per user: (question id, answered at, first gap tags) of answers since `since`."""
        stmt = (
            select(
                InterviewSession.user_id,
                AskedQuestion.question_id,
                Feedback.created_at,
                Feedback.first_tags,
            )
            .join(AskedQuestion, AskedQuestion.session_id == InterviewSession.id)
            .join(Feedback, Feedback.asked_question_id == AskedQuestion.id)
            .where(InterviewSession.user_id.in_(user_ids), Feedback.created_at >= since)
        )
        out: dict[int, list[tuple[str, datetime, list[Any]]]] = {}
        for uid, qid, at, tags in (await self.s.execute(stmt)).all():
            out.setdefault(uid, []).append((qid, at, list(tags or [])))
        return out
