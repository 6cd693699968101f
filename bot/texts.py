"""UI texts from prompts/messages/<lang>.yaml, with HTML-escaped placeholders."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

_TAG = re.compile(r"<[^>]+>")


class Texts:
    """Look up a message by dotted key; fall back to English, then to the key itself."""

    def __init__(self, messages: Mapping[str, Mapping[str, Any]], lang: str = "en") -> None:
        self.lang = lang if lang in messages else "en"
        self._tables = [messages.get(lang) or {}, messages.get("en") or {}]

    def raw(self, key: str) -> Any:
        for table in self._tables:
            node: Any = table
            for part in key.split("."):
                node = node.get(part) if isinstance(node, Mapping) else None
            if node is not None:
                return node
        return key

    def html(self, key: str, **values: object) -> str:
        """The text as HTML: the template is trusted, every value is escaped."""
        template = str(self.raw(key))
        if not key.endswith("_html"):
            template = html.escape(template, quote=False)
        safe = {k: html.escape(str(v), quote=False) for k, v in values.items()}
        return template.format(**safe)


def to_plain(text: str) -> str:
    """What a phone would show for our HTML: tags dropped, entities unescaped."""
    return html.unescape(_TAG.sub("", text))
