"""The repository: every query the services need, in one place. It never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.db.delivery import DeliveryQueries
from bot.db.models import (
    Answer,
    AnswerFragment,
    AskedQuestion,
    Feedback,
    InterviewSession,
    ProbeAsked,
    Round,
    User,
)
from bot.db.reminders_repo import ReminderQueries

OPEN_STATES = ("answering", "probing")


class Repo(DeliveryQueries, ReminderQueries):
    """Thin data access over one AsyncSession; the caller owns the transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    # ---- users ------------------------------------------------------------------
    async def user_by_tg(self, tg_user_id: int) -> User | None:
        return (await self.s.execute(select(User).where(User.tg_user_id == tg_user_id))).scalar()

    async def user_by_console(self, key: str) -> User | None:
        return (await self.s.execute(select(User).where(User.console_key == key))).scalar()

    async def user(self, user_id: int) -> User:
        user = await self.s.get(User, user_id)
        if user is None:
            raise LookupError(f"user {user_id} not found")
        return user

    async def add(self, obj: object) -> None:
        self.s.add(obj)
        await self.s.flush()

    # ---- sessions and questions ---------------------------------------------------
    async def open_session(self, user_id: int) -> InterviewSession | None:
        stmt = (
            select(InterviewSession)
            .where(InterviewSession.user_id == user_id, InterviewSession.status == "open")
            .order_by(InterviewSession.id.desc())
            .limit(1)
        )
        return (await self.s.execute(stmt)).scalar()

    async def current_question(self, user_id: int, lock: bool = False) -> AskedQuestion | None:
        """The question the user is in the middle of, with answers, fragments and probes.

        `lock` takes a row lock (PostgreSQL) so two processes never evaluate it twice.
        """
        stmt = (
            select(AskedQuestion)
            .join(InterviewSession)
            .where(
                InterviewSession.user_id == user_id,
                InterviewSession.status == "open",
                AskedQuestion.state.in_(OPEN_STATES),
            )
            .options(
                selectinload(AskedQuestion.answers).selectinload(Answer.fragments),
                selectinload(AskedQuestion.probes),
            )
            .order_by(AskedQuestion.id.desc())
            .limit(1)
        )
        if lock:
            stmt = stmt.with_for_update(of=AskedQuestion)
        return (await self.s.execute(stmt)).scalar()

    async def last_question(self, user_id: int, done: bool = False) -> AskedQuestion | None:
        """The newest asked question (with `done`, the newest one that was scored)."""
        stmt = (
            select(AskedQuestion)
            .join(InterviewSession)
            .where(InterviewSession.user_id == user_id)
            .order_by(AskedQuestion.id.desc())
            .limit(1)
        )
        if done:
            stmt = stmt.where(AskedQuestion.state == "done")
        return (await self.s.execute(stmt)).scalar()

    async def next_ordinal(self, session_id: int) -> int:
        stmt = select(func.coalesce(func.max(AskedQuestion.ordinal), 0)).where(
            AskedQuestion.session_id == session_id
        )
        return int((await self.s.execute(stmt)).scalar_one()) + 1

    async def answered_before(self, aq: AskedQuestion) -> int:
        """Questions of the same session scored before this one (skips do not count)."""
        stmt = select(func.count(AskedQuestion.id)).where(
            AskedQuestion.session_id == aq.session_id,
            AskedQuestion.state == "done",
            AskedQuestion.id < aq.id,
        )
        return int((await self.s.execute(stmt)).scalar_one())

    async def asked_question_ids(self, user_id: int, since: datetime | None = None) -> list[str]:
        """Question ids this user was asked, oldest first (for not repeating questions)."""
        stmt = (
            select(AskedQuestion.question_id)
            .join(InterviewSession)
            .where(InterviewSession.user_id == user_id)
            .order_by(AskedQuestion.id)
        )
        if since is not None:
            stmt = stmt.where(AskedQuestion.created_at >= since)
        return list((await self.s.execute(stmt)).scalars())

    async def session_questions(self, session_id: int) -> Sequence[AskedQuestion]:
        stmt = (
            select(AskedQuestion)
            .where(AskedQuestion.session_id == session_id)
            .options(selectinload(AskedQuestion.feedback))
            .order_by(AskedQuestion.ordinal)
        )
        return (await self.s.execute(stmt)).scalars().all()

    async def transcript(self, user_id: int) -> Sequence[AskedQuestion]:
        """Every question the user was asked, with all it holds, for /export."""
        stmt = (
            select(AskedQuestion)
            .join(InterviewSession)
            .where(InterviewSession.user_id == user_id)
            .options(
                selectinload(AskedQuestion.answers).selectinload(Answer.fragments),
                selectinload(AskedQuestion.probes),
                selectinload(AskedQuestion.feedback),
            )
            .order_by(AskedQuestion.id)
        )
        return (await self.s.execute(stmt)).scalars().all()

    # ---- answers --------------------------------------------------------------------
    async def open_answer(self, aq: AskedQuestion) -> Answer:
        """The answer of the current round, created on first use."""
        round_no = len(aq.probes)
        for answer in aq.answers:
            if answer.round == round_no:
                return answer
        answer = Answer(asked_question_id=aq.id, round=round_no, text="")
        answer.fragments = []
        aq.answers.append(answer)
        await self.s.flush()
        return answer

    async def add_fragment(
        self, answer: Answer, text: str, message_id: int | None, now: datetime
    ) -> AnswerFragment | None:
        """Store a fragment once per message id (a redelivered update changes nothing)."""
        if message_id is not None and any(f.message_id == message_id for f in answer.fragments):
            return None
        fragment = AnswerFragment(
            answer_id=answer.id, message_id=message_id, text=text, received_at=now
        )
        answer.fragments.append(fragment)
        await self.s.flush()
        return fragment

    async def fragment_by_message(self, user_id: int, message_id: int) -> AnswerFragment | None:
        stmt = (
            select(AnswerFragment)
            .join(Answer)
            .join(AskedQuestion)
            .join(InterviewSession)
            .where(
                InterviewSession.user_id == user_id,
                AnswerFragment.message_id == message_id,
                Answer.submitted_at.is_(None),
            )
        )
        return (await self.s.execute(stmt)).scalar()

    async def pending_answers(self, older_than: datetime) -> list[int]:
        """Users whose unsent answer has been quiet since `older_than` (grace elapsed)."""
        last = func.max(AnswerFragment.received_at)
        stmt = (
            select(InterviewSession.user_id)
            .select_from(AnswerFragment)
            .join(Answer)
            .join(AskedQuestion)
            .join(InterviewSession)
            .where(Answer.submitted_at.is_(None), AskedQuestion.state.in_(OPEN_STATES))
            .group_by(InterviewSession.user_id)
            .having(last <= older_than)
        )
        return list((await self.s.execute(stmt)).scalars())

    async def round_lang(self, chat_id: int) -> str | None:
        """The language of the chat's open round (a group speaks the round's language)."""
        stmt = (
            select(Round.lang)
            .where(Round.chat_id == chat_id, Round.status.in_(("lobby", "running")))
            .order_by(Round.id.desc())
            .limit(1)
        )
        return (await self.s.execute(stmt)).scalar()

    async def asked_question(self, user_id: int, asked_id: int) -> AskedQuestion | None:
        """One asked question, only if it belongs to this user (button ids are untrusted)."""
        stmt = (
            select(AskedQuestion)
            .join(InterviewSession)
            .where(AskedQuestion.id == asked_id, InterviewSession.user_id == user_id)
        )
        return (await self.s.execute(stmt)).scalar()

    async def pending_answer_text(self, user_id: int) -> tuple[str, datetime] | None:
        """The unsent answer of a user so far, and when its last fragment came."""
        stmt = (
            select(AnswerFragment.text, AnswerFragment.received_at)
            .join(Answer)
            .join(AskedQuestion)
            .join(InterviewSession)
            .where(
                InterviewSession.user_id == user_id,
                Answer.submitted_at.is_(None),
                AskedQuestion.state.in_(OPEN_STATES),
            )
            .order_by(AnswerFragment.received_at, AnswerFragment.id)
        )
        rows = (await self.s.execute(stmt)).all()
        if not rows:
            return None
        return "\n".join(r.text for r in rows), rows[-1].received_at

    async def add_probe(self, aq: AskedQuestion, rule_id: str, tag: str, text: str) -> None:
        aq.probes.append(
            ProbeAsked(
                asked_question_id=aq.id,
                ordinal=len(aq.probes) + 1,
                rule_id=rule_id,
                tag=tag,
                text=text,
            )
        )
        await self.s.flush()

    async def add_feedback(self, feedback: Feedback) -> None:
        self.s.add(feedback)
        await self.s.flush()
