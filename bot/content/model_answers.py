"""Every model answer must pass its own question: no follow-up, full marks, all points.

A model answer the engine would probe teaches the candidate the wrong thing, and a point
its own model answer does not cover is a point whose evidence patterns are wrong.
"""

from __future__ import annotations

from bot.content.loader import Content
from bot.engine.model import Probe, Question
from bot.engine.rules import RuleSet
from bot.engine.session import QuestionState, next_step


def check_model_answer(q: Question, rules: RuleSet) -> list[str]:
    """Problems with one question's model answer, each as 'file:line: id: what'."""
    where = f"{q.source}: {q.id}"
    if not q.model_answer:
        return [f"{where}: no model_answer"]
    if not q.points:
        return [f"{where}: no points (each needs text, evidence and follow_up)"]
    step = next_step(QuestionState(q, [q.model_answer]), rules)
    if isinstance(step, Probe):
        return [f"{where}: the model answer draws a follow-up ({step.tag}): {step.text}"]
    problems = [
        f"{where}: the model answer misses its own point {c.index + 1}: {c.point.text}"
        for c in step.missed_points
    ]
    if step.score.points < step.score.out_of:
        failed = ", ".join(c.key for c in step.score.checks if not c.ok)
        problems.append(
            f"{where}: the model answer scores {step.score.points}/{step.score.out_of} ({failed})"
        )
    return problems


def check_model_answers(content: Content, require_all: bool = True) -> list[str]:
    """All problems across the bank; questions without points are skipped unless required."""
    problems: list[str] = []
    for lang, bank in content.questions.items():
        rules = content.rules.get(lang) or content.rules["en"]
        for q in bank:
            if not require_all and not q.points and not q.model_answer:
                continue
            problems.extend(check_model_answer(q, rules))
    return problems
