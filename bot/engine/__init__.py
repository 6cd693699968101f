"""Pure interview logic: probe rules, scoring, the per-question state machine.

Nothing here imports Telegram, SQLAlchemy or does I/O, so every front end and the
`analyze` command share it unchanged.
"""

from __future__ import annotations

from bot.engine.model import Kind, Question
from bot.engine.rules import Analysis, RuleSet, analyze

__all__ = ["Analysis", "Kind", "Question", "RuleSet", "analyze"]
