"""Bad input never crashes the engine: empty, huge, emoji, HTML, code, mixed scripts."""

from __future__ import annotations

import pytest

from bot.engine.model import KINDS
from bot.engine.rules import RuleSet, analyze

NASTY = [
    "",
    "   \n\t ",
    "👍🔥🚀" * 50,
    "<b>bold</b> <script>alert(1)</script> &amp; &lt;tag&gt; <a href='x'>link</a>",
    "```sql\nSELECT user_id, COUNT(*) FROM events GROUP BY 1;\n```\nthen I shipped it",
    "我负责了数据清洗，then I built the model and CTR went up 12% 但是没有对照组",
    "x" * 20_000,
    ("we improved it by 15% " * 1000),
    "((((((((((" * 500 + "?*+[",
    "\x00\x01\x02 control chars \u202e reversed",
]


@pytest.mark.parametrize("answer", NASTY, ids=range(len(NASTY)))
@pytest.mark.parametrize("kind", KINDS)
def test_engine_survives(rules: RuleSet, kind: str, answer: str) -> None:
    result = analyze(rules, kind, answer, "Tell me about a failure <b>now</b>")  # type: ignore[arg-type]
    assert isinstance(result.tags, list)
    for gap in result.gaps:
        assert gap.probe.text.strip()


def test_empty_answer_is_too_short(rules: RuleSet) -> None:
    assert "too_short" in analyze(rules, "behavioral", "", "Tell me about impact.").tags
