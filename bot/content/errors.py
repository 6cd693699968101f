"""The one error type content loading raises: it always names the file and position."""

from __future__ import annotations

from pathlib import Path


class ContentError(Exception):
    """A problem in a prompts/ file, rendered as `file:line: where: what`."""

    def __init__(self, path: Path | str, message: str, line: int | None = None, where: str = ""):
        self.path = str(path)
        self.line = line
        self.where = where
        self.message = message
        pos = f":{line}" if line else ""
        loc = f" {where}:" if where else ""
        super().__init__(f"{self.path}{pos}:{loc} {message}")
