"""Daily drills end to end with an injected clock: local times, snooze, skip, blocked users,
429s, and two dispatchers on one database."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.content import Content
from bot.db.models import utcnow
from bot.services.database import Database
from bot.services.reminders import ReminderService
from bot.tg.outbox import ChatLocks, OutboxSender
from bot.tg.reminders import ReminderChat
from bot.tg.unit import Deps
from tests.e2e.conftest import FakeClock, Harness, person
from tests.fakes.telegram_server import FakeTelegram

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)
T0 = datetime(2026, 11, 26, 22, 0, tzinfo=UTC)  # 06:00 in Shanghai, 23:00 in Berlin


@pytest.fixture
async def clocked(tg: FakeTelegram, content: Content, database_url: str) -> Any:
    clock = FakeClock(T0)
    h = Harness(tg, content, database_url, clock=clock)
    await h.start()
    yield h, clock
    await h.stop()


def drills(tg: FakeTelegram, chat: int) -> list[str]:
    return [tg.plain(r) for r in tg.sent_to(chat) if tg.plain(r).startswith("☀️")]


async def say(tg: FakeTelegram, user: dict[str, Any], text: str) -> str:
    tg.send_text(user, text)
    [reply] = await tg.wait_sent(user["id"])
    return tg.plain(reply)


async def test_two_time_zones_get_drills_at_their_own_eight(tg: FakeTelegram, clocked: Any) -> None:
    _, clock = clocked
    ann, ben = person(tg, 11, "Ann"), person(tg, 12, "Ben")
    assert "First tell me your time zone" in await say(tg, ann, "/remind 08:00")
    tg.send_text(ann, "/timezone Hangzhou")
    replies = await tg.wait_sent(11, count=2)
    assert "Asia/Shanghai" in tg.plain(replies[0])
    assert "08:00" in tg.plain(replies[1]) and "Fri 27 Nov" in tg.plain(replies[1])
    assert "Europe/Berlin" in await say(tg, ben, "/timezone Europe/Berlin")
    assert "Daily drill set for 08:00" in await say(tg, ben, "/remind 8am")

    clock.set(datetime(2026, 11, 26, 23, 59, 50, tzinfo=UTC))
    await asyncio.sleep(0.6)
    assert drills(tg, 11) == [] and drills(tg, 12) == []
    clock.set(datetime(2026, 11, 27, 0, 0, 5, tzinfo=UTC))  # 08:00:05 in Shanghai
    [drill] = await tg.wait_sent(11)
    assert "08:00 drill" in tg.plain(drill) and "start a streak" in tg.plain(drill)
    assert [b["text"] for b in drill["reply_markup"]["inline_keyboard"][0]] == [
        "Answer now",
        "Snooze 1 h",
        "Skip today",
    ]
    await asyncio.sleep(0.6)
    assert len(drills(tg, 11)) == 1 and drills(tg, 12) == []
    clock.set(datetime(2026, 11, 27, 7, 0, 5, tzinfo=UTC))  # 08:00:05 in Berlin
    await tg.wait_sent(12)
    await asyncio.sleep(0.6)
    assert len(drills(tg, 11)) == 1 and len(drills(tg, 12)) == 1

    # Answer now: the drill's question opens the normal flow with probes
    question_text = tg.plain(drill).splitlines()[-2]
    tg.press(ann, drill, text="Answer now")
    [q] = await tg.wait_sent(11)
    assert question_text in tg.plain(q)
    tg.send_text(ann, "We did it.")
    tg.send_text(ann, "/done")
    [probe] = await tg.wait_sent(11)
    assert tg.plain(probe).startswith("Follow-up:")


def buttons(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


def press_stale(tg: FakeTelegram, user: dict[str, Any], sent: dict[str, Any], label: str) -> None:
    """Press a button of the message as it was first sent (a second phone, a double tap)."""
    message = sent["message"]
    [data] = [
        b["callback_data"]
        for row in message["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == label
    ]
    query_id = f"stale-{len(tg.callback_queries)}"
    tg.callback_queries[query_id] = {
        "answered": False,
        "created": time.monotonic(),
        "user": user,
        "data": data,
        "chat_id": message["chat"]["id"],
        "message_id": message["message_id"],
    }
    tg.push_update(
        {
            "callback_query": {
                "id": query_id,
                "from": user,
                "message": message,
                "chat_instance": "stale",
                "data": data,
            }
        }
    )


async def pop_up(tg: FakeTelegram, seen: int) -> str:
    await tg.wait_for(lambda: len(tg.callback_answers) > seen)
    return str(tg.callback_answers[seen].get("text") or "")


async def test_snooze_skip_answer_on_one_drill(tg: FakeTelegram, clocked: Any) -> None:
    """One drill: snooze edits it, a second snooze and a skip-after-answer are refused, the
    snoozed question comes back as the same question with an honest label, and answering
    it cancels everything (no third copy an hour later)."""
    _, clock = clocked
    cy = person(tg, 21, "Cy")
    await say(tg, cy, "/timezone Asia/Shanghai")
    await say(tg, cy, "/remind 07:00")
    clock.set(datetime(2026, 11, 26, 23, 0, 1, tzinfo=UTC))  # 07:00 in Shanghai
    [drill] = await tg.wait_sent(21)
    question = tg.plain(drill).splitlines()[-2]
    clock.set(datetime(2026, 11, 26, 23, 5, 0, tzinfo=UTC))  # 07:05
    tg.press(cy, drill, text="Snooze 1 h")
    assert await pop_up(tg, 0) == "Snoozed until 08:05."
    await tg.wait_for(lambda: len(tg.edits) >= 1)
    shown = tg.message(21, drill["message_id"])
    assert shown is not None
    assert "Snoozed until 08:05" in tg.plain(shown) and question in tg.plain(shown)
    assert buttons(shown) == ["Answer now", "Skip today"]  # Snooze is gone
    # pressing Snooze again on the stale keyboard (a second phone, a double tap): refused
    press_stale(tg, cy, drill, "Snooze 1 h")
    assert (await pop_up(tg, 1)).startswith("Already snoozed until 08:05")
    assert len(tg.edits) == 1  # a refused press edits nothing

    clock.set(datetime(2026, 11, 27, 0, 5, 2, tzinfo=UTC))  # 08:05: it comes back
    [again] = await tg.wait_sent(21)
    assert tg.plain(again).startswith("⏰ Your 07:00 drill, back after a snooze")
    assert tg.plain(again).splitlines()[-2] == question  # the same question
    await tg.wait_for(lambda: "sent again below" in tg.plain(tg.message(21, drill["message_id"])))
    assert buttons(tg.message(21, drill["message_id"])) == []

    tg.press(cy, again, text="Answer now")
    [asked] = await tg.wait_sent(21)
    assert question in tg.plain(asked)
    await tg.wait_for(lambda: "Answered" in tg.plain(tg.message(21, again["message_id"])))
    assert buttons(tg.message(21, again["message_id"])) == []
    # Skip on the answered drill's old keyboard: refused, politely
    press_stale(tg, cy, again, "Skip today")
    assert await pop_up(tg, 3) == "You've already answered this drill."
    clock.set(datetime(2026, 11, 27, 2, 0, 0, tzinfo=UTC))  # 10:00: nothing more today
    await asyncio.sleep(0.8)
    assert (
        len(drills(tg, 21)) == 1
        and sum("back after" in m for m in map(tg.plain, tg.sent_to(21))) == 1
    )


async def test_skip_then_snooze_is_refused_and_tomorrow_comes(
    tg: FakeTelegram, clocked: Any
) -> None:
    _, clock = clocked
    di = person(tg, 22, "Di")
    await say(tg, di, "/timezone UTC+8")
    await say(tg, di, "/remind 07:00")
    clock.set(datetime(2026, 11, 26, 23, 0, 1, tzinfo=UTC))
    [drill] = await tg.wait_sent(22)
    tg.press(di, drill, text="Skip today")
    assert await pop_up(tg, 0) == "Skipped for today. See you tomorrow."
    await tg.wait_for(lambda: len(tg.edits) >= 1)
    shown = tg.message(22, drill["message_id"])
    assert "Skipped today. Next drill: Sat 28 Nov, 07:00" in tg.plain(shown)
    assert buttons(shown) == ["Answer now"]
    press_stale(tg, di, drill, "Snooze 1 h")
    assert (await pop_up(tg, 1)).startswith("You skipped this drill today")
    clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    await asyncio.sleep(0.6)
    assert len(drills(tg, 22)) == 1
    clock.set(datetime(2026, 11, 27, 23, 0, 1, tzinfo=UTC))  # next morning
    await tg.wait_sent(22)
    assert len(drills(tg, 22)) == 2


async def test_settings_pressed_three_times_stays_usable(tg: FakeTelegram, clocked: Any) -> None:
    """/settings is edited in place, keeps its buttons, and a time change keeps the days."""
    ed = person(tg, 23, "Ed")
    await say(tg, ed, "/timezone Shanghai")
    tg.send_text(ed, "/settings")
    [settings] = await tg.wait_sent(23)
    assert "Time zone: Asia/Shanghai (UTC+8)" in tg.plain(settings)
    for n, label in enumerate(("09:00", "Mon–Fri", "07:00")):
        current = tg.message(23, settings["message_id"])
        assert current is not None
        tg.press(ed, current, text=label)
        await pop_up(tg, n)
        await tg.wait_for(lambda n=n: len(tg.edits) >= n + 1)
    final = tg.message(23, settings["message_id"])
    assert final is not None
    assert "Daily drill: 07:00 Mon–Fri · next Fri 27 Nov, 07:00" in tg.plain(final)
    assert "✓ 07:00" in buttons(final) and "✓ Mon–Fri" in buttons(final)
    assert len(buttons(final)) == 8  # still every button
    assert len(tg.sent_to(23)) == 2  # edited in place, no new messages
    # the same choice again: a pop-up, no edit (Telegram would reject "not modified")
    tg.press(ed, final, text="✓ 07:00")
    assert await pop_up(tg, 3) == "Already set that way."
    await asyncio.sleep(0.3)
    assert len(tg.edits) == 3 and not [c for c in tg.calls if c.status == 400]
    # typing a new time keeps the days too
    assert "07:45 Mon–Fri" in await say(tg, ed, "/remind 7.45")
    bare = await say(tg, ed, "/timezone")
    assert "Your time zone: Asia/Shanghai (UTC+8)" in bare and "06:00" in bare


async def test_timezone_gmt_plus_8_means_east(tg: FakeTelegram, clocked: Any) -> None:
    fa = person(tg, 24, "Fa")
    reply = await say(tg, fa, "/timezone GMT+8")  # T0 is 22:00 UTC: 06:00 at UTC+8
    assert "Time zone: UTC+8" in reply and "06:00" in reply and "daylight saving" in reply
    assert "06:00" in await say(tg, fa, "/timezone 杭州")
    assert "06:00" in await say(tg, fa, "/timezone China")


async def test_bad_input_shows_examples(tg: FakeTelegram, clocked: Any) -> None:
    di = person(tg, 31, "Di")
    assert "/remind 08:00" in await say(tg, di, "/remind 25:00")
    assert "mon-fri" in await say(tg, di, "/remind 8am funday")
    assert "/timezone UTC+8" in await say(tg, di, "/timezone Atlantis")
    assert "/remind 08:00" in await say(tg, di, "/remind")
    assert "Reminders are off" in await say(tg, di, "/remind off")
    settings = await say(tg, di, "/settings")
    assert "Time zone: —" in settings and "Daily drill:" in settings


async def test_weekday_reminder_and_location(tg: FakeTelegram, clocked: Any) -> None:
    _, clock = clocked
    ed = person(tg, 41, "Ed")
    tg.push_update(
        {
            "message": {
                "message_id": 900,
                "date": 0,
                "chat": {"id": 41, "type": "private", "first_name": "Ed"},
                "from": ed,
                "location": {"latitude": 30.3, "longitude": 120.2},
            }
        }
    )
    [z] = await tg.wait_sent(41)
    assert "Asia/Shanghai" in tg.plain(z)
    reply = await say(tg, ed, "/remind 07:45 mon-fri")
    assert "07:45" in reply and "Fri 27 Nov" in reply  # T0 is Thursday night: Friday is next
    # Friday 07:45 local is due first (27 Nov); Saturday and Sunday are skipped
    clock.set(datetime(2026, 11, 26, 23, 45, 2, tzinfo=UTC))
    await tg.wait_sent(41)
    clock.set(datetime(2026, 11, 28, 23, 45, 2, tzinfo=UTC))  # Sunday 07:45
    await asyncio.sleep(0.6)
    assert len(drills(tg, 41)) == 1


async def test_blocked_user_turns_reminders_off(tg: FakeTelegram, clocked: Any) -> None:
    h, clock = clocked
    fy = person(tg, 51, "Fy")
    await say(tg, fy, "/timezone Asia/Shanghai")
    await say(tg, fy, "/remind 08:00")
    tg.block(51)
    clock.set(datetime(2026, 11, 27, 0, 0, 1, tzinfo=UTC))
    await tg.wait_for(lambda: any(c.status == 403 for c in tg.calls))
    await asyncio.sleep(0.5)
    async with h.db.tx() as repo:
        user = await repo.user_by_tg(51)
        assert user is not None and user.blocked_at is not None
        reminder = await repo.reminder_for(user.id)
        assert reminder is not None and not reminder.enabled
        assert reminder.disabled_reason == "blocked"
    clock.set(datetime(2026, 11, 28, 0, 0, 1, tzinfo=UTC))
    await asyncio.sleep(0.6)
    assert len([c for c in tg.calls if c.status == 403]) == 1


async def test_429_storm_delays_but_delivers_once(tg: FakeTelegram, clocked: Any) -> None:
    _, clock = clocked
    gi = person(tg, 61, "Gi")
    await say(tg, gi, "/timezone Asia/Shanghai")
    await say(tg, gi, "/remind 08:00")
    tg.fail_next("sendMessage", status=429, retry_after=1, count=5)
    clock.set(datetime(2026, 11, 27, 0, 0, 1, tzinfo=UTC))
    await tg.wait_sent(61, timeout=30)
    await asyncio.sleep(1.5)
    assert len(drills(tg, 61)) == 1
    assert tg.stats["429"] == 5


async def test_two_dispatchers_one_database(
    tg: FakeTelegram, content: Content, database_url: str
) -> None:
    """Two processes' worth of dispatchers (own engines, own senders) race on one database."""
    clock = FakeClock(T0)
    h = Harness(tg, content, database_url, clock=clock)
    await h.start()  # migrates and runs one dispatcher inside the app
    users = [person(tg, 700 + i, f"U{i}") for i in range(12)]
    for u in users:
        await say(tg, u, "/timezone Asia/Shanghai")
        await say(tg, u, "/remind 08:00")
    others = []
    for _ in range(2):  # two more dispatchers with their own connections
        db = Database(database_url)
        assert h.app is not None
        deps = Deps(
            settings=h.settings,
            content=content,
            db=db,
            practice=None,  # type: ignore[arg-type]
            clock=clock,
            locks=ChatLocks(),
            outbox=OutboxSender(db, h.app.bot, utcnow),
        )
        others.append((db, ReminderChat(deps, ReminderService(content))))
    clock.set(datetime(2026, 11, 27, 0, 0, 1, tzinfo=UTC))
    claimed = await asyncio.gather(*(chat.dispatch() for _, chat in others))
    for u in users:
        await tg.wait_sent(u["id"], timeout=20)
    await asyncio.sleep(1.0)
    for u in users:
        assert len(drills(tg, u["id"])) == 1, u
    assert sum(claimed) <= len(users)
    for db, _ in others:
        await db.close()
    await h.stop()


