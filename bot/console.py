"""Terminal front end over the same services and database as the Telegram bot."""

from __future__ import annotations

import asyncio
import getpass
import re
import sys
from typing import TextIO

from bot import render
from bot.content.loader import Content
from bot.engine.fragments import looks_unfinished
from bot.engine.model import Kind
from bot.services.database import Database
from bot.services.practice import PracticeService, Turn
from bot.texts import Texts, to_plain

COMMANDS = {"/skip", "/stop", "/quit", "/exit", "/retry", "/next", "/model", "/done"}


class Console:
    """A question-answer loop in a terminal: a blank line sends the answer."""

    def __init__(
        self,
        db: Database,
        practice: PracticeService,
        texts: Texts,
        user_key: str,
        stdin: TextIO = sys.stdin,
        lang: str | None = None,
        stdout: TextIO = sys.stdout,
    ) -> None:
        self.db, self.practice, self.t = db, practice, texts
        self.user_key = user_key
        self.lang = lang
        self.stdin, self.stdout = stdin, stdout

    def say(self, html_text: str) -> None:
        self.stdout.write(to_plain(html_text) + "\n\n")
        self.stdout.flush()

    async def read_block(self) -> str | None:
        """Lines until an empty line; None at end of input. A command line returns at once.

        A blank line inside a ``` block or after a line that clearly goes on (a trailing
        comma, an open bracket, "WITH … AS (") is part of the answer; `/done` always sends.
        """
        lines: list[str] = []
        while True:
            self.stdout.write("> " if not lines else "… ")
            self.stdout.flush()
            line = await asyncio.to_thread(self.stdin.readline)
            if line == "":
                return "\n".join(lines) if lines else None
            line = line.rstrip("\n")
            command = line.strip().lower()
            if command == "/done" and lines:
                return "\n".join(lines)
            if not lines and command in COMMANDS:
                return command
            if not lines and re.fullmatch(r"/[a-z_]+", command):  # a typo, not an answer
                self.say(self.t.html("console.unknown_command", command=command))
                continue
            if not line.strip():
                if lines and not looks_unfinished("\n".join(lines)):
                    return "\n".join(lines)
                if lines:
                    lines.append("")
                continue
            lines.append(line)

    async def run(self, kind: Kind | None, theme: str | None = None) -> int:
        self.say(self.t.html("console.title"))
        async with self.db.tx() as repo:
            user = await self.practice.console_user(repo, self.user_key, self.lang)
            turn = await self.practice.current(repo, user)
            if turn is not None:
                self.say(self.t.html("session.welcome_back_html"))
                if kind is not None and turn.question is not None and turn.question.kind != kind:
                    # say so rather than silently reopening another kind
                    self.say(
                        self.t.html(
                            "console.other_kind_open",
                            open=self.t.raw(f"kinds.{turn.question.kind}"),
                            wanted=self.t.raw(f"kinds.{kind}"),
                        )
                    )
            else:
                turn = await self.practice.ask(repo, user, kind, theme=theme)
        self.show(turn)
        while True:
            block = await self.read_block()
            if block is None or block in ("/quit", "/exit"):
                self.say(self.t.html("console.bye"))
                return 0
            async with self.db.tx() as repo:
                user = await self.practice.console_user(repo, self.user_key)
                if block == "/stop":
                    self.say(render.summary(self.t, await self.practice.stop(repo, user)))
                    return 0
                if block == "/model":
                    shown = await self.practice.model_answer_for(repo, user)
                    self.say(
                        render.model_answer(self.t, shown)
                        if shown
                        else self.t.html("feedback.no_model_answer")
                    )
                    continue
                if block == "/done":
                    self.say(self.t.html("console.empty_answer"))
                    continue
                if block in ("/skip", "/next"):
                    turn = await self.practice.skip(repo, user)
                elif block == "/retry":
                    turn = await self.practice.retry(repo, user)
                else:
                    if not await self.practice.add_fragment(repo, user, block):
                        turn = await self.practice.ask(repo, user, kind)
                        self.show(turn)
                        continue
                    submitted = await self.practice.submit(repo, user)
                    if submitted is None:
                        self.say(self.t.html("console.empty_answer"))
                        continue
                    turn = submitted
                    if turn.feedback is not None:
                        self.show(turn)
                        turn = await self.practice.ask(repo, user, kind)
            self.show(turn)

    def show(self, turn: Turn) -> None:
        if turn.exhausted is not None or turn.question is None:
            self.say(
                self.t.html(
                    "session.no_more_questions",
                    kind=self.t.raw(f"kinds.{turn.exhausted or 'behavioral'}"),
                )
            )
            return
        if turn.feedback is not None:
            self.say(render.feedback(self.t, turn.feedback))
            return
        if turn.probe is not None and not turn.resumed:
            self.say(render.probe(self.t, turn.probe))
            return
        self.say(render.question(self.t, turn.question, turn.number, "question.console_hint"))
        if turn.probe is not None:
            self.say(render.probe(self.t, turn.probe))


async def run_console(
    content: Content,
    database_url: str,
    kind: Kind | None,
    user_key: str | None,
    max_probes: int,
    theme: str | None = None,
    lang: str = "en",
) -> int:
    db = Database(database_url)
    try:
        await db.migrate()
        practice = PracticeService(content, max_probes=max_probes)
        key = user_key or f"console:{getpass.getuser()}"
        if theme is not None and kind is None:
            kind = practice.theme_kind(theme)
        texts = Texts(content.messages, lang)
        return await Console(db, practice, texts, key, lang=lang).run(kind, theme)
    finally:
        await db.close()
