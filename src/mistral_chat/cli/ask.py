"""`mistral-chat ask`: one question, answered on stdout; pipe-friendly.

The prompt is the arguments, followed by stdin when stdin is not a terminal. Everything that
can be refused locally (option ranges, attachments, image count, an image for a model without
vision) is refused before a request is sent. The answer streams to stdout (rendered markdown on
a terminal, the raw text otherwise) after a spinner on stderr; on a terminal a last stderr line
gives tokens, time to first token, speed and estimated cost.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from ._argtypes import non_empty, positive_int
from ._uploads import UploadBars
from .context import AppContext
from .exit import UsageError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from ..services.attachments import AttachmentSpec

__all__ = ["ask", "register"]

_OPTION_FLAGS = (
    ("temperature", "temperature"),
    ("top_p", "top_p"),
    ("max_tokens", "max_tokens"),
    ("seed", "random_seed"),
    ("safe_prompt", "safe_prompt"),
    ("reasoning_effort", "reasoning_effort"),
    ("stop", "stop"),
)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "ask",
        help="ask one question; pipe-friendly",
        description=(
            "Ask one question. The prompt is the arguments, followed by stdin when stdin is "
            "not a terminal. The answer streams to stdout; status goes to stderr. Each "
            "exchange is saved in the history unless --no-log (or config `log = false`)."
        ),
        epilog=(
            "examples:\n"
            '  mistral-chat ask "Explain FIM in one sentence"\n'
            '  git diff | mistral-chat ask "Write a commit message for this diff"\n'
            '  mistral-chat ask -a photo.jpg -m mistral-small-latest "What is in the picture?"\n'
            '  mistral-chat ask -a report.pdf "Summarise this report"\n'
            '  mistral-chat ask -c "And in French?"          (continue the last conversation)'
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("prompt", nargs="*", metavar="PROMPT", help="the question (words are joined)")
    p.add_argument(
        "-m",
        "--model",
        type=non_empty,
        metavar="MODEL",
        help="model id (default: config `model`, "
        "else mistral-small-latest; with -c, the conversation's)",
    )
    p.add_argument("-s", "--system", metavar="SYSTEM", help="system message")
    p.add_argument(
        "-a",
        "--attach",
        action="append",
        default=[],
        metavar="ATTACHMENT",
        help="an image (PNG, JPEG, WEBP, GIF), a document (PDF, DOCX...), a text file (sent "
        "inline), an http(s):// URL, file:ID of an uploaded file, or - for stdin; repeatable "
        "(8 images max)",
    )
    p.add_argument(
        "--image-max-side",
        type=positive_int,
        metavar="PX",
        help="scale images down so their longest side is at most PX (default 1024)",
    )
    g = p.add_argument_group("generation options (checked before sending)")
    g.add_argument("--temperature", metavar="T", help="sampling temperature, 0 to 1.5")
    g.add_argument("--top-p", metavar="P", help="nucleus sampling mass, over 0 up to 1")
    g.add_argument("--max-tokens", metavar="N", help="most tokens to generate (0 or more)")
    g.add_argument("--seed", metavar="N", help="random seed for reproducible answers (0 or more)")
    g.add_argument(
        "--safe-prompt",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="prepend Mistral's safety prompt",
    )
    g.add_argument(
        "--reasoning-effort",
        metavar="LEVEL",
        help="how hard a reasoning model thinks: none, minimal, low, medium, high, xhigh",
    )
    g.add_argument(
        "--stop",
        action="append",
        metavar="SEQ",
        help="stop the answer where SEQ would appear; repeatable",
    )
    g.add_argument(
        "--format",
        choices=("text", "json"),
        help="json: the answer is one JSON object (say what it should hold in the prompt)",
    )
    g.add_argument(
        "--schema",
        metavar="SCHEMA",
        help="the answer is JSON valid against this JSON Schema (a file, or inline JSON)",
    )
    o = p.add_argument_group("output")
    o.add_argument("--no-stream", action="store_true", help="wait for the whole answer")
    o.add_argument(
        "--thinking",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a reasoning model's reasoning on stderr (default: config `show_thinking`)",
    )
    o.add_argument(
        "--json",
        action="store_true",
        help='one JSON object: {"conversation_id", "model", "content", "finish_reason", "usage"}',
    )
    h = p.add_argument_group("history")
    conv = h.add_mutually_exclusive_group()
    conv.add_argument(
        "-c",
        "--continue",
        dest="continue_latest",
        action="store_true",
        help="continue the latest conversation",
    )
    conv.add_argument(
        "--conversation",
        type=non_empty,
        metavar="ID",
        help="continue conversation ID (a unique prefix is enough)",
    )
    h.add_argument("--no-log", action="store_true", help="do not save this exchange")
    p.set_defaults(handler=ask)


def ask(args: argparse.Namespace, ctx: AppContext) -> int:
    import contextlib

    options = _options(args)
    with contextlib.ExitStack() as stack:

        def scratch() -> Path:
            # only for piped binary data, which becomes a file read again when the message is
            # built: a plain question creates no directory
            import tempfile
            from pathlib import Path

            return Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mistral-chat-")))

        prompt, piped = _prompt(args, scratch)
        attachments: list[AttachmentSpec | str] = [a for a in args.attach if a != "-"]
        if piped is not None:
            attachments.append(piped)
        if not prompt and not attachments:
            raise UsageError('no prompt given; try `mistral-chat ask "your question"` or pipe text')
        return _answer(args, ctx, options, prompt, attachments)


def _answer(
    args: argparse.Namespace,
    ctx: AppContext,
    options: dict[str, Any],
    prompt: str,
    attachments: list[AttachmentSpec | str],
) -> int:
    from ..render.answer import AnswerView
    from ..render.formats import finish_note, turn_summary
    from ..services.chat import Start, open_session

    ref: Start | str = args.conversation or (Start.LATEST if args.continue_latest else Start.NEW)
    session = open_session(
        ctx,
        ref,
        model=args.model,
        system=args.system,
        options=options,
        log=ctx.settings.log_history and not args.no_log,
        stream=not args.no_stream,
        image_max_side=args.image_max_side,
    )
    view = AnswerView(
        ctx.terminal,
        f"{session.model} is thinking",
        show=not args.json,
        show_thinking=ctx.settings.show_thinking if args.thinking is None else args.thinking,
        reasoning=f"{session.model} is reasoning",
        markdown=not session.answers_in_json,
        uploads=UploadBars(ctx),
    )
    result = session.send(prompt, attachments, view)
    if args.json:
        ctx.terminal.json(
            {
                "conversation_id": result.conversation_id,
                "model": result.model,
                "content": result.text,
                "finish_reason": result.finish_reason,
                "usage": result.usage,
            }
        )
    elif ctx.terminal.stderr_isatty and result.error is None:
        ctx.terminal.err_line(turn_summary(result))
    note = finish_note(result.finish_reason)
    if note is not None and result.error is None:
        ctx.terminal.warning(note)
    if result.error is not None:
        raise result.error  # cut stream -> 5, Ctrl-C -> 130; what arrived is kept
    return 0


def _options(args: argparse.Namespace) -> dict[str, Any]:
    """The generation options given, checked against the API's ranges (exit 2 if not)."""
    from ..services.chat_options import InvalidOption, response_format, validate_option

    options: dict[str, Any] = {}
    for attr, name in _OPTION_FLAGS:
        value = getattr(args, attr)
        if value is None:
            continue
        try:
            key, checked = validate_option(name, value)
        except InvalidOption as exc:
            # "random_seed must be ..." -> "--seed must be ...": name the flag the user typed
            flag, text = f"--{attr.replace('_', '-')}", str(exc)
            text = flag + text[len(name) :] if text.startswith(name) else f"{text} ({flag})"
            raise UsageError(text) from None
        options[key] = checked
    try:
        fmt = response_format(args.format, args.schema)
    except InvalidOption as exc:
        raise UsageError(str(exc)) from None
    if fmt is not None or args.format == "text":
        options["response_format"] = fmt  # None: back to text in a continued conversation
    return options


def _prompt(
    args: argparse.Namespace, scratch: Callable[[], Path]
) -> tuple[str, AttachmentSpec | None]:
    """The prompt, and what was piped if it is an attachment rather than text.

    Piped text is appended to the prompt. `-a -` attaches stdin whatever it holds; without
    it, data that is not text (a photo, a PDF) is attached too, as the user clearly meant.
    """
    text = " ".join(args.prompt).strip()
    stdin = sys.stdin
    data = b""
    if stdin is not None and not stdin.isatty():
        data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
    if "-" in args.attach:
        if not data.strip():
            raise UsageError("-a - attaches stdin, but nothing was piped; e.g. `cat a.png | ...`")
        return text, _stdin_attachment(data, scratch())
    try:
        piped = data.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        return text, _stdin_attachment(data, scratch())
    if piped:
        text = f"{text}\n\n{piped}" if text else piped
    return text, None


def _stdin_attachment(data: bytes, scratch: Path) -> AttachmentSpec:
    from ..services.attachments import classify_bytes

    return classify_bytes(data, scratch)
