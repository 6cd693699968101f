"""72 labelled answers written from the taxonomy alone (tests/unit/data/probe_cases.yaml):
every item must get exactly its gold tags."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.engine.rules import RuleSet, analyze

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "probe_cases.yaml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("item", CASES, ids=[c["id"] for c in CASES])
def test_gold_tags(rules: RuleSet, item: dict[str, Any]) -> None:
    got = set(analyze(rules, item["kind"], item["answer"], item["question"]).tags)
    assert got == set(item["tags"]), item.get("why", "")


def test_the_set_covers_every_tag() -> None:
    tags = {t for c in CASES for t in c["tags"]}
    assert len(tags) == 9 and sum(1 for c in CASES if not c["tags"]) >= 15
