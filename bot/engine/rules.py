"""Compiled probe rules: named signals (regex sets) combined by data-driven rules.

The rules file (prompts/rules.yaml) describes *what* to detect; this module only knows
how to evaluate signals and conditions, so a new rule or pattern needs no Python change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.engine.model import Kind, Probe
from bot.engine.text import clause_prefix, last_words, normalise, word_count

Source = Literal["answer", "question"]


@dataclass(frozen=True)
class Signal:
    """A named set of patterns; a hit can be cancelled by a negation in its clause."""

    name: str
    patterns: tuple[re.Pattern[str], ...]
    source: Source = "answer"
    negatable: bool = False
    # Only hits in the last part of the text count (an outcome ends a story; "we agreed a
    # definition" at its start is a step, not a result).
    after_fraction: float = 0.0

    def find(self, text: str, negation: re.Pattern[str], window: int) -> str | None:
        """Return the first non-negated match (the claim text), or None."""
        start = int(len(text) * self.after_fraction)
        for pattern in self.patterns:
            for m in pattern.finditer(text, start):
                if self.negatable and negation.search(
                    last_words(clause_prefix(text, m.start()), window)
                ):
                    continue
                claim = m.groupdict().get("claim") or m.group(0)
                return claim.strip()
        return None


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


@dataclass(frozen=True)
class RuleSet:
    """All signals and rules of one language, compiled once at load."""

    lang: str
    signals: Mapping[str, Signal]
    rules: tuple[Rule, ...]
    negation: re.Pattern[str]
    negation_window: int = 8
    scoring: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def analyze(
    rules: RuleSet,
    kind: Kind,
    answer: str,
    question: str = "",
    themes: Iterable[str] = (),
) -> Analysis:
    """Detect the gaps in one answer. Pure and safe on any input (empty, huge, emoji)."""
    text = normalise(answer or "")
    qtext = normalise(question or "") + " " + " ".join(f"theme:{t}" for t in themes)
    hits: dict[str, str] = {}
    for signal in rules.signals.values():
        source = qtext if signal.source == "question" else text
        found = signal.find(source, rules.negation, rules.negation_window)
        if found is not None:
            hits[signal.name] = found
    words = word_count(text)
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
