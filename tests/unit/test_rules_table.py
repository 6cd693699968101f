"""Table-driven rule tests on our own answers: negation, numbers that are not results,
"we" stories with and without the candidate's own part."""

from __future__ import annotations

import pytest

from bot.engine.rules import RuleSet, analyze

FAILURE_Q = "Tell me about a time you failed. What did you learn?"
IMPACT_Q = "Describe a project where your work changed a number that mattered."
CASE_Q = "Cart abandonment on a grocery app is rising. How would you decide what to change?"
TECH_Q = "Would you use gradient boosting or logistic regression for churn scoring?"

# (id, kind, question, answer, expected tags)
CASES: list[tuple[str, str, str, str, set[str]]] = [
    (
        "own-complete",
        "behavioral",
        IMPACT_Q,
        "In my second internship month I saw that the weekly supplier report was assembled "
        "by hand. I wrote a Python job that pulls the six tables, checks for gaps and emails "
        "the file at 7am. Preparing it went from about 3 hours every Monday to 10 minutes, "
        "and the two analysts now spend that morning on supplier calls instead.",
        set(),
    ),
    (
        "we-with-own-part",
        "behavioral",
        IMPACT_Q,
        "We were five people rebuilding the coupon targeting for a food app. My part was the "
        "eligibility SQL: I replaced a hard-coded list with a rule table and added tests. "
        "The rest of the team did the model. Redemption by lapsed users was 7.9% in the test "
        "group against 6.1% in control after three weeks, and my rule table is still used.",
        set(),
    ),
    (
        "we-only",
        "behavioral",
        IMPACT_Q,
        "Our team redesigned the onboarding emails for a language-learning app. We analysed "
        "which lessons new users skipped, we wrote new copy and we set up the send schedule "
        "with marketing. Day-7 retention went from 22% to 26% over the next month, which the "
        "growth lead shared in the quarterly review with everyone.",
        {"vague_ownership"},
    ),
    (
        "no-baseline-percent",
        "behavioral",
        IMPACT_Q,
        "At a travel start-up I owned the hotel ranking tweak: I added a freshness feature "
        "for reviews and retrained the ranker myself, then I ran the launch checklist with "
        "the engineers. After launch bookings from the list page rose 9% and the product "
        "manager kept it as the default ranking for all cities.",
        {"missing_baseline"},
    ),
    (
        "no-baseline-end-value",
        "behavioral",
        IMPACT_Q,
        "I moved the dashboard's heavy aggregation into a nightly materialised table and "
        "rewrote the three slowest queries with window functions myself. Page load time "
        "dropped to 2 seconds and the sales team finally opened it in their morning stand-up "
        "every day, which was the point of the whole exercise for my manager.",
        {"missing_baseline"},
    ),
    (
        "numbers-not-results",
        "behavioral",
        IMPACT_Q,
        "In March 2024, over six weeks in a team of four, I interviewed 18 warehouse leads "
        "about why they ignored our restock alerts. I wrote up the 3 main reasons, redesigned "
        "the alert text with the designer and presented it to the operations director, who "
        "agreed to adopt the new format across the region.",
        {"missing_metric"},
    ),
    (
        "negated-metric",
        "behavioral",
        IMPACT_Q,
        "I rebuilt the returns-reason taxonomy for customer service: I read 500 tickets, "
        "merged overlapping reasons and trained the agents on the new list myself. We never "
        "measured anything before or after, so I can't give you a number, but the team lead "
        "said the weekly report finally made sense to her and kept the new list.",
        {"missing_metric"},
    ),
    (
        "actions-only",
        "behavioral",
        IMPACT_Q,
        "I noticed the app's search logs had no session id, so I proposed a sessionization "
        "rule with a 30-minute gap, wrote the SQL, validated it on two weeks of logs and "
        "documented the edge cases for the analytics team in our wiki page.",
        {"missing_result", "missing_metric"},
    ),
    (
        "proxy-only",
        "behavioral",
        IMPACT_Q,
        "I built the spam filter for seller messages during my internship myself: I labelled "
        "2,000 messages, tried three models and tuned the threshold. F1 went from 0.71 with "
        "the keyword rules to 0.86 with my model, and the trust team adopted it as their "
        "first filter for incoming seller messages.",
        {"proxy_metric"},
    ),
    (
        "stub",
        "behavioral",
        IMPACT_Q,
        "I automated a report and everyone liked it.",
        {"too_short", "missing_metric"},
    ),
    (
        "denial-blame",
        "behavioral",
        FAILURE_Q,
        "The launch of our pricing dashboard slipped a month, but honestly that was not my "
        "fault: the data engineers kept changing the schema and the PM never froze the scope. "
        "I delivered my part on time and documented it well. It was a planning problem on "
        "their side more than anything I could have done better.",
        {"denies_failure"},
    ),
    (
        "denial-none",
        "behavioral",
        FAILURE_Q,
        "I can't think of a real failure, to be honest. I plan carefully, I test my queries "
        "twice and my projects have always shipped on time. If I had to pick something, I can "
        "be too detail-oriented, but that has never caused problems for my team.",
        {"denies_failure"},
    ),
    (
        "owned-failure",
        "behavioral",
        FAILURE_Q,
        "I promised a churn analysis in one week and delivered it in three, because I didn't "
        "check that the events table had a schema change mid-year. That was my mistake. The "
        "retention team started their campaign two weeks later than planned. Since then I "
        "profile every source table on day one, and my next two estimates were within a day.",
        set(),
    ),
    (
        "case-complete",
        "case",
        CASE_Q,
        "Goal first: recover checkout conversion without cutting basket size. I'd split "
        "abandonment by step and device and guess that surprise delivery fees at the last "
        "step drive most of it. Showing the fee earlier is the lever; the cost is that some "
        "users leave earlier, so basket size is the guardrail. I'd A/B test it on 10% of "
        "users for two weeks and compare conversion per session against control.",
        set(),
    ),
    (
        "case-negated-test",
        "case",
        CASE_Q,
        "The goal is checkout conversion. I'd show delivery fees on the product page so "
        "nobody is surprised at the end. The trade-off is that some users may leave earlier, "
        "but it's more honest. We don't need an A/B test for something this obvious, I'd "
        "just ship it to everyone and watch conversion on the dashboard.",
        {"missing_validation"},
    ),
    (
        "case-no-tradeoff",
        "case",
        CASE_Q,
        "Conversion per session is the metric. I'd segment abandonment by step and device, "
        "find the worst step, then build a gradient-boosted model that predicts abandonment "
        "and send a reminder push to high-risk carts. I'd run an A/B test for two weeks on "
        "half of the carts and ship if conversion goes up significantly.",
        {"missing_tradeoff"},
    ),
    (
        "case-we-plan-not-vague",
        "case",
        CASE_Q,
        "We'd start from the funnel: where do carts die, by device and by basket size. If "
        "it's the payment step, we'd test one-tap payment in a two-week experiment, with "
        "checkout conversion as the metric and refund rate as a guardrail. The downside is "
        "engineering time taken from the search roadmap, so we'd cap the work at one sprint.",
        set(),
    ),
    (
        "tech-no-tradeoff-no-test",
        "technical",
        TECH_Q,
        "Gradient boosting, it is always more accurate on tabular data, so I'd train it and "
        "put it into production.",
        {"missing_tradeoff", "missing_validation"},
    ),
    (
        "tech-complete",
        "technical",
        TECH_Q,
        "It depends on who uses the scores. Logistic regression is easier to explain to the "
        "retention team; boosting usually wins a few points of AUC but is harder to audit. "
        "I'd train both and compare them on an out-of-time holdout before picking one.",
        set(),
    ),
    (
        "tech-sql-no-rollout",
        "technical",
        "How would you remove duplicate events from a click log?",
        "Use ROW_NUMBER() over (partition by event_id order by ingest_time desc) and keep the "
        "first row; DISTINCT would miss retries whose timestamps differ by a few milliseconds, "
        "at the cost of a sort per partition.",
        set(),
    ),
]


