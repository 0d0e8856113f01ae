"""`mistral-chat ocr SOURCE`: a document or image read into markdown by Mistral OCR.

The source is what `ask -a` takes (a local PDF, document or image, an http(s) URL, `file:ID`,
`-` for stdin).
The pages go to stdout (rendered on a terminal, the markdown itself when piped, each page after
an invisible `<!-- page N -->` marker) or to `-o PATH`; `--json` prints the API's answer.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._argtypes import non_empty
from .context import AppContext
from .exit import ExitCode, UsageError

if TYPE_CHECKING:
    from ..api.types import OCRResponse
    from ..services.attachments import AttachmentSpec

__all__ = ["register"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "ocr",
        help="read a document or image into markdown (Mistral OCR)",
        description="Read a document or image into markdown with Mistral OCR, page by page. "
        "A local file is uploaded (documents) or sent inline (images) first.",
        epilog="examples:\n"
        "  mistral-chat ocr report.pdf > report.md\n"
        "  mistral-chat ocr scan.png --pages 1\n"
        "  mistral-chat ocr https://arxiv.org/pdf/2201.04234 --pages 1-3 -o paper.md\n"
        "  mistral-chat ocr file:3b6d2c1e-... --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "source",
        metavar="SOURCE",
        help="a local PDF, document or image, an http(s):// URL, file:ID, or - for stdin",
    )
    p.add_argument(
        "-m",
        "--model",
        type=non_empty,
        metavar="MODEL",
        help="OCR model (default mistral-ocr-latest)",
    )
    p.add_argument("--pages", metavar="PAGES", help="only these pages, from 1: e.g. 1,3-5")
    p.add_argument(
        "-o", "--output", type=non_empty, metavar="PATH", help="write the markdown to PATH"
    )
    p.add_argument("--json", action="store_true", help="the API's answer as JSON")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.ocr import InvalidPages, ocr_source, parse_pages

    try:
        if args.pages is not None and not args.pages.strip():
            raise UsageError("--pages is empty; write pages like 1,3-5")
        pages = parse_pages(args.pages) if args.pages else None
    except InvalidPages as exc:
        raise UsageError(f"--pages: {exc}") from None
    output = Path(args.output) if args.output and args.output != "-" else None
    if output is not None and output.exists():
        raise UsageError(f"{output} already exists; choose another path (nothing was sent)")
    if output is not None:
        from ..services.transfers import TransferError, check_writable

        try:
            check_writable(output)
        except TransferError as exc:
            raise UsageError(f"{exc} (nothing was sent)") from None
    with tempfile.TemporaryDirectory(prefix="mistral-chat-") as scratch:
        stdin = None
        if args.source == "-" and sys.stdin is not None and not sys.stdin.isatty():
            stdin = sys.stdin.buffer.read()
        spec = ocr_source(args.source, stdin, Path(scratch))
        return _read(args, ctx, spec, pages, output)


def _read(
    args: argparse.Namespace,
    ctx: AppContext,
    spec: AttachmentSpec,
    pages: list[int] | None,
    output: Path | None,
) -> int:
    from ..services.ocr import DEFAULT_OCR_MODEL, document_for, read_document

    client = ctx.client()
    model = args.model or DEFAULT_OCR_MODEL
    from ._uploads import UploadBars

    document = document_for(spec, client, on_upload=UploadBars(ctx))
    from ..render.spinner import Spinner

    with Spinner(ctx.terminal, f"{model} is reading {spec.label}"):
        answer = read_document(client, model, document, pages)
    if args.json:
        ctx.terminal.json(answer.to_dict())
        return ExitCode.OK
    _show(ctx, answer, output)
    return ExitCode.OK


def _show(ctx: AppContext, answer: OCRResponse, output: Path | None) -> None:
    from ..services.ocr import pages_markdown

    if output is not None:
        from ..services.transfers import write_text_atomic

        write_text_atomic(output, pages_markdown(answer))
    elif not ctx.terminal.color:
        ctx.terminal.out(pages_markdown(answer), end="")
    else:
        from ..render.markdown import render_markdown

        for page in answer.pages:
            ctx.terminal.err_line(f"── page {page.index + 1} ──")
            render_markdown(ctx.terminal, page.markdown)
    count = len(answer.pages)
    where = f"; written to {output}" if output is not None else ""
    if ctx.terminal.stderr_isatty or output is not None:
        ctx.terminal.err_line(f"{answer.model or 'OCR'}: {count} page{'s' * (count != 1)}{where}")
