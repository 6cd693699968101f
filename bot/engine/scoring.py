"""Rubric scoring: the 0-3 case rubric, the STAR checklist, a technical checklist.

Scores come from the same signals as the probes, so feedback and follow-ups never
disagree about what an answer contains.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.engine.model import Kind


class Analysis(Protocol):
    """What scoring reads: open tags, evidence by name, length (an answer or a judgement)."""

    @property
    def tags(self) -> list[str]: ...

    @property
    def signals(self) -> Mapping[str, str]: ...

    @property
    def words(self) -> float: ...

    def has(self, signal: str) -> bool: ...


# Below this many words an answer cannot carry a framework at all.
_MIN_FRAMEWORK_WORDS = 15


# Which gaps each rubric line stands for: a line met only after a follow-up closed one of
# these is shown apart from a line that was there from the start.
CHECK_TAGS: dict[str, tuple[str, ...]] = {
    "business_metric": ("missing_metric", "proxy_metric"),
    "validation": ("missing_validation",),
    "tradeoff": ("missing_tradeoff",),
    "own_action": ("vague_ownership",),
    "result": ("missing_result",),
    "number": ("missing_metric",),
    "baseline": ("missing_baseline",),
    "owns_failure": ("denies_failure",),
    "situation": ("too_short",),
    "substance": ("too_short",),
}


@dataclass(frozen=True)
class Check:
    """One rubric line: its key (text lives in prompts/messages), met or not, and why."""

    key: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class Score:
    """A rubric result: points out of a maximum, the checklist and the level's key."""

    points: int
    out_of: int
    checks: tuple[Check, ...]
    level: str


def score_answer(
    kind: Kind,
    analysis: Analysis,
    scoring: dict[str, tuple[str, ...]],
    points_share: float | None = None,
    moot: tuple[str, ...] = (),
) -> Score:
    """Score one (possibly probed) answer by kind.

    `points_share` is the share of the question's own points covered (None for a
    question without points): "tailored" needs half of them, so rubric keywords alone
    cannot buy a 2 or a 3.
    """
    if kind == "case":
        score = _score_case(analysis, scoring, points_share)
    elif kind == "behavioral":
        score = _score_star(analysis)
    else:
        score = _score_technical(analysis, points_share)
    return _without_moot(score, moot, counted=kind == "technical")


def _without_moot(score: Score, moot: tuple[str, ...], counted: bool) -> Score:
    """Drop rubric lines the question makes moot (no "validation" line for a question that
    asks for the test design itself); on a checklist they no longer count either."""
    keep = tuple(
        c
        for c in score.checks
        if not (CHECK_TAGS.get(c.key) and set(CHECK_TAGS[c.key]) <= set(moot))
    )
    if len(keep) == len(score.checks):
        return score
    if counted:
        return Score(sum(c.ok for c in keep), len(keep), keep, score.level)
    return Score(score.points, score.out_of, keep, score.level)


def _any(analysis: Analysis, names: tuple[str, ...]) -> bool:
    return any(analysis.has(n) for n in names)


def _score_case(
    analysis: Analysis, scoring: dict[str, tuple[str, ...]], points_share: float | None
) -> Score:
    tags = set(analysis.tags)
    framework = analysis.words >= _MIN_FRAMEWORK_WORDS and _any(
        analysis, scoring.get("framework", ())
    )
    if points_share is not None:
        tailored = framework and points_share >= 0.5
    else:
        tailored = framework and _any(analysis, scoring.get("tailored", ()))
    metric = "missing_metric" not in tags and "proxy_metric" not in tags
    validation = "missing_validation" not in tags
    tradeoff = "missing_tradeoff" not in tags
    checks = (
        Check("business_metric", metric, analysis.signals.get("business_metric", "")),
        Check("validation", validation, analysis.signals.get("validation", "")),
        Check("tradeoff", tradeoff, analysis.signals.get("tradeoff", "")),
        Check("tailored", tailored),
    )
    if not framework:
        points, level = 0, "case_0"
    elif not tailored or not metric:
        points, level = 1, "case_1"
    elif validation and tradeoff:
        points, level = 3, "case_3"
    else:
        points, level = 2, "case_2"
    return Score(points, 3, checks, level)


def _score_star(analysis: Analysis) -> Score:
    tags = set(analysis.tags)
    if "denies_failure" in tags:
        return Score(0, 5, (Check("owns_failure", False),), "star_denied")
    number = (
        analysis.signals.get("result_number")
        or analysis.signals.get("change_claim")
        or analysis.signals.get("number.result", "")
    )
    has_number = bool(number) and "missing_metric" not in tags
    checks = (
        Check("situation", analysis.words >= 25),
        Check("own_action", "vague_ownership" not in tags and analysis.has("own_action")),
        Check("result", "missing_result" not in tags),
        Check("number", has_number, number),
        Check("baseline", has_number and "missing_baseline" not in tags),
    )
    points = sum(c.ok for c in checks)
    return Score(points, 5, checks, "star")


def _score_technical(analysis: Analysis, points_share: float | None) -> Score:
    tags = set(analysis.tags)
    checks = [Check("substance", analysis.words >= _MIN_FRAMEWORK_WORDS)]
    if points_share is not None:
        checks.append(Check("points", points_share >= 0.5))
    checks.append(Check("tradeoff", "missing_tradeoff" not in tags))
    if analysis.has("proposes_rollout_or_model"):
        checks.append(Check("validation", "missing_validation" not in tags))
    points = sum(c.ok for c in checks)
    return Score(points, len(checks), tuple(checks), "technical")
