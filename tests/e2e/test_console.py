"""The console front end driven through stdin in a subprocess, including resume."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

VAGUE = (
    "Our team built a churn dashboard for the sales team. We cleaned the data, we "
    "trained a model and we presented it every week. Churn went down 10% after that."
)


def run_console(db: Path | str, stdin: str, *args: str) -> str:
    """`python -m bot console` on a SQLite file (a Path) or any database URL (a str)."""
    url = f"sqlite+aiosqlite:///{db}" if isinstance(db, Path) else db
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--user", "tester", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stdout


def test_interview_with_probe_then_resume(tmp_path: Path) -> None:
    db = tmp_path / "console.sqlite3"
    # multi-line answer, blank line sends; then quit at the follow-up
    out = run_console(db, VAGUE.replace(". ", ".\n", 1) + "\n\n", "--kind", "behavioral")
    assert "Behavioral ·" in out and "(question 1)" in out
    assert "Follow-up: You describe what the team did" in out
    # a new process resumes the open question and its pending follow-up
    out = run_console(
        db,
        "My part was the model: I trained it and tuned it myself.\n\n"
        "Before, monthly churn was 5.2%; after three months it was 4.7%.\n\n/stop\n",
    )
    assert "Welcome back" in out
    assert out.index("Welcome back") < out.index("Follow-up: You describe what the team did")
    assert "STAR" in out and "(after a follow-up)" in out
    assert "Session summary" in out and "Questions answered: 1" in out


def test_commands_and_empty_input(tmp_path: Path) -> None:
    db = tmp_path / "c2.sqlite3"
    out = run_console(db, "\n\n/skip\n/quit\n", "--kind", "case")
    # a skipped question is not counted: the next one is still question 1
    assert out.count("(question 1)") == 2 and "(question 2)" not in out
    assert out.count("Case ·") == 2
    assert "Bye!" in out


SQL_ANSWER = """```sql
WITH firsts AS (
  SELECT user_id, MIN(event_date) AS d0 FROM events GROUP BY user_id
),

day7 AS (
  SELECT DISTINCT e.user_id FROM events e JOIN firsts f ON e.user_id = f.user_id
  WHERE e.event_date = f.d0 + INTERVAL '7' DAY
)

SELECT COUNT(*) * 1.0 / (SELECT COUNT(*) FROM firsts) AS d7_retention FROM day7;
```
I dedupe with DISTINCT so a user counts once; a LEFT JOIN would be the alternative."""


def test_sql_with_blank_lines_stays_one_answer_then_model_and_retry(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    out = run_console(db, SQL_ANSWER + "\n\n/model\n/retry\n/quit\n", "--kind", "technical")
    # one answer: exactly one evaluation (a probe or a score), not one per CTE
    evaluations = out.count("Follow-up:") + out.count("on the checklist")
    assert evaluations == 1, out
    # /model shows a worked answer (of the question just scored, or the open one)
    assert "A strong answer" in out
    # /retry asks the first question again (after the next one if the first was scored)
    lines = out.splitlines()
    asked = [lines[i + 1] for i, line in enumerate(lines) if "(question" in line]
    assert len(asked) in (2, 3) and asked[-1] == asked[0], asked


def test_console_in_chinese(tmp_path: Path) -> None:
    out = run_console(tmp_path / "z.db", "/quit\n", "--lang", "zh", "--kind", "case")
    assert "模拟面试官" in out and "案例分析" in out and "（第 1 题）" in out


def test_unknown_command_is_not_taken_as_an_answer(tmp_path: Path) -> None:
    out = run_console(tmp_path / "u.db", "/foo\n/quit\n", "--kind", "case")
    assert "/foo isn't a command here" in out
    assert "Follow-up:" not in out  # nothing was evaluated