async def test_missed_while_down_sent_within_grace_else_skipped(
    tg: FakeTelegram, clocked: Any
) -> None:
    """The dispatcher first runs long after the due time (the bot was down)."""
    h, clock = clocked
    ivy, jo = person(tg, 81, "Ivy"), person(tg, 82, "Jo")
    for u, at in ((ivy, "07:00"), (jo, "06:30")):
        await say(tg, u, "/timezone Asia/Shanghai")
        await say(tg, u, f"/remind {at}")
    # 08:50 in Shanghai: Ivy's 07:00 is 1 h 50 min late (sent), Jo's 06:30 is 2 h 20 (skipped)
    clock.set(datetime(2026, 11, 27, 0, 50, tzinfo=UTC))
    await tg.wait_sent(81)
    await asyncio.sleep(0.8)
    assert len(drills(tg, 81)) == 1 and drills(tg, 82) == []
    async with h.db.tx() as repo:
        from sqlalchemy import select

        from bot.db.models import ReminderDelivery

        statuses = sorted(s for (s,) in (await repo.s.execute(select(ReminderDelivery.status))))
    assert statuses == ["missed", "queued"]
    clock.set(datetime(2026, 11, 27, 22, 30, 2, tzinfo=UTC))  # Jo's next morning comes
    await tg.wait_sent(82)
    assert len(drills(tg, 82)) == 1
