"""`python -m bot analyze` keeps the eval contract: one line out per line in, in order."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(lines: list[str]) -> list[dict[str, object]]:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "analyze"],
        input="\n".join(lines),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_order_ids_and_tags() -> None:
    items = [
        {
            "id": "a",
            "lang": "en",
            "kind": "behavioral",
            "question": "Tell me about a mistake you made.",
            "answer": "I can't think of one honestly, I always double check everything.",
        },
        {
            "id": 7,
            "lang": "en",
            "kind": "technical",
            "question": "Precision or recall?",
            "answer": "Recall, obviously, catching fraud is the point, so I'd deploy it.",
        },
        {
            "id": "c",
            "lang": "en",
            "kind": "case",
            "question": "Improve the feed?",
            "answer": "use deep learning",
        },
    ]
    out = _run([json.dumps(i) for i in items])
    assert [o["id"] for o in out] == ["a", 7, "c"]
    assert out[0]["tags"] == ["denies_failure", "too_short"]
    assert set(out[1]["tags"]) == {"missing_tradeoff", "missing_validation"}  # type: ignore[arg-type]
    assert "too_short" in out[2]["tags"]  # type: ignore[operator]


def test_bad_lines_get_an_error_not_a_crash() -> None:
    out = _run(["not json", json.dumps({"id": "x", "kind": "poem", "answer": "hi"})])
    assert len(out) == 2 and all("error" in o for o in out)
