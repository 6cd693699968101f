"""The drill's question: never one answered in the last 14 days, weak gap tags favoured."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.content import Content
from bot.db.models import AskedQuestion, Feedback, InterviewSession, User
from bot.services.database import Database
from bot.services.reminders import ReminderService

NOW = datetime(2026, 11, 27, 0, 0, 5, tzinfo=UTC)


async def test_drill_question_avoids_recent_and_follows_gaps(
    db: Database, content: Content
) -> None:
    svc = ReminderService(content)
    bank = content.bank("en")
    recent = [q.id for q in bank if q.kind == "behavioral"][:10]
    picks: Counter[str] = Counter()
    async with db.tx() as repo:
        for n in range(40):
            user = User(
                tg_user_id=900 + n, chat_id=900 + n, first_name="x", timezone="Asia/Shanghai"
            )
            await repo.add(user)
            session = InterviewSession(user_id=user.id, kind="behavioral")
            await repo.add(session)
            for i, qid in enumerate(recent):
                aq = AskedQuestion(
                    session_id=session.id,
                    question_id=qid,
                    kind="behavioral",
                    ordinal=i + 1,
                    state="done",
                    created_at=NOW - timedelta(days=3),
                )
                await repo.add(aq)
                await repo.add(
                    Feedback(
                        asked_question_id=aq.id,
                        points=1,
                        out_of=5,
                        level="star",
                        checks=[],
                        open_tags=[],
                        first_tags=["denies_failure"],
                        created_at=NOW - timedelta(days=3),
                    )
                )
            await svc.set_reminder(repo, user, "08:00", "", NOW - timedelta(hours=1))
        drills = await svc.claim_due(repo, NOW)
    assert len(drills) == 40
    for d in drills:
        assert d.question.id not in recent
        assert d.top_gap == "denies_failure" and d.streak == 0  # 3 days ago: no streak
        picks[d.question.themes[0]] += 1
    failure_share = sum(1 for d in drills if "failure" in d.question.themes) / len(drills)
    assert failure_share > 0.3  # favoured well above its share of the bank
    baseline = sum(1 for q in bank if "failure" in q.themes and q.id not in recent) / len(bank)
    assert failure_share > 2 * baseline
