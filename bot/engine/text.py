"""Language-aware text helpers: word counts, clause boundaries, negation windows."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’\-][A-Za-z0-9]+)*")
# Clause boundaries: sentence ends, semicolons, colons, commas and "but"; a negation
# only reaches across words of its own clause ("no A/B test, so we shipped" vs "a pilot").
# A point or comma between digits (4.5, 1,200) is part of a number, not a boundary.
_CLAUSE_BREAK = re.compile(
    r"[;:!?\n，。；：！？、]|\.(?!\d)|,(?!\d{3}\b)|\bbut\b|\bso\b|\bthen\b"
    r"|但是|不过|所以|然后|因此|(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])",
    re.IGNORECASE,
)

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
    begin = max(0, start - 300)  # a clause is never longer: keeps long pastes linear
    for m in _CLAUSE_BREAK.finditer(text, begin, start):
        begin = m.end()
    return text[begin:start]


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the clause around text[start:end] begins and ends."""
    begin = max(0, start - 200)
    for m in _CLAUSE_BREAK.finditer(text, begin, start):
        begin = m.end()
    stop = _CLAUSE_BREAK.search(text, end)
    return begin, stop.start() if stop else len(text)


_TOKEN = re.compile(r"[\u4e00-\u9fff]|[^\W\u4e00-\u9fff]+(?:['’][^\W\u4e00-\u9fff]+)*")


def last_words(prefix: str, n: int) -> str:
    """The tail of a prefix holding its last `n` words, as written (each CJK character is
    a word, so 没有 stays 没有 and a Chinese window counts characters)."""
    starts = [m.start() for m in _TOKEN.finditer(prefix)]
    return prefix[starts[-n]:] if len(starts) >= n else prefix


def split_clauses(text: str) -> list[str]:
    """The clauses of a text (the same boundaries as negation scope uses)."""
    out, begin = [], 0
    for m in _CLAUSE_BREAK.finditer(text):
        out.append(text[begin : m.start()])
        begin = m.start()
    out.append(text[begin:])
    return [c for c in out if c.strip()]
