"""Evidence: what an answer contains, each item with its kind and the exact words.

Tags are derived from evidence, never the other way round, so a probe, a rubric check
and a line of feedback can all point at the same span of the candidate's text. Every
number also gets a *role* (a result, a reference point, a target, a setting, a date, a
count, a duration of the work, a rank): "caught 31 mule accounts" and "a team of 31"
are the same digits and different evidence. The cues for each role are data in the
rules file (`numbers:`); this module only applies them in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.engine.text import clause_bounds

NUMBER_PREFIX = "number."
# Spoken answers hold a few dozen numbers; past this a text is a pasted table, and reading
# the role of every cell would only slow the engine (a 20,000-character paste stays fast).
MAX_NUMBERS = 120


@dataclass(frozen=True)
class Evidence:
    """One thing found in an answer: its kind, the words as written, where, and how."""

    kind: str
    text: str
    start: int
    end: int
    role: str = ""
    negated: bool = False


@dataclass(frozen=True)
class NumberRole:
    """A role and its cues: `token` must match the number (if given); then any cue.

    `before` is matched against the clause up to the number, `after` against the clause
    after it, `clause` anywhere in the clause. With no cue, the token alone decides.
    `unless` (on the clause before) vetoes the role: "cut it to 3 days" is no duration.
    """

    role: str
    token: re.Pattern[str] | None = None
    before: re.Pattern[str] | None = None
    after: re.Pattern[str] | None = None
    clause: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None
    both: bool = False  # every given cue must hold, not just one

    def holds(self, token: str, before: str, after: str) -> bool:
        if self.token is not None and not self.token.search(token):
            return False
        if self.unless is not None and self.unless.search(before):
            return False
        cues = [c for c in (self.before, self.after, self.clause) if c is not None]
        if not cues:
            return True
        if self.both:
            return (
                (self.before is None or bool(self.before.search(before)))
                and (self.after is None or bool(self.after.search(after)))
                and (self.clause is None or bool(self.clause.search(before + token + after)))
            )
        return bool(
            (self.before is not None and self.before.search(before))
            or (self.after is not None and self.after.search(after))
            or (self.clause is not None and self.clause.search(before + token + after))
        )


@dataclass(frozen=True)
class NumberRoles:
    """How to find numbers and which role each gets (first role that holds wins)."""

    token: re.Pattern[str]
    roles: tuple[NumberRole, ...]
    default: str = "count"

    @property
    def names(self) -> tuple[str, ...]:
        return (*(r.role for r in self.roles), self.default)

    def classify(self, lower: str, original: str) -> Iterator[Evidence]:
        """Every number in the (lowercased) text with its role, in reading order (lazily:
        a rule asking "is there a result number?" stops at the first one)."""
        for count, m in enumerate(self.token.finditer(lower)):
            if count >= MAX_NUMBERS:
                return
            begin, end = clause_bounds(lower, m.start(), m.end())
            before = lower[max(begin, m.start() - 60) : m.start()]
            after = lower[m.end() : min(end, m.end() + 60)]
            token = m.group(0).strip()
            role = next((r.role for r in self.roles if r.holds(token, before, after)), self.default)
            yield Evidence(
                NUMBER_PREFIX + role,
                original[m.start() : m.end()].strip(),
                m.start(),
                m.end(),
                role=role,
            )
