"""`mistral-chat ask`: one question, answered on stdout; pipe-friendly.

The prompt is the arguments, followed by stdin when stdin is not a terminal. Everything that
can be refused locally (option ranges, attachments, image count, an image for a model without
vision) is refused before a request is sent. The answer streams to stdout (rendered markdown on
a terminal, the raw text otherwise) after a spinner on stderr; on a terminal a last stderr line
gives tokens, time to first token, speed and estimated cost.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import TYPE_CHECKING, Any

from ._argtypes import non_empty, positive_int, usd_amount
from ._generation import add_flags, add_vision_flag, request_options
from ._tools import add_tool_options, equip, terminal_approval
from ._uploads import UploadBars
from .context import AppContext
from .exit import UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from ..services.attachments import AttachmentSpec
    from ..services.chat import ChatSession, TurnResult
    from ..services.templates import Template

__all__ = ["ask", "register"]


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
            '  mistral-chat ask -c "And in French?"          (continue the last conversation)\n'
            "  git diff | mistral-chat ask -t commit          (a saved template)\n"
            '  mistral-chat ask --count -a photo.png "Describe it"   (tokens; nothing is sent)\n'
            '  mistral-chat ask -x "A bash loop renaming *.jpeg to *.jpg" > rename.sh'
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("prompt", nargs="*", metavar="PROMPT", help="the question (words are joined)")
    p.add_argument(
        "-m",
        "--model",
        type=non_empty,
        metavar="MODEL",
        help="model id (default: config `model`, else mistral-small-latest, or on a server "
        "that is not Mistral's its own model; with -c, the conversation's)",
    )
    p.add_argument("-s", "--system", metavar="SYSTEM", help="system message")
    p.add_argument(
        "-a",
        "--attach",
        action="append",
        default=[],
        metavar="ATTACHMENT",
        help="an image (PNG, JPEG, WEBP, GIF), a document (PDF, DOCX...), a text file (sent "
        "inline), an audio file (WAV, MP3, FLAC, OGG... for a model that hears audio), an "
        "http(s):// URL, file:ID of an uploaded file, or - for stdin; repeatable (8 images max)",
    )
    add_vision_flag(p)
    p.add_argument(
        "--image-max-side",
        type=positive_int,
        metavar="PX",
        help="scale images down so their longest side is at most PX (default 1024)",
    )
    p.add_argument(
        "-t",
        "--template",
        type=non_empty,
        metavar="NAME",
        help="use a saved template: its model, system message, prompt ({input} takes yours) "
        "and options (`mistral-chat template list`); flags win",
    )
    add_flags(p, "generation options (checked before sending; defaults: `config set`)")
    c = p.add_argument_group("tokens and cost")
    c.add_argument(
        "--count",
        action="store_true",
        help="print the request's token count (mistral-common, chat template included) and "
        "send nothing",
    )
    c.add_argument(
        "--max-cost",
        type=usd_amount,
        metavar="USD",
        help="refuse the request (exit 2) if its estimated cost is higher: input tokens at "
        "list price + --max-tokens, or 1,000 answer tokens",
    )
    o = p.add_argument_group("output")
    o.add_argument("--no-stream", action="store_true", help="wait for the whole answer")
    o.add_argument(
        "--thinking",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a reasoning model's reasoning on stderr (default: config `show_thinking`)",
    )
    shape = o.add_mutually_exclusive_group()
    shape.add_argument(
        "--json",
        action="store_true",
        help='one JSON object: {"conversation_id", "model", "content", "finish_reason", "usage"}',
    )
    shape.add_argument(
        "-x",
        "--extract-code",
        action="store_true",
        help="print only the code of the answer: its fenced code blocks' contents, joined "
        "(none: nothing printed, a warning, exit 0)",
    )
    add_tool_options(p)
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
    from ..services.chat import Outbox

    options = request_options(args)
    template = _template(args, ctx)
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
        system = args.system
        if template is not None:
            filled = template.fill(prompt)
            prompt, system = filled.message, system if system is not None else filled.system
        if not prompt and not attachments:
            raise UsageError('no prompt given; try `mistral-chat ask "your question"` or pipe text')
        checked = Outbox.check(attachments)  # local mistakes first: before a server is asked
        session = _session(args, ctx, options, template, system)
        if args.count:
            return _count(args, ctx, session, prompt, checked)
        equip(session, args, ctx, stack, terminal_approval(ctx.terminal))
        return _answer(args, ctx, session, prompt, checked)


def _template(args: argparse.Namespace, ctx: AppContext) -> Template | None:
    if args.template is None:
        return None
    from ..services.templates import TemplateStore

    template = TemplateStore(ctx.settings.home / "templates").load(args.template)
    from ._tools import take_template_tools

    take_template_tools(args, template)
    return template


def _session(
    args: argparse.Namespace,
    ctx: AppContext,
    options: dict[str, Any],
    template: Template | None,
    system: str | None,
) -> ChatSession:
    from ..services.chat import Start, open_session
    from ..services.chat.budget import RequestGuard

    ref: Start | str = args.conversation or (Start.LATEST if args.continue_latest else Start.NEW)
    model = args.model
    if args.count and ref is Start.NEW and model is None and not (template and template.model):
        # counting needs no server: never ask one which model it serves
        model = ctx.settings.default_model
    return open_session(
        ctx,
        ref,
        model=model,
        system=system,
        options=options,
        log=ctx.settings.log_history and not args.no_log and not args.count,
        stream=not args.no_stream,
        image_max_side=args.image_max_side,
        template=template,
        guard=RequestGuard(max_cost=args.max_cost) if args.max_cost is not None else None,
        vision=args.vision,
        on_warning=ctx.terminal.warning,
    )


def _count(
    args: argparse.Namespace,
    ctx: AppContext,
    session: ChatSession,
    prompt: str,
    attachments: Sequence[AttachmentSpec | str],
) -> int:
    """`--count`: the request as it would go, counted; nothing is sent or uploaded."""
    from ..services.chat.counting import count_request

    counted = count_request(session, prompt, attachments)
    if args.json:
        ctx.terminal.json(counted.to_json())
        return 0
    for line in counted.lines():
        ctx.terminal.out(line)
    for part in counted.count.not_counted:
        ctx.terminal.warning(f"not counted: {part}")
    return 0


def _answer(
    args: argparse.Namespace,
    ctx: AppContext,
    session: ChatSession,
    prompt: str,
    attachments: Sequence[AttachmentSpec | str],
) -> int:
    from ..render.answer import AnswerView

    view = AnswerView(
        ctx.terminal,
        f"{session.model} is thinking",
        show=not (args.json or args.extract_code),
        show_thinking=ctx.settings.show_thinking if args.thinking is None else args.thinking,
        reasoning=f"{session.model} is reasoning",
        markdown=not session.answers_in_json,
        uploads=UploadBars(ctx),
    )
    result = session.send(prompt, attachments, view)
    if args.extract_code:
        _print_code(ctx, result)
    _report(result, args, ctx)
    if result.error is not None:
        raise result.error  # cut stream -> 5, Ctrl-C -> 130; what arrived is kept
    return 0


def _print_code(ctx: AppContext, result: TurnResult) -> None:
    """The answer's code blocks, joined. An answer that was cut (an error, a token limit)
    loses its unclosed last block: a cut command must never reach a pipe."""
    from ..render.code import code_blocks

    blocks = code_blocks(result.text)
    whole = result.error is None and result.finish_reason not in ("length", "model_length")
    shown = [b for b in blocks if b.closed or whole]
    seen = (
        "`mistral-chat history show` shows it"
        if result.conversation_id
        else "ask without -x to see it"
    )
    if not blocks:
        ctx.terminal.warning(f"the answer has no code block, so nothing was printed; {seen}")
    elif len(shown) < len(blocks):
        ctx.terminal.warning(
            f"the last code block was cut off with the answer and is left out; {seen}"
        )
    ctx.terminal.out("".join(b.code for b in shown), end="")


def _report(result: TurnResult, args: argparse.Namespace, ctx: AppContext) -> None:
    """After the answer: its sources and saved files, then the stats line and warnings (or
    the one JSON document)."""
    from ..render.formats import finish_note, sources_block, turn_summary

    if args.json:
        document: dict[str, Any] = {
            "conversation_id": result.conversation_id,
            "model": result.model,
            "content": result.text,
            "finish_reason": result.finish_reason,
            "usage": result.usage,
        }
        if result.tools_run:
            document["tool_calls"] = [
                {"name": c.name, "arguments": c.arguments, "result": o.text, "error": o.is_error}
                for c, o in result.tools_run
            ]
        if result.sources:
            document["sources"] = result.sources
        if result.files:
            document["files"] = [str(path) for path in result.files]
        ctx.terminal.json(document)
    else:
        if result.sources and not args.extract_code:  # -x: stdout is the code alone
            ctx.terminal.out(sources_block(result.sources))
        for path in result.files:
            ctx.terminal.err_line(f"saved {path}")
        if ctx.terminal.stderr_isatty and result.error is None:
            ctx.terminal.err_line(turn_summary(result))
    for warning in result.warnings:
        ctx.terminal.warning(warning)
    note = finish_note(result.finish_reason)
    if note is not None and result.error is None:
        ctx.terminal.warning(note)


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
