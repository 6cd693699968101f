"""Content validation: every broken file is reported with its file, line and id."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content import Content, ContentError, load_content
from bot.engine.model import KINDS, TAGS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def prompts(tmp_path: Path) -> Path:
    dst = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", dst)
    return dst


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_bank_meets_the_brief(content: Content) -> None:
    bank = content.bank("en")
    assert len(bank) >= 45
    for kind in KINDS:
        assert len([q for q in bank if q.kind == kind]) >= 12
    assert all(q.strong_points and q.text for q in bank)
    behavioral_themes = {t for q in bank if q.kind == "behavioral" for t in q.themes}
    assert behavioral_themes >= {
        "ownership",
        "ambiguity",
        "conflict",
        "failure",
        "customer_first",
        "impact",
    }


def test_every_tag_has_a_rule(content: Content) -> None:
    assert {r.tag for r in content.rules["en"].rules} == set(TAGS)


def test_unknown_tag(prompts: Path) -> None:
    _edit(prompts / "rules.yaml", "tag: missing_tradeoff", "tag: missing_tradeof")
    with pytest.raises(ContentError) as err:
        load_content(prompts)
    assert "rules.yaml" in str(err.value) and "choice-without-tradeoff" in str(err.value)
    assert "unknown tag 'missing_tradeof'" in str(err.value)
    assert err.value.line is not None


def test_bad_pattern(prompts: Path) -> None:
    _edit(prompts / "rules.yaml", "'\\bdownsides?\\b", "'\\bdownsides?(\\b")
    with pytest.raises(ContentError, match=r"rules\.yaml:\d+: signal tradeoff: bad pattern"):
        load_content(prompts)


def test_unknown_signal_in_rule(prompts: Path) -> None:
    _edit(prompts / "rules.yaml", "none: [tradeoff]", "none: [tradeof]")
    with pytest.raises(ContentError, match="unknown signal 'tradeof'"):
        load_content(prompts)


def test_duplicate_question_id(prompts: Path) -> None:
    _edit(prompts / "questions/en/case.yaml", "id: case-vid-01", "id: beh-own-01")
    with pytest.raises(ContentError, match="beh-own-01: duplicate question id"):
        load_content(prompts)


def test_missing_question_text(prompts: Path) -> None:
    path = prompts / "questions/en/technical.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text + "\n  - id: tech-sql-99\n    kind: technical\n    themes: [sql]\n", encoding="utf-8"
    )
    with pytest.raises(ContentError, match=r"technical\.yaml:\d+: tech-sql-99: missing"):
        load_content(prompts)


def test_wrong_type(prompts: Path) -> None:
    _edit(prompts / "rules.yaml", "priority: 45", "priority: high")
    with pytest.raises(ContentError, match="priority must be an integer"):
        load_content(prompts)


def test_unknown_key_is_an_error(prompts: Path) -> None:
    _edit(
        prompts / "questions/en/behavioral.yaml",
        "    kind: behavioral\n",
        "    kind: behavioral\n    difficulty: hard\n",
    )
    with pytest.raises(ContentError, match="unknown key"):
        load_content(prompts)


def test_broken_yaml_names_file_and_line(prompts: Path) -> None:
    path = prompts / "questions/en/case.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5] + " [unclosed: {"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_content(prompts)
    message = str(err.value)
    assert "case.yaml:" in message and "YAML syntax error" in message
    assert "\n" not in message


def test_missing_message_key_in_a_language(prompts: Path) -> None:
    (prompts / "messages" / "xx.yaml").write_text("kinds: {case: Case}\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"xx\.yaml.*missing keys"):
        load_content(prompts)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def test_check_content_cli_ok() -> None:
    proc = _cli("check-content")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok:")


def test_check_content_cli_reports_one_line(prompts: Path) -> None:
    _edit(prompts / "rules.yaml", "tag: too_short", "tag: tooshort")
    proc = _cli("check-content", "--prompts", str(prompts))
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "rules.yaml:" in lines[0] and "tooshort" in lines[0]
