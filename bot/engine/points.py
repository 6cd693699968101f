"""Which of a question's own points an answer covers, with the candidate's words as proof.

Generic tags say what any answer lacks (a baseline, a trade-off); points say what *this*
question needs (interference between buyers, GMV per user vs per order). Both come from
evidence in the text, so feedback can quote the words that earned each tick.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.engine.model import Point, Question
from bot.engine.text import clause_bounds, normalise


@dataclass(frozen=True)
class Coverage:
    """One point of a question: covered or not, and the clause that showed it."""

    index: int
    point: Point
    quote: str = ""

    @property
    def covered(self) -> bool:
        return bool(self.quote)


def point_coverage(point: Point, text: str) -> str:
    """The clause that shows the point ('' when fewer than `min_hits` patterns match)."""
    clean = normalise(text)
    hits = [m for m in (p.search(clean) for p in point.evidence) if m is not None]
    if len(hits) < point.min_hits:
        return ""
    first = min(hits, key=lambda m: m.start())
    begin, end = clause_bounds(clean, first.start(), first.end())
    return clean[begin:end].strip(" ,;:.\n") or first.group(0)


def cover(question: Question, texts: Iterable[str]) -> list[Coverage]:
    """Coverage of every point over the given texts (the first text that shows it wins)."""
    texts = [t for t in texts if t and t.strip()]
    out: list[Coverage] = []
    for i, point in enumerate(question.points):
        quote = next((q for q in (point_coverage(point, t) for t in texts) if q), "")
        out.append(Coverage(i, point, quote))
    return out


def share_covered(coverage: list[Coverage]) -> float:
    return sum(c.covered for c in coverage) / len(coverage) if coverage else 0.0
