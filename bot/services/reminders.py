"""Daily drills: reminder settings, claiming due reminders, choosing each user's question."""

from __future__ import annotations

import logging
import math
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.content.loader import Content
from bot.db.models import Reminder, ReminderDelivery, User
from bot.db.repo import Repo
from bot.engine.model import Question
from bot.engine.picking import pick_question
from bot.engine.schedule import (
    DEFAULT_GRACE,
    ScheduleError,
    choose_zone,
    days_to_mask,
    decide,
    mask_to_days,
    next_due,
    parse_days,
    parse_time,
    streak,
)

log = logging.getLogger(__name__)
SNOOZE = timedelta(hours=1)


@dataclass(frozen=True)
class ReminderState:
    zone: str | None
    at: time | None
    days: frozenset[int]
    enabled: bool
    next_due: datetime | None

    @property
    def zone_fixed(self) -> bool:
        """A fixed offset (UTC+8): it does not follow daylight saving."""
        return bool(self.zone) and (self.zone == "UTC" or str(self.zone).startswith("Etc/"))


@dataclass(frozen=True)
class Press:
    """What a drill button did: `done` or the reason it was refused, and the delivery."""

    outcome: str  # done | answered | skipped | snoozed | resent | stale
    delivery: ReminderDelivery | None = None


@dataclass(frozen=True)
class Drill:
    """One morning drill to send."""

    delivery_id: int
    user_id: int
    chat_id: int
    lang: str
    question: Question
    streak: int
    top_gap: str | None
    local_time: str
    snoozed: bool = False  # the same question again after a snooze, labelled as such


