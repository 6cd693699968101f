"""Render the bot's feedback messages as a phone would show them (390 px wide) to PNGs.

    python bench/phone_preview.py [OUT_DIR]

Needs a headless Chromium on PATH (Debian: `apt-get install chromium fonts-noto-color-emoji`).
Each sample is a question from the bank, an answer written for this preview and, where
the bot asks a follow-up, a reply; the PNG shows the follow-up and the final feedback in
Telegram-like bubbles, so a reader can judge length and layout without a phone.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import render  # noqa: E402
from bot.content import load_content  # noqa: E402
from bot.engine.model import Probe  # noqa: E402
from bot.engine.session import QuestionState, next_step  # noqa: E402
from bot.texts import Texts  # noqa: E402

# (question id, answer, replies to follow-ups in order)
SAMPLES: list[tuple[str, str, list[str]]] = [
    (
        "case-rec-01",
        "I'd grow feed GMV by splitting it into CTR, add-to-cart, conversion and order value to "
        "see which part is stuck. My guess is the feed over-shows items people already bought, so "
        "I'd add a repeat-purchase penalty and expect about +2% feed GMV.",
        ["I'd replay last month's logs offline first, then A/B test on 5% of users."],
    ),
    (
        "beh-own-01",
        "we had a broken dashboard and we fixed it together, and the managers were happy after.",
        ["I rewrote the revenue query myself and added a daily row-count check; errors went from "
         "about 4 a week to none in the next two months."],
    ),
    (
        "tech-sql-01",
        "No idea.",
        [],
    ),
]

PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin:0; width:390px; background:#dfe6ee; font:15px/1.35 -apple-system, 'Noto Sans',
  'DejaVu Sans', 'Noto Color Emoji', sans-serif; }}
.msg {{ margin:8px 10px; padding:8px 11px; border-radius:14px; max-width:300px;
  white-space:pre-wrap; word-wrap:break-word; box-shadow:0 1px 1px #0002; }}
.bot {{ background:#fff; }} .me {{ background:#e1ffc7; margin-left:auto; }}
</style></head><body>{body}</body></html>"""


def bubble(text_html: str, mine: bool) -> str:
    return f'<div class="msg {"me" if mine else "bot"}">{text_html}</div>'


def conversation(content, t: Texts, qid: str, answer: str, replies: list[str]) -> str:  # type: ignore[no-untyped-def]
    q = content.question(qid)
    if q is None:
        raise SystemExit(f"unknown question id {qid}")
    rules = content.rules["en"]
    parts = [bubble(render.question(t, q, 1), False), bubble(html.escape(answer), True)]
    state = QuestionState(q, [answer])
    step = next_step(state, rules)
    pending = list(replies)
    while isinstance(step, Probe):
        parts.append(bubble(render.probe(t, step), False))
        reply = pending.pop(0) if pending else "ok"
        parts.append(bubble(html.escape(reply), True))
        state.probes.append(step)
        state.parts.append(reply)
        step = next_step(state, rules)
    parts.append(bubble(render.feedback(t, step), False))
    return PAGE.format(body="\n".join(parts))


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "phone"
    out.mkdir(parents=True, exist_ok=True)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("chromium not found: apt-get install chromium fonts-noto-color-emoji")
    content = load_content()
    t = Texts(content.messages, "en")
    with tempfile.TemporaryDirectory() as tmp:
        for qid, answer, replies in SAMPLES:
            page = Path(tmp) / f"{qid}.html"
            page.write_text(conversation(content, t, qid, answer, replies), encoding="utf-8")
            png = out / f"{qid}.png"
            subprocess.run(
                [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 f"--screenshot={png}", "--window-size=390,1400", page.as_uri()],
                check=True, capture_output=True, timeout=60,
            )
            print(png)


if __name__ == "__main__":
    main()
