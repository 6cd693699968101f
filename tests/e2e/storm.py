"""Run a storm of drawn updates through a real bot process and measure what the issue asks:
the process stays up, every update is confirmed, every callback query answered once, one
ERROR line per deliberate poison and no other, and a new user's /help is answered fast."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from tests.e2e.fuzz_updates import FORUM, GROUP, USER_IDS, Drawn
from tests.e2e.process import BotProcess
from tests.fakes.telegram_server import FakeTelegram

NEW_USER = 6999


@dataclass
class StormResult:
    """What a storm did to the bot."""

    updates: int
    poisoned: set[int]
    set_aside: set[int]
    unconfirmed: int
    unanswered: list[str]
    still_pending: int
    error_lines: list[str]
    tracebacks: int
    help_seconds: float
    alive: bool
    seconds: float
    statuses: dict[str, int] = field(default_factory=dict)
    outbox: dict[str, int] = field(default_factory=dict)
    answered: int = 0

    def problems(self) -> list[str]:
        seen = sorted(line.split(" set aside: ")[0].split()[-1] for line in self.error_lines)
        only_poison = all(" set aside: unparsable" in line for line in self.error_lines)
        out = []
        if not self.alive:
            out.append("the bot process died")
        if self.unconfirmed:
            out.append(f"{self.unconfirmed} update(s) never confirmed")
        if self.unanswered:
            out.append(f"callback queries never answered: {self.unanswered[:5]}")
        if self.still_pending:
            out.append(f"{self.still_pending} stored update(s) never processed")
        if self.set_aside != self.poisoned:
            out.append(f"set aside {sorted(self.set_aside)}, poisoned {sorted(self.poisoned)}")
        if not only_poison or seen != sorted(str(u) for u in self.poisoned):
            out.append(f"ERROR lines: {self.error_lines[:5]}")
        if self.tracebacks:
            out.append(f"{self.tracebacks} traceback(s) in the log")
        if self.help_seconds >= 2.0:
            out.append(f"a new user's /help took {self.help_seconds:.2f} s")
        return out


def prepare(tg: FakeTelegram) -> None:
    """The chats of the strategy exist on the fake, so replies have somewhere to go."""
    for uid in (*USER_IDS, NEW_USER):
        tg.private_chat(tg.user(uid, f"User {uid}"))
    tg.group_chat(GROUP["id"], GROUP["title"])
    tg.group_chat(FORUM["id"], FORUM["title"], "supergroup")


async def storm(
    tg: FakeTelegram, bot: BotProcess, drawn: list[Drawn], settle: float = 40, drain: float = 0
) -> StormResult:
    started = time.monotonic()
    pushed = [tg.push_update(d.body) for d in drawn]
    poisoned = {u["update_id"] for u, d in zip(pushed, drawn, strict=True) if d.poisoned}
    queries = {
        u["callback_query"]["id"]
        for u, d in zip(pushed, drawn, strict=True)
        if "callback_query" in u and not d.poisoned
    }
    deadline = time.monotonic() + settle
    while time.monotonic() < deadline and (
        tg.pending_updates()
        or queries & set(tg.unanswered_callbacks())
        or bot.query("SELECT COUNT(*) FROM tg_updates WHERE status = 'pending'")[0][0]
    ):
        await asyncio.sleep(0.2)
    seconds = time.monotonic() - started

    sent = time.monotonic()
    tg.send_text(tg.user(NEW_USER, "Newcomer"), "/help")
    try:
        await tg.wait_sent(NEW_USER, timeout=10)
        help_seconds = time.monotonic() - sent
    except TimeoutError:
        help_seconds = float("inf")
    # replies drain at each chat's pace: wait for them, so a rejected one shows in the log
    while time.monotonic() < deadline + drain and bot.query(
        "SELECT COUNT(*) FROM outbox WHERE status = 'pending'"
    )[0][0]:
        await asyncio.sleep(0.5)
    outbox = dict(bot.query("SELECT status, COUNT(*) FROM outbox GROUP BY status"))
    rows = bot.query("SELECT update_id, status FROM tg_updates")
    statuses: dict[str, int] = {}
    for _, status in rows:
        statuses[status] = statuses.get(status, 0) + 1
    log = bot.log.read_text(errors="replace")
    return StormResult(
        updates=len(pushed),
        poisoned=poisoned,
        set_aside={u for u, s in rows if s == "failed"},
        unconfirmed=len(tg.pending_updates()),
        unanswered=sorted(queries & set(tg.unanswered_callbacks())),
        still_pending=statuses.get("pending", 0),
        error_lines=bot.log_lines("ERROR") + bot.log_lines("CRITICAL"),
        tracebacks=log.count("Traceback"),
        help_seconds=help_seconds,
        alive=bot.alive(),
        seconds=seconds,
        statuses=statuses,
        outbox=outbox,
        answered=len(tg.callback_answers),
    )
