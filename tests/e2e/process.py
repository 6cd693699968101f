"""`python -m bot run` as a real subprocess against the fake Bot API: start, kill, read."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.fakes.telegram_server import FakeTelegram


class BotProcess:
    """`python -m bot run` in a subprocess, pointed at the fake and a SQLite file."""

    def __init__(self, tg: FakeTelegram, tmp: Path) -> None:
        self.db = tmp / "bot.sqlite3"
        self.log = tmp / "bot.log"
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": tg.token,
            "TELEGRAM_API_BASE_URL": tg.base_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{self.db}",
            "ANSWER_GRACE_SECONDS": "1",
            "ANSWER_WAIT_SECONDS": "1",
            "LOG_LEVEL": "INFO",
        }
        self.cwd = tmp
        self.proc: subprocess.Popen[bytes] | None = None
        self.tg = tg

    def _started(self) -> int:
        return self.log.read_text().count("Application started") if self.log.exists() else 0

    async def start(self) -> None:
        before = self._started()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        for _ in range(600):  # a subprocess has no event to wait on: poll its log
            if self._started() > before:
                return
            assert self.proc.poll() is None, self.log.read_text()[-2000:]
            await asyncio.sleep(0.05)
        raise TimeoutError("bot did not start")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, args).fetchall()

    def log_lines(self, level: str) -> list[str]:
        """Log records of one level (a traceback's lines belong to the record above them)."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [line for line in text.splitlines() if f" {level} " in line[:60]]
