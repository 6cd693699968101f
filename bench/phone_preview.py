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

# (question id, answer, replies to follow-ups in order): strong, partial, weak and
# off-topic answers, phone-typed and polished, in both languages
SAMPLES: list[tuple[str, str, list[str]]] = [
    (
        "case-rec-01",
        "I'd grow feed GMV by splitting it into CTR, add-to-cart, conversion and order value to "
        "see which part is stuck. My guess is the feed over-shows items people already bought, so "
        "I'd add a repeat-purchase penalty and expect about +2% feed GMV.",
        ["I'd replay last month's logs offline first, then A/B test on 5% of users."],
    ),
    (
        "case-mkt-02",
        "I'd split buyers 50/50 at random for two weeks. Primary metric: GMV net of coupon cost "
        "per buyer, refund rate as a guardrail. ~400k buyers per arm gives 80% power for a 1% "
        "lift. The trade-off is paying the coupon up front for a maybe small gain.",
        ["Treated buyers could empty stock that control buyers wanted, so I'd randomise by city."],
    ),
    (
        "case-mkt-01",
        "First, define the goal: GMV goes up. Step one is a funnel for sellers and buyers. Then "
        "A/B test it on 5% of users. The trade-off is latency. I would change the ranking.",
        [],
    ),
    (
        "beh-own-01",
        "we had a broken dashboard and we fixed it together, and the managers were happy after.",
        [
            "I rewrote the revenue query myself and added a daily row-count check; errors went "
            "from about 4 a week to none in the next two months."
        ],
    ),
    (
        "beh-fail-01",
        "Honestly I can't think of a real failure. When deadlines slipped it was because the "
        "data team was late with the tables, which was not on me.",
        [
            "ok one: I forgot to exclude test accounts, so churn was overstated by 3 points; I "
            "told the PM the same day and added a row-count check."
        ],
    ),
    (
        "beh-res-01",
        "I used XGBoost for churn because it was the most accurate. AUC was 0.86 and the team "
        "liked it.",
        ["Logistic regression got 0.81, so mine was better."],
    ),
    ("tech-sql-01", "No idea.", []),
    (
        "tech-sta-01",
        "p = 0.04 means there is a 96% chance the new checkout is better, so we should ship.",
        ["Hmm, I guess it is about how surprising the data is if nothing changed?"],
    ),
    (
        "tech-ml-03",
        "RMSE squares errors, so a few spike days dominate it, and a flat forecast near zero can "
        "look fine. I'd use WAPE plus a quantile loss at the service level we want, since a "
        "stock-out costs more than a spare unit; the cost is a metric that is harder to explain.",
        [],
    ),
    (
        "zh-case-01",
        "我会先把人均 GMV 拆成点击率、加购率和客单价，看是哪一步掉了。我怀疑模型被大促数据带偏，"
        "推了太多大促爆款。",
        ["我会先离线回放上个月的日志，再在 5% 的用户上做 AB 实验。"],
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


def conversation(content, qid: str, answer: str, replies: list[str]) -> str:  # type: ignore[no-untyped-def]
    q = content.question(qid)
    if q is None:
        raise SystemExit(f"unknown question id {qid}")
    t = Texts(content.messages, q.lang)
    rules = content.rules
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
    with tempfile.TemporaryDirectory() as tmp:
        for qid, answer, replies in SAMPLES:
            page = Path(tmp) / f"{qid}.html"
            page.write_text(conversation(content, qid, answer, replies), encoding="utf-8")
            png = out / f"{qid}.png"
            subprocess.run(
                [
                    browser,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    f"--screenshot={png}",
                    "--window-size=390,1600",
                    page.as_uri(),
                ],
                check=True,
                capture_output=True,
                timeout=60,
            )
            print(png)


if __name__ == "__main__":
    main()
