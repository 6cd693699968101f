"""Rubric scoring: the case 0-3 levels and the STAR checklist."""

from __future__ import annotations

import pytest

from bot.engine.rules import RuleSet, analyze
from bot.engine.scoring import score_answer

CASE_Q = "Short-video watch time fell 8% among users aged 25-35. Where do you start?"

CASE_LEVELS = [
    ("no idea, maybe ask the team", 0),
    (
        "I would look at the data, find the problem and fix it with a model. Then I would "
        "look at the numbers again and make a presentation for management with next steps.",
        1,
    ),
    (
        "First I'd check that the drop is real, then split watch time per user by device, "
        "creator category and new versus returning viewers. My hypothesis is that the feed "
        "shows too many repeated videos to this cohort; I'd fix the ranking's diversity.",
        2,
    ),
    (
        "First I'd check the drop is real, then split watch time per user by device and "
        "creator category. My hypothesis: the feed repeats videos for this cohort, so I'd add "
        "a diversity penalty to ranking. The trade-off is lower short-term clicks. I'd A/B "
        "test it on 5% of users for two weeks with watch time per user as the metric.",
        3,
    ),
]


@pytest.mark.parametrize(("answer", "points"), CASE_LEVELS)
def test_case_rubric_levels(rules: RuleSet, answer: str, points: int) -> None:
    analysis = analyze(rules, "case", answer, CASE_Q)
    score = score_answer("case", analysis, dict(rules.scoring))
    assert (score.points, score.out_of) == (points, 3)


def test_star_checklist_counts_each_item(rules: RuleSet) -> None:
    answer = (
        "During my internship the refund queue was slow. I wrote a rule that auto-approves "
        "small refunds with photo proof and tested it with the risk team. Average handling "
        "time went from 3 days to 6 hours, and customer complaints about refunds fell."
    )
    score = score_answer("behavioral", analyze(rules, "behavioral", answer, "Impact?"), {})
    assert score.points == 5
    assert [c.key for c in score.checks if c.ok] == [
        "situation",
        "own_action",
        "result",
        "number",
        "baseline",
    ]


def test_star_without_baseline_loses_that_item(rules: RuleSet) -> None:
    answer = (
        "During my internship the refund queue was slow. I wrote a rule that auto-approves "
        "small refunds with photo proof and tested it with the risk team. After launch "
        "handling time dropped 40% and the team kept the rule for every category."
    )
    score = score_answer("behavioral", analyze(rules, "behavioral", answer, "Impact?"), {})
    missing = [c.key for c in score.checks if not c.ok]
    assert missing == ["baseline"]


def test_denied_failure_scores_zero(rules: RuleSet) -> None:
    a = analyze(
        rules,
        "behavioral",
        "I can't think of a failure, I always double check.",
        "Tell me about a time you failed.",
    )
    assert score_answer("behavioral", a, {}).points == 0
