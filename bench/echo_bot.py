"""The yardstick: a minimal python-telegram-bot 22 bot with our rate limiter.

    TELEGRAM_BOT_TOKEN=… TELEGRAM_API_BASE_URL=… python bench/echo_bot.py

It sees the same updates as the real bot in `bench/side_by_side.py` (an answer, then
`/done`; `/practice`) and answers each turn with one message, keeping nothing but a dict
in memory: what is left is PTB, httpx and the limiter, the floor our bot is measured on.
`BENCH_NO_LIMIT=1` drops the limiter (raw capacity).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from telegram import Update
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes, MessageHandler, filters

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bot.tg.pace import SmoothLimiter

PROBES_PER_QUESTION = 2  # like max_probes: two follow-ups, then feedback
_answers: dict[int, str] = {}
_probes: dict[int, int] = {}


async def on_text(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat and update.effective_message and update.effective_message.text:
        _answers[update.effective_chat.id] = update.effective_message.text


async def on_done(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    n = _probes.get(chat.id, 0)
    _probes[chat.id] = n + 1
    kind = "Follow-up" if n < PROBES_PER_QUESTION else "Feedback"
    await message.reply_text(f"{kind}: {_answers.pop(chat.id, '')[:200]}")


async def on_practice(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat and update.effective_message:
        _probes[update.effective_chat.id] = 0
        await update.effective_message.reply_text("Question: tell me about a project.")


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    base_url = os.environ["TELEGRAM_API_BASE_URL"]
    builder = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(base_url)
        .base_file_url(base_url.replace("/bot", "/file/bot"))
        .concurrent_updates(True)
        .connection_pool_size(64)
    )
    if os.environ.get("BENCH_NO_LIMIT") != "1":
        builder = builder.rate_limiter(
            SmoothLimiter(float(os.environ.get("TELEGRAM_MAX_RATE", 28)))
        )
    app = builder.build()
    app.add_handler(CommandHandler("done", on_done))
    app.add_handler(CommandHandler("practice", on_practice))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    app.run_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0, timeout=30)


if __name__ == "__main__":
    main()
