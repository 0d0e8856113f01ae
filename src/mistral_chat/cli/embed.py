"""`mistral-chat embed`: vectors for texts, as JSON or a NumPy `.npy` file.

Texts are the arguments, the lines of `--file PATH` (repeatable), or the lines of stdin;
blank lines are skipped. They are sent in batches within the API's limits.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ._argtypes import non_empty, positive_int
from .context import AppContext
from .exit import ExitCode, UsageError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "embed",
        help="embed texts as vectors (JSON or .npy)",
        description="Embed texts with mistral-embed (or codestral-embed). One text per argument, "
        "per line of --file, or per line of stdin.",
        epilog="examples:\n"
        "  mistral-chat embed 'first text' 'second text'\n"
        "  mistral-chat embed --file sentences.txt -o vectors.npy\n"
        "  mistral-chat embed -m codestral-embed --dimension 256 --dtype int8 < snippets.txt",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("text", nargs="*", metavar="TEXT", help="texts to embed")
    p.add_argument(
        "--file", action="append", default=[], type=Path, metavar="PATH", help="one text per line"
    )
    p.add_argument("-m", "--model", type=non_empty, metavar="MODEL", help="default mistral-embed")
    p.add_argument(
        "--dimension", type=positive_int, metavar="N", help="output dimension (codestral-embed)"
    )
    p.add_argument(
        "--dtype", choices=("float", "int8", "uint8", "binary", "ubinary"), help="output type"
    )
    p.add_argument(
        "-o",
        "--output",
        type=non_empty,
        metavar="PATH",
        help=".npy or .json file (default: JSON on stdout)",
    )
    p.set_defaults(handler=handle)


def _texts(args: argparse.Namespace) -> list[str]:
    texts = list(args.text)
    for path in args.file:
        texts += [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not args.text and not args.file and not sys.stdin.isatty():
        texts += [line for line in sys.stdin.read().splitlines() if line.strip()]
    return texts


def handle(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.embeddings import DEFAULT_EMBED_MODEL, check_model_offers, embed_all

    model = args.model or DEFAULT_EMBED_MODEL
    check_model_offers(model, args.dimension, args.dtype)
    texts = _texts(args)
    if any(not t.strip() for t in texts):
        raise UsageError("a text is empty; the API embeds only non-empty text")
    output = Path(args.output) if args.output and args.output != "-" else None
    if output is not None and output.suffix.lower() not in (".npy", ".json"):
        raise UsageError(f"{output}: name it .npy (NumPy) or .json")
    if output is not None and output.exists():
        raise UsageError(f"{output} already exists; choose another path (nothing was sent)")
    vectors, tokens = embed_all(
        ctx.client(), texts, model=model, dimension=args.dimension, dtype=args.dtype
    )
    _write(ctx, output, texts, vectors, model, args.dtype or "float")
    dims = len(vectors[0]) if vectors else 0
    count = f"{len(texts)} text{'s' * (len(texts) != 1)}"
    ctx.terminal.err_line(f"{model} · {count} · {dims} dimensions · {tokens} tokens")
    return ExitCode.OK


def _write(
    ctx: AppContext,
    output: Path | None,
    texts: list[str],
    vectors: list[Any],
    model: str,
    dtype: str,
) -> None:
    from ..services.embeddings import write_json, write_npy

    if output is None:
        write_json(ctx.terminal.stdout, texts, vectors, model)
        ctx.terminal.stdout.flush()
        return
    partial = output.with_name(f".{output.name}.part")
    try:
        if output.suffix.lower() == ".npy":
            with partial.open("wb") as fh:
                write_npy(fh, vectors, dtype)
        else:
            with partial.open("w", encoding="utf-8") as out:
                write_json(out, texts, vectors, model)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
