"""The `mistral-chat` command line: global options, the dispatch table, and `run(argv)`.

Each command family lives in its own module with `register(subparsers)`; a module is imported
only when its command is the one being run (the top-level help lists the table's summaries),
so `mistral-chat --help` imports no HTTP, rendering or database library.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from .. import __version__
from ..services.setting_values import MAX_RETRIES
from ._argtypes import int_range, non_empty, positive_seconds
from .exit import ExitCode

__all__ = ["COMMANDS", "build_parser", "run"]

PROG = "mistral-chat"

#: command -> (module under mistral_chat.cli, one-line summary)
COMMANDS: dict[str, tuple[str, str]] = {
    "chat": ("chat", "interactive chat session (the default on a terminal)"),
    "ask": ("ask", "ask one question; pipe-friendly"),
    "models": ("models", "list and inspect models"),
    "files": ("files", "upload, list, download and delete files"),
    "ocr": ("ocr", "read a document or image into markdown (Mistral OCR)"),
    "transcribe": ("transcribe", "transcribe audio to text (Voxtral)"),
    "speak": ("speak", "turn text into speech (Voxtral TTS)"),
    "voices": ("voices", "list the voices for speak"),
    "embed": ("embed", "embed texts as vectors (JSON or .npy)"),
    "moderate": ("moderate", "check text with the moderation model"),
    "fim": ("fim", "fill in the middle of code (Codestral)"),
    "libraries": ("libraries", "document libraries (beta): create, upload, status"),
    "agents": ("agents", "agents made on La Plateforme (list, show)"),
    "mcp": ("mcp", "MCP servers: the configured ones and their tools"),
    "batch": ("batch", "run a prompt over many rows or files on the Batch API (half price)"),
    "history": ("history", "browse, search and export past conversations"),
    "usage": ("usage", "tokens and estimated cost from the history"),
    "auth": ("auth", "store, check or remove the API key"),
    "config": ("config", "show and change settings"),
    "emulator": ("emulator", "run the offline API emulator"),
    "completion": ("completion", "print a shell completion script"),
}

# global options that take a value (to find the command word in argv without parsing)
_VALUE_OPTIONS = frozenset({"--base-url", "--profile", "--timeout", "--max-retries"})

_EPILOG = """\
examples:
  mistral-chat ask "Explain FIM in one sentence"
  mistral-chat ask -a photo.png "What is in this picture?"
  mistral-chat models list --capability vision
  mistral-chat --emulator ask "Hello"      (no key needed: a local emulator answers)

Run `mistral-chat COMMAND --help` for a command's options.
exit codes: 0 ok, 1 internal error, 2 usage, 3 authentication, 4 API rejected the request,
5 service unavailable, 6 local storage (disk full, read-only, locked, damaged), 7 flagged by
moderation, 129 hung up, 130 interrupted, 143 terminated.
"""


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line `error: ...` messages (exit 2) instead of a usage dump."""

    def error(self, message: str) -> NoReturn:
        from ._usage import plain_usage_error

        sys.stderr.write(f"error: {plain_usage_error(message)}; see `{self.prog} --help`\n")
        raise SystemExit(ExitCode.USAGE)


def _command_in(argv: Sequence[str]) -> str | None:
    """The command word of argv, if any (skipping global options and their values)."""
    skip = False
    for token in argv:
        if skip:
            skip = False
            continue
        if token == "--":
            return None
        if token in _VALUE_OPTIONS:
            skip = True
            continue
        if token.startswith("-"):
            continue
        return token if token in COMMANDS else None
    return None


_FLAG_OPTIONS = frozenset({"--emulator", "--no-color", "--debug"})


