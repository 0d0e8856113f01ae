"""`mistral-chat moderate TEXT|FILE|-`: categories and scores from the moderation model.

With `--conversation ID` the last turn of a saved conversation is judged in its context (the
chat moderation endpoint). `--fail-on-flag` exits 7 when anything is flagged, for pipelines.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ._argtypes import non_empty
from .context import AppContext
from .exit import ExitCode, UsageError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "moderate",
        help="check text with the moderation model",
        description="Classify text, or a conversation's last turn, with the moderation model.",
        epilog="examples:\n"
        "  mistral-chat moderate 'some text'\n"
        "  mistral-chat moderate comment.txt --fail-on-flag && publish comment.txt\n"
        "  mistral-chat moderate --conversation 1m8g02xsanba --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "input", nargs="?", metavar="TEXT|FILE|-", help="text, a text file, or - for stdin"
    )
    p.add_argument(
        "--conversation", type=non_empty, metavar="ID", help="a saved conversation's last turn"
    )
    p.add_argument(
        "-m", "--model", type=non_empty, metavar="MODEL", help="default mistral-moderation-2603"
    )
    p.add_argument("--fail-on-flag", action="store_true", help="exit 7 when a category is flagged")
    p.add_argument("--json", action="store_true", help="the API's answer as JSON")
    p.set_defaults(handler=handle)


def _text(arg: str | None) -> str:
    if arg is None or arg == "-":
        if sys.stdin.isatty():
            raise UsageError("give TEXT, a FILE, or pipe the text on stdin")
        return sys.stdin.read()
    path = Path(arg)
    if len(arg) < 4096 and "\n" not in arg and path.is_file():
        return path.read_text(encoding="utf-8")
    return arg


def handle(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.moderation import (
        DEFAULT_MODERATION_MODEL,
        conversation_messages,
        flagged_categories,
        moderate,
    )

    model = args.model or DEFAULT_MODERATION_MODEL
    if args.conversation is not None:
        if args.input is not None:
            raise UsageError("give TEXT or --conversation, not both")
        messages = conversation_messages(ctx.history(), args.conversation)
        answer = ctx.client().moderations.chat(model, messages)
    else:
        answer = moderate(ctx.client(), model, [_text(args.input)])
    result = answer.results[0] if answer.results else None
    flagged = flagged_categories(result.categories) if result else []
    if args.json:
        ctx.terminal.json(answer.to_dict())
    elif result is not None:
        from ..render.tables import table

        rows = [
            [name, f"{score:.4f}", "yes" if result.categories.get(name) else ""]
            for name, score in sorted(result.category_scores.items(), key=lambda kv: -kv[1])
        ]
        table(ctx.terminal, ["category", "score", "flagged"], rows)
    verdict = f"flagged: {', '.join(flagged)}" if flagged else "nothing flagged"
    ctx.terminal.err_line(f"{answer.model or model} · {verdict}")
    if flagged and args.fail_on_flag:
        return ExitCode.FLAGGED
    return ExitCode.OK
