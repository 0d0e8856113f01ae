"""`mistral-chat transcribe AUDIO`: speech to text with Voxtral.

AUDIO is a local file (WAV, MP3, FLAC, OGG, M4A, WEBM, AAC; read from its bytes), an http(s)
URL, `file:ID` or `-` (stdin). The text streams to stdout as it arrives; `--format srt|vtt|json`
and `-o PATH` write it whole. A line on stderr gives the audio length and the estimated cost.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from ._argtypes import non_empty
from .context import AppContext
from .exit import ExitCode, UsageError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "transcribe",
        help="transcribe audio to text (Voxtral)",
        description="Transcribe an audio file with Voxtral. The text streams to stdout as it "
        "arrives; --format srt|vtt|json and -o write it whole.",
        epilog="examples:\n"
        "  mistral-chat transcribe meeting.mp3\n"
        "  mistral-chat transcribe talk.wav --format srt -o talk.srt\n"
        "  mistral-chat transcribe call.mp3 --diarize --timestamps segment\n"
        "  mistral-chat transcribe https://example.com/a.mp3 --context-bias Mistral",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("audio", metavar="AUDIO", help="an audio file, http(s) URL, file:ID, or -")
    p.add_argument(
        "-m", "--model", type=non_empty, metavar="MODEL", help="default voxtral-mini-latest"
    )
    p.add_argument(
        "--language", metavar="CODE", help="the audio's language, e.g. en (else detected)"
    )
    p.add_argument(
        "--timestamps", choices=("segment", "word"), help="timestamps per segment or word"
    )
    p.add_argument("--diarize", action="store_true", help="tell the speakers apart")
    p.add_argument(
        "--context-bias",
        action="append",
        default=[],
        metavar="TERM",
        help="a name or term to spell right (repeatable, up to 100; phrases as New_York)",
    )
    p.add_argument(
        "--format", dest="output_format", choices=("text", "srt", "vtt", "json"), default="text"
    )
    p.add_argument("-o", "--output", type=non_empty, metavar="PATH", help="write to PATH")
    p.add_argument("--json", action="store_true", help="the API's answer as JSON (= --format json)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.transcription import TranscriptionChoices, audio_source, check_choices

    fmt = "json" if args.json else args.output_format
    choices = TranscriptionChoices(
        language=args.language,
        timestamps=args.timestamps,
        diarize=args.diarize,
        context_bias=tuple(args.context_bias),
        output_format=fmt,
    )
    check_choices(choices)
    output = Path(args.output) if args.output and args.output != "-" else None
    if output is not None:
        from ..services.transfers import TransferError, check_writable

        if output.exists():
            raise UsageError(f"{output} already exists; choose another path (nothing was sent)")
        try:
            check_writable(output)
        except TransferError as exc:
            raise UsageError(f"{exc} (nothing was sent)") from None
    with tempfile.TemporaryDirectory(prefix="mistral-chat-") as scratch:
        stdin = sys.stdin.buffer if args.audio == "-" and not sys.stdin.isatty() else None
        source = audio_source(args.audio, stdin, Path(scratch))
        return _run(args, ctx, source, choices, output)


def _run(
    args: argparse.Namespace, ctx: AppContext, source: Any, choices: Any, output: Path | None
) -> int:
    from ..services.transcription import (
        DEFAULT_TRANSCRIBE_MODEL,
        as_srt,
        as_text,
        as_vtt,
        transcribe,
    )
    from ._uploads import UploadBars

    model = args.model or DEFAULT_TRANSCRIBE_MODEL
    streamed = output is None and choices.output_format == "text" and not choices.diarize
    bars = UploadBars(ctx)
    answer = transcribe(
        ctx.client(),
        source,
        model,
        choices,
        on_progress=lambda done, total: bars(source.label, done, total),
        on_text=(lambda piece: ctx.terminal.out(piece, end="")) if streamed else None,
    )
    if choices.output_format == "json":
        ctx.terminal.json(answer.to_dict()) if output is None else _write(output, _dumps(answer))
    else:
        render = {"srt": as_srt, "vtt": as_vtt}.get(choices.output_format, as_text)
        if streamed:
            ctx.terminal.out("")
        elif output is None:
            ctx.terminal.out(render(answer), end="")
        else:
            _write(output, render(answer))
    _summary(ctx, model, answer, output)
    return ExitCode.OK


def _dumps(answer: Any) -> str:
    import json

    return json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) + "\n"


def _write(path: Path, text: str) -> None:
    from ..services.transfers import write_text_atomic

    write_text_atomic(path, text)


def _summary(ctx: AppContext, model: str, answer: Any, output: Path | None) -> None:
    from ..render.formats import money
    from ..services.unit_prices import audio_cost

    seconds = answer.usage.prompt_audio_seconds or 0
    cost = audio_cost(answer.model or model, seconds) or audio_cost(model, seconds)
    parts = [answer.model or model, f"{seconds // 60}:{seconds % 60:02d} of audio"]
    if answer.language:
        parts.append(f"language {answer.language}")
    if cost is not None:
        parts.append(f"~{money(cost)}")
    if output is not None:
        parts.append(f"written to {output}")
    ctx.terminal.err_line(" · ".join(parts))  # stderr: stdout stays the text alone
