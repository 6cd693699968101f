"""Load and validate prompts/: question bank, probe rules and UI messages per language."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content.errors import ContentError
from bot.content.yamlio import line_of, read_yaml
from bot.engine.evidence import NUMBER_PREFIX, NumberRole, NumberRoles
from bot.engine.model import KINDS, TAGS, Kind, Point, Question
from bot.engine.rules import Condition, Rule, RuleSet, Signal, compile_signal_regex

DEFAULT_PROMPTS = Path(__file__).resolve().parents[2] / "prompts"

_QUESTION_KEYS = {"id", "kind", "themes", "text", "strong_points", "points", "model_answer", "moot"}
_POINT_KEYS = {"text", "evidence", "follow_up", "min_hits"}
_RULE_KEYS = {"id", "tag", "kinds", "priority", "when", "probes", "unless_tags", "note"}
_WHEN_KEYS = {"all", "any", "none", "max_words", "min_words"}
_ROLE_KEYS = {"role", "token", "before", "after", "clause", "unless", "both", "note"}
_SIGNAL_KEYS = {"patterns", "source", "negatable", "after_fraction", "note"}
_ID = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
THEMES: Mapping[str, frozenset[str]] = {
    "behavioral": frozenset(
        {
            "ownership",
            "ambiguity",
            "conflict",
            "failure",
            "customer_first",
            "impact",
            "resume",
            "values",
            "motivation",
        }
    ),
    "case": frozenset(
        {
            "recommendation",
            "short_video",
            "search",
            "logistics",
            "live_stream",
            "advertising",
            "marketplace",
            "health",
            "metrics",
            "estimation",
            "causal",
        }
    ),
    "technical": frozenset({"sql", "ab_testing", "ml", "stats", "python", "causal"}),
}


@dataclass(frozen=True)
class City:
    zone: str
    lat: float
    lon: float


@dataclass(frozen=True)
class DrillConfig:
    avoid_days: int
    tag_themes: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Content:
    """Everything in prompts/, validated: one bank, rule set and message table per language."""

    questions: Mapping[str, tuple[Question, ...]]
    rules: Mapping[str, RuleSet]
    messages: Mapping[str, Mapping[str, Any]]
    cities: Mapping[str, City] = field(default_factory=dict)
    drill: DrillConfig = field(default_factory=lambda: DrillConfig(14, {}))

    def question(self, qid: str, lang: str = "en") -> Question | None:
        """By id, in `lang` first, then in any language (ids are unique across the bank)."""
        found = next((q for q in self.questions.get(lang, ()) if q.id == qid), None)
        if found is None:
            found = next((q for qs in self.questions.values() for q in qs if q.id == qid), None)
        return found

    def bank(self, lang: str = "en", kind: Kind | None = None) -> tuple[Question, ...]:
        return tuple(q for q in self.questions.get(lang, ()) if kind is None or q.kind == kind)


def load_content(root: Path | None = None) -> Content:
    """Load every language found under `root`; raise ContentError on the first problem."""
    root = root or DEFAULT_PROMPTS
    if not root.is_dir():
        raise ContentError(root, "prompts folder not found")
    questions: dict[str, tuple[Question, ...]] = {}
    qdir = root / "questions"
    if qdir.is_dir():
        for lang_dir in sorted(p for p in qdir.iterdir() if p.is_dir()):
            questions[lang_dir.name] = _load_questions(lang_dir, lang_dir.name)
    rules: dict[str, RuleSet] = {}
    for path in sorted(root.glob("rules*.yaml")):
        ruleset = load_rules(path)
        if ruleset.lang in rules:
            raise ContentError(path, f"a second rules file for language {ruleset.lang!r}")
        rules[ruleset.lang] = ruleset
    messages: dict[str, Mapping[str, Any]] = {}
    for path in sorted((root / "messages").glob("*.yaml")):
        data = read_yaml(path)
        if not isinstance(data, dict):
            raise ContentError(path, "expected a mapping of message keys to texts")
        messages[path.stem] = data
    for lang in ("en",):
        if lang not in rules:
            raise ContentError(root / "rules.yaml", f"no rules for language {lang!r}")
        if not questions.get(lang):
            raise ContentError(qdir / lang, f"no questions for language {lang!r}")
        if lang not in messages:
            raise ContentError(root / "messages" / f"{lang}.yaml", "messages file missing")
    _check_message_keys(root, messages)
    return Content(
        questions=questions,
        rules=rules,
        messages=messages,
        cities=_load_cities(root / "cities.yaml"),
        drill=_load_drill(root / "drill.yaml"),
    )


def _load_cities(path: Path) -> dict[str, City]:
    if not path.exists():
        return {}
    data = read_yaml(path)
    raw = data.get("cities") if isinstance(data, dict) else None
    if not isinstance(raw, dict):
        raise ContentError(path, "expected a top-level key 'cities' with a mapping")
    out: dict[str, City] = {}
    for name, spec in raw.items():
        line = line_of(spec)
        if not isinstance(spec, dict) or not {"zone", "lat", "lon"} <= set(spec):
            raise ContentError(path, "a city needs zone, lat and lon", line, str(name))
        try:
            ZoneInfo(str(spec["zone"]))
            lat, lon = float(spec["lat"]), float(spec["lon"])
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ContentError(path, f"bad zone or coordinates: {exc}", line, str(name)) from exc
        out[str(name).lower()] = City(str(spec["zone"]), lat, lon)
    return out


def _load_drill(path: Path) -> DrillConfig:
    if not path.exists():
        return DrillConfig(14, {})
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ContentError(path, "expected a mapping")
    raw = data.get("tag_themes") or {}
    all_themes = set().union(*THEMES.values())
    themes: dict[str, tuple[str, ...]] = {}
    for tag, names in raw.items():
        if tag not in TAGS:
            raise ContentError(path, f"unknown tag {tag!r}", line_of(raw), "tag_themes")
        bad = [n for n in names or [] if n not in all_themes]
        if bad:
            raise ContentError(path, f"unknown theme(s) {bad}", line_of(raw), tag)
        themes[tag] = tuple(names or ())
    days = data.get("avoid_days", 14)
    if not isinstance(days, int) or days < 0:
        raise ContentError(path, "avoid_days must be a whole number of days")
    return DrillConfig(days, themes)


def _check_message_keys(root: Path, messages: Mapping[str, Mapping[str, Any]]) -> None:
    """Every language must translate every key English has, so no reply is ever missing."""
    base = _flat_keys(messages["en"], path=root / "messages" / "en.yaml")
    for lang, table in messages.items():
        missing = sorted(base - _flat_keys(table, path=root / "messages" / f"{lang}.yaml"))
        if missing:
            raise ContentError(
                root / "messages" / f"{lang}.yaml", f"missing keys: {', '.join(missing[:5])}"
            )


def _flat_keys(table: Mapping[str, Any], prefix: str = "", path: Path | None = None) -> set[str]:
    keys: set[str] = set()
    for key, value in table.items():
        if not isinstance(key, str):  # YAML 1.1 reads a bare off/yes/no key as a boolean
            raise ContentError(
                path or "messages",
                f"key {key!r} under '{prefix or '/'}' is not text (quote it: \"off\")",
                line_of(table),
            )
        if isinstance(value, Mapping):
            keys |= _flat_keys(value, f"{prefix}{key}.", path)
        else:
            keys.add(f"{prefix}{key}")
    return keys


def _load_questions(folder: Path, lang: str) -> tuple[Question, ...]:
    seen: dict[str, Path] = {}
    out: list[Question] = []
    for path in sorted(folder.glob("*.yaml")):
        data = read_yaml(path)
        items = data.get("questions") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ContentError(path, "expected a top-level key 'questions' with a list")
        for item in items:
            q = _question(path, item, lang)
            if q.id in seen:
                raise ContentError(
                    path, f"duplicate question id (also in {seen[q.id].name})", line_of(item), q.id
                )
            seen[q.id] = path
            out.append(q)
    return tuple(out)


def _question(path: Path, item: Any, lang: str) -> Question:
    if not isinstance(item, dict):
        raise ContentError(path, "each question must be a mapping", None)
    line = line_of(item)
    qid = item.get("id")
    where = str(qid) if qid else "question"
    if not isinstance(qid, str) or not _ID.match(qid):
        raise ContentError(
            path, "id must be lowercase letters, digits, '-' (2-32 chars)", line, where
        )
    unknown = set(item) - _QUESTION_KEYS
    if unknown:
        raise ContentError(path, f"unknown key(s): {', '.join(sorted(unknown))}", line, where)
    kind = item.get("kind")
    if kind not in KINDS:
        raise ContentError(path, f"kind must be one of {', '.join(KINDS)}", line, where)
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ContentError(path, "missing question text", line, where)
    themes = item.get("themes") or []
    if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
        raise ContentError(path, "themes must be a list of names", line, where)
    bad = [t for t in themes if t not in THEMES[kind]]
    if bad:
        raise ContentError(path, f"unknown theme(s) for {kind}: {', '.join(bad)}", line, where)
    points = item.get("strong_points") or []
    if not isinstance(points, list) or not all(isinstance(p, str) and p.strip() for p in points):
        raise ContentError(path, "strong_points must be a list of texts", line, where)
    rich = _points(path, item.get("points"), line, where)
    if rich and points:
        raise ContentError(path, "give either points or strong_points, not both", line, where)
    model_answer = item.get("model_answer") or ""
    if not isinstance(model_answer, str):
        raise ContentError(path, "model_answer must be a text", line, where)
    moot = item.get("moot") or []
    if not isinstance(moot, list) or any(t not in TAGS for t in moot):
        raise ContentError(path, "moot must list taxonomy tags", line, where)
    return Question(
        id=qid,
        kind=cast(Kind, kind),
        text=" ".join(text.split()),
        themes=tuple(themes),
        strong_points=tuple(p.text for p in rich) if rich else tuple(points),
        lang=lang,
        points=rich,
        model_answer=" ".join(model_answer.split()),
        moot=tuple(moot),
        source=f"{path}:{line}" if line else str(path),
    )


def _points(path: Path, raw: Any, line: int | None, where: str) -> tuple[Point, ...]:
    """A question's own points: text, evidence patterns, the follow-up that asks for it."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise ContentError(path, "points must be a non-empty list", line, where)
    out: list[Point] = []
    for n, item in enumerate(raw, 1):
        at = line_of(item) or line
        label = f"{where} point {n}"
        if not isinstance(item, dict):
            raise ContentError(
                path, "each point is a mapping with text, evidence, follow_up", at, label
            )
        unknown = set(item) - _POINT_KEYS
        if unknown:
            raise ContentError(path, f"unknown key(s): {', '.join(sorted(unknown))}", at, label)
        text, follow_up = item.get("text"), item.get("follow_up")
        if not isinstance(text, str) or not text.strip():
            raise ContentError(path, "a point needs its text", at, label)
        if not isinstance(follow_up, str) or not follow_up.strip():
            raise ContentError(path, "a point needs a follow_up question", at, label)
        patterns = item.get("evidence")
        if not isinstance(patterns, list) or not patterns:
            raise ContentError(path, "a point needs a list of evidence patterns", at, label)
        compiled = tuple(_compile(path, label, at, p, {}) for p in patterns)
        min_hits = item.get("min_hits", 1)
        if not isinstance(min_hits, int) or not 1 <= min_hits <= len(compiled):
            raise ContentError(
                path, "min_hits must be between 1 and the number of patterns", at, label
            )
        out.append(Point(" ".join(text.split()), compiled, " ".join(follow_up.split()), min_hits))
    return tuple(out)


