"""The per-question state machine: answer -> up to N probes -> feedback.

State is a plain value (the caller stores it in the database), so a restart or a
different front end resumes exactly where the candidate was.

The first answer is analysed once for its gaps. Each reply to a probe is then judged as
a reply: it closes a gap only with positive evidence for that gap (a reference number,
an owned action, a test, a named cost), never because the whole text was read again and
a keyword now appears somewhere. "I don't remember", "ok" or "yes" close nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from bot.engine.language import for_text
from bot.engine.model import Probe, Question
from bot.engine.points import Coverage, cover, share_covered
from bot.engine.rules import Analysis, RuleSet, analyze
from bot.engine.scoring import Score, score_answer
from bot.engine.text import clause_bounds, split_clauses

DEFAULT_MAX_PROBES = 2
# A question's own missing points are asked after the sharpest generic gaps (a denial, a
# stub, no own part, no validation) and before the rest, most important point first.
POINT_PRIORITY = 24
POINT_TAG = "missing_point"
# A reply that owns a failure replaces the denial; its own gaps are then the ones that
# count, except length: a follow-up reply is short by nature.
_REPLY_EXEMPT = frozenset({"too_short", "denies_failure"})


@dataclass
class QuestionState:
    """What happened so far for one question: parts[0] the answer, parts[k] reply k."""

    question: Question
    parts: list[str] = field(default_factory=list)
    probes: list[Probe] = field(default_factory=list)
    first_tags: list[str] | None = None

    @property
    def answer_text(self) -> str:
        return "\n\n".join(p for p in self.parts if p.strip())


@dataclass(frozen=True)
class Closed:
    """A gap the candidate closed in a follow-up, with their own words as proof."""

    tag: str
    quote: str


@dataclass(frozen=True)
class Feedback:
    """The verdict after the last probe: score, gaps found at first, gaps still open."""

    score: Score
    first_tags: tuple[str, ...]
    open_tags: tuple[str, ...]
    probed_tags: tuple[str, ...]
    strong_points: tuple[str, ...]
    closed: tuple[Closed, ...] = ()
    points: tuple[Coverage, ...] = ()
    late_points: frozenset[int] = frozenset()
    no_answer: bool = False  # the answer only said "no idea": a hint, not probes

    @property
    def resolved_tags(self) -> tuple[str, ...]:
        return tuple(c.tag for c in self.closed)

    @property
    def missed_points(self) -> tuple[Coverage, ...]:
        return tuple(c for c in self.points if not c.covered)


@dataclass(frozen=True)
class Judgement:
    """The answer and its replies taken together: what is open, what was closed and how."""

    base: Analysis
    open_tags: tuple[str, ...]
    closed: tuple[Closed, ...]
    replies: tuple[Analysis, ...]
    # replies that owned a failure and so replaced the denial as the story to probe
    stories: tuple[Analysis, ...] = ()
    points: tuple[Coverage, ...] = ()
    late_points: frozenset[int] = frozenset()
    no_answer: bool = False
    first_tags: tuple[str, ...] = ()  # the answer's own gaps, before any reply

    # The scoring view: the same interface as an Analysis, over answer + crediting replies.
    @property
    def tags(self) -> list[str]:
        return list(self.open_tags)

    @property
    def words(self) -> float:
        return self.base.words + sum(r.words for r in self.replies)

    @property
    def signals(self) -> Mapping[str, str]:
        return _Merged([self.base.signals, *(r.signals for r in self.replies)])

    def has(self, signal: str) -> bool:
        return signal in self.signals


class _Merged(Mapping[str, str]):
    """The first hit of a signal across the answer and the replies that counted."""

    def __init__(self, maps: Sequence[Mapping[str, str]]) -> None:
        self._maps = maps

    def __getitem__(self, key: str) -> str:
        for m in self._maps:
            if key in m:
                return m[key]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return any(key in m for m in self._maps)

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for m in self._maps:
            for k in m:
                if k not in seen:
                    seen.add(k)
                    yield k

    def __len__(self) -> int:
        return sum(1 for _ in self)


Rules = RuleSet | Mapping[str, RuleSet]


def rules_for(rules: Rules, text: str, default: str = "en") -> RuleSet:
    """One language's rules, or the rules of the language this text is written in."""
    return rules if isinstance(rules, RuleSet) else for_text(rules, text, default)


def evaluate(state: QuestionState, rules: Rules) -> Analysis:
    """The gaps of the answer itself (parts[0]), before any follow-up."""
    q = state.question
    first = state.parts[0] if state.parts else ""
    return analyze(rules_for(rules, first, q.lang), q.kind, first, q.text, q.themes)


def initial_tags(state: QuestionState, rules: Rules) -> list[str]:
    """The gaps of the answer itself, as the candidate is told them (moot ones dropped)."""
    return list(judge(state, rules).first_tags)


