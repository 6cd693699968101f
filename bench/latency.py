"""Update-to-reply latency of the real bot against the fake Bot API (real HTTP, SQLite).

    python bench/latency.py [--answers 200] [--users 1]

Measures, for each answer submitted with /done, the time from the update entering the
fake server's queue to the fake receiving the bot's reply (probe or feedback), and the
same for /practice. Prints median and p99.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.content import load_content  # noqa: E402
from tests.e2e.conftest import Harness, person  # noqa: E402
from tests.fakes.telegram_server import FakeTelegram  # noqa: E402

ANSWER = (
    "At my internship I rewrote the nightly revenue job myself; it went from 4 hours "
    "to 20 minutes and the finance team now gets numbers before 9am."
)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def one_user(tg: FakeTelegram, uid: int, answers: int, lat: dict[str, list[float]]) -> None:
    user = person(tg, uid, f"U{uid}")
    tg.send_text(user, "/practice behavioral")
    await tg.wait_sent(uid, timeout=30)
    for _ in range(answers):
        tg.send_text(user, ANSWER)
        t0 = time.perf_counter()
        tg.send_text(user, "/done")
        [reply] = await tg.wait_sent(uid, timeout=30)
        lat["answer"].append(time.perf_counter() - t0)
        if "Follow-up" not in tg.plain(reply):
            t0 = time.perf_counter()
            tg.send_text(user, "/practice behavioral")
            await tg.wait_sent(uid, timeout=30)
            lat["command"].append(time.perf_counter() - t0)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--answers", type=int, default=200)
    ap.add_argument("--users", type=int, default=1)
    args = ap.parse_args()
    lat: dict[str, list[float]] = {"answer": [], "command": []}
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeTelegram() as tg:
            h = Harness(tg, load_content(), Path(tmp) / "bench.sqlite3", grace=30)
            await h.start()
            t0 = time.perf_counter()
            per_user = max(1, args.answers // args.users)
            await asyncio.gather(
                *(one_user(tg, 10_000 + i, per_user, lat) for i in range(args.users))
            )
            wall = time.perf_counter() - t0
            await h.stop()
    for name, values in lat.items():
        if values:
            print(
                f"{name:8} n={len(values):4d} median={statistics.median(values) * 1000:6.1f} ms"
                f"  p99={pct(values, 99) * 1000:6.1f} ms  max={max(values) * 1000:6.1f} ms"
            )
    print(f"users={args.users} wall={wall:.1f}s answers/s={len(lat['answer']) / wall:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
