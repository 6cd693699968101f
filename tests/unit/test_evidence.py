"""Evidence extraction: the role of each number, reference points in many forms, results
stated first, negation scope (double negation included), "we" stories with an owned clause.

All answers here are written for these tests, not taken from any labelled set.
"""

from __future__ import annotations

import pytest

from bot.engine.rules import RuleSet, analyze

# (sentence, the number as written, the role it must get)
NUMBER_ROLES: list[tuple[str, str, str]] = [
    ("Page load p90 is now 240 ms, down from 1.1 s.", "240 ms", "result"),
    ("Page load p90 is now 240 ms, down from 1.1 s.", "1.1 s", "reference"),
    ("The screening job flagged 47 fake sellers in its first month.", "47", "result"),
    ("We went from 6 hours of manual work to 25 minutes.", "6 hours", "reference"),
    ("We went from 6 hours of manual work to 25 minutes.", "25 minutes", "result"),
    ("Basket size ended 4% higher than in the untouched regions.", "4%", "result"),
    ("Last quarter the refund rate was 2.8%, this quarter it is 2.1%.", "2.8%", "reference"),
    ("Last quarter the refund rate was 2.8%, this quarter it is 2.1%.", "2.1%", "result"),
    ("Our model finished 3rd of 120 teams in the hackathon.", "3", "rank"),
    ("In 2022 I joined the pricing squad.", "2022", "date"),
    ("I spent 5 weeks on the churn analysis.", "5 weeks", "duration"),
    ("I worked with 4 analysts and two engineers.", "4", "count"),
    ("I set the score threshold at 0.65 before review.", "0.65", "setting"),
    ("We exposed 20% of buyers to the new layout.", "20%", "setting"),
    ("The goal was to reach 15% repeat purchase by June.", "15%", "target"),
    ("The reconciliation now takes 3 minutes instead of 40 minutes.", "3 minutes", "result"),
    ("I found the bug 2 days before the launch.", "2 days", "date"),
    ("I wrote a 12-page memo for the director.", "12", "count"),
    ("The AUC was 0.81 on the out-of-time month.", "0.81", "result"),
    ("It saved the support team $12k a quarter.", "$12k", "result"),
]


@pytest.mark.parametrize(("text", "number", "role"), NUMBER_ROLES)
def test_number_role(rules: RuleSet, text: str, number: str, role: str) -> None:
    found = {e.text: e.role for e in analyze(rules, "behavioral", text).evidence() if e.role}
    assert found.get(number) == role, f"{number!r} in {text!r}: {found}"


IMPACT_Q = "Tell me about a time your analysis changed a decision."
STORY = (
    "At a grocery app I was asked why weekend orders looked weak. I rebuilt the order "
    "table myself, split it by store and by hour, and showed the ops lead that two "
    "stores had been closed for renovation. "
)


@pytest.mark.parametrize(
    ("tail", "needs_baseline"),
    [
        (
            "After the fix, weekend orders came out 9% higher than the same weekends last year.",
            False,
        ),
        ("Weekend orders were 9% above the control stores after the change.", False),
        ("Weekend orders rose 9%, up from a flat trend the quarter before.", False),
        ("Weekend orders grew from 1,200 to 1,310 a day.", False),
        ("Weekend orders rose 9% after the change.", True),
        ("Weekend orders increased by 9 percent.", True),
    ],
)
def test_reference_points_in_every_form(rules: RuleSet, tail: str, needs_baseline: bool) -> None:
    tags = analyze(rules, "behavioral", STORY + tail, IMPACT_Q).tags
    assert ("missing_baseline" in tags) is needs_baseline, tags
    assert "missing_metric" not in tags


def test_result_stated_first_still_counts(rules: RuleSet) -> None:
    answer = (
        "Late deliveries fell from 11% to 7% in six weeks, and that was my project. I noticed "
        "the promise dates ignored courier shift changes, I rebuilt the estimate with shift "
        "data, and I ran it in two districts before the ops team adopted it everywhere."
    )
    tags = analyze(rules, "behavioral", answer, IMPACT_Q).tags
    assert "missing_result" not in tags and "missing_metric" not in tags, tags


CASE_Q = "Should the app move the coupon banner to the top of the cart page?"
CASE_BASE = (
    "The goal is checkout conversion per cart, with average order value as a guardrail. "
    "Moving the banner up could raise coupon use but also cut margin per order, which is the "
    "trade-off I would watch closely. "
)


@pytest.mark.parametrize(
    ("tail", "validated"),
    [
        ("I would never launch this without an A/B test on a share of carts.", True),
        ("We should not skip the holdout; half the carts keep the old layout.", True),
        ("I would run a two-week experiment on 10% of carts first.", True),
        ("We never ran an A/B test on banners, so I would just ship it.", False),
        ("There is no need for an experiment here, I would launch it for everyone.", False),
    ],
)
def test_validation_with_negation_scope(rules: RuleSet, tail: str, validated: bool) -> None:
    tags = analyze(rules, "case", CASE_BASE + tail, CASE_Q).tags
    assert ("missing_validation" not in tags) is validated, tags


@pytest.mark.parametrize(
    ("answer", "vague"),
    [
        (
            "Our team rebuilt the seller onboarding flow. We interviewed sellers, we changed the "
            "forms and we launched it in spring. Activation went from 31% to 38% by summer.",
            True,
        ),
        (
            "Our team rebuilt the seller onboarding flow. We interviewed sellers, and I wrote the "
            "form validation rules myself. Activation went from 31% to 38% by summer.",
            False,
        ),
    ],
)
def test_we_story_with_one_owned_clause(rules: RuleSet, answer: str, vague: bool) -> None:
    tags = analyze(rules, "behavioral", answer, IMPACT_Q).tags
    assert ("vague_ownership" in tags) is vague, tags


def test_sql_answer_without_a_choice_gets_no_tradeoff_probe(rules: RuleSet) -> None:
    question = "Write SQL for the number of buyers who ordered in each of the last 7 days."
    answer = (
        "SELECT order_date, COUNT(DISTINCT buyer_id) AS buyers FROM orders "
        "WHERE order_date >= CURRENT_DATE - 7 GROUP BY order_date ORDER BY order_date;"
    )
    assert "missing_tradeoff" not in analyze(rules, "technical", answer, question).tags


def test_a_choice_without_a_cost_gets_the_tradeoff_probe(rules: RuleSet) -> None:
    question = "Which model would you use to rank couriers by lateness risk?"
    answer = "I'd use gradient boosting on courier history and weather, retrained weekly."
    assert "missing_tradeoff" in analyze(rules, "technical", answer, question).tags


def test_evidence_items_carry_their_spans(rules: RuleSet) -> None:
    answer = "We tested it on 5% of users; conversion rose from 2.0% to 2.3%."
    items = analyze(rules, "case", answer, CASE_Q).evidence()
    assert items, "no evidence found"
    for e in items:
        assert answer[e.start : e.end].strip() == e.text
    assert any(e.kind == "validation" for e in items)