class ReminderService:
    """Settings and delivery of reminders; time maths lives in bot.engine.schedule."""

    def __init__(self, content: Content, grace: timedelta = DEFAULT_GRACE) -> None:
        self.content = content
        self.grace = grace

    # ---- settings ---------------------------------------------------------------------------
    async def state(self, repo: Repo, user: User) -> ReminderState:
        r = await repo.reminder_for(user.id)
        if r is None:
            return ReminderState(user.timezone, None, frozenset(), False, None)
        return ReminderState(
            user.timezone, _time(r.at_minute), mask_to_days(r.days_mask), r.enabled, r.next_due_at
        )

    async def set_zone(self, repo: Repo, user: User, text: str, now: datetime) -> ReminderState:
        """Set the zone from a name or city (ScheduleError if unknown); arm a waiting reminder."""
        cities = {name: c.zone for name, c in self.content.cities.items()}
        user.timezone = choose_zone(text, cities).name
        return await self._rearm(repo, user, now)

    async def set_zone_at(
        self, repo: Repo, user: User, lat: float, lon: float, now: datetime
    ) -> ReminderState:
        """A shared location: the zone of the nearest known city."""
        nearest = min(self.content.cities.values(), key=lambda c: _distance(lat, lon, c.lat, c.lon))
        user.timezone = nearest.zone
        return await self._rearm(repo, user, now)

    async def set_reminder(
        self, repo: Repo, user: User, time_text: str, days_text: str, now: datetime
    ) -> ReminderState:
        """Parse and store; without a time zone the reminder waits (enabled once one is set).

        No days given keeps the days already chosen: `/remind 7:45` after Mon–Fri moves
        the time, it does not quietly switch to every day.
        """
        at = parse_time(time_text)
        r = await repo.reminder_for(user.id)
        if days_text.strip() or r is None:
            days = parse_days(days_text)
        else:
            days = mask_to_days(r.days_mask) or parse_days("")
        if r is None:
            r = Reminder(user_id=user.id, at_minute=0)
            await repo.add(r)
        r.at_minute, r.days_mask = at.hour * 60 + at.minute, days_to_mask(days)
        r.enabled, r.disabled_reason = True, None  # a pending snooze still comes back
        r.updated_at = now
        return await self._rearm(repo, user, now)

    async def turn_off(self, repo: Repo, user: User) -> None:
        r = await repo.reminder_for(user.id)
        if r is not None:
            r.enabled, r.next_due_at, r.snoozed_until, r.disabled_reason = (
                False,
                None,
                None,
                "user",
            )

    async def _rearm(self, repo: Repo, user: User, now: datetime) -> ReminderState:
        r = await repo.reminder_for(user.id)
        if r is not None and r.enabled and user.timezone:
            r.next_due_at = next_due(
                now, user.timezone, _time(r.at_minute), mask_to_days(r.days_mask)
            )
        elif r is not None:
            r.next_due_at = None
        return await self.state(repo, user)

    # ---- delivery ---------------------------------------------------------------------------
    async def claim_due(self, repo: Repo, now: datetime, limit: int = 500) -> list[Drill]:
        """Claim due occurrences (once each, across processes) and choose their questions.

        An occurrence older than the grace window is recorded as missed and skipped.
        """
        rows = await repo.due_reminders(now, limit)
        if not rows:
            return []
        horizon = now - timedelta(days=max(self.content.drill.avoid_days, 7))
        history = await repo.answered_since([u.id for _, u in rows], horizon)
        planned: list[tuple[User, str, Question, datetime, bool]] = []
        missed: list[tuple[int, datetime, str, str | None]] = []
        for reminder, user in rows:
            if not user.timezone or user.chat_id is None:
                reminder.next_due_at = None
                continue
            days, at = mask_to_days(reminder.days_mask), _time(reminder.at_minute)
            again: ReminderDelivery | None = None
            if reminder.snoozed_until is not None and reminder.snoozed_until <= now:
                due = reminder.snoozed_until
                reminder.snoozed_until = None
                again = await repo.snoozed_delivery(reminder.id)
            else:
                assert reminder.next_due_at is not None
                due = reminder.next_due_at
                reminder.next_due_at = next_due(now, user.timezone, at, days)
            verdict = decide(due, now, self.grace)
            if not verdict.send:
                log.info(
                    "reminder %s due %s skipped: %s late (grace %s)",
                    reminder.id,
                    due.isoformat(),
                    verdict.late_by,
                    self.grace,
                )
                missed.append((reminder.id, due, "missed", None))
                continue
            question = self._question(user, history.get(user.id, []), now, due, again)
            if question is not None:
                planned.append((user, at.strftime("%H:%M"), question, due, again is not None))
        await repo.claim_deliveries(missed, now)
        by_reminder = {r.user_id: r.id for r, _ in rows}
        claimed = await repo.claim_deliveries(
            [(by_reminder[u.id], due, "queued", q.id) for u, _, q, due, _ in planned], now
        )
        drills: list[Drill] = []
        for user, local_time, question, _due, snoozed in planned:
            delivery_id = claimed.get(by_reminder[user.id])
            if delivery_id is None or user.chat_id is None or user.timezone is None:
                continue  # another dispatcher claimed this occurrence first
            zone = ZoneInfo(user.timezone)
            answered = history.get(user.id, [])
            drills.append(
                Drill(
                    delivery_id=delivery_id,
                    user_id=user.id,
                    chat_id=user.chat_id,
                    lang=user.lang,
                    question=question,
                    streak=streak(
                        {at_.astimezone(zone).date() for _, at_, _ in answered},
                        now.astimezone(zone).date(),
                    ),
                    top_gap=_top_gap(answered, now),
                    local_time=local_time,
                    snoozed=snoozed,
                )
            )
        return drills

    def _question(
        self,
        user: User,
        answered: list[tuple[str, datetime, list[object]]],
        now: datetime,
        due: datetime,
        again: ReminderDelivery | None = None,
    ) -> Question | None:
        if again is not None:  # a snoozed drill comes back as the same question
            again.status = "resent"
            q = self.content.question(again.question_id or "")
            if q is not None:
                return q
        avoid_since = now - timedelta(days=self.content.drill.avoid_days)
        recent = [qid for qid, at, _ in answered if at >= avoid_since]
        weights = Counter(str(t) for _, _, tags in answered for t in tags)
        rng = random.Random(f"{user.id}:{due.isoformat()}")  # a replay picks the same one
        bank = self.content.bank(user.lang)
        return pick_question(
            bank,
            None,
            [],
            rng,
            avoid_ids=recent,
            tag_weights={k: float(v) for k, v in weights.items()},
            tag_themes=self.content.drill.tag_themes,
        ) or pick_question(bank, None, recent, rng)

    # ---- drill buttons: each press checks the state it finds ------------------------------
    async def _pressable(self, repo: Repo, user: User, delivery_id: int) -> Press:
        delivery = await repo.delivery(delivery_id, user.id)
        if delivery is None:
            return Press("stale")
        if delivery.status in ("answered", "skipped", "snoozed", "resent"):
            return Press(delivery.status, delivery)
        if delivery.status != "queued":
            return Press("stale", delivery)
        return Press("done", delivery)

    async def snooze(self, repo: Repo, user: User, delivery_id: int, now: datetime) -> Press:
        """Ask again in an hour; refused once the drill was answered, skipped or snoozed."""
        press = await self._pressable(repo, user, delivery_id)
        r = await repo.reminder_for(user.id)
        if press.outcome != "done" or press.delivery is None:
            return press
        if r is None or not r.enabled:
            return Press("stale", press.delivery)
        r.snoozed_until = now + SNOOZE
        press.delivery.status, press.delivery.until = "snoozed", r.snoozed_until
        return press

    async def skip_today(self, repo: Repo, user: User, delivery_id: int) -> Press:
        """Skip this drill (and any snooze of it); refused once answered or asked again."""
        press = await self._pressable(repo, user, delivery_id)
        if press.outcome not in ("done", "snoozed") or press.delivery is None:
            return press
        r = await repo.reminder_for(user.id)
        if r is not None:
            r.snoozed_until = None
        press.delivery.status, press.delivery.until = "skipped", None
        return Press("done", press.delivery)

    async def delivery_question(self, repo: Repo, user: User, delivery_id: int) -> str | None:
        """Answer now: the drill's question, None if already answered.

        Answering cancels a pending snooze, and marks the other message of a snoozed
        drill answered too, so the question does not come back an hour later.
        """
        delivery = await repo.delivery(delivery_id, user.id)
        if delivery is None or delivery.status in ("answered", "missed"):
            return None
        r = await repo.reminder_for(user.id)
        siblings = await repo.deliveries_of_question(
            delivery.reminder_id, delivery.question_id, delivery.due_at - timedelta(days=1)
        )
        for d in siblings:
            if d.status in ("queued", "snoozed", "resent", "skipped"):
                d.status, d.until = "answered", None
        delivery.status, delivery.until = "answered", None
        if r is not None:
            r.snoozed_until = None
        return delivery.question_id

    async def set_days(
        self, repo: Repo, user: User, days_text: str, now: datetime
    ) -> ReminderState:
        """Change the days and keep the time (08:00 if none was chosen yet)."""
        r = await repo.reminder_for(user.id)
        at = _time(r.at_minute) if r is not None else time(8)
        if not days_text.strip():
            raise ScheduleError("bad_days")
        return await self.set_reminder(repo, user, at.strftime("%H:%M"), days_text, now)


def _time(minute: int) -> time:
    return time(minute // 60, minute % 60)


def _top_gap(answered: list[tuple[str, datetime, list[object]]], now: datetime) -> str | None:
    week = now - timedelta(days=7)
    counts = Counter(str(t) for _, at, tags in answered if at >= week for t in tags)
    return counts.most_common(1)[0][0] if counts else None


def _distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in radians (haversine): enough to find the nearest city."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * math.asin(min(1.0, math.sqrt(a)))
