"""Telegram rendering: HTML chunks under the 4,096 limit, keyboards from our texts."""

from __future__ import annotations

from typing import Any

from bot.engine.model import KINDS
from bot.texts import Texts
from bot.tg.callback_data import Button

LIMIT = 4096


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_html(text: str, limit: int = LIMIT) -> list[str]:
    """Split at paragraph, then line, then word boundaries so each chunk fits Telegram.

    Our templates never open a tag across a blank line, so paragraph cuts keep tags
    balanced; a hard cut only ever lands inside plain (escaped) text, never in `&amp;`.
    """
    text = text.strip()
    if utf16_len(text) <= limit:
        return [text] if text else []
    return _pack(_pieces(text, limit), "\n\n", limit)


def _pieces(text: str, limit: int) -> list[str]:
    """Paragraphs that fit; an oversized one is re-packed from its lines (hard-cut if long)."""
    out: list[str] = []
    for para in text.split("\n\n"):
        if utf16_len(para) <= limit:
            out.append(para)
        else:
            parts = [p for line in para.split("\n") for p in _hard_split(line, limit)]
            out.extend(_pack(parts, "\n", limit))
    return out


def _pack(pieces: list[str], sep: str, limit: int) -> list[str]:
    """Greedily join pieces with `sep` into chunks no longer than `limit`."""
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        if current and utf16_len(current + sep + piece) <= limit:
            current += sep + piece
        else:
            if current:
                chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


def _hard_split(line: str, limit: int) -> list[str]:
    parts: list[str] = []
    while utf16_len(line) > limit:
        cut = limit
        while utf16_len(line[:cut]) > limit:
            cut -= 1
        space = line.rfind(" ", 0, cut)
        amp = line.rfind("&", max(0, cut - 8), cut)
        if amp != -1 and ";" not in line[amp:cut]:
            cut = amp  # never split an HTML entity
        elif space > cut // 2:
            cut = space
        parts.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
    parts.append(line)
    return parts


def inline_keyboard(rows: list[list[tuple[str, Button]]]) -> dict[str, Any]:
    """A reply_markup dict (JSON-ready, so it can wait in the outbox)."""
    return {
        "inline_keyboard": [
            [{"text": text, "callback_data": b.encode()} for text, b in row] for row in rows
        ]
    }


def kinds_keyboard(t: Texts) -> dict[str, Any]:
    return inline_keyboard([[(str(t.raw(f"kinds.{k}")), Button("kind", k)) for k in KINDS]])


def after_feedback_keyboard(t: Texts, asked_id: int, model: bool = True) -> dict[str, Any]:
    """Next / Try again / Stop, and (until it was shown) the question's strong answer."""
    rows = [
        [
            (str(t.raw("tg.buttons.next")), Button("next", str(asked_id))),
            (str(t.raw("tg.buttons.retry")), Button("retry", str(asked_id))),
            (str(t.raw("tg.buttons.stop")), Button("stop", str(asked_id))),
        ]
    ]
    if model:
        rows.append([(str(t.raw("feedback.show_model")), Button("model", str(asked_id)))])
    return inline_keyboard(rows)


def language_keyboard() -> dict[str, Any]:
    """Each language named in itself, so anyone can find theirs."""
    return inline_keyboard([[("English", Button("lang", "en")), ("中文", Button("lang", "zh"))]])


def welcome_keyboard(t: Texts) -> dict[str, Any]:
    """The kinds to start with, and the other interface language."""
    other = ("中文", Button("lang", "zh")) if t.lang != "zh" else ("English", Button("lang", "en"))
    return inline_keyboard(
        [[(str(t.raw(f"kinds.{k}")), Button("kind", k)) for k in KINDS], [other]]
    )
