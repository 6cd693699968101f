"""Sending pace: Telegram's limits kept per chat, so one busy chat never slows the others.

PTB's AIORateLimiter answers any 429 by pausing every request of the bot, and its group
limiter makes the caller wait: a chat that floods us would delay everyone's replies. Here
the overall rate is paced in one smooth stream, and each chat's own limit is checked by the
outbox before it sends, without waiting (the row simply goes out a little later).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import BaseRateLimiter

# Telegram: about one message a second in a chat, 20 a minute in a group.
PRIVATE_LIMIT = (1, 1.0)
GROUP_LIMIT = (20, 60.0)


class SmoothLimiter(BaseRateLimiter[int]):
    """At most `per_second` chat requests a second, evenly spaced; a 429 goes to the caller.

    No retries and no global pause here: the outbox retries the one chat that got the 429.
    """

    def __init__(self, per_second: float) -> None:
        self._limiter = AsyncLimiter(1, 1 / per_second)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if data.get("chat_id") is None:  # callback answers, getMe…: not counted by Telegram
            return await callback(*args, **kwargs)
        async with self._limiter:
            return await callback(*args, **kwargs)


class ChatPace:
    """Per-chat sliding windows of recent sends; `wait` says how long until the next may go."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._sent: dict[int, deque[float]] = {}

    @staticmethod
    def limit(chat_id: int) -> tuple[int, float]:
        return PRIVATE_LIMIT if chat_id > 0 else GROUP_LIMIT

    def wait(self, chat_id: int) -> float:
        hits = self._sent.get(chat_id)
        if not hits:
            return 0.0
        count, period = self.limit(chat_id)
        now = self.clock()
        while hits and hits[0] <= now - period:
            hits.popleft()
        if len(hits) < count:
            return 0.0
        return hits[0] + period - now

    def sent(self, chat_id: int) -> None:
        """Record a send when Telegram has answered: its clock saw it no later than now."""
        count, _ = self.limit(chat_id)
        self._sent.setdefault(chat_id, deque(maxlen=count)).append(self.clock())

    def forget_idle(self) -> None:
        now = self.clock()
        for chat_id in [c for c, h in self._sent.items() if not h or h[-1] <= now - 60]:
            del self._sent[chat_id]
