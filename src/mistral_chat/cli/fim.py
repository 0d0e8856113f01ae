"""`mistral-chat fim`: fill in the middle with Codestral.

`--prefix`/`--suffix`, or a FILE with one `<FILL>` marker. The middle streams to stdout;
`-o PATH` writes the completed file (prefix, middle, suffix) instead.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._argtypes import non_empty, positive_int
from .context import AppContext
from .exit import ExitCode, UsageError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "fim",
        help="fill in the middle of code (Codestral)",
        description="Complete code between a prefix and a suffix with Codestral.",
        epilog="examples:\n"
        "  mistral-chat fim --prefix 'def add(a, b):' --suffix 'print(add(1, 2))'\n"
        "  mistral-chat fim draft.py -o done.py        (draft.py holds one <FILL>)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "file", nargs="?", type=Path, metavar="FILE", help="a file with one <FILL> marker"
    )
    p.add_argument("--prefix", metavar="TEXT", help="the code before the middle")
    p.add_argument("--suffix", metavar="TEXT", help="the code after the middle")
    p.add_argument(
        "-m", "--model", type=non_empty, metavar="MODEL", help="default codestral-latest"
    )
    p.add_argument("--max-tokens", type=positive_int, metavar="N", help="longest middle, in tokens")
    p.add_argument("--temperature", type=float, metavar="T", help="0 to 1.5")
    p.add_argument("--stop", action="append", metavar="SEQ", help="stop before SEQ (repeatable)")
    p.add_argument(
        "-o", "--output", type=non_empty, metavar="PATH", help="write the completed file"
    )
    p.set_defaults(handler=handle)


def _parts(args: argparse.Namespace) -> tuple[str, str]:
    from ..services.fim import split_at_marker

    if args.file is not None:
        if args.prefix is not None or args.suffix is not None:
            raise UsageError("give FILE or --prefix/--suffix, not both")
        return split_at_marker(args.file.read_text(encoding="utf-8"), str(args.file))
    if not args.prefix:
        raise UsageError("give --prefix (and --suffix), or a FILE with a <FILL> marker")
    return args.prefix, args.suffix or ""


def handle(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.fim import DEFAULT_FIM_MODEL

    prefix, suffix = _parts(args)
    if args.temperature is not None and not 0 <= args.temperature <= 1.5:
        raise UsageError(f"--temperature must be between 0 and 1.5, got {args.temperature:g}")
    output = Path(args.output) if args.output else None
    if output is not None and output.exists():
        raise UsageError(f"{output} already exists; choose another path (nothing was sent)")
    model = args.model or DEFAULT_FIM_MODEL
    options = {
        k: v
        for k, v in (
            ("max_tokens", args.max_tokens),
            ("temperature", args.temperature),
            ("stop", args.stop),
        )
        if v is not None
    }
    middle = []
    with ctx.client().fim.stream(model, prefix, suffix or None, **options) as stream:
        for chunk in stream:
            piece = chunk.choices[0].delta.content if chunk.choices else None
            if isinstance(piece, str) and piece:
                middle.append(piece)
                if output is None:
                    ctx.terminal.out(piece, end="")
    if output is None:
        ctx.terminal.out("")
    else:
        from ..services.transfers import write_text_atomic

        write_text_atomic(output, prefix + "".join(middle) + suffix)
    usage = stream.usage
    tokens = f"{usage.prompt_tokens} in, {usage.completion_tokens} out" if usage else ""
    ctx.terminal.err_line(
        " · ".join(x for x in (model, tokens, f"written to {output}" if output else "") if x)
    )
    return ExitCode.OK
