"""Question picking: never repeat while fresh questions remain, favour weak gap tags."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from bot.engine.model import Kind, Question


def pick_question(
    bank: Sequence[Question],
    kind: Kind | None,
    asked_ids: Sequence[str],
    rng: random.Random,
    avoid_ids: Sequence[str] = (),
    tag_weights: Mapping[str, float] | None = None,
    tag_themes: Mapping[str, Sequence[str]] | None = None,
    theme: str | None = None,
) -> Question | None:
    """Pick the next question of `kind` (any kind when None).

    Fresh questions come first; once all were asked, the least recently asked one that
    is not in `avoid_ids`; `theme` narrows the pool to one theme. `tag_weights` (gap
    tag -> how often the user shows it) and `tag_themes` (gap tag -> themes that practise
    it) bias the choice toward weak spots.
    """
    pool = [q for q in bank if (kind is None or q.kind == kind)]
    if theme is not None:
        pool = [q for q in pool if theme in q.themes]
    pool = [q for q in pool if q.id not in set(avoid_ids)]
    if not pool:
        return None
    asked = set(asked_ids)
    fresh = [q for q in pool if q.id not in asked]
    if not fresh:
        order = {qid: i for i, qid in enumerate(asked_ids)}  # later index = more recent
        oldest = min(order.get(q.id, -1) for q in pool)
        fresh = [q for q in pool if order.get(q.id, -1) == oldest]
    if tag_weights and tag_themes:
        weights = [1.0 + _theme_weight(q, tag_weights, tag_themes) for q in fresh]
        return rng.choices(fresh, weights=weights, k=1)[0]
    return rng.choice(fresh)


def _theme_weight(
    q: Question, tag_weights: Mapping[str, float], tag_themes: Mapping[str, Sequence[str]]
) -> float:
    return sum(w for tag, w in tag_weights.items() if set(tag_themes.get(tag, ())) & set(q.themes))
