"""Content in prompts/: schemas and a loader that fails fast with file and position."""

from __future__ import annotations

from bot.content.errors import ContentError
from bot.content.loader import Content, load_content

__all__ = ["Content", "ContentError", "load_content"]
