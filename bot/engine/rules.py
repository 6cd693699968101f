"""Compiled probe rules: named signals (regex sets) combined by data-driven rules.

The rules file (prompts/rules.yaml) describes *what* to detect; this module only knows
how to evaluate signals and conditions, so a new rule or pattern needs no Python change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.engine.evidence import NUMBER_PREFIX, Evidence, NumberRoles
from bot.engine.model import Kind, Probe
from bot.engine.text import clause_prefix, last_words, normalise, word_count

Source = Literal["answer", "question"]


@dataclass(frozen=True)
class Signal:
    """A named set of patterns; a hit can be cancelled by a negation in its clause.

    All patterns of a signal are joined into one regex, compiled case-sensitively for
    lowercased text: one pass per signal, and no IGNORECASE cost (the engine's hot path).
    """

    name: str
    regex: re.Pattern[str]
    source: Source = "answer"
    negatable: bool = False
    # Only hits in the last part of the text count (an outcome ends a story; "we agreed a
    # definition" at its start is a step, not a result).
    after_fraction: float = 0.0

    def find(self, text: Text, negation: re.Pattern[str], window: int) -> str | None:
        """Return the first match that counts (as the candidate wrote it), or None."""
        for item in self.find_all(text, negation, window, stop_at_first=True):
            if not item.negated:
                return item.text
        return None

    def find_all(
        self, text: Text, negation: re.Pattern[str], window: int, stop_at_first: bool = False
    ) -> list[Evidence]:
        """Every match as evidence; a negatable signal marks hits negated in their clause.

        Negations are counted, so "I would never launch without an A/B test" (two) is
        a plan to test, and "we never ran an A/B test" (one) is not.
        """
        start = int(len(text.lower) * self.after_fraction)
        out: list[Evidence] = []
        for m in self.regex.finditer(text.lower, start):
            negated = self.negatable and (
                len(negation.findall(last_words(clause_prefix(text.lower, m.start()), window))) % 2
                == 1
            )
            claim = next((v for k, v in m.groupdict().items() if k.startswith("claim") and v), None)
            begin, end = m.span(_first_claim_group(m)) if claim else m.span()
            out.append(
                Evidence(self.name, text.original[begin:end].strip(), begin, end, negated=negated)
            )
            if stop_at_first and not negated:
                break
        return out


def _first_claim_group(m: re.Match[str]) -> str:
    return next(k for k, v in m.groupdict().items() if k.startswith("claim") and v)


@dataclass(frozen=True)
class Text:
    """An answer as written and lowercased, index-aligned (see `lowered`)."""

    original: str
    lower: str


def lowered(text: str) -> Text:
    low = text.lower()
    if len(low) != len(text):  # rare letters whose lowercase is longer: keep alignment
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return Text(text, low)


def compile_signal_regex(patterns: Sequence[str]) -> re.Pattern[str]:
    """Join patterns into one lowercase regex; claim groups get unique names."""
    parts = []
    for i, pattern in enumerate(patterns):
        parts.append("(?:" + _lower_pattern(pattern).replace("(?P<claim>", f"(?P<claim{i}>") + ")")
    return re.compile("|".join(parts))


def _lower_pattern(pattern: str) -> str:
    """Lowercase literal letters, leaving escapes (\\b, \\W, \\S, \\D…) untouched."""
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if pattern.startswith("(?P<", i) or pattern.startswith("(?P=", i):
            end = pattern.index(">", i) + 1
            out.append(pattern[i:end])
            i = end
            continue
        out.append(pattern[i].lower())
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class Condition:
    """When a rule fires: signal sets, word bounds and the question kinds it covers."""

    all_of: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    none_of: tuple[str, ...] = ()
    max_words: float | None = None
    min_words: float | None = None

    def holds(self, hits: Mapping[str, str], words: float) -> bool:
        if any(name not in hits for name in self.all_of):
            return False
        if self.any_of and not any(name in hits for name in self.any_of):
            return False
        if any(name in hits for name in self.none_of):
            return False
        if self.max_words is not None and words > self.max_words:
            return False
        return self.min_words is None or words >= self.min_words


@dataclass(frozen=True)
class Rule:
    """One gap detector: a tag from the taxonomy, its condition and probe texts."""

    id: str
    tag: str
    kinds: tuple[Kind, ...]
    priority: int
    when: Condition
    probes: tuple[str, ...]
    unless_tags: tuple[str, ...] = ()

    def probe_text(self, hits: Mapping[str, str]) -> str:
        """The first probe whose placeholders this answer can fill."""
        claim = next((hits[n] for n in self.when.all_of + self.when.any_of if n in hits), None)
        values = {"claim": _short(claim)} if claim else {}
        for text in self.probes:
            try:
                return text.format(**values)
            except (KeyError, IndexError):
                continue
        return self.probes[-1]


@dataclass(frozen=True)
class Gap:
    """A fired rule for one answer."""

    rule: Rule
    probe: Probe


@dataclass(frozen=True)
class Analysis:
    """Everything the engine noticed about one answer, gaps ordered by priority."""

    gaps: tuple[Gap, ...]
    signals: Mapping[str, str]
    words: float

    @property
    def tags(self) -> list[str]:
        seen: list[str] = []
        for gap in self.gaps:
            if gap.rule.tag not in seen:
                seen.append(gap.rule.tag)
        return seen

    def has(self, signal: str) -> bool:
        return signal in self.signals

    def evidence(self) -> list[Evidence]:
        """Every evidence item of the answer (all signals, every number), in text order."""
        hits = self.signals
        return hits.all_evidence() if isinstance(hits, _Hits) else []


@dataclass(frozen=True)
class RuleSet:
    """All signals and rules of one language, compiled once at load."""

    lang: str
    signals: Mapping[str, Signal]
    rules: tuple[Rule, ...]
    negation: re.Pattern[str]
    negation_window: int = 8
    scoring: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    numbers: NumberRoles | None = None
    # tag -> evidence kinds that close that gap when a follow-up reply contains them
    resolved_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # replies that say nothing ("I don't remember", "ok") close no gap
    non_answer: re.Pattern[str] | None = None

    def evidence_names(self) -> set[str]:
        """Names a condition may use: signals and `number.<role>`."""
        roles = self.numbers.names if self.numbers else ()
        return set(self.signals) | {NUMBER_PREFIX + r for r in roles}


class _Hits(Mapping[str, str]):
    """Evidence evaluated on first use: a rule set never pays for signals it does not ask."""

    def __init__(self, rules: RuleSet, answer: Text, question: Text) -> None:
        self._rules, self._answer, self._question = rules, answer, question
        self._cache: dict[str, str | None] = {}
        self._numbers: list[Evidence] = []
        roles = rules.numbers
        self._pending: Iterator[Evidence] | None = (
            roles.classify(answer.lower, answer.original) if roles else None
        )

    def _number(self, kind: str) -> str | None:
        """The first number of a role, classifying only as far as needed."""
        found = next((e.text for e in self._numbers if e.kind == kind), None)
        while found is None and self._pending is not None:
            item = next(self._pending, None)
            if item is None:
                self._pending = None
                break
            self._numbers.append(item)
            if item.kind == kind:
                found = item.text
        return found

    def numbers(self) -> list[Evidence]:
        self._number("")  # drain: every number classified
        return self._numbers

    def _get(self, name: str) -> str | None:
        if name not in self._cache:
            signal = self._rules.signals.get(name)
            if name.startswith(NUMBER_PREFIX):
                self._cache[name] = self._number(name)
            elif signal is None:
                self._cache[name] = None
            else:
                text = self._question if signal.source == "question" else self._answer
                self._cache[name] = signal.find(
                    text, self._rules.negation, self._rules.negation_window
                )
        return self._cache[name]

    def all_evidence(self) -> list[Evidence]:
        items = list(self.numbers())
        for signal in self._rules.signals.values():
            if signal.source == "answer":
                items.extend(
                    signal.find_all(self._answer, self._rules.negation, self._rules.negation_window)
                )
        items.sort(key=lambda e: (e.start, e.kind))
        return items

    def __getitem__(self, name: str) -> str:
        value = self._get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._get(name) is not None

    def __iter__(self) -> Iterator[str]:
        return (n for n in self._rules.evidence_names() if n in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def analyze(
    rules: RuleSet,
    kind: Kind,
    answer: str,
    question: str = "",
    themes: Iterable[str] = (),
) -> Analysis:
    """Detect the gaps in one answer. Pure and safe on any input (empty, huge, emoji)."""
    text = lowered(normalise(answer or ""))
    qtext = lowered(normalise(question or "") + " " + " ".join(f"theme:{t}" for t in themes))
    hits = _Hits(rules, text, qtext)
    words = word_count(text.original)
    fired: list[Rule] = [r for r in rules.rules if kind in r.kinds and r.when.holds(hits, words)]
    fired_tags = {r.tag for r in fired}
    kept = [r for r in fired if not fired_tags.intersection(r.unless_tags)]
    kept.sort(key=lambda r: r.priority)
    gaps = tuple(Gap(r, Probe(r.id, r.tag, r.probe_text(hits))) for r in kept)
    return Analysis(gaps=gaps, signals=hits, words=words)


def pick_probe(analysis: Analysis, already_asked: Sequence[str]) -> Probe | None:
    """The most important gap whose tag has not been probed yet for this question."""
    for gap in analysis.gaps:
        if gap.rule.tag not in already_asked:
            return gap.probe
    return None


def _short(claim: str, limit: int = 48) -> str:
    claim = " ".join(claim.split())
    return claim if len(claim) <= limit else claim[: limit - 1].rstrip() + "…"
