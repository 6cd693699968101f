"""The practice service on a real migrated SQLite file: state survives a new process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.content import Content
from bot.services.database import Database
from bot.services.practice import PracticeService

SHORT = "We made the report faster."


async def test_full_question_cycle_is_stored(db: Database, content: Content) -> None:
    svc = PracticeService(content, max_probes=2, seed=1)
    async with db.tx() as repo:
        user = await svc.console_user(repo, "ann")
        turn = await svc.ask(repo, user, "behavioral")
    assert turn.question is not None and turn.question.kind == "behavioral"
    async with db.tx() as repo:
        user = await svc.console_user(repo, "ann")
        assert await svc.add_fragment(repo, user, SHORT, message_id=10)
        assert await svc.has_pending_answer(repo, user)
        first = await svc.submit(repo, user)
    assert first is not None and first.probe is not None
    for reply in ("I rewrote the SQL myself.", "It went from 4 hours to 10 minutes."):
        async with db.tx() as repo:
            user = await svc.console_user(repo, "ann")
            await svc.add_fragment(repo, user, reply)
            last = await svc.submit(repo, user)
    assert last is not None and last.feedback is not None
    async with db.tx() as repo:
        user = await svc.console_user(repo, "ann")
        history = await svc.export(repo, user)
        summary = await svc.stop(repo, user)
    assert len(history) == 1
    aq = history[0]
    assert [a.round for a in aq.answers] == [0, 1, 2]
    assert len(aq.probes) == 2 and aq.feedback is not None and aq.state == "done"
    assert summary is not None and summary.answered == 1 and summary.gaps


async def test_resume_after_restart_uses_only_the_database(db: Database, content: Content) -> None:
    svc = PracticeService(content, seed=2)
    async with db.tx() as repo:
        user = await svc.console_user(repo, "bo")
        asked = await svc.ask(repo, user, "case")
        await svc.add_fragment(repo, user, "use deep learning")
        await svc.submit(repo, user)
    fresh = PracticeService(content, seed=99)  # a new process: nothing in memory
    async with db.tx() as repo:
        user = await fresh.console_user(repo, "bo")
        turn = await fresh.current(repo, user)
    assert turn is not None and turn.resumed
    assert turn.question == asked.question and turn.probe is not None


async def test_duplicate_message_id_is_stored_once(db: Database, content: Content) -> None:
    svc = PracticeService(content, seed=3)
    async with db.tx() as repo:
        user = await svc.console_user(repo, "cy")
        await svc.ask(repo, user, "technical")
        await svc.add_fragment(repo, user, "part one", message_id=5)
        await svc.add_fragment(repo, user, "part one", message_id=5)
        await svc.add_fragment(repo, user, "part two", message_id=6)
        assert await svc.edit_fragment(repo, user, 6, "part two, edited")
    async with db.tx() as repo:
        user = await svc.console_user(repo, "cy")
        [aq] = await svc.export(repo, user)
    assert [f.text for f in aq.answers[0].fragments] == ["part one", "part two, edited"]


async def test_grace_period_finds_quiet_answers(db: Database, content: Content) -> None:
    svc = PracticeService(content, seed=4)
    t0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    async with db.tx() as repo:
        user = await svc.console_user(repo, "di")
        await svc.ask(repo, user, "behavioral")
        await svc.add_fragment(repo, user, "first part", 1, now=t0)
        await svc.add_fragment(repo, user, "second part", 2, now=t0 + timedelta(seconds=4))
    async with db.tx() as repo:
        grace = timedelta(seconds=5)
        assert await svc.due_users(repo, t0 + timedelta(seconds=8), grace) == []
        assert await svc.due_users(repo, t0 + timedelta(seconds=9), grace) == [user.id]


async def test_an_unfinished_answer_waits_longer(db: Database, content: Content) -> None:
    svc = PracticeService(content, seed=4)
    t0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    grace, wait = timedelta(seconds=5), timedelta(seconds=20)
    async with db.tx() as repo:
        done = await svc.console_user(repo, "fi")
        await svc.ask(repo, done, "behavioral")
        await svc.add_fragment(repo, done, "I rebuilt the report myself.", 1, now=t0)
        going = await svc.console_user(repo, "gu")
        await svc.ask(repo, going, "behavioral")
        await svc.add_fragment(repo, going, "so the first thing i did was", 2, now=t0)
    async with db.tx() as repo:
        assert await svc.due_users(repo, t0 + timedelta(seconds=6), grace, wait) == [done.id]
        due = await svc.due_users(repo, t0 + timedelta(seconds=21), grace, wait)
        assert sorted(due) == sorted([done.id, going.id])


async def test_unknown_question_id_falls_back_to_picking(db: Database, content: Content) -> None:
    svc = PracticeService(content, seed=5)
    async with db.tx() as repo:
        user = await svc.console_user(repo, "ed")
        turn = await svc.ask(repo, user, "technical", question_id="no-such-id")
    assert turn.question is not None and turn.question.kind == "technical"
