"""Question picking: no repeats while fresh ones remain, then the least recently asked."""

from __future__ import annotations

import random

from bot.engine.model import Question
from bot.engine.picking import pick_question

BANK = [
    Question(
        id=f"q{i}",
        kind="case" if i % 2 else "behavioral",
        text=f"Q{i}",
        themes=("impact",) if i == 2 else ("conflict",),
    )
    for i in range(6)
]


def test_only_the_requested_kind_and_no_repeats() -> None:
    rng = random.Random(1)
    asked: list[str] = []
    for _ in range(3):
        q = pick_question(BANK, "case", asked, rng)
        assert q is not None and q.kind == "case" and q.id not in asked
        asked.append(q.id)


def test_when_all_asked_take_the_oldest() -> None:
    q = pick_question(BANK, "case", ["q3", "q5", "q1"], random.Random(2))
    assert q is not None and q.id == "q3"


def test_avoid_ids_and_empty_pool() -> None:
    assert pick_question(BANK, "case", [], random.Random(), avoid_ids=["q1", "q3", "q5"]) is None


def test_weights_favour_weak_spots() -> None:
    rng = random.Random(3)
    picks = [
        pick_question(
            BANK,
            "behavioral",
            [],
            rng,
            tag_weights={"missing_metric": 50.0},
            tag_themes={"missing_metric": ["impact"]},
        )
        for _ in range(200)
    ]
    share = sum(1 for q in picks if q and q.id == "q2") / len(picks)
    assert share > 0.8
