"""Which of a question's own points an answer covers, with the candidate's words as proof.

Generic tags say what any answer lacks (a baseline, a trade-off); points say what *this*
question needs (interference between buyers, GMV per user vs per order). Both come from
evidence in the text, so feedback can quote the words that earned each tick.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.engine.model import Point, Question
from bot.engine.text import clause_bounds, clause_prefix, last_words, normalise


@dataclass(frozen=True)
class Coverage:
    """One point of a question: covered or not, and the clause that showed it."""

    index: int
    point: Point
    quote: str = ""
    source: int = -1  # which of the covered texts showed it (0: the answer itself)

    @property
    def covered(self) -> bool:
        return bool(self.quote)


def point_coverage(
    point: Point, text: str, negation: re.Pattern[str] | None = None, window: int = 8
) -> str:
    """The clause that shows the point ('' when fewer than `min_hits` patterns match).

    With `negation`, a match negated in its clause does not count: "which was not on me"
    owns nothing, "we never ran a holdout" validates nothing (two negations cancel).
    """
    clean = normalise(text)
    lower = clean.lower()
    hits = [
        m
        for m in (_first_affirmed(p, clean, lower, negation, window) for p in point.evidence)
        if m is not None
    ]
    if len(hits) < point.min_hits:
        return ""
    first = min(hits, key=lambda m: m.start())
    begin, end = clause_bounds(clean, first.start(), first.end())
    return clean[begin:end].strip(" ,;:.\n") or first.group(0)


def _first_affirmed(
    pattern: re.Pattern[str],
    clean: str,
    lower: str,
    negation: re.Pattern[str] | None,
    window: int,
) -> re.Match[str] | None:
    for m in pattern.finditer(clean):
        if negation is None:
            return m
        before = last_words(clause_prefix(lower, m.start()), window)
        if len(negation.findall(before)) % 2 == 0:
            return m
    return None


def cover(
    question: Question,
    texts: Iterable[str],
    negation_for: Callable[[str], tuple[re.Pattern[str], int] | None] | None = None,
) -> list[Coverage]:
    """Coverage of every point over the given texts (the first text that shows it wins).

    `negation_for(text)` gives the negation pattern and window of the text's language.
    """
    texts = list(texts)
    negations = [negation_for(t) if negation_for and t.strip() else None for t in texts]
    out: list[Coverage] = []
    for i, point in enumerate(question.points):
        found = Coverage(i, point)
        for source, (text, neg) in enumerate(zip(texts, negations, strict=True)):
            quote = point_coverage(point, text, *(neg or (None, 8))) if text.strip() else ""
            if quote:
                found = Coverage(i, point, quote, source)
                break
        out.append(found)
    return out


def share_covered(coverage: list[Coverage]) -> float:
    return sum(c.covered for c in coverage) / len(coverage) if coverage else 0.0
