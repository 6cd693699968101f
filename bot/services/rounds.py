"""Group mock rounds: lobby, candidate turns with prep/answer phases, probes, panel votes."""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from bot.content.loader import Content
from bot.db.models import Round, RoundMember, RoundTurn, RoundVote
from bot.db.repo import Repo
from bot.engine.model import Kind, Probe, Question
from bot.engine.picking import pick_question
from bot.engine.session import Feedback, QuestionState, initial_tags, next_step

MAX_MINUTES = 60
WARN_BEFORE = timedelta(minutes=1)


@dataclass(frozen=True)
class TurnSummary:
    """How a turn ended; only a `scored` turn has a bot score and counts in the leaderboard."""

    candidate: str
    kind: str
    bot_points: int
    bot_out_of: int
    votes: list[int]
    first_tags: list[str]
    open_tags: list[str]
    next_candidate: str | None
    outcome: str = "scored"  # scored | no_answer | unfinished
    feedback: Feedback | None = None

    @property
    def panel_mean(self) -> float | None:
        return statistics.mean(self.votes) if self.votes else None


@dataclass(frozen=True)
class Board:
    """One leaderboard row: scored turns of one kind, bot and panel on their own scales."""

    name: str
    kind: str
    turns: int
    bot_mean: float
    bot_top: int
    panel_mean: float | None
    panel_votes: int


