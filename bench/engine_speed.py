"""How fast the rule engine analyses answers (pure engine, compiled once at load).

    python bench/engine_speed.py [SET.yaml ...]

Defaults to ../shared/eval/dev_answers.yaml plus the sets under bench/probe_eval/.
Prints answers per second and microseconds per answer (best of 5 passes), and the time
of one long (20,000-character) answer.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.content import load_content  # noqa: E402
from bot.engine.rules import analyze  # noqa: E402


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]] or [
        ROOT.parent / "shared/eval/dev_answers.yaml",
        *sorted((ROOT / "bench/probe_eval").glob("*.yaml")),
    ]
    items = [it for p in paths if p.exists() for it in yaml.safe_load(p.read_text("utf-8"))]
    t0 = time.perf_counter()
    rules = load_content().rules["en"]
    load_ms = (time.perf_counter() - t0) * 1000
    passes = []
    for _ in range(5):
        t0 = time.perf_counter()
        for it in items:
            analyze(rules, it["kind"], it["answer"], it["question"])
        passes.append(time.perf_counter() - t0)
    best = min(passes)
    long_answer = ("We improved the pipeline by 15% and I rewrote the job. " * 400)[:20_000]
    t0 = time.perf_counter()
    analyze(rules, "behavioral", long_answer, "Tell me about impact.")
    long_ms = (time.perf_counter() - t0) * 1000
    print(f"answers={len(items)} load+compile={load_ms:.0f} ms")
    print(
        f"best pass: {len(items) / best:,.0f} answers/s, {best / len(items) * 1e6:.0f} us/answer "
        f"(median pass {statistics.median(passes) / len(items) * 1e6:.0f} us)"
    )
    print(f"one 20,000-char answer: {long_ms:.1f} ms")


if __name__ == "__main__":
    main()
