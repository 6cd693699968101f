"""Our bot against a bare PTB echo bot, side by side, on the same fake Bot API.

    python bench/side_by_side.py                 # full: 4 rounds per mode, A B A B
    python bench/side_by_side.py --smoke         # seconds: one short round of each, small scale
    python bench/side_by_side.py --profile       # cProfile of our bot under the closed loop
    python bench/side_by_side.py --scale         # start-up, memory at 100k users / 1M answers

A is `python -m bot run` (fresh SQLite, grace 30 s so `/done` sends each answer), B is
`bench/echo_bot.py` (PTB 22 with the same `SmoothLimiter`). Each round starts a fresh fake
server and bot; the bot is pinned to one core and this driver to the other when there are
two. A user's turn is the same for both: an answer and `/done` (one reply: a follow-up or
feedback), or `/practice behavioral` after feedback (one reply: a question).

Modes: `closed` (50 users, each waits for its reply and goes on at once: the rate cap),
`paced` (28 users, one turn every 2 s each, ~14 turns/s: half the cap), `raw` (closed
loop, the limiter and per-chat pacing off: capacity of one core).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.telegram_server import FakeTelegram  # noqa: E402

ANSWER = (
    "At my internship I rewrote the nightly revenue job myself; it went from 4 hours "
    "to 20 minutes and the finance team now gets numbers before 9am."
)
TICK = os.sysconf("SC_CLK_TCK")
LATE = 10.0  # seconds: a reply later than this counts as late


class BenchTelegram(FakeTelegram):
    """The fake, plus per-chat reply queues (its wait_sent rescans every record: O(n²))."""

    def __init__(self) -> None:
        super().__init__()
        self.inbox: dict[int, asyncio.Queue[dict[str, Any]]] = {}
        self.polled = asyncio.Event()

    def _record_sent(self, method: str, chat: Any, message: Any, *args: Any, **kw: Any) -> None:
        super()._record_sent(method, chat, message, *args, **kw)
        self.inbox.setdefault(chat.id, asyncio.Queue()).put_nowait(self.sent[-1])

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.polled.set()
        return await super()._get_updates(params)

    def replies(self, chat_id: int) -> asyncio.Queue[dict[str, Any]]:
        return self.inbox.setdefault(chat_id, asyncio.Queue())


@dataclass
class Round:
    """What one bot did in one round."""

    bot: str
    mode: str
    startup: float = 0.0
    cpu: float = 0.0  # seconds of the bot's CPU during the measured window
    replies: int = 0
    updates: int = 0
    wall: float = 0.0
    peak_mib: float = 0.0
    latencies: list[float] = field(default_factory=list)
    skipped: int = 0  # paced turns due while the previous reply had not come

    @property
    def cpu_ms_per_reply(self) -> float:
        return 1000 * self.cpu / max(self.replies, 1)

    @property
    def rate(self) -> float:
        return self.replies / self.wall if self.wall else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cores() -> tuple[set[int] | None, set[int] | None]:
    """(driver, bot) cores: one each when there are two, else no pinning."""
    mine = sorted(os.sched_getaffinity(0))
    if len(mine) < 2:
        return None, None
    return {mine[0]}, {mine[1]}


def bot_command(name: str, mode: str, profile: Path | None) -> list[str]:
    if name == "echo":
        return [sys.executable, str(ROOT / "bench" / "echo_bot.py")]
    if profile is not None:
        return [sys.executable, str(ROOT / "bench" / "profile_ours.py")]
    if mode == "raw":
        return [sys.executable, str(ROOT / "bench" / "run_ours.py")]
    return [sys.executable, "-m", "bot", "run"]


class Bot:
    """One bot subprocess, pinned, with its start-up time."""

    def __init__(self, name: str, mode: str, tg: FakeTelegram, tmp: Path, **kw: Any) -> None:
        self.name, self.tmp = name, tmp
        db = kw.get("db") or tmp / "bot.sqlite3"
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": tg.token,
            "TELEGRAM_API_BASE_URL": tg.base_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{db}",
            "ANSWER_GRACE_SECONDS": "30",
            "ANSWER_WAIT_SECONDS": "30",
            "LOG_LEVEL": "INFO",
            "BENCH_NO_LIMIT": "1" if mode == "raw" else "0",
            "BENCH_PROFILE": str(kw.get("profile") or ""),
        }
        self.cmd = bot_command(name, mode, kw.get("profile"))
        self.core = kw.get("core")
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self, tg: BenchTelegram) -> float:
        core = self.core
        t0 = time.perf_counter()
        with (self.tmp / f"{self.name}.log").open("ab") as log:
            self.proc = subprocess.Popen(
                self.cmd,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=(lambda: os.sched_setaffinity(0, core)) if core else None,
            )
        while not tg.polled.is_set():
            if self.proc.poll() is not None:
                raise RuntimeError((self.tmp / f"{self.name}.log").read_text()[-3000:])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(tg.polled.wait(), 0.2)
        return time.perf_counter() - t0

    async def dump_profile(self, out: Path) -> None:
        assert self.proc is not None
        out.unlink(missing_ok=True)
        self.proc.send_signal(signal.SIGUSR1)
        while not out.exists():
            await asyncio.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


class User:
    """A simulated candidate: answers, sends /done, asks for the next question after feedback."""

    def __init__(self, tg: BenchTelegram, uid: int) -> None:
        self.tg, self.uid = tg, uid
        self.user = tg.user(uid, f"U{uid}")
        tg.private_chat(self.user)
        self.next = "practice"

    async def turn(self, timeout: float = 120) -> float:
        """One turn; seconds from the last update being available to the first reply."""
        inbox = self.tg.replies(self.uid)
        while not inbox.empty():  # a second message of the previous turn
            inbox.get_nowait()
        if self.next == "answer":
            self.tg.send_text(self.user, ANSWER)
            self.tg.send_text(self.user, "/done")
        else:
            self.tg.send_text(self.user, "/practice behavioral")
        pushed = time.time()
        reply = await asyncio.wait_for(inbox.get(), timeout)
        text = self.tg.plain(reply)
        was = self.next
        self.next = "answer" if was == "practice" or "Follow-up" in text else "practice"
        return float(reply["time"]) - pushed


async def run_round(name: str, mode: str, seconds: float, users: int, **kw: Any) -> Round:
    """One fresh fake server and bot; load for `seconds` after a warm-up turn each."""
    result = Round(name, mode)
    with tempfile.TemporaryDirectory() as tmp:
        tg = BenchTelegram()
        await tg.start()
        bot = Bot(name, mode, tg, Path(tmp), **kw)
        try:
            result.startup = await bot.start(tg)
            crowd = [User(tg, 50_000 + i) for i in range(users)]
            await asyncio.gather(*(u.turn() for u in crowd))  # warm-up: everyone has a question
            assert bot.proc is not None
            pid = bot.proc.pid
            sent0, updates0, cpu0 = len(tg.sent), len(tg.updates_log), cpu_seconds(pid)
            t0 = time.perf_counter()
            stop_at = t0 + seconds
            if mode == "paced":
                await asyncio.gather(*(paced(u, stop_at, kw["period"], result) for u in crowd))
            else:
                await asyncio.gather(*(closed(u, stop_at, result) for u in crowd))
            result.wall = time.perf_counter() - t0
            result.cpu = cpu_seconds(pid) - cpu0
            result.replies = len(tg.sent) - sent0
            result.updates = len(tg.updates_log) - updates0
            result.peak_mib = peak_mib(pid)
            if kw.get("profile") is not None:
                await bot.dump_profile(Path(kw["profile"]))
        finally:
            bot.stop()
            await tg.stop()
    return result


async def closed(user: User, stop_at: float, result: Round) -> None:
    while time.perf_counter() < stop_at:
        result.latencies.append(await user.turn())


async def paced(user: User, stop_at: float, period: float, result: Round) -> None:
    await asyncio.sleep(random.uniform(0, period))
    busy: asyncio.Task[float] | None = None
    while time.perf_counter() < stop_at:
        if busy is not None and not busy.done():
            result.skipped += 1
        else:
            busy = asyncio.create_task(user.turn())
            busy.add_done_callback(lambda t: result.latencies.append(t.result()))
        await asyncio.sleep(period)
    if busy is not None:
        await busy


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summary(rounds: list[Round], label: str) -> dict[str, Any]:
    def of(bot: str, f: Any) -> float:
        return median([f(r) for r in rounds if r.bot == bot])

    row = {}
    for key, f in (
        ("cpu_ms_per_reply", lambda r: r.cpu_ms_per_reply),
        ("replies_per_s", lambda r: r.rate),
        ("p50_ms", lambda r: 1000 * r.pct(50)),
        ("p99_ms", lambda r: 1000 * r.pct(99)),
        ("max_ms", lambda r: 1000 * max(r.latencies, default=0)),
        ("late_10s", lambda r: sum(x > LATE for x in r.latencies)),
        ("peak_mib", lambda r: r.peak_mib),
        ("startup_s", lambda r: r.startup),
        ("updates_per_reply", lambda r: r.updates / max(r.replies, 1)),
        ("skipped", lambda r: r.skipped),
    ):
        ours, echo = of("ours", f), of("echo", f)
        row[key] = (ours, echo, ours / echo if echo else float("nan"))
    print(f"\n## {label} (medians of {len(rounds) // 2} rounds each)")
    print(f"{'figure':20} {'ours':>10} {'echo':>10} {'ours/echo':>10}")
    for key, (ours, echo, ratio) in row.items():
        print(f"{key:20} {ours:10.2f} {echo:10.2f} {ratio:10.2f}")
    return row


async def side_by_side(args: argparse.Namespace) -> None:
    driver, core = cores()
    if driver:
        os.sched_setaffinity(0, driver)
    load = os.getloadavg()
    print(f"cores: driver {driver} bot {core}; load average before: {load[0]:.2f}")
    plans = {
        "closed": dict(users=args.users, seconds=args.seconds),
        "paced": dict(users=args.paced_users, seconds=args.seconds, period=args.period),
        "raw": dict(users=args.users, seconds=args.seconds),
    }
    report: dict[str, Any] = {}
    for mode in args.modes:
        plan = dict(plans[mode])
        users, seconds = int(plan.pop("users")), float(plan.pop("seconds"))
        rounds: list[Round] = []
        for i in range(args.rounds):
            for name in ("ours", "echo") if i % 2 == 0 else ("echo", "ours"):
                r = await run_round(name, mode, seconds, users, core=core, **plan)
                rounds.append(r)
                print(
                    f"{mode} round {i + 1} {name}: {r.replies} replies {r.rate:.1f}/s "
                    f"cpu {r.cpu_ms_per_reply:.2f} ms/reply p50 {1000 * r.pct(50):.0f} ms "
                    f"p99 {1000 * r.pct(99):.0f} ms peak {r.peak_mib:.0f} MiB "
                    f"start {r.startup:.2f} s load {os.getloadavg()[0]:.2f}",
                    flush=True,
                )
        report[mode] = summary(rounds, mode)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


async def profile(args: argparse.Namespace) -> None:
    """cProfile over the whole bot process under the closed loop; the top lines by own time."""
    import pstats

    driver, core = cores()
    if driver:
        os.sched_setaffinity(0, driver)
    out = Path(args.profile_out)
    r = await run_round("ours", "closed", args.seconds, args.users, core=core, profile=out)
    print(f"{r.replies} replies {r.rate:.1f}/s cpu {r.cpu_ms_per_reply:.2f} ms/reply (profiled)")
    print("SQL statements and commits over the whole run:")
    print(Path(str(out) + ".sql").read_text())
    stats = pstats.Stats(str(out))
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--paced-users", type=int, default=28)
    ap.add_argument("--period", type=float, default=2.0)
    ap.add_argument("--modes", nargs="+", default=["closed", "paced", "raw"])
    ap.add_argument("--json", help="also write the medians here")
    ap.add_argument("--smoke", action="store_true", help="a few seconds of each mode")
    ap.add_argument("--profile", action="store_true", help="cProfile our bot instead")
    ap.add_argument("--profile-out", default="/tmp/ours.prof")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--scale", action="store_true", help="start-up at 100k users / 1M answers")
    args = ap.parse_args()
    if args.smoke:
        args.rounds, args.seconds, args.users, args.paced_users = 1, 3.0, 10, 6
    if args.scale or args.smoke:
        from bench.scale_startup import main as scale_main

        scale_main(["--users", "2000", "--answers", "20000", "--idle", "1"] if args.smoke else [])
    if not args.scale:
        asyncio.run(profile(args) if args.profile else side_by_side(args))


if __name__ == "__main__":
    main()
