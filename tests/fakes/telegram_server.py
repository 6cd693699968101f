"""Strict fake Telegram Bot API server (aiohttp on 127.0.0.1) for driving real PTB bots in tests."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import math
import mimetypes
import re
import struct
import time
import zlib
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Self, TypeVar

from aiohttp import web

from .html_entities import (
    Entity,
    EntityParseError,
    UnsupportedParseModeError,
    detect_bot_commands,
    html_to_plain,
    parse_text,
    strip_whitespace,
    utf16_len,
)

JSONDict = dict[str, Any]
ChatRef = int | str | JSONDict  # a chat id, "@username", or a chat/user dict
T = TypeVar("T")
_LOGGER = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz01234"
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
ANSWER_TEXT_LIMIT = 200
MAX_UPLOAD = 50 * 1024 * 1024
SERVICE_USER: JSONDict = {"id": 777000, "is_bot": False, "first_name": "Telegram"}

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
FAULT_TEXT = {
    400: "Bad Request: injected failure",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: POLL_CONFLICT,
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

# Parameters that the Bot API always treats as strings (never JSON-decoded).
STRING_FIELDS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "callback_data", "data", "command",
        "description", "short_description", "name", "query", "title", "url", "inline_message_id",
        "language_code", "action", "emoji", "secret_token", "ip_address", "first_name",
        "last_name", "phone_number", "question", "explanation", "custom_title", "invite_link",
        "business_connection_id", "message_effect_id", "file_id", "document", "photo", "audio",
        "video", "voice", "sticker", "animation", "video_note", "thumbnail", "address",
        "switch_inline_query", "game_short_name", "payload", "currency", "start_parameter",
        "next_offset", "cache_time_text", "sticker_set_name",
    }
)  # fmt: skip
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note",
        "upload_video_note",
    }
)  # fmt: skip
INLINE_BUTTON_KINDS = (
    "callback_data", "url", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "callback_game",
    "pay", "web_app", "copy_text",
)  # fmt: skip
PLAIN_SCOPES = frozenset(
    {"default", "all_private_chats", "all_group_chats", "all_chat_administrators"}
)
ADMIN_RIGHTS: JSONDict = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
    "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
    "can_pin_messages": True,
}  # fmt: skip


def _tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


TINY_PNG = _tiny_png()


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code", "description"}``."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


class Call(NamedTuple):
    """One request seen by the fake."""

    method: str
    params: JSONDict
    status: int


@dataclass
class UploadedFile:
    """A multipart file part of a request."""

    filename: str
    content: bytes
    content_type: str


@dataclass
class StoredFile:
    file_id: str
    unique_id: str
    path: str
    content: bytes
    file_name: str
    mime_type: str


@dataclass
class ChatState:
    data: JSONDict
    bot_status: str = "member"
    next_message_id: int = 1
    messages: dict[int, JSONDict] = field(default_factory=dict)
    members: dict[int, str] = field(default_factory=dict)  # user id -> status

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def private(self) -> bool:
        return bool(self.data["type"] == "private")

    @property
    def chat_instance(self) -> str:
        return str(abs(self.id) * 7919 + 1_000_000_007)


@dataclass
class _Fault:
    method: str
    status: int
    remaining: int
    retry_after: int
    description: str | None
    chat_id: int | str | None

    def error(self) -> ApiError:
        if self.status == 429:
            text = self.description or f"Too Many Requests: retry after {self.retry_after}"
            return ApiError(429, text, {"retry_after": self.retry_after})
        return ApiError(self.status, self.description or FAULT_TEXT.get(self.status, "Error"))


def decode_field(key: str, raw: str) -> Any:
    """Decode one request parameter the way the Bot API does."""
    if key in STRING_FIELDS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def norm_chat_id(value: Any) -> int | str | None:
    """``chat_id`` as int when numeric, ``"@username"`` string otherwise, None when missing."""
    if isinstance(value, dict):
        value = value.get("id")
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def _to_int(value: Any) -> int | None:
    result = norm_chat_id(value)
    return result if isinstance(result, int) else None


def _member_dict(user: JSONDict, status: str) -> JSONDict:
    member: JSONDict = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(ADMIN_RIGHTS)
    elif status == "kicked":
        member["until_date"] = 0
    return member


def _message_of(obj: JSONDict) -> JSONDict:
    """The Message dict inside an update, a sent record or a callback query (or obj itself)."""
    for key in ("message", "edited_message"):
        if isinstance(obj.get(key), dict):
            return obj[key]  # type: ignore[no-any-return]
    if isinstance(obj.get("callback_query"), dict):
        return obj["callback_query"]["message"]  # type: ignore[no-any-return]
    return obj


def _image_size(content: bytes) -> tuple[int, int] | None:
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    if content[:6] in (b"GIF87a", b"GIF89a") and len(content) >= 10:
        width, height = struct.unpack("<HH", content[6:10])
        return int(width), int(height)
    if content.startswith(b"\xff\xd8\xff") or content.startswith(b"BM"):
        return (320, 240)
    if content.startswith(b"RIFF") and content[8:12] == b"WEBP":
        return (320, 240)
    return None


async def read_params(request: web.Request) -> JSONDict:
    """Merge query string and body (urlencoded, multipart or JSON) into decoded parameters."""
    params: JSONDict = {key: decode_field(key, value) for key, value in request.query.items()}
    files: dict[str, UploadedFile] = {}
    if request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = json.loads(await request.read() or b"{}")
            except ValueError as exc:
                raise bad("can't parse JSON object") from exc
            if not isinstance(body, dict):
                raise bad("JSON object expected")
            for key, value in body.items():
                params[key] = decode_field(key, value) if isinstance(value, str) else value
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    upload = UploadedFile(value.filename, value.file.read(), value.content_type)
                    files[key] = params[key] = upload
                else:
                    text = value.decode() if isinstance(value, bytes | bytearray) else value
                    params[key] = decode_field(key, text)
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
            params[key] = files[value[9:]]
    return params


class FakeTelegram:
    """In-process fake of ``api.telegram.org``; point ``Bot(base_url=tg.base_url)`` at it."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "fake_test_bot",
        bot_first_name: str = "Fake Test Bot",
        first_update_id: int = 1000,
        rate_limit: bool = False,
        callback_query_ttl: float | None = 15.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        prefix = token.split(":", 1)[0]
        self.bot: JSONDict = {
            "id": int(prefix) if prefix.isdigit() else 123456,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.rate_limit = rate_limit
        #: scope -> (max messages, window seconds); editable by tests.
        self.rate_limits: dict[str, tuple[int, float]] = {
            "global": (30, 1.0),
            "private": (1, 1.0),
            "group": (20, 60.0),
        }
        self.callback_query_ttl = callback_query_ttl
        # Observation state.
        self.tokens_seen: list[str] = []
        self.calls: list[Call] = []
        self.sent: list[JSONDict] = []
        self.edits: list[JSONDict] = []
        self.deleted: list[JSONDict] = []
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.chat_actions: list[JSONDict] = []
        self.callback_answers: list[JSONDict] = []
        self.callback_queries: dict[str, JSONDict] = {}
        self.stats: Counter[str] = Counter()
        self.updates_log: list[JSONDict] = []
        self.confirmed_offset = 0
        self.webhook: JSONDict | None = None
        self.internal_errors: list[Exception] = []
        # Internal state.
        self._users: dict[int, JSONDict] = {}
        self._chats: dict[int, ChatState] = {}
        self._migrated: dict[int, int] = {}
        self._blocked: set[int] = set()
        self._updates: list[JSONDict] = []
        self._next_update_id = first_update_id
        self._faults: list[_Fault] = []
        self._delays: dict[str, tuple[float, int | None]] = {}
        self._files: dict[str, StoredFile] = {}
        self._ids = itertools.count(1)
        self._rate_hits: defaultdict[int | str, deque[float]] = defaultdict(deque)
        self._sent_seen: dict[int | str, int] = {}
        self._poll_generation = 0
        self._cond: asyncio.Condition | None = None
        self._closing: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, Callable[[JSONDict], Any]] = {
            "getme": self._get_me,
            "logout": self._ok,
            "close": self._ok,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendchataction": self._send_chat_action,
            "senddocument": lambda p: self._send_media(p, "document"),
            "sendphoto": lambda p: self._send_media(p, "photo"),
            "getfile": self._get_file,
            "getchat": self._get_chat,
            "getchatmember": self._get_chat_member,
            "getchatadministrators": self._get_chat_administrators,
            "leavechat": self._leave_chat,
        }

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> None:
        self._cond = asyncio.Condition()
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is None:
            return
        assert self._closing is not None
        self._closing.set()
        await self._notify_async()
        await self._runner.cleanup()
        self._runner = None
        for task in list(self._tasks):
            task.cancel()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def _condition(self) -> asyncio.Condition:
        if self._cond is None:
            self._cond = asyncio.Condition()
        return self._cond

    async def _notify_async(self) -> None:
        cond = self._condition()
        async with cond:
            cond.notify_all()

    def _notify(self) -> None:
        """Wake waiters from synchronous code (runs on the next loop iteration)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self._notify_async())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ HTTP layer

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        return web.json_response(ApiError(404, "Not Found").payload(), status=404)

    async def _handle_file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        stored = next((f for f in self._files.values() if f.path == path), None)
        if stored is None:
            return await self._handle_not_found(request)
        return web.Response(body=stored.content, content_type="application/octet-stream")

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.tokens_seen.append(request.match_info["token"])
        params: JSONDict = {}
        try:
            params = await read_params(request)
            handler = self._methods.get(method.lower())
            if handler is None and method.lower() != "getupdates":
                raise ApiError(404, "Not Found")
            await self._apply_delay(method)
            self._apply_fault(method, params)
            if handler is None:
                result = await self._get_updates(params)
            else:
                result = handler(params)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as exc:
            status, body = exc.status, exc.payload()
        except Exception as exc:  # a bug in the fake: answer 500 and keep it for the test to see
            _LOGGER.exception("fake Telegram crashed on %s", method)
            self.internal_errors.append(exc)
            status, body = 500, ApiError(500, f"Internal Server Error: {exc!r}").payload()
        self.calls.append(Call(method, params, status))
        self.stats[str(status)] += 1
        await self._notify_async()
        return web.json_response(body, status=status)

    async def _apply_delay(self, method: str) -> None:
        key = method.lower() if method.lower() in self._delays else "*"
        if key not in self._delays:
            return
        seconds, remaining = self._delays[key]
        if remaining is not None:
            if remaining <= 1:
                del self._delays[key]
            else:
                self._delays[key] = (seconds, remaining - 1)
        assert self._closing is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    def _apply_fault(self, method: str, params: JSONDict) -> None:
        for fault in self._faults:
            if fault.method not in ("*", method.lower()):
                continue
            if fault.chat_id is not None and norm_chat_id(params.get("chat_id")) != fault.chat_id:
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            raise fault.error()

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        status: int = 500,
        count: int = 1,
        retry_after: int = 1,
        description: str | None = None,
        chat_id: int | str | None = None,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` (``"*"`` = any) with an error."""
        fault = _Fault(
            method.lower(), status, count, retry_after, description, norm_chat_id(chat_id)
        )
        self._faults.append(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    def delay(self, method: str, seconds: float, count: int | None = None) -> None:
        """Sleep ``seconds`` before processing ``method`` (``"*"`` = any); 0 removes the delay.

        The request is still processed after the delay, like Telegram does when the client gave up.
        """
        if seconds <= 0:
            self._delays.pop(method.lower(), None)
        else:
            self._delays[method.lower()] = (seconds, count)

    def block(self, chat_id: ChatRef, *, notify: bool = False) -> JSONDict | None:
        """The user blocks the bot; ``notify`` also pushes (and returns) a my_chat_member update."""
        cid = norm_chat_id(chat_id)
        assert isinstance(cid, int)
        self._blocked.add(cid)
        if notify and cid in self._chats:
            return self._push_my_chat_member(self._chats[cid], "member", "kicked", None)
        return None

    def unblock(self, chat_id: ChatRef) -> None:
        cid = norm_chat_id(chat_id)
        if isinstance(cid, int):
            self._blocked.discard(cid)

    # ------------------------------------------------------------------ chat helpers

    def _lookup_chat(self, params: JSONDict, key: str = "chat_id") -> ChatState:
        raw = norm_chat_id(params.get(key))
        if raw is None:
            raise bad(f"{key} is empty")
        chat: ChatState | None
        if isinstance(raw, int):
            if raw in self._migrated:
                raise ApiError(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    {"migrate_to_chat_id": self._migrated[raw]},
                )
            chat = self._chats.get(raw)
        else:
            name = raw.removeprefix("@").lower()
            chat = next(
                (
                    c
                    for c in self._chats.values()
                    if not c.private
                    and raw.startswith("@")
                    and c.data.get("username", "").lower() == name
                ),
                None,
            )
        if chat is None:
            if isinstance(raw, int) and raw in self._users:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise bad("chat not found")
        return chat

    def _writable_chat(self, params: JSONDict) -> ChatState:
        chat = self._lookup_chat(params)
        kind = chat.data["type"]
        if chat.private:
            if chat.id in self._blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
        elif chat.bot_status == "kicked" or chat.id in self._blocked:
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        elif chat.bot_status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        return chat

    def _check_rate(self, chat: ChatState) -> None:
        if not self.rate_limit:
            return
        now = time.monotonic()
        scope = "private" if chat.private else "group"
        windows = [
            (self._rate_hits["*"], *self.rate_limits["global"]),
            (self._rate_hits[chat.id], *self.rate_limits[scope]),
        ]
        for hits, limit, period in windows:
            while hits and hits[0] <= now - period:
                hits.popleft()
            if len(hits) >= limit:
                retry = max(1, math.ceil(hits[0] + period - now))
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry}", {"retry_after": retry}
                )
        for hits, _, _ in windows:
            hits.append(now)

    def _new_message(self, chat: ChatState, sender: JSONDict, **fields: Any) -> JSONDict:
        message: JSONDict = {
            "message_id": chat.next_message_id,
            "from": sender,
            "chat": chat.data,
            "date": int(time.time()),
        }
        chat.next_message_id += 1
        message.update({k: v for k, v in fields.items() if v is not None and v != []})
        chat.messages[message["message_id"]] = message
        return message

    def _reply_to(self, chat: ChatState, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id") is not None:
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply", False),
            }
        if reply is None:
            return None
        if not isinstance(reply, dict):
            raise bad("can't parse reply parameters JSON object")
        target = chat.messages.get(_to_int(reply.get("message_id")) or 0)
        if target is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad("message to be replied not found")
        return {k: v for k, v in target.items() if k != "reply_to_message"}

    def _format(self, raw: Any, parse_mode: Any, entities: Any) -> tuple[str, list[Entity]]:
        text = raw if isinstance(raw, str) else json.dumps(raw)
        if entities is not None:
            if not isinstance(entities, list) or not all(
                isinstance(e, dict) and {"type", "offset", "length"} <= e.keys() for e in entities
            ):
                raise bad("can't parse entities JSON object")
            return strip_whitespace(text, [dict(e) for e in entities])
        try:
            plain, parsed = parse_text(text, parse_mode if isinstance(parse_mode, str) else None)
        except UnsupportedParseModeError as exc:
            raise bad("unsupported parse_mode") from exc
        except EntityParseError as exc:
            raise bad(f"can't parse entities: {exc}") from exc
        return strip_whitespace(plain, parsed)

    def _message_text(self, params: JSONDict) -> tuple[str, list[Entity]]:
        if params.get("text") is None:
            raise bad("message text is empty")
        text, entities = self._format(
            params["text"], params.get("parse_mode"), params.get("entities")
        )
        if not text:
            raise bad("message text is empty")
        if utf16_len(text) > MESSAGE_LIMIT:
            raise bad("message is too long")
        return text, entities

    @staticmethod
    def _check_markup(markup: Any, *, inline_only: bool = False) -> JSONDict | None:
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            FakeTelegram._check_inline_keyboard(markup["inline_keyboard"])
            return markup
        if inline_only:
            raise bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
            for button in itertools.chain.from_iterable(rows):
                text = button.get("text") if isinstance(button, dict) else button
                if not isinstance(text, str) or not text:
                    raise bad("keyboard button text must be non-empty")
        elif "remove_keyboard" in markup:
            if markup["remove_keyboard"] is not True:
                raise bad('field "remove_keyboard" of the ReplyKeyboardRemove must be true')
        elif "force_reply" in markup:
            if markup["force_reply"] is not True:
                raise bad('field "force_reply" of the ForceReply must be true')
        else:
            raise bad("unsupported reply markup type")
        return markup

    @staticmethod
    def _check_inline_keyboard(rows: Any) -> None:
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        buttons = list(itertools.chain.from_iterable(rows))
        if len(buttons) > 100:
            raise bad("reply markup is too long")
        for button in buttons:
            if not isinstance(button, dict):
                raise bad("InlineKeyboardButton must be an Object")
            if not isinstance(button.get("text"), str):
                raise bad('can\'t find field "text"')
            kinds = [k for k in INLINE_BUTTON_KINDS if k in button]
            if not kinds:
                raise bad("text buttons are unallowed in the inline keyboard")
            if len(kinds) > 1:
                raise bad(f"can't parse inline keyboard button: only one of {kinds} may be used")
            data = button.get("callback_data")
            if "callback_data" in button and (
                not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT
            ):
                raise bad("BUTTON_DATA_INVALID")
            url = button.get("url")
            if "url" in button and (
                not isinstance(url, str) or not re.fullmatch(r"(https?://[^\s/]+|tg://)\S*", url)
            ):
                raise bad("BUTTON_URL_INVALID")

    def _store_file(self, kind: str, content: bytes, file_name: str, mime_type: str) -> StoredFile:
        n = next(self._ids)
        ext = mimetypes.guess_extension(mime_type) or ".bin"
        stored = StoredFile(
            file_id=f"FAKE-{kind}-{n:06d}",
            unique_id=f"U{kind[:3]}{n:06d}",
            path=f"{kind}s/file_{n}{ext}",
            content=content,
            file_name=file_name,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        return stored

    def _resolve_upload(self, media: Any, kind: str) -> StoredFile:
        if isinstance(media, UploadedFile):
            if not media.content:
                raise bad("file must be non-empty")
            mime = media.content_type
            if mime in ("", "application/octet-stream"):
                mime = mimetypes.guess_type(media.filename)[0] or "application/octet-stream"
            return self._store_file(kind, media.content, media.filename, mime)
        if isinstance(media, str) and media in self._files:
            return self._files[media]
        if isinstance(media, str) and re.fullmatch(r"https?://\S+", media):
            name = media.rsplit("/", 1)[-1] or "file"
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return self._store_file(kind, b"", name, mime)
        raise bad("wrong file identifier/HTTP URL specified")

    # ------------------------------------------------------------------ Bot API methods

    def _ok(self, params: JSONDict) -> bool:
        return True

    def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self.bot,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _set_webhook(self, params: JSONDict) -> bool:
        url = params.get("url") or ""
        if not url:
            self.webhook = None
            return True
        if not url.startswith("https://"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {k: v for k, v in params.items() if not isinstance(v, UploadedFile)}
        return True

    def _delete_webhook(self, params: JSONDict) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = None
        return True

    def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook:
            info["max_connections"] = self.webhook.get("max_connections", 40)
            if self.webhook.get("allowed_updates"):
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    def _confirm(self, offset: int | None) -> None:
        if not offset:
            return
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self.confirmed_offset = max(self.confirmed_offset, offset)
        else:
            self._updates = self._updates[offset:]
            if self._updates:
                self.confirmed_offset = max(self.confirmed_offset, self._updates[0]["update_id"])

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self.webhook:
            raise ApiError(409, WEBHOOK_CONFLICT)
        self._confirm(_to_int(params.get("offset")))
        limit = min(max(_to_int(params.get("limit")) or 100, 1), 100)
        timeout = params.get("timeout")
        timeout = max(float(timeout), 0.0) if isinstance(timeout, int | float) else 0.0
        self._poll_generation += 1
        generation = self._poll_generation
        await self._notify_async()  # terminates an older long poll with 409, like Telegram
        assert self._closing is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        cond = self._condition()
        async with cond:
            while True:
                if generation != self._poll_generation:
                    raise ApiError(409, POLL_CONFLICT)
                remaining = deadline - loop.time()
                if self._updates or self._closing.is_set() or remaining <= 0:
                    return self._updates[:limit]
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(cond.wait(), remaining)

    def _send_message(self, params: JSONDict) -> JSONDict:
        chat = self._writable_chat(params)
        text, entities = self._message_text(params)
        markup = self._check_markup(params.get("reply_markup"))
        reply = self._reply_to(chat, params)
        self._check_rate(chat)
        message = self._new_message(
            chat,
            self.bot,
            text=text,
            entities=entities,
            reply_markup=markup if markup and "inline_keyboard" in markup else None,
            reply_to_message=reply,
        )
        self._record_sent("sendMessage", chat, message, params, markup)
        return message

    def _record_sent(
        self,
        method: str,
        chat: ChatState,
        message: JSONDict,
        params: JSONDict,
        markup: Any,
        **extra: Any,
    ) -> None:
        self.sent.append(
            {
                "method": method,
                "chat_id": chat.id,
                "message_id": message["message_id"],
                "text": params.get("text"),
                "parse_mode": params.get("parse_mode"),
                "entities": message.get("entities", []),
                "caption": params.get("caption"),
                "reply_markup": markup,
                "reply_to_message_id": (message.get("reply_to_message") or {}).get("message_id"),
                "document": None,
                "filename": None,
                "time": time.time(),
                "message": message,
                **extra,
            }
        )

    def _send_media(self, params: JSONDict, kind: str) -> JSONDict:
        chat = self._writable_chat(params)
        media = params.get(kind)
        if media is None or media == "":
            raise bad(f"there is no {kind} in the request")
        caption: str | None = None
        caption_entities: list[Entity] = []
        if params.get("caption") is not None:
            caption, caption_entities = self._format(
                params["caption"], params.get("parse_mode"), params.get("caption_entities")
            )
            if utf16_len(caption) > CAPTION_LIMIT:
                raise bad("message caption is too long")
        markup = self._check_markup(params.get("reply_markup"))
        reply = self._reply_to(chat, params)
        stored = self._resolve_upload(media, kind)
        payload: Any
        if kind == "photo":
            size = _image_size(stored.content) if stored.content else (320, 240)
            if size is None:
                raise bad("IMAGE_PROCESS_FAILED")
            payload = [
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.unique_id,
                    "width": size[0],
                    "height": size[1],
                    "file_size": len(stored.content),
                }
            ]
        else:
            payload = {
                "file_id": stored.file_id,
                "file_unique_id": stored.unique_id,
                "file_name": stored.file_name,
                "mime_type": stored.mime_type,
                "file_size": len(stored.content),
            }
        self._check_rate(chat)
        message = self._new_message(
            chat,
            self.bot,
            **{kind: payload},
            caption=caption or None,
            caption_entities=caption_entities if caption else None,
            reply_markup=markup if markup and "inline_keyboard" in markup else None,
            reply_to_message=reply,
        )
        method = "sendPhoto" if kind == "photo" else "sendDocument"
        self._record_sent(
            method,
            chat,
            message,
            params,
            markup,
            document=stored.content,
            filename=stored.file_name,
        )
        return message

    def _editable(self, params: JSONDict) -> tuple[ChatState, JSONDict]:
        if params.get("inline_message_id") is not None:
            raise bad("MESSAGE_ID_INVALID")
        if params.get("chat_id") is None or params.get("message_id") is None:
            raise bad("message identifier is not specified")
        chat = self._writable_chat(params)
        message = chat.messages.get(_to_int(params["message_id"]) or 0)
        if message is None:
            raise bad("message to edit not found")
        if message["from"]["id"] != self.bot["id"]:
            raise bad("message can't be edited")
        return chat, message

    def _store_edit(self, chat: ChatState, new: JSONDict, params: JSONDict) -> JSONDict:
        new["edit_date"] = int(time.time())
        for key in ("entities", "reply_markup"):
            if not new.get(key):
                new.pop(key, None)
        chat.messages[new["message_id"]] = new
        self.edits.append(
            {
                "chat_id": chat.id,
                "message_id": new["message_id"],
                "text": params.get("text"),
                "parse_mode": params.get("parse_mode"),
                "reply_markup": new.get("reply_markup"),
                "time": time.time(),
                "message": new,
            }
        )
        return new

    def _edit_message_text(self, params: JSONDict) -> JSONDict:
        chat, old = self._editable(params)
        if "text" not in old:
            raise bad("there is no text in the message to edit")
        text, entities = self._message_text(params)
        markup = self._check_markup(params.get("reply_markup"), inline_only=True)
        if (text, entities, markup) == (
            old["text"],
            old.get("entities", []),
            old.get("reply_markup"),
        ):
            raise ApiError(400, NOT_MODIFIED)
        new = {**old, "text": text, "entities": entities, "reply_markup": markup}
        return self._store_edit(chat, new, params)

    def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict:
        chat, old = self._editable(params)
        markup = self._check_markup(params.get("reply_markup"), inline_only=True)
        if markup == old.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        return self._store_edit(chat, {**old, "reply_markup": markup}, params)

    def _delete_message(self, params: JSONDict) -> bool:
        chat = self._writable_chat(params)
        message_id = _to_int(params.get("message_id"))
        if message_id is None:
            raise bad("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad("message to delete not found")
        own = message["from"]["id"] == self.bot["id"]
        if not chat.private and not own and chat.bot_status not in ("administrator", "creator"):
            raise bad("message can't be deleted")
        del chat.messages[message_id]
        self.deleted.append(
            {"chat_id": chat.id, "message_id": message_id, "message": message, "time": time.time()}
        )
        return True

    def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        query = self.callback_queries.get(query_id)
        ttl = self.callback_query_ttl
        if (
            query is None
            or query["answered"]
            or (ttl and time.monotonic() - query["created"] > ttl)
        ):
            raise bad(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        text = params.get("text")
        if isinstance(text, str) and len(text) > ANSWER_TEXT_LIMIT:
            raise bad("MESSAGE_TOO_LONG")
        query["answered"] = True
        self.callback_answers.append(
            {
                "callback_query_id": query_id,
                "text": text,
                "show_alert": bool(params.get("show_alert", False)),
                "url": params.get("url"),
                "cache_time": params.get("cache_time"),
                "data": query["data"],
                "user_id": query["user"]["id"],
                "time": time.time(),
            }
        )
        return True

    def _commands_key(self, params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict):
            raise bad("can't parse BotCommandScope JSON object")
        kind = scope.get("type")
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad("LANG_CODE_INVALID")
        if kind in PLAIN_SCOPES:
            return str(kind), language
        if kind not in ("chat", "chat_administrators", "chat_member"):
            raise bad("unsupported bot command scope type")
        chat = self._lookup_chat(scope)
        if kind == "chat_member":
            user_id = _to_int(scope.get("user_id"))
            if user_id is None:
                raise bad("invalid user_id specified")
            return f"chat_member:{chat.id}:{user_id}", language
        return f"{kind}:{chat.id}", language

    def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict):
                raise bad("BotCommand must be an Object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        if commands:
            self.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.commands.pop(key, None)
        return True

    def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return self.commands.get(self._commands_key(params), [])

    def _delete_my_commands(self, params: JSONDict) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _send_chat_action(self, params: JSONDict) -> bool:
        chat = self._writable_chat(params)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        self.chat_actions.append({"chat_id": chat.id, "action": action, "time": time.time()})
        return True

    def _get_file(self, params: JSONDict) -> JSONDict:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.content),
            "file_path": stored.path,
        }

    def _get_chat(self, params: JSONDict) -> JSONDict:
        chat = self._lookup_chat(params)
        gifts = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            False,
        )
        return {
            **chat.data,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    def _member(self, chat: ChatState, user_id: int) -> JSONDict:
        if user_id == self.bot["id"]:
            return _member_dict(self.bot, "member" if chat.private else chat.bot_status)
        user = self._users.get(user_id)
        if user is None or (chat.private and user_id != chat.id):
            raise bad("user not found")
        return _member_dict(user, "member" if chat.private else chat.members.get(user_id, "left"))

    def _get_chat_member(self, params: JSONDict) -> JSONDict:
        chat = self._lookup_chat(params)
        user_id = _to_int(params.get("user_id"))
        if user_id is None:
            raise bad("invalid user_id specified")
        return self._member(chat, user_id)

    def _get_chat_administrators(self, params: JSONDict) -> list[JSONDict]:
        chat = self._lookup_chat(params)
        if chat.private:
            raise bad("there are no administrators in the private chat")
        ids = [
            uid for uid, status in chat.members.items() if status in ("creator", "administrator")
        ]
        if chat.bot_status == "administrator":
            ids.append(self.bot["id"])
        return [self._member(chat, uid) for uid in ids]

    def _leave_chat(self, params: JSONDict) -> bool:
        chat = self._lookup_chat(params)
        if chat.private:
            raise bad("chat member status can't be changed in private chats")
        if chat.bot_status in ("left", "kicked"):
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.data['type']} chat")
        chat.bot_status = "left"
        return True

    # ------------------------------------------------------------------ update injection

    def user(
        self,
        id: int,
        first_name: str,
        username: str | None = None,
        language_code: str | None = "en",
        *,
        last_name: str | None = None,
    ) -> JSONDict:
        """A (registered) user dict as Telegram sends it."""
        user: JSONDict = {"id": id, "is_bot": False, "first_name": first_name}
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value is not None:
                user[key] = value
        self._users[id] = user
        return user

    def private_chat(self, user: JSONDict) -> JSONDict:
        """Register (the user has started the bot) and return the user's private chat dict."""
        self._users.setdefault(user["id"], user)
        if user["id"] not in self._chats:
            data = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
            data.update({k: user[k] for k in ("last_name", "username") if k in user})
            self._chats[user["id"]] = ChatState(data)
        return self._chats[user["id"]].data

    def group_chat(
        self, id: int, title: str, type: str = "group", *, username: str | None = None
    ) -> JSONDict:
        """Register a group/supergroup the bot is a member of and return its chat dict."""
        if type not in ("group", "supergroup"):
            raise ValueError(f"unsupported group chat type {type!r}")
        if id not in self._chats:
            data: JSONDict = {"id": id, "type": type, "title": title}
            if username:
                data["username"] = username
            self._chats[id] = ChatState(data)
        return self._chats[id].data

    def set_member(self, chat: ChatRef, user: JSONDict, status: str = "member") -> None:
        """Set a user's (or the bot's) group status: creator/administrator/member/left/kicked."""
        state = self._state(chat)
        if user["id"] == self.bot["id"]:
            state.bot_status = status
        else:
            self._users.setdefault(user["id"], user)
            state.members[user["id"]] = status

    def _state(self, chat: ChatRef) -> ChatState:
        cid = norm_chat_id(chat)
        if not isinstance(cid, int) or cid not in self._chats:
            raise KeyError(f"unknown chat {chat!r}; create it with private_chat()/group_chat()")
        return self._chats[cid]

    def push_update(self, update: JSONDict) -> JSONDict:
        """Queue a raw update (``update_id`` assigned unless present) and return it."""
        if "update_id" in update:
            self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        else:
            update = {"update_id": self._next_update_id, **update}
            self._next_update_id += 1
        query = update.get("callback_query")
        if isinstance(query, dict) and isinstance(query.get("id"), str):
            # a raw query (not made by press()) can be answered once, like any other
            self.callback_queries.setdefault(
                query["id"],
                {
                    "answered": False,
                    "created": time.monotonic(),
                    "user": query.get("from") or {"id": 0},
                    "data": query.get("data"),
                    "chat_id": ((query.get("message") or {}).get("chat") or {}).get("id"),
                    "message_id": (query.get("message") or {}).get("message_id"),
                },
            )
        self._updates.append(update)
        self.updates_log.append(update)
        self._notify()
        return update

    def _user_chat(self, user: JSONDict, chat: ChatRef | None) -> ChatState:
        self._users.setdefault(user["id"], user)
        if chat is None:
            self.private_chat(user)
            chat = user["id"]
        state = self._state(chat)
        if state.private:
            if state.id != user["id"]:
                raise ValueError(f"user {user['id']} can't write into the private chat {state.id}")
            self._blocked.discard(state.id)  # writing to the bot means it was unblocked
        else:
            if state.bot_status in ("left", "kicked") or state.id in self._migrated:
                raise RuntimeError(f"the bot would not receive messages from chat {state.id}")
            state.members.setdefault(user["id"], "member")
        return state

    def _current(self, message: JSONDict) -> tuple[ChatState, JSONDict]:
        ref = _message_of(message)
        state = self._state(ref["chat"]["id"])
        current = state.messages.get(ref["message_id"])
        if current is None:
            raise ValueError(
                f"message {ref['message_id']} in chat {state.id} does not exist (deleted?)"
            )
        return state, current

    def send_text(
        self,
        user: JSONDict,
        text: str,
        chat: ChatRef | None = None,
        reply_to: JSONDict | None = None,
        *,
        entities: list[Entity] | None = None,
    ) -> JSONDict:
        """The user sends ``text`` (``/commands`` get bot_command entities); returns the update."""
        state = self._user_chat(user, chat)
        reply = None
        if reply_to is not None:
            _, target = self._current(reply_to)
            reply = {k: v for k, v in target.items() if k != "reply_to_message"}
        message = self._new_message(
            state,
            user,
            text=text,
            entities=entities if entities is not None else detect_bot_commands(text),
            reply_to_message=reply,
        )
        return self.push_update({"message": message})

    def edit_text(self, message_update: JSONDict, new_text: str) -> JSONDict:
        """The user edits their earlier message; returns the edited_message update."""
        state, current = self._current(message_update)
        if current["from"]["id"] == self.bot["id"]:
            raise ValueError("bot messages are edited through the Bot API")
        new = {**current, "text": new_text, "edit_date": int(time.time())}
        new.pop("entities", None)
        if commands := detect_bot_commands(new_text):
            new["entities"] = commands
        state.messages[new["message_id"]] = new
        return self.push_update({"edited_message": new})

    def _send_user_file(
        self,
        user: JSONDict,
        chat: ChatRef | None,
        kind: str,
        payload: JSONDict | list[JSONDict],
        **fields: Any,
    ) -> JSONDict:
        state = self._user_chat(user, chat)
        message = self._new_message(state, user, **{kind: payload}, **fields)
        return self.push_update({"message": message})

    def send_sticker(
        self, user: JSONDict, chat: ChatRef | None = None, *, emoji: str = "👍"
    ) -> JSONDict:
        stored = self._store_file(
            "sticker", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "sticker.webp", "image/webp"
        )
        payload = {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._send_user_file(user, chat, "sticker", payload)

    def send_voice(
        self,
        user: JSONDict,
        chat: ChatRef | None = None,
        *,
        duration: int = 2,
        content: bytes = b"OggS\x00voice",
    ) -> JSONDict:
        stored = self._store_file("voice", content, "voice.ogg", "audio/ogg")
        payload = {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(content),
        }
        return self._send_user_file(user, chat, "voice", payload)

    def send_photo(
        self,
        user: JSONDict,
        chat: ChatRef | None = None,
        *,
        content: bytes = TINY_PNG,
        caption: str | None = None,
    ) -> JSONDict:
        stored = self._store_file("photo", content, "photo.png", "image/png")
        width, height = _image_size(content) or (320, 240)
        payload = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.unique_id,
                "width": width,
                "height": height,
                "file_size": len(content),
            }
        ]
        return self._send_user_file(user, chat, "photo", payload, caption=caption)

    def send_document(
        self,
        user: JSONDict,
        chat: ChatRef | None = None,
        *,
        content: bytes = b"hello",
        file_name: str = "file.txt",
        mime_type: str = "text/plain",
        caption: str | None = None,
    ) -> JSONDict:
        stored = self._store_file("document", content, file_name, mime_type)
        payload = {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return self._send_user_file(user, chat, "document", payload, caption=caption)

    def press(
        self, user: JSONDict, message: JSONDict, data: str | None = None, *, text: str | None = None
    ) -> JSONDict:
        """The user presses the inline button with ``data`` (or label ``text``) of a bot message."""
        state, current = self._current(message)
        buttons = [
            b for row in (current.get("reply_markup") or {}).get("inline_keyboard", []) for b in row
        ]
        matching = [
            b
            for b in buttons
            if "callback_data" in b
            and (b["callback_data"] == data if text is None else b["text"] == text)
        ]
        if not matching:
            available = [(b.get("text"), b.get("callback_data")) for b in buttons]
            raise ValueError(
                f"no callback button {data or text!r} on message; buttons: {available}"
            )
        if state.private and user["id"] != state.id:
            raise ValueError("only the chat's user can press buttons in a private chat")
        self._users.setdefault(user["id"], user)
        query_id = str(4_000_000_000_000_000_000 + next(self._ids))
        data = matching[0]["callback_data"]
        self.callback_queries[query_id] = {
            "answered": False,
            "created": time.monotonic(),
            "user": user,
            "data": data,
            "chat_id": state.id,
            "message_id": current["message_id"],
        }
        query = {
            "id": query_id,
            "from": user,
            "message": current,
            "chat_instance": state.chat_instance,
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def _push_my_chat_member(
        self, state: ChatState, old: str, new: str, by: JSONDict | None
    ) -> JSONDict:
        if by is None:
            if state.private:
                by = self._users.get(state.id, SERVICE_USER)
            else:
                admins = [u for u, s in state.members.items() if s in ("creator", "administrator")]
                by = self._users[admins[0]] if admins else SERVICE_USER
        change = {
            "chat": state.data,
            "from": by,
            "date": int(time.time()),
            "old_chat_member": _member_dict(self.bot, old),
            "new_chat_member": _member_dict(self.bot, new),
        }
        return self.push_update({"my_chat_member": change})

    def bot_removed(
        self, chat: ChatRef, status: str = "kicked", *, by: JSONDict | None = None
    ) -> JSONDict:
        """The bot is kicked from / leaves a group (or is blocked in a private chat)."""
        if status not in ("kicked", "left"):
            raise ValueError("status must be 'kicked' or 'left'")
        state = self._state(chat)
        old = "member" if state.private else state.bot_status
        if state.private:
            self._blocked.add(state.id)
        else:
            state.bot_status = status
        return self._push_my_chat_member(state, old, status, by)

    def bot_added(
        self, chat: ChatRef, status: str = "member", *, by: JSONDict | None = None
    ) -> JSONDict:
        """The bot is (re-)added to a group as member or administrator."""
        state = self._state(chat)
        old = state.bot_status if state.bot_status in ("left", "kicked") else "left"
        state.bot_status = status
        return self._push_my_chat_member(state, old, status, by)

    def migrate_to_supergroup(
        self, chat: ChatRef, new_id: int, *, by: JSONDict | None = None
    ) -> JSONDict:
        """Upgrade a group; returns the ``migrate_to_chat_id`` message update of the old chat."""
        state = self._state(chat)
        if state.data["type"] != "group":
            raise ValueError("only basic groups can be migrated")
        sender = by or next(
            (self._users[u] for u in state.members if u in self._users), SERVICE_USER
        )
        new_data = {**state.data, "id": new_id, "type": "supergroup"}
        self._chats[new_id] = ChatState(
            new_data, bot_status=state.bot_status, members=dict(state.members)
        )
        update = self.push_update(
            {"message": self._new_message(state, sender, migrate_to_chat_id=new_id)}
        )
        self._migrated[state.id] = new_id
        new_message = self._new_message(self._chats[new_id], sender, migrate_from_chat_id=state.id)
        self.push_update({"message": new_message})
        return update

    # ------------------------------------------------------------------ observation

    def _state_or_none(self, chat: ChatRef) -> ChatState | None:
        cid = norm_chat_id(chat)
        return self._chats.get(cid) if isinstance(cid, int) else None

    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by a getUpdates offset."""
        return list(self._updates)

    def messages(self, chat_id: ChatRef) -> list[JSONDict]:
        """Current (edited, non-deleted) messages of a chat, by message_id."""
        state = self._state_or_none(chat_id)
        return [] if state is None else [state.messages[k] for k in sorted(state.messages)]

    def message(self, chat_id: ChatRef, message_id: int) -> JSONDict | None:
        state = self._state_or_none(chat_id)
        return None if state is None else state.messages.get(message_id)

    def sent_to(self, chat_id: ChatRef) -> list[JSONDict]:
        cid = norm_chat_id(chat_id)
        return [record for record in self.sent if record["chat_id"] == cid]

    def unanswered_callbacks(self) -> list[str]:
        return [qid for qid, query in self.callback_queries.items() if not query["answered"]]

    @staticmethod
    def plain(msg: str | JSONDict) -> str:
        """What the phone shows: text of a sent record / Message, or an HTML string stripped."""
        if isinstance(msg, str):
            return html_to_plain(msg)
        inner = _message_of(msg)
        return str(inner.get("text") or inner.get("caption") or "")

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 10) -> T:
        """Wait until ``predicate()`` is truthy (re-checked on every request/update); return it."""
        cond = self._condition()
        async with cond:
            try:
                async with asyncio.timeout(timeout):
                    while not (result := predicate()):
                        await cond.wait()
                    return result
            except TimeoutError:
                recent = [(c.method, c.status) for c in self.calls[-8:]]
                raise TimeoutError(
                    f"condition not met within {timeout}s; recent calls: {recent}"
                ) from None

    async def wait_sent(
        self, chat_id: ChatRef, count: int = 1, timeout: float = 10
    ) -> list[JSONDict]:
        """Wait for the next ``count`` messages sent to a chat (not returned by earlier calls)."""
        cid = norm_chat_id(chat_id)
        assert cid is not None
        seen = self._sent_seen.get(cid, 0)

        def ready() -> list[JSONDict]:
            records = self.sent_to(cid)
            return records[seen : seen + count] if len(records) >= seen + count else []

        try:
            new = await self.wait_for(ready, timeout)
        except TimeoutError:
            got = [self.plain(r) for r in self.sent_to(cid)[seen:]]
            raise TimeoutError(
                f"expected {count} new message(s) to chat {cid} within {timeout}s, got {got}"
            ) from None
        self._sent_seen[cid] = seen + count
        return new