@pytest.mark.parametrize(
    ("case_id", "kind", "question", "answer", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_rules_on_own_answers(
    rules: RuleSet, case_id: str, kind: str, question: str, answer: str, expected: set[str]
) -> None:
    got = set(analyze(rules, kind, answer, question).tags)  # type: ignore[arg-type]
    assert got == expected, f"{case_id}: got {sorted(got)}, expected {sorted(expected)}"


def test_baseline_probe_quotes_the_claim(rules: RuleSet) -> None:
    answer = CASES[3][3]
    analysis = analyze(rules, "behavioral", answer, IMPACT_Q)
    probe = next(g.probe for g in analysis.gaps if g.rule.tag == "missing_baseline")
    assert "rose 9%" in probe.text


def test_tags_never_leave_their_kinds(rules: RuleSet) -> None:
    stub = "We did it."
    assert set(analyze(rules, "technical", stub, TECH_Q).tags) <= {
        "missing_validation",
        "missing_tradeoff",
    }
    assert "denies_failure" not in analyze(rules, "case", "I never failed.", FAILURE_Q).tags


def test_metric_and_baseline_never_together(rules: RuleSet) -> None:
    for _, kind, q, a, _ in CASES:
        tags = analyze(rules, kind, a, q).tags  # type: ignore[arg-type]
        assert not {"missing_metric", "missing_baseline"} <= set(tags)
