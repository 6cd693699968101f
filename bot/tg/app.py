"""The one place that builds the PTB Application and runs it."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    Defaults,
    TypeHandler,
)
from telegram.request import HTTPXRequest

from bot.config import Settings
from bot.content.loader import Content
from bot.db.models import utcnow
from bot.services.database import Database
from bot.services.practice import PracticeService
from bot.services.reminders import ReminderService
from bot.services.rounds import RoundService
from bot.tg.commands import GROUP_MENU, PRIVATE_MENU
from bot.tg.durable import DurableBot, PerChatUpdateProcessor, replay_pending
from bot.tg.groups import GroupRounds, record_message_ref
from bot.tg.intake import describe
from bot.tg.outbox import ChatLocks, OutboxSender
from bot.tg.pace import SmoothLimiter
from bot.tg.private import PrivateChat
from bot.tg.reminders import ReminderChat
from bot.tg.unit import Deps

log = logging.getLogger(__name__)
App = Application[Any, Any, Any, Any, Any, Any]
# The update kinds our handlers listen to. Every other kind (inline queries, reactions,
# polls, chat_member, business and channel messages, boosts, kinds newer than PTB) is
# stored and marked "ignored" on arrival: on purpose, and without running anything.
HANDLED_KINDS = frozenset({"message", "edited_message", "callback_query", "my_chat_member"})
SWEEP_SECONDS = 0.5


class RedactToken(logging.Filter):
    """httpx and PTB log request URLs, which contain the token: blank it everywhere."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token and self.token in record.getMessage():
            record.msg = record.getMessage().replace(self.token, "<token>")
            record.args = ()
        return True


def smooth_rate_limiter(per_second: float) -> SmoothLimiter:
    """`per_second` chat requests evenly spaced (no bursts, which draw 429s); see pace."""
    return SmoothLimiter(per_second)


