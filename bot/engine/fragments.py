"""Does a typed answer look finished? Shared by the console (a blank line sends) and the
Telegram grace period (a pause sends), so neither cuts a SQL query or a list in two.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^\s*```", re.MULTILINE)
# a line that clearly goes on: a trailing comma or operator, an open clause keyword
_CONTINUES = re.compile(
    r"(?:[,(\[{+\-*/=<>]|\b(?:and|or|with|as|select|from|where|join|on|by|then|when|case|"
    r"union(?: all)?|having|in|not|to|because|so|but|like|e\.g\.|i\.e\.))\s*$"
    r"|(?::)\s*$|\.\.\.\s*$|…\s*$",
    re.IGNORECASE,
)


def open_brackets(text: str) -> int:
    """Round and square brackets opened and not closed (outside quotes, roughly)."""
    depth = 0
    for ch in re.sub(r"'[^'\n]*'|\"[^\"\n]*\"", "", text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}" and depth > 0:
            depth -= 1
    return depth


def looks_unfinished(text: str) -> bool:
    """True when the text so far stops mid-thought: inside a ``` block, with an open
    bracket, or on a line that ends with a comma, an operator or "WITH … AS (".
    """
    if not text.strip():
        return False
    if len(_FENCE.findall(text)) % 2 == 1:
        return True
    if open_brackets(text) > 0:
        return True
    last = text.rstrip().splitlines()[-1]
    return bool(_CONTINUES.search(last))


_SENTENCE_END = re.compile(
    r"[.!?。！？;；)）\]」』”\"']\s*$|```\s*$|[^\w\s,，:：(（\[{+\-*/=<>…]\s*$"
)


def answer_looks_unfinished(text: str) -> bool:
    """For a chat answer typed in several messages: unfinished as above, or the last
    message stops without ending a sentence ("so the first thing i did"). An emoji or a
    closing bracket ends one."""
    if looks_unfinished(text):
        return True
    stripped = text.rstrip()
    return bool(stripped) and not _SENTENCE_END.search(stripped)
