"""Private practice: ask, collect the answer, probe, score, summarise, export."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.content.loader import Content
from bot.db.models import AskedQuestion, Feedback, InterviewSession, User, utcnow
from bot.db.repo import Repo
from bot.engine.fragments import answer_looks_unfinished
from bot.engine.model import Kind, Probe, Question
from bot.engine.picking import pick_question
from bot.engine.session import DEFAULT_MAX_PROBES, QuestionState, initial_tags, next_step
from bot.engine.session import Feedback as FeedbackResult


@dataclass(frozen=True)
class Turn:
    """What the front end should show after an action."""

    question: Question | None = None
    number: int = 0
    asked_id: int = 0
    probe: Probe | None = None
    feedback: FeedbackResult | None = None
    resumed: bool = False
    exhausted: Kind | None = None


@dataclass(frozen=True)
class Summary:
    answered: int
    gaps: dict[str, int] = field(default_factory=dict)
    scores: list[tuple[str, int, int]] = field(default_factory=list)


class PracticeService:
    """The interview flow on top of the engine, shared by every front end."""

    def __init__(
        self, content: Content, max_probes: int = DEFAULT_MAX_PROBES, seed: int | None = None
    ) -> None:
        self.content = content
        self.max_probes = max_probes
        self._rng = random.Random(seed)

    # ---- users ----------------------------------------------------------------------
    async def console_user(self, repo: Repo, key: str, lang: str | None = None) -> User:
        """The console's user; `lang` (when given and available) switches its language."""
        user = await repo.user_by_console(key)
        if user is None:
            user = User(console_key=key, first_name=key)
            await repo.add(user)
        if lang is not None:
            self.set_language(user, lang)
        return user

    async def telegram_user(
        self, repo: Repo, tg_user_id: int, chat_id: int, first_name: str, lang: str | None
    ) -> User:
        user = await repo.user_by_tg(tg_user_id)
        if user is None:
            user = User(
                tg_user_id=tg_user_id,
                chat_id=chat_id,
                first_name=first_name[:128],
                lang=self._lang(lang),
            )
            await repo.add(user)
        else:
            user.chat_id = chat_id
            user.first_name = first_name[:128]
            user.blocked_at = None
        return user

    def _lang(self, code: str | None) -> str:
        code = (code or "en").split("-")[0].lower()
        return code if code in self.content.questions and code in self.content.rules else "en"

    # ---- asking -------------------------------------------------------------------------
    async def current(self, repo: Repo, user: User) -> Turn | None:
        """The open question (to resume it), or None."""
        aq = await repo.current_question(user.id)
        if aq is None:
            return None
        q = self._question(aq)
        probe = aq.probes[-1] if aq.probes else None
        return Turn(
            question=q,
            number=await repo.answered_before(aq) + 1,
            resumed=True,
            probe=Probe(probe.rule_id, probe.tag, probe.text) if probe else None,
        )

    def theme_kind(self, theme: str, lang: str = "en") -> Kind | None:
        """The kind whose questions carry this theme (`/practice sql` -> technical)."""
        return next((q.kind for q in self.content.bank(lang) if theme in q.themes), None)

    async def ask(
        self,
        repo: Repo,
        user: User,
        kind: Kind | None = None,
        question_id: str | None = None,
        theme: str | None = None,
    ) -> Turn:
        """Ask a new question (an unanswered open one is set aside as skipped)."""
        session = await repo.open_session(user.id)
        if session is None:
            session = InterviewSession(user_id=user.id, kind=kind)
            await repo.add(session)
        elif kind is not None:
            session.kind = kind
        open_aq = await repo.current_question(user.id)
        if open_aq is not None:
            open_aq.state = "skipped"
            open_aq.finished_at = utcnow()
        question = self.content.question(question_id, user.lang) if question_id else None
        if question is None:
            want = kind or _as_kind(session.kind)
            asked = await repo.asked_question_ids(user.id)
            avoid = [open_aq.question_id] if open_aq else []
            question = pick_question(
                self.content.bank(user.lang), want, asked, self._rng, avoid_ids=avoid, theme=theme
            )
            if question is None:
                return Turn(exhausted=want)
        aq = AskedQuestion(
            session_id=session.id,
            question_id=question.id,
            kind=question.kind,
            lang=question.lang,
            ordinal=await repo.next_ordinal(session.id),
        )
        aq.answers, aq.probes = [], []
        await repo.add(aq)
        return Turn(question=question, number=await repo.answered_before(aq) + 1, asked_id=aq.id)

    async def latest_asked_id(self, repo: Repo, user: User) -> int | None:
        """The newest asked question's id: buttons on older messages are stale."""
        last = await repo.last_question(user.id)
        return last.id if last else None

    async def retry(self, repo: Repo, user: User) -> Turn:
        """Ask the question just scored again, fresh (else the newest one asked)."""
        last = await repo.last_question(user.id, done=True) or await repo.last_question(user.id)
        if last is None:
            return await self.ask(repo, user)
        return await self.ask(repo, user, question_id=last.question_id)

    async def asked(self, repo: Repo, user: User, asked_id: int) -> Question | None:
        """The bank question behind one of this user's asked questions (a button's id)."""
        aq = await repo.asked_question(user.id, asked_id)
        return self._question(aq) if aq is not None else None

    def set_language(self, user: User, lang: str) -> bool:
        """Switch the interface (and question bank) language; False if we lack it."""
        if lang not in self.content.messages or lang not in self.content.questions:
            return False
        user.lang = lang
        return True

    async def model_answer_for(self, repo: Repo, user: User) -> Question | None:
        """The question whose model answer to show: the one just scored, else the open one."""
        last = await repo.last_question(user.id, done=True) or await repo.last_question(user.id)
        return self._question(last) if last is not None else None

    async def skip(self, repo: Repo, user: User) -> Turn:
        session = await repo.open_session(user.id)
        kind = _as_kind(session.kind) if session else None
        return await self.ask(repo, user, kind)

    # ---- answering --------------------------------------------------------------------------
    async def add_fragment(
        self,
        repo: Repo,
        user: User,
        text: str,
        message_id: int | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Store one message of an answer. False when no question is open."""
        aq = await repo.current_question(user.id)
        if aq is None:
            return False
        answer = await repo.open_answer(aq)
        await repo.add_fragment(answer, text, message_id, now or utcnow())
        return True

    async def edit_fragment(self, repo: Repo, user: User, message_id: int, text: str) -> bool:
        """Replace an edited message's text while its answer is still unsent."""
        fragment = await repo.fragment_by_message(user.id, message_id)
        if fragment is None:
            return False
        fragment.text = text
        fragment.edited_at = utcnow()
        return True

    async def has_pending_answer(self, repo: Repo, user: User) -> bool:
        aq = await repo.current_question(user.id)
        if aq is None:
            return False
        answer = await repo.open_answer(aq)
        return bool(answer.fragments) and answer.submitted_at is None

    async def submit(self, repo: Repo, user: User) -> Turn | None:
        """Evaluate the collected answer: the next probe, or feedback. None if nothing to send."""
        aq = await repo.current_question(user.id, lock=True)
        if aq is None:
            return None
        answer = await repo.open_answer(aq)
        text = "\n".join(f.text for f in answer.fragments if f.text.strip())
        if answer.submitted_at is not None or not text.strip():
            return None
        answer.text = text
        answer.submitted_at = utcnow()
        question = self._question(aq)
        rules = self.content.rules  # each answer is read in the language it is written in
        state = QuestionState(
            question=question,
            parts=[a.text for a in aq.answers if a.submitted_at is not None],
            probes=[Probe(p.rule_id, p.tag, p.text) for p in aq.probes],
            first_tags=list(aq.first_tags) if aq.first_tags is not None else None,
        )
        if state.first_tags is None:
            state.first_tags = initial_tags(state, rules)
            aq.first_tags = state.first_tags
        step = next_step(state, rules, self.max_probes)
        if isinstance(step, Probe):
            aq.state = "probing"  # before the probe's flush: one UPDATE of the row
            await repo.add_probe(aq, step.rule_id, step.tag, step.text)
            # a probe or feedback is shown without the question's number: none computed
            return Turn(question=question, asked_id=aq.id, probe=step)
        aq.state = "done"
        aq.finished_at = utcnow()
        await repo.add_feedback(
            Feedback(
                asked_question_id=aq.id,
                points=step.score.points,
                out_of=step.score.out_of,
                level=step.score.level,
                checks=[{"key": c.key, "ok": c.ok} for c in step.score.checks],
                first_tags=list(step.first_tags),
                open_tags=list(step.open_tags),
            )
        )
        return Turn(question=question, asked_id=aq.id, feedback=step)

    async def due_users(
        self, repo: Repo, now: datetime, grace: timedelta, wait: timedelta | None = None
    ) -> list[int]:
        """Users whose answer is complete: quiet for `grace`, or for `wait` when the text so
        far stops mid-sentence (a phone answer typed in several messages stays whole)."""
        candidates = await repo.pending_answers(now - grace)
        if wait is None or wait <= grace:
            return candidates
        due = []
        for user_id in candidates:
            pending = await repo.pending_answer_text(user_id)
            if pending is None:
                continue
            text, last_at = pending
            quiet = wait if answer_looks_unfinished(text) else grace
            if last_at <= now - quiet:
                due.append(user_id)
        return due

    # ---- ending ----------------------------------------------------------------------------
    async def stop(self, repo: Repo, user: User) -> Summary | None:
        """Close the open session and summarise it. None when nothing was open."""
        session = await repo.open_session(user.id)
        if session is None:
            return None
        session.status = "closed"
        session.closed_at = utcnow()
        questions = await repo.session_questions(session.id)
        gaps: Counter[str] = Counter()
        scores: list[tuple[str, int, int]] = []
        answered = 0
        for aq in questions:
            if aq.state in ("answering", "probing"):
                aq.state = "skipped"
            if aq.feedback is not None:
                answered += 1
                gaps.update(aq.feedback.first_tags)
                scores.append((aq.kind, aq.feedback.points, aq.feedback.out_of))
        return Summary(answered=answered, gaps=dict(gaps.most_common()), scores=scores)

    async def export(self, repo: Repo, user: User) -> list[AskedQuestion]:
        return list(await repo.transcript(user.id))

    def _question(self, aq: AskedQuestion) -> Question:
        q = self.content.question(aq.question_id, aq.lang)
        if q is None:  # removed from the bank since: keep the session usable
            return Question(
                id=aq.question_id,
                kind=_as_kind(aq.kind) or "behavioral",
                text="(this question is no longer in the bank)",
                lang=aq.lang,
            )
        return q


def _as_kind(value: str | None) -> Kind | None:
    return value if value in ("behavioral", "case", "technical") else None  # type: ignore[return-value]