class RoundService:
    """Round state lives in the database with absolute deadlines, so restarts resume it."""

    def __init__(self, content: Content, max_probes: int = 2, seed: int | None = None) -> None:
        self.content = content
        self.max_probes = max_probes
        self._rng = random.Random(seed)

    def max_score(self, kind: str) -> int:
        return 5 if kind == "behavioral" else 3

    async def open_round(
        self,
        repo: Repo,
        chat_id: int,
        opener: int,
        kind: Kind,
        minutes: int,
        prep: int | None = None,
        lang: str = "en",
    ) -> tuple[Round, bool]:
        """A new round, or the chat's open one (second value False)."""
        existing = await self.open_in_chat(repo, chat_id)
        if existing is not None:
            return existing, False
        if prep is None:  # case rounds prepare, then present (the reference loop: 30 + 30)
            prep = minutes // 2 if kind == "case" else 0
        r = Round(
            chat_id=chat_id,
            kind=kind,
            minutes=minutes,
            prep_minutes=prep,
            opened_by=opener,
            lang=lang if lang in self.content.questions else "en",
        )
        await repo.add(r)
        return r, True

    async def open_in_chat(self, repo: Repo, chat_id: int) -> Round | None:
        stmt = (
            select(Round)
            .where(Round.chat_id == chat_id, Round.status.in_(("lobby", "running")))
            .order_by(Round.id.desc())
            .limit(1)
        )
        return (await repo.s.execute(stmt)).scalar()

    async def round_by_id(self, repo: Repo, round_id: int) -> Round | None:
        return await repo.s.get(Round, round_id)

    async def members(self, repo: Repo, r: Round, role: str) -> list[RoundMember]:
        stmt = (
            select(RoundMember)
            .where(RoundMember.round_id == r.id, RoundMember.role == role)
            .order_by(RoundMember.position, RoundMember.id)
        )
        return list((await repo.s.execute(stmt)).scalars())

    async def join(self, repo: Repo, r: Round, user_id: int, name: str, role: str) -> bool:
        """Join as candidate or panel; False if already there. A candidate is not a panellist."""
        current = {(m.tg_user_id, m.role) for m in await self.members(repo, r, "candidate")}
        current |= {(m.tg_user_id, m.role) for m in await self.members(repo, r, "panel")}
        if (user_id, role) in current:
            return False
        other = "panel" if role == "candidate" else "candidate"
        if (user_id, other) in current:
            await repo.s.execute(
                delete(RoundMember).where(
                    RoundMember.round_id == r.id,
                    RoundMember.tg_user_id == user_id,
                    RoundMember.role == other,
                )
            )
        position = len(await self.members(repo, r, role)) + 1
        await repo.add(
            RoundMember(
                round_id=r.id, tg_user_id=user_id, name=name[:128], role=role, position=position
            )
        )
        return True

    async def current_turn(self, repo: Repo, r: Round) -> RoundTurn | None:
        stmt = (
            select(RoundTurn)
            .where(RoundTurn.round_id == r.id, RoundTurn.phase != "done")
            .order_by(RoundTurn.id.desc())
            .limit(1)
        )
        return (await repo.s.execute(stmt)).scalar()

    async def turns(self, repo: Repo, r: Round) -> list[RoundTurn]:
        stmt = select(RoundTurn).where(RoundTurn.round_id == r.id).order_by(RoundTurn.id)
        return list((await repo.s.execute(stmt)).scalars())

    async def next_candidate(self, repo: Repo, r: Round) -> RoundMember | None:
        done = {t.candidate_id for t in await self.turns(repo, r)}
        return next(
            (m for m in await self.members(repo, r, "candidate") if m.tg_user_id not in done), None
        )

    async def start_turn(
        self, repo: Repo, r: Round, now: datetime
    ) -> tuple[RoundTurn, Question] | None:
        """The next candidate's turn; None when nobody is waiting."""
        member = await self.next_candidate(repo, r)
        if member is None:
            return None
        asked = [t.question_id for t in await self.turns(repo, r)]
        bank = self.content.bank(r.lang)
        question = pick_question(bank, r.kind, asked, self._rng)  # type: ignore[arg-type]
        assert question is not None
        phase, minutes = ("prep", r.prep_minutes) if r.prep_minutes else ("answering", r.minutes)
        turn = RoundTurn(
            round_id=r.id,
            candidate_id=member.tg_user_id,
            candidate_name=member.name,
            question_id=question.id,
            phase=phase,
            phase_ends_at=now + timedelta(minutes=minutes),
            started_at=now,
            probe_tags=[],
            noticed=[],
        )
        r.status = "running"
        await repo.add(turn)
        return turn, question

    def question_of(self, turn: RoundTurn) -> Question:
        q = self.content.question(turn.question_id)
        assert q is not None
        return q

    def add_answer(
        self, r: Round, turn: RoundTurn, text: str, now: datetime, message_id: int | None = None
    ) -> None:
        turn.answer_text = (turn.answer_text + "\n" + text).strip()
        parts = list(turn.answer_parts or [])
        index = len(turn.probe_tags or [])  # after a follow-up, replies are a new part
        parts.extend("" for _ in range(index + 1 - len(parts)))
        parts[index] = (parts[index] + "\n" + text).strip()
        turn.answer_parts = parts
        turn.last_message_id = message_id or turn.last_message_id
        turn.last_fragment_at = now
        turn.pending_text = True
        if turn.phase == "prep":  # answering early ends the prep phase
            self.begin_answering(r, turn, now)

    def begin_answering(self, r: Round, turn: RoundTurn, now: datetime) -> None:
        turn.phase, turn.timer_minute = "answering", None
        turn.phase_ends_at = now + timedelta(minutes=r.minutes)

    def evaluate(self, turn: RoundTurn) -> Probe | Feedback:
        """After the candidate paused: the next public probe, or the bot's verdict."""
        q = self.question_of(turn)
        rules = self.content.rules  # each answer is read in the language it is written in
        state = QuestionState(
            question=q,
            parts=_parts(turn),
            probes=[Probe("", t, "") for t in turn.probe_tags or []],
            first_tags=turn.first_tags,
        )
        step = next_step(state, rules, self.max_probes)
        if turn.first_tags is None:
            turn.first_tags = initial_tags(state, rules)
        turn.pending_text = False
        if isinstance(step, Probe):
            turn.probe_tags = [*(turn.probe_tags or []), step.tag]
            turn.phase = "probing"
            return step
        self._finish_answer(turn, step)
        return step

    def verdict(self, turn: RoundTurn) -> Feedback:
        """Time is up: score whatever was said, with no more probes."""
        q = self.question_of(turn)
        state = QuestionState(
            question=q,
            parts=_parts(turn),
            probes=[Probe("", t, "") for t in turn.probe_tags or []],
            first_tags=turn.first_tags,
        )
        step = next_step(state, self.content.rules, max_probes=0)
        assert isinstance(step, Feedback)
        self._finish_answer(turn, step)
        return step

    def _finish_answer(self, turn: RoundTurn, fb: Feedback) -> None:
        turn.first_tags = list(fb.first_tags)
        turn.open_tags = list(fb.open_tags)
        turn.bot_points, turn.bot_out_of = fb.score.points, fb.score.out_of
        turn.phase, turn.phase_ends_at, turn.pending_text = "scoring", None, False

    async def vote(self, repo: Repo, turn: RoundTurn, voter: int, name: str, score: int) -> str:
        """'ok' | 'changed' | 'self' | 'closed' | 'bad'. One vote per panellist, changeable."""
        if turn.phase != "scoring":
            return "closed"
        if voter == turn.candidate_id:
            return "self"
        r = await repo.s.get(Round, turn.round_id)
        if r is None or not 0 <= score <= self.max_score(r.kind):
            return "bad"
        members = {m.tg_user_id for m in await self.members(repo, r, "candidate")}
        members |= {m.tg_user_id for m in await self.members(repo, r, "panel")}
        if voter not in members:  # a stranger's vote is not silently made a panel seat
            return "join"
        existing = (
            await repo.s.execute(
                select(RoundVote).where(RoundVote.turn_id == turn.id, RoundVote.voter_id == voter)
            )
        ).scalar()
        if existing is not None:
            existing.score = score
            return "changed"
        await repo.add(RoundVote(turn_id=turn.id, voter_id=voter, score=score))
        return "ok"

    async def votes(self, repo: Repo, turn: RoundTurn) -> list[int]:
        stmt = select(RoundVote.score).where(RoundVote.turn_id == turn.id).order_by(RoundVote.id)
        return list((await repo.s.execute(stmt)).scalars())

    async def close_turn(self, repo: Repo, r: Round, turn: RoundTurn, now: datetime) -> TurnSummary:
        """End the turn. No answer: `no_answer`; ended before the verdict (mid follow-up):
        `unfinished`; neither is scored or ranked. Otherwise `scored`."""
        if not (turn.answer_text or "").strip():
            outcome = "no_answer"
        elif turn.phase != "scoring":
            outcome = "unfinished"
        else:
            outcome = "scored"
        feedback = self.verdict(turn) if outcome != "no_answer" else None
        if outcome != "scored":
            turn.bot_points = turn.bot_out_of = None
        turn.phase, turn.ended_at, turn.outcome = "done", now, outcome
        nxt = await self.next_candidate(repo, r)
        return TurnSummary(
            candidate=turn.candidate_name,
            kind=r.kind,
            bot_points=turn.bot_points or 0,
            bot_out_of=turn.bot_out_of or self.max_score(r.kind),
            votes=await self.votes(repo, turn) if outcome == "scored" else [],
            first_tags=list(turn.first_tags or []),
            open_tags=list(turn.open_tags or []),
            next_candidate=nxt.name if nxt else None,
            outcome=outcome,
            feedback=feedback,
        )

    async def voters(self, repo: Repo, r: Round, turn: RoundTurn) -> tuple[list[str], int]:
        """Names of who voted on this turn, and how many panel seats can vote on it."""
        names = {m.tg_user_id: m.name for m in await self.members(repo, r, "panel")}
        names.update({m.tg_user_id: m.name for m in await self.members(repo, r, "candidate")})
        stmt = select(RoundVote.voter_id).where(RoundVote.turn_id == turn.id).order_by(RoundVote.id)
        voted = [names.get(v, "?") for v in (await repo.s.execute(stmt)).scalars()]
        stmt2 = select(RoundVote.voter_id).where(RoundVote.turn_id == turn.id)
        seats = {m.tg_user_id for m in await self.members(repo, r, "panel")}
        seats |= set((await repo.s.execute(stmt2)).scalars())  # a candidate who voted counts
        seats.discard(turn.candidate_id)
        return voted, len(seats)

    async def end_round(self, r: Round, now: datetime) -> None:
        r.status, r.closed_at = "closed", now

    async def live_turns(
        self, repo: Repo, chat_id: int | None = None
    ) -> list[tuple[Round, RoundTurn]]:
        """Turns still being prepared or answered (of one chat, or of every chat)."""
        stmt = (
            select(Round, RoundTurn)
            .join(RoundTurn, RoundTurn.round_id == Round.id)
            .where(Round.status == "running", RoundTurn.phase.in_(("prep", "answering", "probing")))
        )
        if chat_id is not None:
            stmt = stmt.where(Round.chat_id == chat_id)
        return [(r, t) for r, t in (await repo.s.execute(stmt)).all()]

    async def migrate_chat(self, repo: Repo, old: int, new: int) -> None:
        await repo.s.execute(update(Round).where(Round.chat_id == old).values(chat_id=new))

    async def close_chat(self, repo: Repo, chat_id: int, now: datetime) -> int:
        result = await repo.s.execute(
            update(Round)
            .where(Round.chat_id == chat_id, Round.status.in_(("lobby", "running")))
            .values(status="closed", closed_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def leaderboard(self, repo: Repo, chat_id: int) -> list[Board]:
        """Scored turns only, per candidate and kind; ranked by the panel's mean where the
        panel voted, then by the bot's, each as a share of its own maximum."""
        stmt = (
            select(Round.kind, RoundTurn)
            .join(RoundTurn, RoundTurn.round_id == Round.id)
            .where(Round.chat_id == chat_id, RoundTurn.phase == "done")
        )
        rows: dict[tuple[str, str], list[tuple[float, list[int]]]] = {}
        for kind, turn in (await repo.s.execute(stmt)).all():
            if (turn.outcome or "scored") != "scored" or turn.bot_points is None:
                continue
            votes = await self.votes(repo, turn)
            rows.setdefault((turn.candidate_name, kind), []).append((turn.bot_points, votes))
        out = []
        for (name, kind), items in rows.items():
            votes = [v for _, vs in items for v in vs]
            out.append(
                Board(
                    name=name,
                    kind=kind,
                    turns=len(items),
                    bot_mean=statistics.mean(b for b, _ in items),
                    bot_top=self.max_score(kind),
                    panel_mean=statistics.mean(votes) if votes else None,
                    panel_votes=len(votes),
                )
            )

        def rank(b: Board) -> tuple[int, float, float, int]:
            panel = (b.panel_mean or 0) / b.bot_top
            return (b.panel_mean is None, -panel, -b.bot_mean / b.bot_top, -b.turns)

        return sorted(out, key=rank)


def _parts(turn: RoundTurn) -> list[str]:
    """The answer, then each follow-up reply (older rows kept only the joined text)."""
    return list(turn.answer_parts or []) or [turn.answer_text or ""]
