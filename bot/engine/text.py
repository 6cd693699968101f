"""Language-aware text helpers: word counts, clause boundaries, negation windows."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’\-][A-Za-z0-9]+)*")
# Clause boundaries: sentence ends, semicolons, colons, commas and "but"; a negation
# only reaches across words of its own clause ("no A/B test, so we shipped" vs "a pilot").
_CLAUSE_BREAK = re.compile(r"[.;:!?\n,，。；：！？]|\bbut\b|\bso\b|\bthen\b", re.IGNORECASE)

# Telegram caps a message at 4,096 characters; an answer is several messages at most.
# Longer input is cut before matching so one pasted essay cannot stall the engine.
MAX_ANALYSED_CHARS = 20_000


def word_count(text: str) -> float:
    """Whitespace-ish word count; CJK characters count half a word (80 chars = 40 words)."""
    cjk = len(_CJK.findall(text))
    latin = len(_WORD.findall(_CJK.sub(" ", text)))
    return latin + cjk / 2


_WRAPPED = re.compile(r"(?<=[^\s.!?;:])\n(?=[a-z(])")


def normalise(text: str) -> str:
    """Unify quotes and dashes so patterns need one spelling, and cap the length.

    A line break inside a sentence (the next line goes on in lowercase) is a wrap, not a
    boundary, so it becomes a space; other line breaks still end a clause.
    """
    text = _WRAPPED.sub(" ", text[:MAX_ANALYSED_CHARS])
    return (
        text.replace("’", "'")
        .replace("‘", "'")
        .replace("“", '"')
        .replace("”", '"')
        .replace("–", "-")
        .replace("—", " - ")
        .replace("\u00a0", " ")
    )


def clause_prefix(text: str, start: int) -> str:
    """The text from the beginning of the clause that contains `start` up to `start`."""
    begin = 0
    for m in _CLAUSE_BREAK.finditer(text, 0, start):
        begin = m.end()
    return text[begin:start]


def last_words(prefix: str, n: int) -> str:
    """The last `n` words of a prefix (CJK characters count as words here)."""
    tokens = re.findall(r"[\w'’]+|[\u4e00-\u9fff]", prefix)
    return " ".join(tokens[-n:])
