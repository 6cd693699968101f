"""Group mock rounds end to end with an injected clock: two candidates, a panel, replies
from bystanders, forged/duplicate/self votes, time running out, migration and removal."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.content import Content
from tests.e2e.conftest import FakeClock, Harness
from tests.fakes.telegram_server import FakeTelegram

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def strong_answer(content: Content, shown: str) -> str:
    """The model answer of the bank question whose text the bot just posted."""
    flat = " ".join(shown.split())
    q = next(q for q in content.bank("en") if q.text in flat)
    return q.model_answer


@pytest.fixture
async def world(tg: FakeTelegram, content: Content, tmp_path: Path) -> Any:
    clock = FakeClock(T0)
    h = Harness(tg, content, tmp_path / "bot.sqlite3", grace=0.3, clock=clock)
    await h.start()
    yield h, clock
    await h.stop()


async def settle(tg: FakeTelegram) -> None:
    """Until the bot fetched every update and had a moment to process it."""
    await tg.wait_for(lambda: not tg.pending_updates())
    await asyncio.sleep(0.4)


def texts(tg: FakeTelegram, chat: int) -> list[str]:
    return [tg.plain(r) for r in tg.sent_to(chat)]


def buttons(record: dict[str, Any]) -> list[str]:
    rows = (record.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


async def test_full_round_two_candidates(tg: FakeTelegram, world: Any, content: Content) -> None:
    _, clock = world
    group = tg.group_chat(-100, "Study group")
    anna, ben, chloe, dan = (
        tg.user(i, n) for i, n in ((1, "Anna"), (2, "Ben"), (3, "Chloe"), (4, "Dan"))
    )
    for u in (anna, ben, chloe, dan):
        tg.set_member(group, u)
    assert any(scope == "all_group_chats" for scope, _ in tg.commands)

    tg.send_text(anna, "/mockround case 10", chat=group)
    [lobby] = await tg.wait_sent(-100)
    assert "Mock round · Case · 10 min answers" in tg.plain(lobby)
    assert "Each candidate: 5 min to prepare, then 10 min to answer" in tg.plain(lobby)
    tg.press(ben, lobby, text="I'm the candidate")
    tg.press(chloe, lobby, text="I'm the candidate")
    tg.press(dan, lobby, text="I'll score")
    tg.press(ben, lobby, text="I'm the candidate")  # twice: no duplicate
    await tg.wait_for(lambda: "Panel: Dan" in tg.plain(tg.message(-100, lobby["message_id"])))
    shown = tg.plain(tg.message(-100, lobby["message_id"]))
    assert "Candidates: Ben, Chloe" in shown

    tg.press(dan, lobby, text="Start")  # not the opener, not an admin
    await tg.wait_for(
        lambda: any(c.get("text", "").startswith("Only the person") for c in tg.callback_answers)
    )
    tg.press(anna, lobby, text="Start")
    question, timer = await tg.wait_sent(-100, count=2)
    assert "Ben is up" in tg.plain(question) and "5 min to prepare" in tg.plain(question)
    assert question["reply_markup"] == {"force_reply": True, "selective": True}
    assert "Preparation: 5 min left" in tg.plain(timer)

    # a bystander's reply gets one polite notice, the second one none
    tg.send_text(dan, "I think it's the algorithm", chat=group, reply_to=question)
    [notice] = await tg.wait_sent(-100)
    assert "Only Ben is answering now" in tg.plain(notice)
    tg.send_text(dan, "really", chat=group, reply_to=question)

    # the candidate answers in two replies with a strong answer to the question asked (its
    # model answer, which covers every point); after the pause the bot scores it
    good = strong_answer(content, tg.plain(question))
    tg.send_text(ben, good[:200], chat=group, reply_to=question)
    tg.send_text(ben, good[200:], chat=group, reply_to=question)
    await settle(tg)  # stored at T0; the clock moves only after that
    clock.set(T0 + timedelta(seconds=30))
    [prompt] = await tg.wait_sent(-100)
    assert "Panel, score Ben" in tg.plain(prompt)
    assert buttons(prompt) == ["0", "1", "2", "3", "I'll score", "Summary ▶"]
    assert "3 — tailored, with a trade-off and a validation plan" in tg.plain(prompt)
    assert "No votes yet" in tg.plain(prompt)
    eli = tg.user(5, "Eli")
    tg.set_member(group, eli)
    tg.press(eli, prompt, text="2")  # not on the panel: asked to join first, no vote
    await tg.wait_for(
        lambda: any("Join the panel first" in str(c.get("text")) for c in tg.callback_answers)
    )
    tg.press(eli, prompt, text="I'll score")
    await tg.wait_for(
        lambda: (
            "0 of 2 voted" in tg.plain(tg.message(-100, prompt["message_id"]))
            or "No votes yet" in tg.plain(tg.message(-100, prompt["message_id"]))
        )
    )
    # votes: Dan votes twice (changed), Ben votes for himself (refused), a forged one
    tg.press(dan, prompt, text="2")
    tg.press(dan, prompt, text="3")
    tg.press(ben, prompt, text="3")
    tg.press(chloe, prompt, text="2")
    tg.push_update(
        {
            "callback_query": {
                "id": "forged-1",
                "from": dan,
                "chat_instance": "x",
                "data": "v1:gvote:99999-3",
                "message": prompt["message"],
            }
        }
    )

    def answers() -> list[Any]:
        return [c.params.get("text") for c in tg.calls if c.method == "answerCallbackQuery"]

    wanted = {"Vote changed.", "You can't score your own answer.", "That button isn't one of mine."}
    await tg.wait_for(lambda: wanted <= set(answers()) and answers().count("Vote recorded.") >= 2)

    await tg.wait_for(
        lambda: "2 of 3 voted: Dan, Chloe" in tg.plain(tg.message(-100, prompt["message_id"]))
    )
    assert "3" not in tg.plain(tg.message(-100, prompt["message_id"])).split("voted:")[1][:12]
    tg.press(anna, prompt, text="Summary ▶")
    [summary] = await tg.wait_sent(-100)
    body = tg.plain(summary)
    assert body.startswith("Ben · Case\nBot: 3/3") and "Panel: 2.5/3 (2 votes, 2–3)" in body
    assert "✅" in body
    closed_prompt = tg.message(-100, prompt["message_id"])
    assert "Voting closed." in tg.plain(closed_prompt) and buttons(closed_prompt) == []
    assert "Next: Chloe." in body and buttons(summary) == ["Start next", "End round"]

    # Chloe's turn: she never answers; time runs out, the bot moves on
    tg.press(anna, summary, text="Start next")
    q2, _timer2 = await tg.wait_sent(-100, count=2)
    assert "Chloe is up" in tg.plain(q2)
    start = clock.now
    clock.set(start + timedelta(minutes=4, seconds=1))  # prep 5 min: one minute left
    await tg.wait_for(lambda: "1 minute left" in tg.plain(tg.message(-100, _timer2["message_id"])))
    clock.set(start + timedelta(minutes=5, seconds=1))
    [go] = await tg.wait_sent(-100)
    assert "Preparation is over" in tg.plain(go)
    clock.set(start + timedelta(minutes=15, seconds=2))
    up, summary2 = await tg.wait_sent(-100, count=2)  # a no-show: told, not put to the panel
    assert "Chloe, no answer reached me" in tg.plain(up) and "swipe left" in tg.plain(up)
    assert "Chloe · Case · no answer — not scored or ranked." in tg.plain(summary2)
    assert tg.plain(tg.message(-100, _timer2["message_id"])) == "⏱ Answer time is over."

    tg.send_text(anna, "/endround", chat=group)
    [ended] = await tg.wait_sent(-100)
    assert "Round closed" in tg.plain(ended)

    tg.send_text(dan, "/leaderboard", chat=group)
    [board] = await tg.wait_sent(-100)
    assert "ranked by the panel's score" in tg.plain(board)
    assert "1. Ben · Case · 1 turn(s) · panel 2.5/3 · bot 3.0/3" in tg.plain(board)
    assert "Chloe" not in tg.plain(board)
    # the timer was edited in place, never re-posted each tick
    timers = [t for t in texts(tg, -100) if t.startswith(("⏱ Prep", "⏱ Answer", "⚠️"))]
    assert len(timers) == 2
    per_minute = [r for r in tg.sent_to(-100)]
    assert len(per_minute) < 25


async def test_two_groups_migration_and_removal(tg: FakeTelegram, world: Any) -> None:
    h, clock = world
    g1, g2 = tg.group_chat(-201, "G1"), tg.group_chat(-202, "G2")
    eve, fay = tg.user(11, "Eve"), tg.user(12, "Fay")
    for g in (g1, g2):
        tg.set_member(g, eve)
        tg.set_member(g, fay)
    tg.send_text(eve, "/mockround behavioral 5", chat=g1)
    tg.send_text(fay, "/mockround technical 3", chat=g2)
    [l1] = await tg.wait_sent(-201)
    [l2] = await tg.wait_sent(-202)
    assert "Behavioral · 5 min" in tg.plain(l1) and "Technical · 3 min" in tg.plain(l2)
    tg.send_text(eve, "/mockround case 99", chat=g1)
    [usage] = await tg.wait_sent(-201)
    assert "/mockround case 10" in tg.plain(usage)
    tg.send_text(eve, "/practice", chat=g1)
    [private_only] = await tg.wait_sent(-201)
    assert "private chat" in tg.plain(private_only)

    # G1 becomes a supergroup: the round follows it
    tg.migrate_to_supergroup(g1, -1001201)
    await asyncio.sleep(0.5)
    sg = {"id": -1001201, "type": "supergroup", "title": "G1"}
    tg.send_text(eve, "/endround", chat=sg)
    [closed] = await tg.wait_sent(-1001201)
    assert "Round closed" in tg.plain(closed)

    # removed from G2: its round closes, no timer keeps running
    tg.press(fay, l2, text="I'm the candidate")
    tg.press(fay, l2, text="Start")
    await tg.wait_sent(-202, count=2)
    tg.bot_removed(g2)
    await asyncio.sleep(0.5)
    before = len(tg.calls)
    clock.set(T0 + timedelta(minutes=10))
    await asyncio.sleep(1.0)
    sends = [c for c in tg.calls[before:] if c.method in ("sendMessage", "editMessageText")]
    assert sends == []
    async with h.db.tx() as repo:
        from sqlalchemy import select

        from bot.db.models import Round

        rows = (await repo.s.execute(select(Round.chat_id, Round.status))).all()
    assert (-202, "closed") in rows and (-1001201, "closed") in rows


async def test_anonymous_admin_can_end(tg: FakeTelegram, world: Any) -> None:
    group = tg.group_chat(-300, "G3", type="supergroup")
    gus = tg.user(21, "Gus")
    tg.set_member(group, gus)
    tg.send_text(gus, "/mockround case 5", chat=group)
    await tg.wait_sent(-300)
    update = tg.send_text(gus, "/endround", chat=group)
    # rewrite it as posted by the group itself (an anonymous admin)
    update["message"]["sender_chat"] = {"id": -300, "type": "supergroup", "title": "G3"}
    update["message"]["from"] = {
        "id": 1087968824,
        "is_bot": True,
        "first_name": "Group",
        "username": "GroupAnonymousBot",
    }
    [closed] = await tg.wait_sent(-300)
    assert "Round closed" in tg.plain(closed)


async def test_endround_mid_follow_up_and_a_stray_answer(
    tg: FakeTelegram, world: Any, content: Content
) -> None:
    """The candidate first posts without replying (told once), then answers thinly; /endround
    during the follow-up marks the turn unfinished: not scored, not on the leaderboard."""
    _, clock = world
    group = tg.group_chat(-400, "G4")
    ann, bo = tg.user(31, "Ann"), tg.user(32, "Bo")
    for u in (ann, bo):
        tg.set_member(group, u)
    tg.send_text(ann, "/endround", chat=group)
    [none] = await tg.wait_sent(-400)
    assert tg.plain(none).startswith("No round is open here.")
    tg.send_text(ann, "/mockround behavioral 5", chat=group)
    [lobby] = await tg.wait_sent(-400)
    tg.press(bo, lobby, text="I'm the candidate")
    await asyncio.sleep(0.3)
    tg.press(ann, lobby, text="Start")
    question, timer = await tg.wait_sent(-400, count=2)
    assert "Answer: 5 min left" in tg.plain(timer)
    tg.send_text(bo, "So at my last job we had a slow report", chat=group)  # not a reply
    [hint] = await tg.wait_sent(-400)
    assert "I only read replies" in tg.plain(hint) and hint["reply_to_message_id"]
    tg.send_text(bo, "and I fixed it", chat=group)  # told once only
    tg.send_text(bo, "We did it.", chat=group, reply_to=question)
    await settle(tg)
    clock.set(T0 + timedelta(seconds=30))
    [probe] = await tg.wait_sent(-400)
    assert "Bo, follow-up:" in tg.plain(probe)
    tg.send_text(ann, "/endround", chat=group)
    summary, ended = await tg.wait_sent(-400, count=2)
    assert "Bo · Behavioral · unfinished" in tg.plain(summary)
    assert "/endround" not in tg.plain(summary) and buttons(summary) == []
    assert "Round closed" in tg.plain(ended)
    tg.send_text(ann, "/leaderboard", chat=group)
    [board] = await tg.wait_sent(-400)
    assert "No finished turns yet" in tg.plain(board)
