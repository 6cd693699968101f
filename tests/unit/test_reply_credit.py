"""A reply to a probe is judged as a reply: it closes a gap only with positive evidence.

Each case is checked both ways: a reply with the evidence closes the gap, and a reply
without it (or one that only says it cannot answer) leaves the gap open.
"""

from __future__ import annotations

import pytest

from bot.engine.model import Probe, Question
from bot.engine.rules import RuleSet
from bot.engine.session import Feedback, QuestionState, next_step

FAIL_Q = Question("t-fail", "behavioral", "Tell me about a time you failed.")
IMPACT_Q = Question("t-impact", "behavioral", "Describe a project where your work moved a number.")
CASE_Q = Question(
    "t-case", "case", "Should the food app cut the delivery fee for small baskets in one city?"
)

DENIAL = (
    "To be honest I can't think of a real failure. The projects I worked on went fine, and "
    "when a deadline slipped it was because the data engineering team delivered the tables "
    "late, which was not my fault."
)
NO_BASELINE = (
    "At my internship I owned the refund dashboard. I rewrote the SQL behind it myself, added "
    "a daily freshness check and walked the ops leads through it. After launch, refund "
    "handling time dropped by 30% and the ops lead made it the team's default view."
)
NO_VALIDATION = (
    "The goal is more orders without losing margin, so the primary metric is contribution "
    "margin per order, with order count as the driver. I'd cut the fee only for baskets under "
    "15 dollars, where fee sensitivity is highest. The trade-off is lower fee revenue per "
    "order, which only pays off if order volume rises enough to cover it."
)

OWNED = (
    "I forgot to exclude test accounts, so churn was overstated by 3 points; I told the "
    "PM the same day and added a row-count check."
)


def _converse(rules: RuleSet, q: Question, answer: str, replies: list[str]) -> Feedback:
    """Run answer -> probes -> replies through the state machine until feedback."""
    state = QuestionState(q, [answer])
    step = next_step(state, rules)
    for reply in replies:
        assert isinstance(step, Probe), f"expected a probe before {reply!r}, got feedback"
        state.probes.append(step)
        state.parts.append(reply)
        step = next_step(state, rules)
    while isinstance(step, Probe):  # no more replies: the candidate says nothing useful
        state.probes.append(step)
        state.parts.append("ok")
        step = next_step(state, rules)
    return step


@pytest.mark.parametrize(
    ("question", "answer", "tag", "reply", "closed"),
    [
        (
            IMPACT_Q,
            NO_BASELINE,
            "missing_baseline",
            "It was about 40 minutes per refund before.",
            True,
        ),
        (IMPACT_Q, NO_BASELINE, "missing_baseline", "Compared with the month before launch.", True),
        (
            IMPACT_Q,
            NO_BASELINE,
            "missing_baseline",
            "I don't remember the exact baseline, sorry.",
            False,
        ),
        (IMPACT_Q, NO_BASELINE, "missing_baseline", "ok", False),
        (IMPACT_Q, NO_BASELINE, "missing_baseline", "Yes, it was a big improvement.", False),
        (
            CASE_Q,
            NO_VALIDATION,
            "missing_validation",
            "I'd start with a 1% canary in one district.",
            True,
        ),
        (
            CASE_Q,
            NO_VALIDATION,
            "missing_validation",
            "Half the districts keep the old fee as a control group.",
            True,
        ),
        (
            CASE_Q,
            NO_VALIDATION,
            "missing_validation",
            "We wouldn't run an experiment, it's obvious.",
            False,
        ),
        (CASE_Q, NO_VALIDATION, "missing_validation", "No idea.", False),
        (
            FAIL_Q,
            DENIAL,
            "denies_failure",
            OWNED,
            True,
        ),
        (
            FAIL_Q,
            DENIAL,
            "denies_failure",
            "Like I said, it was really the other team's delay.",
            False,
        ),
    ],
)
def test_reply_closes_a_gap_only_with_evidence(
    rules: RuleSet, question: Question, answer: str, tag: str, reply: str, closed: bool
) -> None:
    fb = _converse(rules, question, answer, [reply])
    assert tag in fb.first_tags
    assert (tag in fb.resolved_tags) is closed, (fb.closed, fb.open_tags)
    assert (tag in fb.open_tags) is not closed


def test_owned_failure_replaces_the_denial_in_the_score(rules: RuleSet) -> None:
    reply = (
        "I forgot to exclude test accounts, so churn was overstated by 3 points; I told the "
        "PM the same day and added a row-count check."
    )
    fb = _converse(rules, FAIL_Q, DENIAL, [reply])
    assert fb.score.level == "star" and fb.score.points >= 3
    assert "denies_failure" not in fb.open_tags


def test_the_closing_quote_comes_from_the_reply(rules: RuleSet) -> None:
    fb = _converse(rules, CASE_Q, NO_VALIDATION, ["I'd start with a 1% canary in one district."])
    quote = next(c.quote for c in fb.closed if c.tag == "missing_validation")
    assert "canary" in quote and quote in "I'd start with a 1% canary in one district."


def test_a_check_closed_late_is_marked_apart(rules: RuleSet) -> None:
    late = _converse(rules, CASE_Q, NO_VALIDATION, ["I'd start with a 1% canary in one district."])
    early = _converse(rules, CASE_Q, NO_VALIDATION + " I'd pilot it in one district first.", [])
    assert "missing_validation" in late.resolved_tags
    assert "missing_validation" not in early.first_tags and not early.resolved_tags
    assert any(c.key == "validation" and c.ok for c in late.score.checks)
