"""A question's own points: coverage with quotes, the follow-up chosen, moot gaps, and
scores that rubric keywords cannot buy. Questions and answers are written for these tests.
"""

from __future__ import annotations

import re

import pytest

from bot.engine.fragments import looks_unfinished
from bot.engine.model import Point, Probe, Question
from bot.engine.points import cover
from bot.engine.rules import RuleSet
from bot.engine.session import Feedback, QuestionState, next_step


def _p(text: str, follow_up: str, *patterns: str, min_hits: int = 1) -> Point:
    return Point(text, tuple(re.compile(p, re.IGNORECASE) for p in patterns), follow_up, min_hits)


COLD_START = Question(
    "t-cold",
    "case",
    "New sellers get almost no exposure in recommendations because they have no sales "
    "history. How would you handle this cold-start problem?",
    points=(
        _p(
            "Reserves exposure for new sellers and explores",
            "How would new sellers get their first impressions at all?",
            r"\b(?:reserve|boost|slot|quota|explor\w*|bandit|thompson)\b",
            r"\bnew (?:sellers?|items?|listings?)\b",
            min_hits=2,
        ),
        _p(
            "Uses content and category features as a fallback",
            "Without sales history, what would you rank new items on?",
            r"\b(?:content|category|title|image|attribute|price)[- ]?"
            r"(?:based|features?|signals?)?\b.{0,40}\b(?:fallback|instead|until|cold)\b",
        ),
        _p(
            "Names the cost to buyers of showing unproven items",
            "What does showing unproven items cost buyers, and how would you cap it?",
            r"\b(?:cost|hurt|lower|dip|worse)\b.{0,40}\b(?:buyers?|conversion|relevance)\b",
        ),
    ),
)

STRONG = (
    "The goal is GMV from recommendations without hurting buyers. I'd reserve one slot in "
    "ten for new sellers and explore with a bandit, ranking new items on category and title "
    "features as a fallback until they have sales. The cost is that unproven items can lower "
    "conversion for buyers, so I'd cap the slot share and test it on 5% of users first."
)
STUFFED = (
    "First, define the goal: GMV goes up. Step one is a funnel for sellers and buyers. Then "
    "A/B test it on 5% of users. The trade-off is latency. I would change the ranking."
)


def _feedback(rules: RuleSet, q: Question, answer: str, replies: list[str] = ()) -> Feedback:
    state = QuestionState(q, [answer])
    step = next_step(state, rules)
    for reply in replies:
        assert isinstance(step, Probe)
        state.probes.append(step)
        state.parts.append(reply)
        step = next_step(state, rules)
    while isinstance(step, Probe):
        state.probes.append(step)
        state.parts.append("ok")
        step = next_step(state, rules)
    return step


def test_strong_answer_covers_every_point_with_its_own_words(rules: RuleSet) -> None:
    coverage = cover(COLD_START, [STRONG])
    assert all(c.covered for c in coverage)
    for c in coverage:
        assert c.quote in STRONG


def test_keyword_stuffed_answer_scores_at_most_one(rules: RuleSet) -> None:
    fb = _feedback(rules, COLD_START, STUFFED)
    assert fb.score.points <= 1
    assert len(fb.missed_points) >= 2


def test_careful_answer_gets_the_credit_it_earned(rules: RuleSet) -> None:
    fb = _feedback(rules, COLD_START, STRONG)
    assert fb.score.points == 3 and not fb.missed_points and not fb.open_tags


def test_missing_point_is_asked_in_the_questions_words(rules: RuleSet) -> None:
    partial = (
        "I'd reserve one slot in ten for new sellers and explore with a bandit, and test it on "
        "5% of users against a holdout. Success is GMV per buyer; the cost is that unproven "
        "items can lower conversion for buyers, so I'd cap the share."
    )
    step = next_step(QuestionState(COLD_START, [partial]), rules)
    assert isinstance(step, Probe)
    assert step.text == COLD_START.points[1].follow_up


def test_point_closed_in_a_reply_is_marked_late(rules: RuleSet) -> None:
    partial = (
        "I'd reserve one slot in ten for new sellers and explore with a bandit, and test it on "
        "5% of users against a holdout. Success is GMV per buyer; the cost is that unproven "
        "items can lower conversion for buyers, so I'd cap the share."
    )
    fb = _feedback(
        rules,
        COLD_START,
        partial,
        ["Category and price features as a fallback until sales come in."],
    )
    assert 1 in fb.late_points and not fb.missed_points


AB_DESIGN = Question(
    "t-ab",
    "case",
    "The marketplace wants to test a new coupon for buyers. How would you design the A/B test?",
    moot=("missing_validation",),
)


def test_a_moot_gap_is_never_asked(rules: RuleSet) -> None:
    answer = (
        "I'd split buyers 50/50 at random, with GMV per buyer as the primary metric and the "
        "refund rate as a guardrail, and run it for two full weeks. The trade-off is coupon "
        "cost against incremental orders."
    )
    fb = _feedback(rules, AB_DESIGN, answer)
    assert "missing_validation" not in fb.first_tags + fb.open_tags


@pytest.mark.parametrize("answer", ["No idea.", "I don't know, sorry", "idk"])
def test_no_idea_gets_a_hint_not_probes(rules: RuleSet, answer: str) -> None:
    tech = Question("t-x", "technical", "Which model would you use to rank couriers by risk?")
    step = next_step(QuestionState(tech, [answer]), rules)
    assert isinstance(step, Feedback) and step.no_answer and not step.open_tags


@pytest.mark.parametrize(
    ("text", "unfinished"),
    [
        (
            "WITH firsts AS (\n  SELECT user_id, MIN(ts) AS t0 FROM events GROUP BY user_id\n),",
            True,
        ),
        ("```sql\nSELECT 1", True),
        ("```sql\nSELECT 1\n```", False),
        ("SELECT user_id,", True),
        ("WITH a AS (", True),
        ("I would look at three things:", True),
        ("I would split by platform and version, then compare the funnels.", False),
        ("Churn went from 5% to 4%.", False),
    ],
)
def test_looks_unfinished(text: str, unfinished: bool) -> None:
    assert looks_unfinished(text) is unfinished