def _only_global_options(argv: Sequence[str]) -> bool:
    """True when argv holds nothing but global options (so no command was asked for)."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token in _VALUE_OPTIONS:
            skip = True
        elif token.split("=", 1)[0] in _VALUE_OPTIONS:
            continue
        elif token not in _FLAG_OPTIONS:
            return False
    return True


def build_parser(argv: Sequence[str] | None = None) -> ArgumentParser:
    """The parser; only the command named in `argv` gets its real sub-parser (all if None)."""
    parser = ArgumentParser(
        prog=PROG,
        description="Chat with Mistral AI models from the terminal: ask, chat, models, files.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    g = parser.add_argument_group("global options (before the command)")
    g.add_argument("--base-url", metavar="URL", help="API server root (default: api.mistral.ai)")
    g.add_argument(
        "--profile", type=non_empty, metavar="NAME", help="use a profile from the config file"
    )
    g.add_argument(
        "--emulator", action="store_true", help="start the built-in emulator and use it (no key)"
    )
    g.add_argument(
        "--timeout",
        type=positive_seconds,
        metavar="SECONDS",
        help="a whole answer must arrive within it; a streamed one may pause that long "
        "between pieces; file transfers, between reads (default 60, up to 3600)",
    )
    g.add_argument(
        "--max-retries",
        type=int_range(0, MAX_RETRIES),
        metavar="N",
        help=f"retries per request (0-{MAX_RETRIES})",
    )
    g.add_argument("--no-color", action="store_true", help="no colour or escape codes")
    g.add_argument("--debug", action="store_true", help="log requests; tracebacks on errors")
    g.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    wanted = None if argv is None else _command_in(argv)
    for name, (module, summary) in COMMANDS.items():
        if argv is None or name == wanted:
            _register(subparsers, name, module)
        else:
            subparsers.add_parser(name, help=summary, add_help=False)
    return parser


def _register(subparsers: Any, name: str, module: str) -> None:
    mod = importlib.import_module(f"{__name__}.{module}")
    mod.register(subparsers)


def _setup_debug_logging() -> None:
    import logging

    class _Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            sys.stderr.write(f"debug: {record.getMessage()}\n")
            sys.stderr.flush()

    log = logging.getLogger("mistral_chat.api")
    log.setLevel(logging.DEBUG)
    log.addHandler(_Handler())
    log.propagate = False


def run(argv: Sequence[str]) -> int:
    """Parse `argv`, run the command, and return its exit code (errors already reported)."""
    argv = list(argv)
    bare = _command_in(argv) is None and _only_global_options(argv)
    if bare:
        if sys.stdin.isatty() and sys.stdout.isatty():
            argv.append("chat")
        else:
            build_parser(argv).print_help(sys.stderr)
            sys.stderr.write("\nerror: no command given; see the list above\n")
            return ExitCode.USAGE
    parser = build_parser(argv)
    try:
        args, extra = parser.parse_known_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else ExitCode.USAGE
    if extra:  # name the help of the (sub)command the stray arguments were given to
        from ._usage import plain_usage_error

        said = plain_usage_error(
            f"unrecognized arguments: {' '.join(extra)}", _VALUE_OPTIONS | _FLAG_OPTIONS
        )
        sys.stderr.write(f"error: {said}; see `{_prog_of(args)} --help`\n")
        return ExitCode.USAGE
    bad = _not_utf8(args, argv)
    if bad is not None:
        sys.stderr.write(f"error: {bad}\n")
        return ExitCode.USAGE
    args.bare_start = bare  # `mistral-chat` alone on a terminal: the chat opens its browser
    handler = getattr(args, "handler", None)
    if handler is None:  # a command family given without its subcommand
        sys.stderr.write(
            f"error: `{args.command}` needs a subcommand; see `{PROG} {args.command} --help`\n"
        )
        return ExitCode.USAGE
    return _dispatch(handler, args)


# Arguments that only name a local file to write or read, never sent nor stored as text: a
# file name in another encoding still names its file (Python keeps the bytes).
_LOCAL_PATH_DESTS = frozenset({"output", "file", "state_dir"})


def _not_utf8(args: argparse.Namespace, argv: Sequence[str]) -> str | None:
    """The message for the first argument holding bytes that are not UTF-8 (a Latin-1
    terminal, `$(printf 'caf\\xe9')`), or None. Python hands such bytes over as lone
    surrogates, which nothing can send, store or print; piped stdin in another encoding is
    refused the same way (exit 2), so arguments are too, naming the bytes and the fix."""
    for dest, value in vars(args).items():
        if dest in _LOCAL_PATH_DESTS:
            continue
        for text in value if isinstance(value, list | tuple) else (value,):
            if not isinstance(text, str) or text.isascii():
                continue
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raw = text.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace")
                return (
                    f"{_option_of(text, argv)} '{raw}' is not UTF-8 text; mistral-chat reads "
                    "arguments as UTF-8: use a UTF-8 terminal (e.g. LANG=C.UTF-8), convert the "
                    "text (`iconv -f latin1 -t utf-8`), or rename a file whose name is not UTF-8"
                )
    return None


def _option_of(text: str, argv: Sequence[str]) -> str:
    """`-m` or `argument`: how the user gave `text` (as an option's value or alone)."""
    for i, token in enumerate(argv):
        if token == text:
            before = argv[i - 1] if i else ""
            return f"{before}" if before.startswith("-") and before != "-" else "argument"
        option, eq, value = token.partition("=")
        if eq and value == text and option.startswith("-"):
            return option
    return "argument"


def _prog_of(args: argparse.Namespace) -> str:
    """`mistral-chat models list` for the (sub)command that `args` were parsed for."""
    words = [PROG]
    if args.command:
        words.append(args.command)
        sub = getattr(args, f"{args.command}_command", None)
        if sub:
            words.append(sub)
    return " ".join(words)


def _dispatch(handler: Any, args: argparse.Namespace) -> int:
    from ..render.console import Terminal
    from .context import AppContext
    from .exit import exit_for

    terminal = Terminal.from_process(no_color=args.no_color)
    if args.debug:
        _setup_debug_logging()
    ctx: AppContext | None = None
    host: str | None = None
    key_origin: str | None = None
    try:
        ctx = AppContext.create(args, terminal)
        host, key_origin = ctx.host, ctx.key_origin
        return int(handler(args, ctx))
    except BrokenPipeError:
        _silence_stdout()
        return ExitCode.OK
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            raise
        code, message = exit_for(exc, host=host, key_origin=key_origin)
        if args.debug and not isinstance(exc, KeyboardInterrupt):
            import traceback

            traceback.print_exception(exc, file=sys.stderr)
        if isinstance(exc, KeyboardInterrupt):
            sys.stderr.write("\n")
        terminal.error(message)
        return code
    finally:
        if ctx is not None:
            ctx.close()


def _silence_stdout() -> None:
    # the reader went away (`| head`): drop what is buffered so the exit flush cannot fail
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
