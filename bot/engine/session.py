"""The per-question state machine: answer -> up to N probes -> feedback.

State is a plain value (the caller stores it in the database), so a restart or a
different front end resumes exactly where the candidate was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.engine.model import Probe, Question
from bot.engine.rules import Analysis, RuleSet, analyze, pick_probe
from bot.engine.scoring import Score, score_answer

DEFAULT_MAX_PROBES = 2


@dataclass
class QuestionState:
    """What happened so far for one question."""

    question: Question
    parts: list[str] = field(default_factory=list)
    probes: list[Probe] = field(default_factory=list)
    first_tags: list[str] | None = None

    @property
    def answer_text(self) -> str:
        return "\n\n".join(p for p in self.parts if p.strip())


@dataclass(frozen=True)
class Feedback:
    """The verdict after the last probe: score, gaps found at first, gaps still open."""

    score: Score
    first_tags: tuple[str, ...]
    open_tags: tuple[str, ...]
    probed_tags: tuple[str, ...]
    strong_points: tuple[str, ...]

    @property
    def resolved_tags(self) -> tuple[str, ...]:
        return tuple(t for t in self.first_tags if t not in self.open_tags)


def evaluate(state: QuestionState, rules: RuleSet) -> Analysis:
    q = state.question
    return analyze(rules, q.kind, state.answer_text, q.text, q.themes)


def next_step(
    state: QuestionState, rules: RuleSet, max_probes: int = DEFAULT_MAX_PROBES
) -> Probe | Feedback:
    """After the candidate spoke: the next probe, or the feedback when none is left.

    The caller appends the new text to `state.parts` first and records a returned probe
    in `state.probes`; this function changes nothing itself.
    """
    analysis = evaluate(state, rules)
    first = state.first_tags if state.first_tags is not None else analysis.tags
    if len(state.probes) < max_probes:
        probe = pick_probe(analysis, [p.tag for p in state.probes])
        if probe is not None:
            return probe
    return Feedback(
        score=score_answer(state.question.kind, analysis, dict(rules.scoring)),
        first_tags=tuple(first),
        open_tags=tuple(analysis.tags),
        probed_tags=tuple(p.tag for p in state.probes),
        strong_points=state.question.strong_points,
    )