def load_rules(path: Path) -> RuleSet:
    """Compile one rules file; every regex is compiled here, never per answer."""
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ContentError(path, "expected a top-level key 'rules' with a list")
    lang = data.get("lang", "en")
    macros = data.get("macros") or {}
    if not isinstance(macros, dict):
        raise ContentError(path, "macros must be a mapping", line_of(macros))
    negation_cfg = data.get("negation") or {}
    negation = _compile(
        path,
        "negation",
        line_of(negation_cfg),
        "|".join(f"(?:{w})" for w in negation_cfg.get("words", [r"\bnot\b"])),
        macros,
    )
    window = int(negation_cfg.get("window", 8))
    signals = _signals(path, data.get("signals") or {}, macros)
    rules: list[Rule] = []
    seen: set[str] = set()
    for item in data["rules"]:
        rule = _rule(path, item, signals)
        if rule.id in seen:
            raise ContentError(path, "duplicate rule id", line_of(item), rule.id)
        seen.add(rule.id)
        rules.append(rule)
    numbers = _numbers(path, data.get("numbers"), macros)
    known = set(signals) | {NUMBER_PREFIX + r for r in (numbers.names if numbers else ())}
    for item, rule in zip(data["rules"], rules, strict=True):
        for name in rule.when.all_of + rule.when.any_of + rule.when.none_of:
            if name not in known:
                raise ContentError(
                    path,
                    f"when names unknown signal {name!r} (nor a number role)",
                    line_of(item),
                    rule.id,
                )
    scoring = {k: tuple(v) for k, v in (data.get("scoring") or {}).items()}
    for key, names in scoring.items():
        for name in names:
            if name not in known:
                raise ContentError(path, f"scoring.{key} names unknown signal {name!r}")
    resolved_by = _resolved_by(path, data.get("resolved_by") or {}, known)
    non_answer = data.get("non_answer")
    return RuleSet(
        lang=lang,
        signals=signals,
        rules=tuple(rules),
        negation=negation,
        negation_window=window,
        scoring=scoring,
        numbers=numbers,
        resolved_by=resolved_by,
        non_answer=(
            _compile(
                path, "non_answer", line_of(data), "|".join(f"(?:{p})" for p in non_answer), macros
            )
            if non_answer
            else None
        ),
    )


