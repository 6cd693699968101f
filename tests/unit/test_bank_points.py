"""Follow-ups and scores on real bank questions: the probe a real interviewer would ask,
no moot probe, keyword-stuffed answers held to 1/3, careful answers credited.

Answers are written for these tests (not taken from any labelled set).
"""

from __future__ import annotations

import pytest

from bot.content.loader import Content
from bot.content.model_answers import check_model_answers
from bot.engine.model import Probe, Question
from bot.engine.rules import RuleSet
from bot.engine.session import Feedback, QuestionState, next_step

AB_DESIGN_WITHOUT_INTERFERENCE = (
    "I'd split buyers 50/50 at random for two full weeks. The primary metric is GMV net of "
    "the coupon cost per buyer, with refund rate and seller cancellations as guardrails. To "
    "detect a 1% lift with 80% power I'd need roughly 400k buyers per arm, which we have. "
    "The trade-off is that the coupon cost is paid up front while the gain may be small."
)
KEYWORDS_ONLY = (
    "First, define the goal: GMV goes up. Step one is a funnel for sellers and buyers. Then "
    "A/B test it on 5% of users. The trade-off is latency. I would change the ranking."
)
CAREFUL_COLD_START = (
    "If new sellers never get seen they leave, and next year we have less supply and worse "
    "prices for buyers. For a new item I'd rank on its category, title, price and images "
    "until it has sales, and give new sellers a small exploration share, say 5% of slots. "
    "Conversion can dip a little on those slots, so I'd cap the slot share and watch buyer "
    "conversion as a guardrail, and test it against a holdout while tracking how many new "
    "sellers are still active after 60 days."
)
OFF_TOPIC = (
    "I'd redesign the homepage feed: more banners for big promotions, a bigger search bar, "
    "and a daily check-in reward. Success is DAU, and I'd A/B test it on 10% of users; the "
    "trade-off is more clutter on the screen."
)


def _run(
    rules: RuleSet, q: Question, answer: str, replies: tuple[str, ...] = ()
) -> tuple[list[Probe], Feedback]:
    state = QuestionState(q, [answer])
    probes: list[Probe] = []
    step = next_step(state, rules)
    pending = list(replies)
    while isinstance(step, Probe):
        probes.append(step)
        state.probes.append(step)
        state.parts.append(pending.pop(0) if pending else "ok")
        step = next_step(state, rules)
    return probes, step


def test_ab_design_question_asks_about_interference_not_validation(
    content: Content, rules: RuleSet
) -> None:
    q = content.question("case-mkt-02")
    assert q is not None
    probes, fb = _run(rules, q, AB_DESIGN_WITHOUT_INTERFERENCE)
    assert probes, "a design that ignores interference deserves a follow-up"
    assert probes[0].text == q.points[1].follow_up  # the interference point
    assert all(p.tag != "missing_validation" for p in probes)
    assert "missing_validation" not in fb.first_tags


def test_keyword_stuffed_answer_scores_at_most_one(content: Content, rules: RuleSet) -> None:
    q = content.question("case-mkt-01")
    assert q is not None
    _, fb = _run(rules, q, KEYWORDS_ONLY)
    assert fb.score.points <= 1, fb.score


def test_careful_answer_gets_the_credit_it_earned(content: Content, rules: RuleSet) -> None:
    q = content.question("case-mkt-01")
    assert q is not None
    _, fb = _run(rules, q, CAREFUL_COLD_START)
    assert fb.score.points >= 2, (fb.score, [c.point.text for c in fb.missed_points])
    assert "missing_tradeoff" not in fb.first_tags
    assert sum(c.covered for c in fb.points) >= 3


def test_off_topic_answer_is_not_tailored(content: Content, rules: RuleSet) -> None:
    q = content.question("case-mkt-01")
    assert q is not None
    _, fb = _run(rules, q, OFF_TOPIC)
    assert sum(c.covered for c in fb.points) < len(q.points) / 2
    assert fb.score.points <= 1


@pytest.mark.parametrize("kind", ["technical", "case", "behavioral"])
def test_no_idea_gets_a_hint_and_no_probe(content: Content, rules: RuleSet, kind: str) -> None:
    q = content.bank("en", kind)[0]  # type: ignore[arg-type]
    probes, fb = _run(rules, q, "No idea.")
    assert not probes and fb.no_answer
    assert len(fb.missed_points) == len(q.points)


def test_every_model_answer_passes_its_own_question(content: Content) -> None:
    assert check_model_answers(content, require_all=True) == []
