"""Tests of the fake Telegram Bot API server, driven by a real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from .telegram_server import TINY_PNG, FakeTelegram

pytestmark = [
    pytest.mark.asyncio,
    # PTB itself reads the deprecated int ``RetryAfter.retry_after`` while building the error.
    pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"),
]

USER_ID = 1001


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest_asyncio.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as client:
        yield client


@pytest.fixture
def ann(tg: FakeTelegram) -> dict[str, object]:
    user = tg.user(USER_ID, "Ann", username="ann")
    tg.private_chat(user)
    return user


def _seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def _keyboard(data: str = "yes") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data=data)]])


async def test_get_me(tg: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "fake_test_bot" and me.id == 123456
    assert tg.calls[0].method == "getMe" and tg.calls[0].status == 200
    assert tg.tokens_seen[0] == tg.token


async def test_send_message_html_round_trip(
    tg: FakeTelegram, bot: Bot, ann: dict[str, object]
) -> None:
    msg = await bot.send_message(
        USER_ID, "<b>Hi</b> &amp; <i>bye</i>\n", parse_mode="HTML", reply_markup=_keyboard()
    )
    assert msg.text == "Hi & bye"
    assert [(e.type, e.offset, e.length) for e in msg.entities] == [
        ("bold", 0, 2),
        ("italic", 5, 3),
    ]
    assert msg.from_user is not None and msg.from_user.id == 123456
    assert msg.chat.type == "private" and msg.message_id == 1
    assert msg.reply_markup == _keyboard()
    record = tg.sent[-1]
    assert record["text"] == "<b>Hi</b> &amp; <i>bye</i>\n" and record["parse_mode"] == "HTML"
    assert tg.plain(record) == "Hi & bye" == tg.plain("<b>Hi</b> &amp; <i>bye</i>")
    second = await bot.send_message(USER_ID, "again", reply_to_message_id=msg.message_id)
    assert second.message_id == 2
    assert second.reply_to_message is not None and second.reply_to_message.message_id == 1
    assert [m["message_id"] for m in tg.messages(USER_ID)] == [1, 2]


async def test_text_length_is_counted_in_utf16_after_parsing(
    bot: Bot, ann: dict[str, object]
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER_ID, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER_ID, "😀" * 2049)  # 4098 UTF-16 code units
    await bot.send_message(USER_ID, "x" * 4096)
    await bot.send_message(USER_ID, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(USER_ID, "<b> </b>", parse_mode="HTML")


@pytest.mark.parametrize(
    "text", ["<foo>x</foo>", "<b>x", "<b>x</i>", "a < b", "&nbsp;", "<span>x</span>", "</b>"]
)
async def test_bad_html_is_rejected(bot: Bot, ann: dict[str, object], text: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(USER_ID, text, parse_mode="HTML")


async def test_parse_modes(bot: Bot, ann: dict[str, object]) -> None:
    with pytest.raises(BadRequest, match=r"(?i)unsupported parse_mode"):
        await bot.send_message(USER_ID, "x", parse_mode="HTML5")
    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await bot.send_message(USER_ID, "Done.", parse_mode="MarkdownV2")
    msg = await bot.send_message(USER_ID, "*Done*\\.", parse_mode="MarkdownV2")
    assert msg.text == "Done." and msg.entities[0].type == "bold"


async def test_callback_data_limit_is_64_bytes(bot: Bot, ann: dict[str, object]) -> None:
    await bot.send_message(USER_ID, "ok", reply_markup=_keyboard("é" * 32))  # 64 bytes
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(USER_ID, "bad", reply_markup=_keyboard("é" * 32 + "x"))


async def test_injected_429_raises_retry_after(
    tg: FakeTelegram, bot: Bot, ann: dict[str, object]
) -> None:
    tg.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER_ID, "hi")
    assert _seconds(info.value) == 7
    assert tg.stats["429"] == 1
    await bot.send_message(USER_ID, "hi")  # the fault was consumed
    tg.fail_next("sendMessage", status=502)
    with pytest.raises(NetworkError):
        await bot.send_message(USER_ID, "hi")


async def test_forbidden(tg: FakeTelegram, bot: Bot, ann: dict[str, object]) -> None:
    tg.fail_next("sendMessage", status=403)
    with pytest.raises(Forbidden):
        await bot.send_message(USER_ID, "hi")
    tg.block(USER_ID)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(USER_ID, "hi")
    tg.send_text(ann, "/start")  # writing to the bot unblocks it
    await bot.send_message(USER_ID, "welcome back")
    group = tg.group_chat(-500, "Team")
    await bot.send_message(-500, "hello team")
    tg.bot_removed(group)
    with pytest.raises(Forbidden, match="kicked from the group chat"):
        await bot.send_message(-500, "still there?")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "who?")


async def test_get_updates_long_poll_and_offset(
    tg: FakeTelegram, bot: Bot, ann: dict[str, object]
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    pushed = tg.send_text(ann, "/start now")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1.5
    assert [u.update_id for u in updates] == [pushed["update_id"]] == [1000]
    message = updates[0].message
    assert message is not None and message.text == "/start now"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 6
    assert tg.pending_updates() == [pushed]
    assert await bot.get_updates(offset=1001, timeout=0) == ()
    assert tg.confirmed_offset == 1001 and tg.pending_updates() == []


async def test_send_document_captures_bytes(
    tg: FakeTelegram, bot: Bot, ann: dict[str, object]
) -> None:
    msg = await bot.send_document(
        USER_ID, b"col1,col2\n", filename="report.csv", caption="<b>Report</b>", parse_mode="HTML"
    )
    record = tg.sent[-1]
    assert record["method"] == "sendDocument"
    assert record["document"] == b"col1,col2\n" and record["filename"] == "report.csv"
    assert msg.document is not None and msg.document.file_name == "report.csv"
    assert msg.caption == "Report" and msg.caption_entities[0].type == "bold"
    file = await bot.get_file(msg.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"col1,col2\n"
    photo = await bot.send_photo(USER_ID, TINY_PNG)
    assert photo.photo[-1].width == 1
    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await bot.send_photo(USER_ID, b"not an image")
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(USER_ID, b"x", filename="x.txt", caption="c" * 1025)


async def test_edit_message_text(tg: FakeTelegram, bot: Bot, ann: dict[str, object]) -> None:
    msg = await bot.send_message(USER_ID, "Pick", reply_markup=_keyboard())
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Pick", USER_ID, msg.message_id, reply_markup=_keyboard())
    edited = await bot.edit_message_text("Picked", USER_ID, msg.message_id)
    assert isinstance(edited, type(msg)) and edited.text == "Picked"
    assert edited.reply_markup is None  # omitting reply_markup removes the keyboard
    assert tg.messages(USER_ID)[0]["text"] == "Picked"
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", USER_ID, 999)


async def test_callback_queries(tg: FakeTelegram, bot: Bot, ann: dict[str, object]) -> None:
    msg = await bot.send_message(USER_ID, "Sure?", reply_markup=_keyboard("yes"))
    update = tg.press(ann, tg.sent[-1], "yes")
    query_id = update["callback_query"]["id"]
    assert update["callback_query"]["message"]["message_id"] == msg.message_id
    assert await bot.answer_callback_query(query_id, text="Done")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("12345")
    assert tg.callback_answers[0]["text"] == "Done" and tg.unanswered_callbacks() == []
    with pytest.raises(ValueError, match="no callback button"):
        tg.press(ann, msg.to_dict(), "nope")


async def test_commands_and_chat_actions(
    tg: FakeTelegram, bot: Bot, ann: dict[str, object]
) -> None:
    await bot.set_my_commands([("start", "Start the bot"), ("help", "Show help")])
    assert [c["command"] for c in tg.commands[("default", "")]] == ["start", "help"]
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert await bot.get_my_commands(language_code="de") == ()
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([("Start", "Capitalised")])
    with pytest.raises(BadRequest, match=r"(?i)description_invalid"):
        await bot.set_my_commands([("start", "")])
    await bot.delete_my_commands()
    assert tg.commands == {}
    await bot.send_chat_action(USER_ID, "typing")
    assert tg.chat_actions[-1]["action"] == "typing"
    with pytest.raises(BadRequest):
        await bot.send_chat_action(USER_ID, "dancing")


async def test_group_migration(tg: FakeTelegram, bot: Bot, ann: dict[str, object]) -> None:
    group = tg.group_chat(-42, "Old group")
    tg.send_text(ann, "hi all", chat=group)
    update = tg.migrate_to_supergroup(group, -1001234)
    assert update["message"]["migrate_to_chat_id"] == -1001234
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(-42, "hello")
    assert info.value.new_chat_id == -1001234
    await bot.send_message(-1001234, "hello")
    member = await bot.get_chat_member(-1001234, USER_ID)
    assert member.status == "member"
    chat = await bot.get_chat(-1001234)
    assert chat.type == "supergroup" and chat.title == "Old group"


async def test_rate_limit_and_delay() -> None:
    async with FakeTelegram(rate_limit=True) as tg:
        user = tg.user(7, "Bob")
        tg.private_chat(user)
        async with Bot(tg.token, base_url=tg.base_url) as bot:
            await bot.send_message(7, "one")
            with pytest.raises(RetryAfter):
                await bot.send_message(7, "two")
            assert tg.stats["429"] == 1
            tg.rate_limit = False
            tg.delay("sendMessage", 0.3, count=1)
            with pytest.raises(TimedOut):
                await bot.send_message(7, "slow", read_timeout=0.05)
            late = await tg.wait_sent(
                7, count=2, timeout=2
            )  # processed although the client gave up
            assert [tg.plain(r) for r in late] == ["one", "slow"]


async def test_raw_http_decoding_and_unknown_method(
    tg: FakeTelegram, bot: Bot, ann: dict[str, object]
) -> None:
    async with aiohttp.ClientSession() as http:
        url = f"{tg.base_url}{tg.token}/sendMessage"
        async with http.post(url, json={"chat_id": str(USER_ID), "text": "json body"}) as resp:
            assert resp.status == 200 and (await resp.json())["result"]["text"] == "json body"
        async with http.get(url, params={"chat_id": USER_ID, "text": "123"}) as resp:
            assert (await resp.json())["result"]["text"] == "123"
        async with http.post(f"{tg.base_url}{tg.token}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")


async def test_application_polling_end_to_end(tg: FakeTelegram, ann: dict[str, object]) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html("<b>Welcome</b>", reply_markup=_keyboard("go"))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("Going")
        await update.callback_query.edit_message_text("Gone")

    app = Application.builder().token(tg.token).base_url(tg.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        tg.send_text(ann, "/start")
        (reply,) = await tg.wait_sent(USER_ID, timeout=3)
        assert tg.plain(reply) == "Welcome"
        tg.press(ann, reply, "go")
        await tg.wait_for(lambda: tg.edits, timeout=3)
        assert tg.callback_answers[0]["text"] == "Going"
        assert tg.messages(USER_ID)[-1]["text"] == "Gone"
        await app.updater.stop()
        await app.stop()
    assert tg.pending_updates() == []


async def test_an_edit_that_changes_nothing_is_rejected(
    tg: FakeTelegram, bot: Bot, ann: dict[str, object]
) -> None:
    """As Telegram: the same text (after HTML parsing) and keyboard is "not modified"."""
    msg = await bot.send_message(USER_ID, "<b>Time</b> left", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("<b>Time</b> left", USER_ID, msg.message_id, parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(USER_ID, msg.message_id, reply_markup=None)
    await bot.edit_message_text("Time left", USER_ID, msg.message_id)  # entities differ
    await bot.edit_message_reply_markup(USER_ID, msg.message_id, reply_markup=_keyboard())
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(USER_ID, msg.message_id, reply_markup=_keyboard())
    assert [c.status for c in tg.calls if c.method.startswith("edit")] == [400, 400, 200, 200, 400]


async def test_a_raw_callback_query_can_be_answered_once(
    tg: FakeTelegram, bot: Bot, ann: dict[str, object]
) -> None:
    tg.push_update({"callback_query": {"id": "77", "from": ann, "chat_instance": "1", "data": "x"}})
    assert await bot.answer_callback_query("77")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("77")
    assert tg.unanswered_callbacks() == []