def _numbers(path: Path, raw: Any, macros: Mapping[str, str]) -> NumberRoles | None:
    """The `numbers:` section: a token pattern and ordered roles with their cues."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("roles"), list):
        raise ContentError(path, "numbers needs 'token' and a list of 'roles'", line_of(raw))
    token = _compile(path, "numbers.token", line_of(raw), str(raw.get("token") or ""), macros)
    roles: list[NumberRole] = []
    for item in raw["roles"]:
        line = line_of(item)
        if not isinstance(item, dict) or not isinstance(item.get("role"), str):
            raise ContentError(path, "each number role needs a 'role' name", line)
        unknown = set(item) - _ROLE_KEYS
        if unknown:
            raise ContentError(
                path, f"unknown key(s): {', '.join(sorted(unknown))}", line, item["role"]
            )
        cues = {
            key: _compile(path, f"numbers.{item['role']}.{key}", line, _joined(item[key]), macros)
            for key in ("token", "before", "after", "clause", "unless")
            if item.get(key)
        }
        roles.append(NumberRole(role=item["role"], both=bool(item.get("both")), **cues))
    return NumberRoles(token=token, roles=tuple(roles), default=str(raw.get("default", "count")))


def _joined(value: Any) -> str:
    return "|".join(f"(?:{v})" for v in value) if isinstance(value, list) else str(value)


def _resolved_by(path: Path, raw: Any, known: set[str]) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise ContentError(path, "resolved_by must map a tag to evidence names", line_of(raw))
    out: dict[str, tuple[str, ...]] = {}
    for tag, names in raw.items():
        if tag not in TAGS:
            raise ContentError(path, f"resolved_by names unknown tag {tag!r}", line_of(raw))
        if not isinstance(names, list) or any(n not in known for n in names):
            raise ContentError(
                path, f"resolved_by.{tag} must list known evidence names", line_of(raw)
            )
        out[tag] = tuple(names)
    return out


def _expand(pattern: str, macros: Mapping[str, str]) -> str:
    for _ in range(4):  # macros may use macros, a few levels deep
        new = re.sub(r"\{([A-Z_]+)\}", lambda m: macros.get(m.group(1), m.group(0)), pattern)
        if new == pattern:
            break
        pattern = new
    return pattern


def _compile(
    path: Path, where: str, line: int | None, pattern: str, macros: Mapping[str, str]
) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise ContentError(path, "pattern must be a non-empty string", line, where)
    try:
        return re.compile(_expand(pattern, macros), re.IGNORECASE)
    except re.error as exc:
        raise ContentError(path, f"bad pattern {pattern!r}: {exc}", line, where) from exc


def _signals(path: Path, raw: Any, macros: Mapping[str, str]) -> dict[str, Signal]:
    if not isinstance(raw, dict):
        raise ContentError(path, "signals must be a mapping of name to patterns")
    out: dict[str, Signal] = {}
    for name, spec in raw.items():
        line = line_of(spec)
        if isinstance(spec, list):
            spec = {"patterns": spec}
        if not isinstance(spec, dict):
            raise ContentError(path, "a signal is a list of patterns or a mapping", line, name)
        unknown = set(spec) - _SIGNAL_KEYS
        if unknown:
            raise ContentError(path, f"unknown key(s): {', '.join(sorted(unknown))}", line, name)
        patterns = spec.get("patterns")
        if not isinstance(patterns, list) or not patterns:
            raise ContentError(path, "a signal needs a non-empty list of patterns", line, name)
        source = spec.get("source", "answer")
        if source not in ("answer", "question"):
            raise ContentError(path, "source must be 'answer' or 'question'", line, name)
        after = spec.get("after_fraction", 0.0)
        if not isinstance(after, int | float) or isinstance(after, bool) or not 0 <= after < 1:
            raise ContentError(path, "after_fraction must be a number in [0, 1)", line, name)
        for p in patterns:  # each pattern alone first, so an error names the bad one
            _compile(path, f"signal {name}", line, p, macros)
        out[name] = Signal(
            name=name,
            regex=compile_signal_regex([_expand(p, macros) for p in patterns]),
            source=source,
            negatable=bool(spec.get("negatable", False)),
            after_fraction=float(after),
        )
    return out


def _rule(path: Path, item: Any, signals: Mapping[str, Signal]) -> Rule:
    if not isinstance(item, dict):
        raise ContentError(path, "each rule must be a mapping")
    line = line_of(item)
    rid = item.get("id")
    where = str(rid) if rid else "rule"
    if not isinstance(rid, str) or not _ID.match(rid):
        raise ContentError(path, "rule id must be lowercase letters, digits, '-', '_'", line, where)
    unknown = set(item) - _RULE_KEYS
    if unknown:
        raise ContentError(path, f"unknown key(s): {', '.join(sorted(unknown))}", line, where)
    tag = item.get("tag")
    if tag not in TAGS:
        raise ContentError(
            path, f"unknown tag {tag!r} (see TAXONOMY: {', '.join(TAGS)})", line, where
        )
    kinds = item.get("kinds") or list(KINDS)
    if not isinstance(kinds, list) or any(k not in KINDS for k in kinds):
        raise ContentError(path, f"kinds must be a list from {', '.join(KINDS)}", line, where)
    probes = item.get("probes")
    if isinstance(probes, str):
        probes = [probes]
    if (
        not isinstance(probes, list)
        or not probes
        or not all(isinstance(p, str) and p.strip() for p in probes)
    ):
        raise ContentError(path, "probes must be one or more non-empty texts", line, where)
    priority = item.get("priority", 50)
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise ContentError(path, "priority must be an integer", line, where)
    when = item.get("when") or {}
    if not isinstance(when, dict):
        raise ContentError(path, "when must be a mapping", line, where)
    bad_keys = set(when) - _WHEN_KEYS
    if bad_keys:
        raise ContentError(
            path, f"unknown condition(s): {', '.join(sorted(bad_keys))}", line, where
        )
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("all", "any", "none"):
        names = when.get(key) or []
        if not isinstance(names, list):
            raise ContentError(path, f"when.{key} must be a list of signal names", line, where)
        if not all(isinstance(n, str) for n in names):
            raise ContentError(path, f"when.{key} must be a list of names", line, where)
        lists[key] = tuple(names)
    for key in ("max_words", "min_words"):
        value = when.get(key)
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)):
            raise ContentError(path, f"when.{key} must be a number", line, where)
    unless = item.get("unless_tags") or []
    if not isinstance(unless, list) or any(t not in TAGS for t in unless):
        raise ContentError(path, "unless_tags must list taxonomy tags", line, where)
    for text in probes:
        for field_name in re.findall(r"\{(\w*)\}", text):
            if field_name != "claim":
                raise ContentError(
                    path, f"unknown placeholder {{{field_name}}} in a probe", line, where
                )
    return Rule(
        id=rid,
        tag=tag,
        kinds=tuple(kinds),
        priority=priority,
        when=Condition(
            all_of=lists["all"],
            any_of=lists["any"],
            none_of=lists["none"],
            max_words=when.get("max_words"),
            min_words=when.get("min_words"),
        ),
        probes=tuple(" ".join(p.split()) for p in probes),
        unless_tags=tuple(unless),
    )
