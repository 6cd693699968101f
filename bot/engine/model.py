"""Plain data types shared by the engine and its callers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

Kind = Literal["behavioral", "case", "technical"]
KINDS: tuple[Kind, ...] = get_args(Kind)

TAGS: tuple[str, ...] = (
    "missing_metric",
    "missing_baseline",
    "vague_ownership",
    "missing_result",
    "missing_validation",
    "missing_tradeoff",
    "proxy_metric",
    "denies_failure",
    "too_short",
)


@dataclass(frozen=True)
class Point:
    """One thing a strong answer to *this* question covers, how to see it, what to ask.

    `evidence` holds patterns over the answer; the point is covered when at least
    `min_hits` of them match, so a point can ask for two ideas together ("cold start"
    and "a fallback"), which a list of rubric keywords does not buy.
    """

    text: str
    evidence: tuple[re.Pattern[str], ...]
    follow_up: str
    min_hits: int = 1


@dataclass(frozen=True)
class Question:
    """One scripted question from the bank (or an ad-hoc one for `analyze`)."""

    id: str
    kind: Kind
    text: str
    themes: tuple[str, ...] = ()
    strong_points: tuple[str, ...] = ()
    lang: str = "en"
    # most important first; strong_points are their texts
    points: tuple[Point, ...] = ()
    model_answer: str = ""
    # generic gap tags this question makes moot (an A/B design question needs no
    # "how would you validate it?")
    moot: tuple[str, ...] = ()
    source: str = ""  # "file:line" of the question, for content errors


@dataclass(frozen=True)
class Probe:
    """A follow-up the engine wants to ask: which rule, which gap, the rendered text."""

    rule_id: str
    tag: str
    text: str
