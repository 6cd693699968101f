"""The per-question state machine: probe order, the probe cap, no gap asked twice."""

from __future__ import annotations

from bot.engine.model import Probe, Question
from bot.engine.rules import RuleSet
from bot.engine.session import Feedback, QuestionState, next_step

Q = Question(
    id="beh-imp-99",
    kind="behavioral",
    text="Describe a project with impact.",
    themes=("impact",),
    strong_points=("Names a baseline",),
)

WE_NO_BASELINE = (
    "Our team rebuilt the recommendation widget on the order page. We cleaned the click "
    "logs, we trained a new ranker and we ran the launch with the app team. After launch "
    "clicks on the widget went up 14% and the product manager kept it as the default."
)


def _answer(state: QuestionState, rules: RuleSet, text: str, cap: int = 2) -> Probe | Feedback:
    state.parts.append(text)
    step = next_step(state, rules, cap)
    if isinstance(step, Probe):
        state.probes.append(step)
    return step


def test_most_important_gap_first_then_the_next(rules: RuleSet) -> None:
    state = QuestionState(Q)
    first = _answer(state, rules, WE_NO_BASELINE)
    assert isinstance(first, Probe) and first.tag == "vague_ownership"
    second = _answer(state, rules, "Honestly it was mostly the others; I watched the launch.")
    assert isinstance(second, Probe) and second.tag == "missing_baseline"
    assert "went up 14%" in second.text


def test_probe_cap_then_feedback(rules: RuleSet) -> None:
    state = QuestionState(Q)
    _answer(state, rules, WE_NO_BASELINE, cap=1)
    done = _answer(state, rules, "nothing else to add", cap=1)
    assert isinstance(done, Feedback)
    assert "missing_baseline" in done.open_tags


def test_zero_probes_gives_feedback_at_once(rules: RuleSet) -> None:
    state = QuestionState(Q)
    assert isinstance(_answer(state, rules, WE_NO_BASELINE, cap=0), Feedback)


def test_a_gap_is_never_probed_twice(rules: RuleSet) -> None:
    state = QuestionState(Q)
    tags = []
    step = _answer(state, rules, "We did it.", cap=5)
    while isinstance(step, Probe):
        tags.append(step.tag)
        step = _answer(state, rules, "We did it again.", cap=5)
    assert len(tags) == len(set(tags)) and tags


def test_answering_the_probe_resolves_the_gap(rules: RuleSet) -> None:
    state = QuestionState(Q)
    _answer(state, rules, WE_NO_BASELINE)
    state.first_tags = ["vague_ownership", "missing_baseline"]
    _answer(state, rules, "My part: I wrote the candidate SQL and I ran the offline checks.")
    done = _answer(state, rules, "Clicks went from 3.5% to 4.0% per visit, vs 3.5% in control.")
    assert isinstance(done, Feedback)
    assert done.open_tags == ()
    assert set(done.resolved_tags) == {"vague_ownership", "missing_baseline"}
    assert done.score.points == 5
