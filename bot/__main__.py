"""One entry point: `python -m bot run | migrate | console | analyze | check-content`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import cast

from bot.config import Settings
from bot.content import ContentError, load_content
from bot.content.loader import THEMES
from bot.engine.model import KINDS, Kind


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="Mock interviewer bot")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the Telegram bot (long polling)")
    m = sub.add_parser("migrate", help="apply database migrations (a deploy step), then exit")
    m.add_argument("--database", help="database URL (default: DATABASE_URL or ./data)")
    c = sub.add_parser("console", help="practise in this terminal, no Telegram needed")
    c.add_argument("--kind", choices=KINDS, help="only this kind of question")
    c.add_argument("--lang", choices=("en", "zh"), default="en", help="interface language")
    c.add_argument(
        "--theme",
        choices=sorted({t for themes in THEMES.values() for t in themes}),
        help="only questions of this theme (e.g. sql, stats, resume)",
    )
    c.add_argument("--user", help="whose progress to use (default: your login name)")
    c.add_argument("--database", help="database URL (default: DATABASE_URL or ./data)")
    a = sub.add_parser("analyze", help="JSON Lines answers on stdin -> probe tags on stdout")
    a.add_argument("--prompts", type=Path, help="prompts folder (default: the project's)")
    k = sub.add_parser("check-content", help="validate every file in prompts/")
    k.add_argument("--prompts", type=Path, help="prompts folder (default: the project's)")
    return p


# Every question must carry points and a model answer (set once the whole bank has them).
REQUIRE_POINTS = True


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    logging.basicConfig(
        level=getattr(logging, settings.log_level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("alembic", "httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)  # httpx would log the token URL
    # "skipped: maximum number of running instances" is expected when a sweep runs long
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
    if args.command == "migrate":  # needs no content: a deploy step before any bot starts
        from bot.services.database import migrate_to_head

        url = args.database or settings.database_url
        revision = asyncio.run(migrate_to_head(url))
        print(f"database at revision {revision}")
        return 0
    prompts = getattr(args, "prompts", None) or settings.prompts_dir
    try:
        content = load_content(prompts)
    except ContentError as exc:
        print(f"content error: {exc}", file=sys.stderr)
        return 1
    if args.command == "check-content":
        from bot.content.model_answers import check_model_answers

        problems = check_model_answers(content, require_all=REQUIRE_POINTS)
        for line in problems:
            print(f"content error: {line}", file=sys.stderr)
        if problems:
            return 1
        n = sum(len(v) for v in content.questions.values())
        rules = sum(len(r.rules) for r in content.rules.values())
        print(f"ok: {n} questions, {rules} rules, languages: {', '.join(sorted(content.rules))}")
        return 0
    if args.command == "analyze":
        from bot.analyze_cli import main as analyze_main

        return analyze_main(content)
    if args.command == "console":
        from bot.console import run_console

        kind = cast(Kind | None, args.kind)
        url = args.database or settings.database_url
        try:
            return asyncio.run(
                run_console(
                    content, url, kind, args.user, settings.max_probes, args.theme, args.lang
                )
            )
        except KeyboardInterrupt:
            return 0
    from bot.tg.app import run_bot

    return run_bot(settings, content)


if __name__ == "__main__":
    sys.exit(main())
