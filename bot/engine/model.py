"""Plain data types shared by the engine and its callers."""

from __future__ import annotations

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
class Question:
    """One scripted question from the bank (or an ad-hoc one for `analyze`)."""

    id: str
    kind: Kind
    text: str
    themes: tuple[str, ...] = ()
    strong_points: tuple[str, ...] = ()
    lang: str = "en"


@dataclass(frozen=True)
class Probe:
    """A follow-up the engine wants to ask: which rule, which gap, the rendered text."""

    rule_id: str
    tag: str
    text: str
