"""`mistral-chat speak TEXT -o out.mp3`: text to speech with Voxtral TTS.

The text is the arguments, or stdin when there are none. The audio streams into the file as it
is made (written whole or not at all); `-o -` streams it to stdout. A line on stderr gives the
size and the estimated cost (per million characters).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ._argtypes import non_empty
from .context import AppContext
from .exit import ExitCode, UsageError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "speak",
        help="turn text into speech (Voxtral TTS)",
        description="Speak TEXT (or stdin) with Voxtral TTS into an audio file.",
        epilog="examples:\n"
        "  mistral-chat speak 'Hello there' --voice amelie -o hello.mp3\n"
        "  cat notes.txt | mistral-chat speak --voice amelie -o notes.wav\n"
        "  mistral-chat speak 'Salut' --ref-audio me.mp3 -o - | mpv -",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("text", nargs="*", metavar="TEXT", help="the text (else read from stdin)")
    p.add_argument(
        "-o", "--output", required=True, metavar="PATH", help="audio file, or - for stdout"
    )
    p.add_argument(
        "--voice", type=non_empty, metavar="ID", help="a voice id or slug (`voices list`)"
    )
    p.add_argument("--ref-audio", type=Path, metavar="FILE", help="clone the voice of a short clip")
    p.add_argument(
        "--format", choices=("mp3", "wav", "pcm", "flac", "opus"), help="default: from -o, else mp3"
    )
    p.add_argument(
        "-m", "--model", type=non_empty, metavar="MODEL", help="default voxtral-mini-tts-latest"
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.speech import (
        DEFAULT_SPEECH_MODEL,
        check_text,
        open_target,
        speak,
        speech_format,
    )

    if args.text:
        text = " ".join(args.text)
    elif not sys.stdin.isatty():
        text = sys.stdin.read()
    else:
        raise UsageError("give the text to speak as arguments or on stdin")
    check_text(text)
    if args.voice is None and args.ref_audio is None:
        raise UsageError(
            "choose a voice: --voice ID (see `mistral-chat voices list`) or --ref-audio FILE"
        )
    if args.ref_audio is not None and not args.ref_audio.is_file():
        raise UsageError(f"{args.ref_audio}: no such file; check the path")
    fmt = speech_format(args.format, args.output)
    model = args.model or DEFAULT_SPEECH_MODEL
    to_stdout = args.output == "-"
    finish: Callable[[bool], None]
    out: IO[bytes]
    if to_stdout:
        if sys.stdout.isatty():
            raise UsageError("not writing audio to a terminal; pipe it, or give -o FILE")
        out, finish = sys.stdout.buffer, _keep
    else:
        out, finish = open_target(Path(args.output))
    size = 0

    def counted(n: int) -> None:
        nonlocal size
        size += n

    ok = False
    try:
        speak(
            ctx.client(),
            text,
            model=model,
            voice=args.voice,
            ref_audio=args.ref_audio,
            fmt=fmt,
            out=out,
            on_bytes=counted,
        )
        ok = True
    finally:
        finish(ok)
    _summary(ctx, model, text, size, None if to_stdout else args.output)
    return ExitCode.OK


def _keep(ok: bool) -> None:
    """Audio streamed to stdout has nothing to rename or remove."""


def _summary(ctx: AppContext, model: str, text: str, size: int, path: str | None) -> None:
    from ..render.formats import money
    from ..services.transfers import human_size
    from ..services.unit_prices import character_cost

    parts = [model, f"{len(text)} characters", human_size(size)]
    cost = character_cost(model, len(text))
    if cost is not None:
        parts.append(f"~{money(cost)}")
    if path is not None:
        parts.append(f"written to {path}")
    ctx.terminal.err_line(" · ".join(parts))
