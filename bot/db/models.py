"""SQLAlchemy 2 models. Portable types only, so SQLite and PostgreSQL share one schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from bot.db.dialect import stores_naive_utc


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no offset, PostgreSQL does)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware values")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if stores_naive_utc(dialect) else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""


class User(Base):
    """A candidate, known by Telegram id or by a console key."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tg_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    console_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    first_name: Mapped[str] = mapped_column(String(128), default="")
    lang: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str | None] = mapped_column(String(64))
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InterviewSession(Base):
    """One practice sitting: questions asked until /stop."""

    __tablename__ = "interview_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    questions: Mapped[list[AskedQuestion]] = relationship(
        back_populates="session", order_by="AskedQuestion.ordinal", cascade="all, delete-orphan"
    )


class AskedQuestion(Base):
    """A question put to the candidate, and where it stands (answering/probing/done/skipped)."""

    __tablename__ = "asked_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("interview_sessions.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    lang: Mapped[str] = mapped_column(String(8), default="en")
    ordinal: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="answering")
    first_tags: Mapped[list[Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    session: Mapped[InterviewSession] = relationship(back_populates="questions")
    answers: Mapped[list[Answer]] = relationship(
        order_by="Answer.round", cascade="all, delete-orphan"
    )
    probes: Mapped[list[ProbeAsked]] = relationship(
        order_by="ProbeAsked.ordinal", cascade="all, delete-orphan"
    )
    feedback: Mapped[Feedback | None] = relationship(cascade="all, delete-orphan")


class Answer(Base):
    """What the candidate said in one round: 0 is the answer, 1.. reply to probes."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("asked_question_id", "round"),
        # the grace-period sweeper looks only at unsent answers, twice a second: a partial
        # index keeps that a handful of rows however many answers are stored
        Index(
            "ix_answers_unsent",
            "asked_question_id",
            sqlite_where=sql_text("submitted_at IS NULL"),
            postgresql_where=sql_text("submitted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asked_question_id: Mapped[int] = mapped_column(
        ForeignKey("asked_questions.id", ondelete="CASCADE"), index=True
    )
    round: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    fragments: Mapped[list[AnswerFragment]] = relationship(
        order_by="AnswerFragment.id", cascade="all, delete-orphan"
    )


class AnswerFragment(Base):
    """One message of a multi-message answer; an edit replaces its text."""

    __tablename__ = "answer_fragments"
    __table_args__ = (UniqueConstraint("answer_id", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProbeAsked(Base):
    """A follow-up the bot asked, with the rule and tag that chose it."""

    __tablename__ = "probes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asked_question_id: Mapped[int] = mapped_column(
        ForeignKey("asked_questions.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[str] = mapped_column(String(64))
    tag: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Feedback(Base):
    """The rubric verdict for one asked question."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asked_question_id: Mapped[int] = mapped_column(
        ForeignKey("asked_questions.id", ondelete="CASCADE"), unique=True
    )
    points: Mapped[int] = mapped_column(Integer)
    out_of: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(32))
    checks: Mapped[list[Any]] = mapped_column(JSON)
    first_tags: Mapped[list[Any]] = mapped_column(JSON)
    open_tags: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TgUpdate(Base):
    """A Telegram update made durable before it is confirmed; processed once by update_id."""

    __tablename__ = "tg_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # why an update was set aside (status "failed"): unparsable, unstorable, a handler error
    error: Mapped[str | None] = mapped_column(Text)


class OutboxMessage(Base):
    """A reply decided inside a transaction, sent after it commits (at least once)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    method: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the process holding the lease: a restarted process frees its predecessor's at once
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    tg_message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Reminder(Base):
    """A user's daily drill: local time and weekdays, and the next due instant in UTC."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True, index=True
    )
    at_minute: Mapped[int] = mapped_column(Integer)  # minutes after local midnight
    days_mask: Mapped[int] = mapped_column(Integer, default=127)  # bit 0 = Monday
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReminderDelivery(Base):
    """One occurrence claimed for sending; unique per (reminder, instant): never twice."""

    __tablename__ = "reminder_deliveries"
    __table_args__ = (UniqueConstraint("reminder_id", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reminder_id: Mapped[int] = mapped_column(
        ForeignKey("reminders.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="queued")
    question_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # the drill message as sent, and the state it shows: edits re-render it after a press
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str | None] = mapped_column(Text)
    shown: Mapped[str | None] = mapped_column(String(16))
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # snoozed until


class Round(Base):
    """A group mock round: lobby, then turns of candidates; timing lives here, not in memory."""

    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    minutes: Mapped[int] = mapped_column(Integer)
    prep_minutes: Mapped[int] = mapped_column(Integer, default=0)
    opened_by: Mapped[int] = mapped_column(BigInteger)
    # the interface language of the round: its texts and its questions
    lang: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    status: Mapped[str] = mapped_column(String(16), default="lobby", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RoundMember(Base):
    """A candidate (in queue order) or a panellist of a round."""

    __tablename__ = "round_members"
    __table_args__ = (UniqueConstraint("round_id", "tg_user_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    tg_user_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)


class RoundTurn(Base):
    """One candidate's go: question, phase and its deadline, answer, probes, scores."""

    __tablename__ = "round_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(BigInteger)
    candidate_name: Mapped[str] = mapped_column(String(128))
    question_id: Mapped[str] = mapped_column(String(32))
    phase: Mapped[str] = mapped_column(String(16), default="prep", index=True)
    phase_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    timer_minute: Mapped[int | None] = mapped_column(Integer)
    answer_text: Mapped[str] = mapped_column(Text, default="")
    last_fragment_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pending_text: Mapped[bool] = mapped_column(Boolean, default=False)
    last_message_id: Mapped[int | None] = mapped_column(BigInteger)
    probe_tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    first_tags: Mapped[list[Any] | None] = mapped_column(JSON)
    open_tags: Mapped[list[Any] | None] = mapped_column(JSON)
    bot_points: Mapped[int | None] = mapped_column(Integer)
    bot_out_of: Mapped[int | None] = mapped_column(Integer)
    noticed: Mapped[list[Any]] = mapped_column(JSON, default=list)
    question_message_id: Mapped[int | None] = mapped_column(BigInteger)
    timer_message_id: Mapped[int | None] = mapped_column(BigInteger)
    score_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # how the turn ended: scored | no_answer | unfinished (only scored turns are ranked)
    outcome: Mapped[str | None] = mapped_column(String(16))
    answer_parts: Mapped[list[Any] | None] = mapped_column(JSON)  # answer, then each reply
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RoundVote(Base):
    """A panellist's score for a turn; changeable until the summary."""

    __tablename__ = "round_votes"
    __table_args__ = (UniqueConstraint("turn_id", "voter_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    turn_id: Mapped[int] = mapped_column(
        ForeignKey("round_turns.id", ondelete="CASCADE"), index=True
    )
    voter_id: Mapped[int] = mapped_column(BigInteger)
    score: Mapped[int] = mapped_column(Integer)
