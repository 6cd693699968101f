"""The bot's command names in one place: the menus (setMyCommands) and the group handler
that points private-only commands to the private chat read the same lists."""

from __future__ import annotations

# the private chat's menu, in the order shown
PRIVATE_MENU = (
    "practice",
    "done",
    "skip",
    "stop",
    "export",
    "remind",
    "timezone",
    "settings",
    "language",
    "help",
)
GROUP_MENU = ("mockround", "nextcandidate", "endround", "leaderboard")
# sent in a group, these get a pointer to the private chat (/help works everywhere)
PRIVATE_ONLY = ("start", *(c for c in PRIVATE_MENU if c != "help"))
