"""Telegram-style formatted text parsing (HTML, MarkdownV2, Markdown) for the fake Bot API."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

Entity = dict[str, Any]

__all__ = [
    "Entity",
    "EntityParseError",
    "UnsupportedParseModeError",
    "detect_bot_commands",
    "html_to_plain",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "parse_text",
    "strip_whitespace",
    "utf16_len",
]


class EntityParseError(ValueError):
    """Unparsable text; ``str(exc)`` is Telegram's detail after "can't parse entities: "."""


class UnsupportedParseModeError(ValueError):
    """The ``parse_mode`` is none of HTML, Markdown, MarkdownV2."""


_SPACES = frozenset(" \t\r\n\v\f\0")
_TRIM = " \t\r\n\v\f"
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE = re.compile(r"&(#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,9}|[A-Za-z][A-Za-z0-9]*);")
_HTML_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
_SIMPLE_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler",
}  # fmt: skip
_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
    "spoiler": "Spoiler", "text_link": "TextUrl", "custom_emoji": "CustomEmoji",
    "code": "Code", "pre": "Pre",
}  # fmt: skip
_BOT_COMMAND_RE = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])")


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (how Telegram measures text)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _boff(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _entity(kind: str, offset: int, length: int, **extra: Any) -> Entity:
    return {"type": kind, "offset": offset, "length": length, **extra}


def _sorted(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


class _Out:
    """Output text accumulator that tracks the UTF-16 offset."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.u16 = 0

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.u16 += utf16_len(chunk)

    def since(self, pos: int) -> str:
        return "".join(self.parts[pos:])

    def text(self) -> str:
        return "".join(self.parts)


@dataclass
class _Open:
    name: str
    offset: int  # UTF-16 offset in the output
    pos: int  # index into _Out.parts
    byte: int  # byte offset in the input (for error messages)
    arg: str = ""
    expandable: bool = False


# --------------------------------------------------------------------------- HTML


def _decode_html_entity(text: str, i: int) -> tuple[str, int] | None:
    match = _HTML_ENTITY_RE.match(text, i)
    if match is None:
        return None  # a bare '&' is plain text, like Telegram
    body = match.group(1)
    if body[0] != "#":
        if body in _NAMED_ENTITIES:
            return _NAMED_ENTITIES[body], match.end()
        raise EntityParseError(
            f'Unsupported HTML entity "&{body};" at byte offset {_boff(text, i)}'
        )
    code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def _parse_start_tag(text: str, i: int, out: _Out) -> tuple[_Open, int]:
    """Parse ``<tag attr=...>`` at ``text[i] == '<'``; return the open tag and next index."""
    n, begin = len(text), i
    boff = _boff(text, begin)
    i += 1
    j = i
    while j < n and text[j] not in _SPACES and text[j] != ">":
        j += 1
    if j >= n:
        raise EntityParseError(f"Unclosed start tag at byte offset {boff}")
    tag = text[i:j].lower()
    if tag not in _HTML_TAGS:
        raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {boff}')
    opened = _Open(tag, out.u16, len(out.parts), boff)
    i = j
    while True:
        while i < n and text[i] in _SPACES:
            i += 1
        if i >= n:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {boff}')
        if text[i] == ">":
            i += 1
            break
        attr_begin = i
        while i < n and text[i] not in _SPACES and text[i] not in "=>":
            i += 1
        attr = text[attr_begin:i].lower()
        if not attr:
            raise EntityParseError(f'Empty attribute name in the tag "{tag}" at byte offset {boff}')
        while i < n and text[i] in _SPACES:
            i += 1
        if i >= n or text[i] != "=":
            if tag == "blockquote" and attr == "expandable":
                opened.expandable = True
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {boff}"
            )
        i += 1
        while i < n and text[i] in _SPACES:
            i += 1
        if i >= n:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {boff}')
        if text[i] in "'\"":
            quote, chars = text[i], []
            i += 1
            while i < n and text[i] != quote:
                decoded = _decode_html_entity(text, i) if text[i] == "&" else None
                if decoded is not None:
                    chars.append(decoded[0])
                    i = decoded[1]
                    continue
                chars.append(text[i])
                i += 1
            if i >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {boff}")
            i += 1
            value = "".join(chars)
        else:
            token_begin = i
            while i < n and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
                i += 1
            value = text[token_begin:i].lower()
            if i >= n or (text[i] not in _SPACES and text[i] != ">"):
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {_boff(text, token_begin)}"
                )
        if tag == "a" and attr == "href":
            opened.arg = value
        elif tag == "code" and attr == "class" and value.startswith("language-"):
            opened.arg = value[len("language-") :]
        elif tag == "span" and attr == "class" and value.startswith("tg-"):
            opened.arg = value[len("tg-") :]
        elif tag == "tg-emoji" and attr == "emoji-id":
            opened.arg = value
        # Any other attribute is silently ignored, as Telegram does.
    if tag == "span" and opened.arg != "spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {boff}')
    if tag == "tg-emoji" and not opened.arg.isdigit():
        raise EntityParseError(
            f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {boff}'
        )
    return opened, i


def _close_html_tag(top: _Open, out: _Out, entities: list[Entity]) -> None:
    length = out.u16 - top.offset
    if length <= 0:
        return
    last = entities[-1] if entities else None
    same_range = last is not None and last["offset"] == top.offset and last["length"] == length
    if top.name in _SIMPLE_TAGS:
        entities.append(_entity(_SIMPLE_TAGS[top.name], top.offset, length))
    elif top.name == "a":
        url = top.arg or out.since(top.pos)
        if url and not any(ch.isspace() for ch in url):
            entities.append(_entity("text_link", top.offset, length, url=url))
    elif top.name == "code":
        entities.append(_entity("code", top.offset, length, _language=top.arg))
    elif top.name == "pre":
        if same_range and last is not None and last["type"] == "code":
            entities.pop()
            language = last.get("_language")
            extra = {"language": language} if language else {}
            entities.append(_entity("pre", top.offset, length, **extra))
        else:
            entities.append(_entity("pre", top.offset, length))
    elif top.name == "blockquote":
        kind = "expandable_blockquote" if top.expandable else "blockquote"
        entities.append(_entity(kind, top.offset, length))
    elif top.name == "tg-emoji":
        entities.append(_entity("custom_emoji", top.offset, length, custom_emoji_id=top.arg))


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """Parse Telegram HTML into ``(plain_text, entities)`` or raise :class:`EntityParseError`."""
    out = _Out()
    stack: list[_Open] = []
    entities: list[Entity] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                out.add(decoded[0])
                i = decoded[1]
                continue
        if ch != "<":
            out.add(ch)
            i += 1
            continue
        if i + 1 >= n or text[i + 1] != "/":
            opened, i = _parse_start_tag(text, i, out)
            stack.append(opened)
            continue
        boff = _boff(text, i)
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {boff}")
        j = i + 2
        while j < n and text[j] not in _SPACES and text[j] != ">":
            j += 1
        end_name = text[i + 2 : j].lower()
        while j < n and text[j] in _SPACES:
            j += 1
        if j >= n or text[j] != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {boff}")
        i = j + 1
        top = stack.pop()
        if end_name and end_name != top.name:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {boff}, expected "</{top.name}>", '
                f'found "</{end_name}>"'
            )
        _close_html_tag(top, out, entities)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    for entity in entities:
        entity.pop("_language", None)
    return out.text(), _sorted(entities)


# --------------------------------------------------------------------------- MarkdownV2


def _escaped(text: str, i: int) -> bool:
    return text[i] == "\\" and i + 1 < len(text) and 0 < ord(text[i + 1]) <= 126


def _pre_language(text: str, i: int) -> tuple[str, int]:
    """After an opening ```: read an optional language and skip one leading newline."""
    n, end = len(text), i
    while end < n and text[end] not in _SPACES and text[end] != "`":
        end += 1
    language = ""
    if end != i and end < n and text[end] != "`":
        language, i = text[i:end], end
    if i < n and text[i] in "\r\n":
        i += 2 if i + 1 < n and text[i + 1] in "\r\n" and text[i] != text[i + 1] else 1
    return language, i


def _reserved(ch: str) -> EntityParseError:
    return EntityParseError(
        f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
    )


def _close_link(text: str, i: int, top: _Open, out: _Out, entities: list[Entity]) -> int:
    """Close a text link / custom emoji at ``](url)`` (``text[i] == ']'``); return next index."""
    n = len(text)
    i += 1
    if i < n and text[i] == "(":
        url_begin = i
        i += 1
        chars: list[str] = []
        while i < n and text[i] != ")":
            if _escaped(text, i):
                chars.append(text[i + 1])
                i += 2
                continue
            chars.append(text[i])
            i += 1
        if i >= n:
            raise EntityParseError(
                f"Can't find end of a URL at byte offset {_boff(text, url_begin)}"
            )
        i += 1
        url = "".join(chars)
    else:
        url = out.since(top.pos)
    length = out.u16 - top.offset
    if top.name == "custom_emoji":
        match = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
        if match is None:
            raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
        if length > 0:
            entities.append(_entity("custom_emoji", top.offset, length, custom_emoji_id=match[1]))
    elif length > 0 and url and not any(c.isspace() for c in url):
        entities.append(_entity("text_link", top.offset, length, url=url))
    return i


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2 into ``(plain_text, entities)`` or raise :class:`EntityParseError`."""
    out = _Out()
    stack: list[_Open] = []
    entities: list[Entity] = []
    quote: _Open | None = None
    quote_end = 0
    i, n = 0, len(text)

    def toggle(kind: str) -> None:
        top = stack[-1] if stack else None
        if top is not None and top.name == kind:
            stack.pop()
            if out.u16 > top.offset:
                entities.append(_entity(kind, top.offset, out.u16 - top.offset))
        else:
            stack.append(_Open(kind, out.u16, len(out.parts), _boff(text, i)))

    def close_quote(end: int) -> None:
        assert quote is not None
        kind = "expandable_blockquote" if quote.expandable else "blockquote"
        if end > quote.offset:
            entities.append(_entity(kind, quote.offset, end - quote.offset))

    while i < n:
        ch = text[i]
        top = stack[-1] if stack else None
        if top is not None and top.name in ("code", "pre"):
            if _escaped(text, i):
                out.add(text[i + 1])
                i += 2
            elif (top.name == "code" and ch == "`") or (
                top.name == "pre" and text.startswith("```", i)
            ):
                stack.pop()
                if out.u16 > top.offset:
                    extra = {"language": top.arg} if top.arg else {}
                    entities.append(_entity(top.name, top.offset, out.u16 - top.offset, **extra))
                i += 1 if top.name == "code" else 3
            else:
                out.add(ch)
                i += 1
            continue
        if i == 0 or text[i - 1] == "\n":
            if quote is None and text.startswith("**>", i):
                quote = _Open(
                    "blockquote", out.u16, len(out.parts), _boff(text, i), expandable=True
                )
                i += 3
                continue
            if ch == ">":
                if quote is None:
                    quote = _Open("blockquote", out.u16, len(out.parts), _boff(text, i))
                i += 1
                continue
            if quote is not None:
                close_quote(quote_end)
                quote = None
        if _escaped(text, i):
            out.add(text[i + 1])
            i += 2
            continue
        if ch not in _MDV2_RESERVED:
            if ch == "\n":
                quote_end = out.u16
            out.add(ch)
            i += 1
            continue
        if (
            ch == "|"
            and text.startswith("||", i)
            and quote is not None
            and quote.expandable
            and (i + 2 == n or text[i + 2] == "\n")
            and not (top is not None and top.name == "spoiler")
        ):
            close_quote(out.u16)
            quote = None
            i += 2
            continue
        if ch == "*":
            toggle("bold")
            i += 1
        elif ch == "_":
            italic = (top is not None and top.name == "italic") or not text.startswith("__", i)
            toggle("italic" if italic else "underline")
            i += 1 if italic else 2
        elif ch == "~":
            toggle("strikethrough")
            i += 1
        elif ch == "|" and text.startswith("||", i):
            toggle("spoiler")
            i += 2
        elif ch == "[" or (ch == "!" and text.startswith("![", i)):
            kind = "text_link" if ch == "[" else "custom_emoji"
            stack.append(_Open(kind, out.u16, len(out.parts), _boff(text, i)))
            i += 1 if ch == "[" else 2
        elif ch == "]" and top is not None and top.name in ("text_link", "custom_emoji"):
            stack.pop()
            i = _close_link(text, i, top, out, entities)
        elif ch == "`":
            opened = _Open("code", out.u16, len(out.parts), _boff(text, i))
            if text.startswith("```", i):
                opened.name = "pre"
                opened.arg, i = _pre_language(text, i + 3)
                opened.offset, opened.pos = out.u16, len(out.parts)
            else:
                i += 1
            stack.append(opened)
        else:
            raise _reserved(ch)
    if stack:
        top = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_NAMES[top.name]} entity at byte offset {top.byte}"
        )
    if quote is not None:
        close_quote(out.u16)
    return out.text(), _sorted(entities)


# --------------------------------------------------------------------------- legacy Markdown


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    """Parse legacy Telegram Markdown into ``(plain_text, entities)``."""
    out = _Out()
    entities: list[Entity] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if ch not in "_*`[":
            out.add(ch)
            i += 1
            continue
        begin = i
        end_char = "]" if ch == "[" else ch
        is_pre, language = False, ""
        i += 1
        if ch == "`" and text.startswith("``", i):
            is_pre = True
            language, i = _pre_language(text, i + 2)
        offset, pos = out.u16, len(out.parts)
        while i < n and (text[i] != end_char or (is_pre and not text.startswith("```", i))):
            out.add(text[i])
            i += 1
        if i >= n:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {_boff(text, begin)}"
            )
        length = out.u16 - offset
        if ch == "[":
            url = out.since(pos)
            if i + 1 < n and text[i + 1] == "(":
                close = text.find(")", i + 2)
                if close == -1:
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {_boff(text, i + 1)}"
                    )
                url, i = text[i + 2 : close], close
            if length > 0 and url and not any(c.isspace() for c in url):
                entities.append(_entity("text_link", offset, length, url=url))
        elif length > 0:
            if is_pre:
                extra = {"language": language} if language else {}
                entities.append(_entity("pre", offset, length, **extra))
            else:
                kind = {"_": "italic", "*": "bold", "`": "code"}[ch]
                entities.append(_entity(kind, offset, length))
        i += 3 if is_pre else 1
    return out.text(), _sorted(entities)


# --------------------------------------------------------------------------- helpers


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Parse ``text`` according to ``parse_mode`` (case-insensitive, like the Bot API)."""
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise UnsupportedParseModeError(parse_mode)


def strip_whitespace(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim leading/trailing whitespace like Telegram does, shifting and clipping entities."""
    left = len(text) - len(text.lstrip(_TRIM))
    stripped = text.strip(_TRIM)
    shift, size = utf16_len(text[:left]), utf16_len(stripped)
    result: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, size)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


def detect_bot_commands(text: str) -> list[Entity]:
    """``bot_command`` entities for every ``/command[@bot]`` in ``text``, as Telegram sets them."""
    return [
        _entity("bot_command", utf16_len(text[: m.start()]), utf16_len(m.group()))
        for m in _BOT_COMMAND_RE.finditer(text)
    ]


def html_to_plain(text: str) -> str:
    """Strip tags and unescape entities: a lenient "what the phone shows" for HTML strings."""
    return html.unescape(re.sub(r"<[^>]*>", "", text))