def strip_non_answers(reply: str, rules: Rules) -> str:
    """Drop the clauses that only say "I don't know"; keep the rest of the reply."""
    rules = rules_for(rules, reply)
    if rules.non_answer is None:
        return reply
    kept = [c for c in split_clauses(reply) if not rules.non_answer.search(c.lower())]
    text = "".join(kept).strip(" ,;:")
    return text if any(ch.isalnum() for ch in text) else ""


def judge(state: QuestionState, rules: Rules) -> Judgement:
    """Which of the answer's gaps are still open after the replies, and which were closed."""
    q = state.question
    base = evaluate(state, rules)
    first = state.parts[0] if state.parts else ""
    no_answer = not strip_non_answers(first, rules).strip()
    open_tags = [] if no_answer else [t for t in base.tags if t not in q.moot]
    first_tags = tuple(open_tags)
    closed: list[Closed] = []
    counted: list[Analysis] = []
    stories: list[Analysis] = []
    for raw in state.parts[1:]:
        reply = strip_non_answers(raw, rules)
        if not reply.strip():
            continue
        reply_rules = rules_for(rules, reply, q.lang)
        analysis = analyze(reply_rules, q.kind, reply, q.text, q.themes)
        credited = False
        for tag in list(open_tags):
            quote = _evidence_for(analysis, reply_rules.resolved_by.get(tag, ()), reply)
            if quote is None and tag == "too_short" and analysis.words >= 20:
                quote = _first_words(reply)
            if quote is not None:
                open_tags.remove(tag)
                closed.append(Closed(tag, quote))
                credited = True
                if tag == "denies_failure":
                    # the owned failure is now the story: its own gaps are what is open
                    stories.append(analysis)
                    open_tags.extend(
                        t for t in analysis.tags if t not in _REPLY_EXEMPT and t not in open_tags
                    )
        if credited:
            counted.append(analysis)
    def negation_for(text: str) -> tuple[re.Pattern[str], int]:
        lang_rules = rules_for(rules, text, q.lang)
        return lang_rules.negation, lang_rules.negation_window

    replies = [strip_non_answers(r, rules) for r in state.parts[1:]]
    points = cover(q, [first, *replies], negation_for)
    late = frozenset(c.index for c in points if c.source > 0)  # shown only in a reply
    return Judgement(
        base,
        tuple(open_tags),
        tuple(closed),
        tuple(counted),
        tuple(stories),
        tuple(points),
        late,
        no_answer,
        first_tags,
    )


def _evidence_for(analysis: Analysis, names: Sequence[str], reply: str) -> str | None:
    """The clause of the reply that holds the first evidence of these kinds, if any."""
    hit = next((analysis.signals[n] for n in names if n in analysis.signals), None)
    if hit is None:
        return None
    at = reply.find(hit)
    if at < 0:
        return hit
    begin, end = clause_bounds(reply, at, at + len(hit))
    return reply[begin:end].strip(" ,;:.\n") or hit


def _first_words(text: str, n: int = 8) -> str:
    words = text.split()
    return " ".join(words[:n]) + ("…" if len(words) > n else "")


def next_step(
    state: QuestionState, rules: Rules, max_probes: int = DEFAULT_MAX_PROBES
) -> Probe | Feedback:
    """After the candidate spoke: the next probe, or the feedback when none is left.

    The caller appends the new text to `state.parts` first and records a returned probe
    in `state.probes`; this function changes nothing itself.
    """
    verdict = judge(state, rules)
    q = state.question
    first = state.first_tags if state.first_tags is not None else list(verdict.first_tags)
    asked = {p.tag for p in state.probes} | {p.rule_id for p in state.probes}
    if len(state.probes) < max_probes and not verdict.no_answer:
        probe = _next_probe(q, verdict, asked)
        if probe is not None:
            return probe
    share = share_covered(list(verdict.points)) if q.points else None
    return Feedback(
        score=score_answer(
            q.kind,
            verdict,
            dict(rules_for(rules, state.answer_text, q.lang).scoring),
            share,
            q.moot,
        ),
        first_tags=tuple(first),
        open_tags=verdict.open_tags,
        probed_tags=tuple(p.tag for p in state.probes),
        strong_points=q.strong_points,
        closed=verdict.closed,
        points=verdict.points,
        late_points=verdict.late_points,
        no_answer=verdict.no_answer,
    )


def _next_probe(q: Question, verdict: Judgement, asked: set[str]) -> Probe | None:
    """The most important open gap or missing point not probed yet.

    Generic gaps are worded from the text that showed them; a missing point is asked in
    the question's own words (its `follow_up`).
    """
    options: list[tuple[int, Probe]] = []
    for analysis in (*reversed(verdict.stories), verdict.base):  # a replaced denial first
        for gap in analysis.gaps:
            if gap.rule.tag in verdict.open_tags and gap.rule.tag not in asked:
                options.append((gap.rule.priority, gap.probe))
                break
    for c in verdict.points:
        rule_id = f"point-{c.index + 1}"
        if not c.covered and rule_id not in asked:
            options.append((POINT_PRIORITY + c.index, Probe(rule_id, POINT_TAG, c.point.follow_up)))
            break
    if not options:
        return None
    return min(options, key=lambda o: o[0])[1]