def build_application(
    settings: Settings, content: Content, db: Database, clock: Callable[[], datetime] = utcnow
) -> App:
    """Build the Application with durable intake, the outbox and every handler."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    token = settings.telegram_bot_token.get_secret_value()
    base_url = settings.telegram_api_base_url or "https://api.telegram.org/bot"
    bot = DurableBot(
        token,
        base_url=base_url,
        base_file_url=base_url.replace("/bot", "/file/bot"),
        request=HTTPXRequest(
            connection_pool_size=64,
            read_timeout=15,
            write_timeout=15,
            connect_timeout=10,
            pool_timeout=10,
        ),
        get_updates_request=HTTPXRequest(read_timeout=40, connect_timeout=10),
        rate_limiter=smooth_rate_limiter(settings.telegram_max_rate),
        defaults=Defaults(parse_mode=ParseMode.HTML),
        db=db,
        clock=clock,
        handled=HANDLED_KINDS,
    )
    locks = ChatLocks()
    deps = Deps(
        settings=settings,
        content=content,
        db=db,
        practice=PracticeService(content, max_probes=settings.max_probes),
        clock=clock,
        locks=locks,
        intake=bot.intake,
    )
    reminders = ReminderChat(deps, ReminderService(content))
    groups = GroupRounds(deps, RoundService(content, max_probes=settings.max_probes))
    private = PrivateChat(deps, reminders)

    async def post_init(app: App) -> None:
        await db.migrate()  # in the loop that will use the engine's connections
        # retries and leases run on real time, whatever clock the business logic is given
        deps.outbox = OutboxSender(db, app.bot, utcnow, on_sent=record_message_ref)
        await deps.outbox.take_over()  # before anything is sent: order per chat holds
        await _register_commands(app, deps)
        await replay_pending(app, db, clock)
        assert app.job_queue is not None
        app.job_queue.run_repeating(
            _dispatch(reminders),
            interval=settings.reminder_poll_seconds,
            first=0.5,
            name="reminders",
            job_kwargs={"max_instances": 1, "coalesce": True},
        )
        app.job_queue.run_repeating(
            _guarded(groups.tick, "round timer"),
            interval=SWEEP_SECONDS,
            first=0.3,
            name="rounds",
            job_kwargs={"max_instances": 1, "coalesce": True},
        )
        app.job_queue.run_repeating(
            _sweep(private, deps),
            interval=SWEEP_SECONDS,
            first=0.1,
            name="sweep",
            job_kwargs={"max_instances": 1, "coalesce": True},
        )

    async def post_shutdown(_app: App) -> None:
        await db.close()

    app: App = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(PerChatUpdateProcessor(locks))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.add_handlers(groups.handlers() + reminders.handlers() + private.handlers(), group=0)
    app.add_handler(TypeHandler(Update, _finish_unhandled(db, clock, bot)), group=99)
    app.add_error_handler(_on_error(db, clock))
    return app


def _sweep(private: PrivateChat, deps: Deps) -> Callable[[Any], Any]:
    async def sweep(_context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await private.evaluate_quiet_answers()
            if deps.outbox is not None:
                await deps.outbox.flush_due()
            deps.locks.release_idle()
        except Exception:  # a bad minute must not stop the sweeper for everyone
            log.exception("sweep failed")

    return sweep


def _guarded(job: Callable[[], Awaitable[None]], what: str) -> Callable[[Any], Any]:
    async def run(_context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await job()
        except Exception:  # logged; the next run picks up where this one stopped
            log.exception("%s failed", what)

    return run


def _dispatch(reminders: ReminderChat) -> Callable[[Any], Any]:
    async def dispatch(_context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await reminders.dispatch()
        except Exception:  # logged; the next run claims what is still due
            log.exception("reminder dispatch failed")

    return dispatch


def _finish_unhandled(
    db: Database, clock: Callable[[], datetime], bot: DurableBot
) -> Callable[..., Any]:
    async def finish(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if bot.intake.settled(update.update_id):  # set aside, ignored, or claimed already
            return
        async with db.tx() as repo:
            await repo.finish_update(update.update_id, clock())

    return finish


def _on_error(db: Database, clock: Callable[[], datetime]) -> Callable[..., Any]:
    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        if not isinstance(update, Update) or error is None:
            log.error("error outside an update", exc_info=error)
            return
        # Set aside, once: recorded with its traceback, one log line, never replayed.
        trace = "".join(traceback.format_exception(error))[-2000:]
        async with db.tx() as repo:
            await repo.finish_update(update.update_id, clock(), status="failed", error=trace)
        log.error("update %d set aside: handler failed: %s", update.update_id, describe(error))
        log.debug("update %d traceback:\n%s", update.update_id, trace)
        if update.callback_query is not None:  # the button must stop spinning anyway
            try:
                await update.callback_query.answer()
            except TelegramError as exc:
                log.debug("callback answer after an error failed: %s", exc)

    return on_error


async def _register_commands(app: App, deps: Deps) -> None:
    """The command menu in every interface language (Telegram picks by the user's
    language_code; English is the default for everyone else)."""
    for lang in sorted(deps.content.messages):
        t = deps.texts(lang)
        code = None if lang == "en" else lang
        commands = [BotCommand(c, str(t.raw(f"tg.commands.{c}"))) for c in PRIVATE_MENU]
        group_commands = [
            BotCommand(c, str(t.raw(f"groups.commands.{c}"))) for c in GROUP_MENU
        ]
        group_commands.append(BotCommand("help", str(t.raw("tg.commands.help"))))
        try:
            await app.bot.set_my_commands(
                commands, scope=BotCommandScopeAllPrivateChats(), language_code=code
            )
            await app.bot.set_my_commands(
                group_commands, scope=BotCommandScopeAllGroupChats(), language_code=code
            )
        except TelegramError as exc:
            log.warning("setMyCommands (%s) failed: %s", lang, exc)


def run_bot(settings: Settings, content: Content) -> int:
    """`python -m bot run`: migrate, then long-poll until stopped."""
    if settings.telegram_bot_token is None:
        print(
            "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather (/newbot), then put "
            "TELEGRAM_BOT_TOKEN=<token> in .env (see .env.example).",
            file=sys.stderr,
        )
        return 2
    token = settings.telegram_bot_token.get_secret_value()
    redact = RedactToken(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    app = build_application(settings, content, Database(settings.database_url))
    app.run_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0, timeout=30)
    return 0
