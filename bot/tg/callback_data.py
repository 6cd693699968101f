"""Inline-button data: a tiny versioned codec that rejects anything we did not make."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.engine.model import KINDS

ACTIONS = (
    "next",
    "retry",
    "stop",
    "kind",
    "drill",
    "snooze",
    "skipday",
    "rset",
    "gjoin",
    "gpanel",
    "gstart",
    "gvote",
    "gsum",
    "gend",
    "model",
    "lang",
)
_FORMAT = re.compile(rf"^v1:({'|'.join(ACTIONS)}):([a-z0-9_-]{{1,24}})$")
_FREE_ARG = {"kind", "rset", "lang"}
LANGS = ("en", "zh")  # every other action carries a numeric id
MAX_BYTES = 64  # Telegram's limit for callback_data


@dataclass(frozen=True)
class Button:
    """What a button asks for, and which asked question (or kind) it belongs to."""

    action: str
    arg: str

    def encode(self) -> str:
        data = f"v1:{self.action}:{self.arg}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data


def decode(data: str | None) -> Button | None:
    """Parse button data; None for forged, foreign or outdated formats."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    m = _FORMAT.match(data)
    if m is None:
        return None
    action, arg = m.groups()
    if action == "kind" and arg not in KINDS:
        return None
    if action == "rset" and not re.fullmatch(r"t\d{4}|d(?:all|wk|we)|off", arg):
        return None
    if action == "lang" and arg not in LANGS:
        return None
    if action == "gvote":
        return Button(action, arg) if re.fullmatch(r"\d{1,12}-[0-5]", arg) else None
    if action not in _FREE_ARG and not arg.isdigit():
        return None
    return Button(action, arg)
