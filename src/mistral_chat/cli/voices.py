"""`mistral-chat voices list`: the voices `speak --voice` takes."""

from __future__ import annotations

import argparse
from typing import Any

from ._argtypes import int_range
from .context import AppContext
from .exit import ExitCode

__all__ = ["register"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "voices", help="list the voices for speak", description="Voices for `speak --voice`."
    )
    sub = p.add_subparsers(dest="voices_command", metavar="COMMAND")
    ls = sub.add_parser("list", help="list voices (presets and your own)")
    ls.add_argument("--type", choices=("all", "custom", "preset"), default="all")
    ls.add_argument(
        "--limit", type=int_range(1, 100), default=100, metavar="N", help="most shown (1-100)"
    )
    ls.add_argument("--json", action="store_true", help="the API's answer as JSON")
    ls.set_defaults(handler=list_voices)


def list_voices(args: argparse.Namespace, ctx: AppContext) -> int:
    answer = ctx.client().audio.voices(limit=args.limit, type=args.type)
    if args.json:
        ctx.terminal.json([v.to_dict() for v in answer.items])
        return ExitCode.OK
    from ..render.tables import table

    rows = [
        [v.id, v.slug or "-", v.name, ", ".join(v.languages) or "-", v.gender or "-"]
        for v in answer.items
    ]
    table(ctx.terminal, ["id", "slug", "name", "languages", "gender"], rows, no_wrap=("id",))
    ctx.terminal.err_line(f"{answer.total} voice{'s' * (answer.total != 1)}")
    return ExitCode.OK
