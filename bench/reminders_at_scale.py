"""100,000 users due in the same minute: claim time, memory, delivery rate under 30 msg/s.

    python bench/reminders_at_scale.py [--users 100000] [--send-seconds 60]

1. Claim: every reminder is claimed (one delivery row each) and its drill queued in the
   outbox, in batches, by the same code the bot runs (ReminderChat.dispatch).
2. Send: the real OutboxSender + PTB Bot with AIORateLimiter talk to the fake Bot API with
   its rate limit on (about 30 messages/s overall, 1/s per chat, 429 beyond). Runs for
   --send-seconds, then counts delivered/s ÷ 30, 429s, duplicates and missed (failed).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from telegram.ext import ExtBot  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.content import load_content  # noqa: E402
from bot.db.models import Reminder, User  # noqa: E402
from bot.services.database import Database  # noqa: E402
from bot.services.practice import PracticeService  # noqa: E402
from bot.services.reminders import ReminderService  # noqa: E402
from bot.tg.app import smooth_rate_limiter  # noqa: E402
from bot.tg.outbox import ChatLocks, OutboxSender  # noqa: E402
from bot.tg.reminders import ReminderChat  # noqa: E402
from bot.tg.unit import Deps  # noqa: E402
from tests.fakes.telegram_server import FakeTelegram  # noqa: E402

DUE = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai


async def seed(db: Database, n: int) -> None:
    async with db.tx() as repo:
        s = repo.s
        for start in range(0, n, 5000):
            ids = range(start + 1, min(n, start + 5000) + 1)
            await s.execute(
                insert(User),
                [
                    {
                        "id": i,
                        "tg_user_id": 10_000_000 + i,
                        "chat_id": 10_000_000 + i,
                        "first_name": f"u{i}",
                        "lang": "en",
                        "timezone": "Asia/Shanghai",
                        "created_at": DUE,
                    }
                    for i in ids
                ],
            )
            await s.execute(
                insert(Reminder),
                [
                    {
                        "user_id": i,
                        "at_minute": 480,
                        "days_mask": 127,
                        "enabled": True,
                        "next_due_at": DUE,
                        "updated_at": DUE,
                    }
                    for i in ids
                ],
            )


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--send-seconds", type=float, default=60.0)
    args = ap.parse_args()
    content = load_content()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}")
        await db.migrate()
        t0 = time.perf_counter()
        await seed(db, args.users)
        print(f"seeded {args.users:,} users+reminders in {time.perf_counter() - t0:.1f}s")

        async with FakeTelegram(rate_limit=True) as tg:
            bot: ExtBot[None] = ExtBot(
                tg.token,
                base_url=tg.base_url,
                rate_limiter=smooth_rate_limiter(
                    Settings(_env_file=None).telegram_max_rate  # type: ignore[call-arg]
                ),
            )
            await bot.initialize()
            settings = Settings(_env_file=None)  # type: ignore[call-arg]
            deps = Deps(
                settings=settings,
                content=content,
                db=db,
                practice=PracticeService(content),
                clock=lambda: DUE,
                locks=ChatLocks(),
                outbox=None,
            )
            chat = ReminderChat(deps, ReminderService(content))

            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            t0 = time.perf_counter()
            claimed = await chat.dispatch(DUE)
            claim_s = time.perf_counter() - t0
            rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"claimed {claimed:,} drills and queued them in {claim_s:.1f}s "
                f"({claimed / claim_s:,.0f}/s); process max RSS {rss_before:.0f} MiB before, "
                f"{rss_mb:.0f} MiB after"
            )
            again = await chat.dispatch(DUE)
            print(f"a second dispatch claims {again} (nothing is claimed twice)")

            for i in range(1, args.users + 1):
                tg.private_chat(tg.user(10_000_000 + i, f"u{i}"))
            sender = OutboxSender(db, bot, lambda: datetime.now(UTC))
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < args.send_seconds:
                try:
                    await asyncio.wait_for(sender.flush_due(), args.send_seconds)
                except TimeoutError:
                    break
            elapsed = time.perf_counter() - t0
            per_chat = Counter(r["chat_id"] for r in tg.sent)
            delivered = len(tg.sent)
            async with db.tx() as repo:
                rows = dict(
                    (
                        await repo.s.execute(
                            text("SELECT status, COUNT(*) FROM outbox GROUP BY status")
                        )
                    ).all()
                )
            print(
                f"sent for {elapsed:.0f}s: delivered {delivered:,} = {delivered / elapsed:.1f}/s "
                f"= {delivered / elapsed / 30:.2f} of 30/s; 429s received {tg.stats['429']}; "
                f"duplicates {sum(c - 1 for c in per_chat.values() if c > 1)}; "
                f"missed (failed/blocked) {rows.get('failed', 0) + rows.get('blocked', 0)}; "
                f"still queued {rows.get('pending', 0):,}"
            )
            await bot.shutdown()
        await db.close()


if __name__ == "__main__":
    asyncio.run(main())
