"""`python -m bot analyze`: JSON Lines in, probe tags out (the eval contract)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import TextIO, cast

from bot.content.loader import Content
from bot.engine.model import KINDS, Kind
from bot.engine.rules import analyze


def analyze_stream(content: Content, lines: Iterable[str], out: TextIO) -> int:
    """Answer every input line with one output line, in order; bad lines get an error key."""
    count = 0
    for raw in lines:
        if not raw.strip():
            continue
        count += 1
        try:
            item = json.loads(raw)
            if not isinstance(item, dict):
                raise ValueError("each line must be a JSON object")
        except ValueError as exc:
            out.write(json.dumps({"id": None, "tags": [], "error": f"line {count}: {exc}"}) + "\n")
            continue
        lang = str(item.get("lang") or "en")
        kind = item.get("kind")
        rules = content.rules.get(lang) or content.rules["en"]
        if kind not in KINDS:
            out.write(
                json.dumps({"id": item.get("id"), "tags": [], "error": f"unknown kind {kind!r}"})
                + "\n"
            )
            continue
        question = str(item.get("question") or "")
        bank = content.question(str(item.get("question_id") or ""), lang)
        themes = bank.themes if bank else ()
        result = analyze(rules, cast(Kind, kind), str(item.get("answer") or ""), question, themes)
        out.write(
            json.dumps({"id": item.get("id"), "tags": result.tags}, ensure_ascii=False) + "\n"
        )
    out.flush()
    return 0


def main(content: Content) -> int:
    return analyze_stream(content, sys.stdin, sys.stdout)
