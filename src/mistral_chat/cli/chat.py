"""`mistral-chat chat` (and `mistral-chat` alone on a terminal): the interactive session.

Alone on a terminal it opens the model browser first; `chat` goes straight to the prompt.
Without an API key it offers to enter one, to try the offline emulator, or to quit.
"""

from __future__ import annotations

import argparse
import contextlib
from typing import TYPE_CHECKING, Any

from ._argtypes import non_empty, usd_amount
from ._generation import add_vision_flag
from ._tools import add_tool_options, equip, take_template_tools
from .context import EMULATOR_KEY, AppContext, local_emulator
from .exit import ExitCode

if TYPE_CHECKING:
    from pathlib import Path

    from ..repl.browser import BrowserState
    from ..repl.prompt import LineReader
    from ..services.catalog import ModelInfo
    from ..services.chat import ChatSession
    from ..services.templates import Template

__all__ = ["handler", "register"]

_FRESH = 24 * 3600


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "chat",
        help="interactive chat session (the default on a terminal)",
        description=(
            "Chat with a model: streaming answers, images and documents, slash commands "
            "(/help lists them), input history and completion. Ctrl-C stops an answer; "
            "Ctrl-D or /quit leaves."
        ),
    )
    p.add_argument(
        "-m", "--model", type=non_empty, metavar="MODEL", help="model id (default: the config's)"
    )
    p.add_argument("-s", "--system", metavar="SYSTEM", help="system message")
    resume = p.add_mutually_exclusive_group()
    resume.add_argument(
        "-c", "--continue", dest="continue_", action="store_true",
        help="continue the latest conversation",
    )  # fmt: skip
    resume.add_argument(
        "--conversation", type=non_empty, metavar="ID", help="continue conversation ID"
    )
    p.add_argument(
        "-t",
        "--template",
        type=non_empty,
        metavar="NAME",
        help="start from a saved template (`mistral-chat template list`); -m and -s win",
    )
    p.add_argument(
        "--max-cost",
        type=usd_amount,
        metavar="USD",
        help="refuse any request whose estimated cost is higher (input at list price + "
        "max_tokens, or 1,000 answer tokens)",
    )
    add_vision_flag(p)
    p.add_argument(
        "--thinking",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a reasoning model's reasoning (default: config `show_thinking`; "
        "/thinking toggles it)",
    )
    add_tool_options(p)
    p.set_defaults(handler=handler)


def handler(args: argparse.Namespace, ctx: AppContext) -> int:
    with contextlib.ExitStack() as stack:
        if _needs_key(ctx) and not _offer_key(ctx, args, stack):
            return int(ExitCode.OK)
        code = _Interactive(ctx, args).run()
        ctx.close()  # the client and the store go before an emulator started here stops
    return code


class _Interactive:
    """Wires the REPL, the browser and the file manager to the application context."""

    def __init__(
        self, ctx: AppContext, args: argparse.Namespace, reader: LineReader | None = None
    ) -> None:
        self.ctx = ctx
        self.args = args
        self.browser_state: BrowserState | None = None
        # one scripted reader for every prompt in tests; prompt_toolkit ones otherwise
        self.reader = reader
        self.cwd: Path | None = None  # where relative paths start (the working directory)
        self._ask: LineReader | None = reader
        self._browse_ask: LineReader | None = reader

    def run(self) -> int:
        from ..repl.session import ChatRepl

        model: str | None = self.args.model
        if getattr(self.args, "bare_start", False) and not model:
            chosen = self.browse()
            if chosen is None:
                return ExitCode.OK
            model = chosen.id
        template = self.template()
        chat = self.session(model, template)
        repl = ChatRepl(
            self.ctx,
            chat,
            describe=self.describe,
            reader=self.reader,
            open_browser=self.browse,
            open_files=self.files,
            cwd=self.cwd,
        )
        if getattr(self.args, "thinking", None) is not None:
            repl.show_thinking = self.args.thinking
        repl.prompt_template = template.prompt if template is not None else None
        if hasattr(self.args, "mcp"):  # `chat`'s tool options (not the bare start's)
            try:
                equip(chat, self.args, self.ctx, repl.resources, ask=repl.approve)
            except BaseException:
                repl.resources.close()  # servers started before the one that failed
                raise
        return repl.run()

    def template(self) -> Template | None:
        from ..services.templates import TemplateStore

        name = getattr(self.args, "template", None)
        if name is None:
            return None
        template = TemplateStore(self.ctx.settings.home / "templates").load(name)
        take_template_tools(self.args, template)
        return template

    def session(self, model: str | None, template: Template | None = None) -> ChatSession:
        from ..repl.context_window import request_guard
        from ..services.chat import Start, open_session

        args = self.args
        ref: Start | str = args.conversation or (Start.LATEST if args.continue_ else Start.NEW)
        # a continued conversation keeps its own model unless one was chosen
        return open_session(
            self.ctx,
            ref,
            model=model,
            system=args.system,
            vision=getattr(args, "vision", None),
            on_warning=self.ctx.terminal.warning,
            template=template,
            guard=request_guard(self.ctx, getattr(args, "max_cost", None)),
        )

    def describe(self, exc: BaseException) -> str:
        """The one-line message for an error inside the session."""
        from .exit import exit_for

        return exit_for(exc, host=self.ctx.host, key_origin=self.ctx.key_origin)[1]

    # -- the browser and the file manager -------------------------------------------------------
    def ask(self) -> LineReader:
        if self._ask is None:
            from prompt_toolkit.completion import PathCompleter

            from ..repl.prompt import make_reader

            self._ask = make_reader(completer=PathCompleter(expanduser=True))
        return self._ask

    def browse(self) -> ModelInfo | None:
        from ..repl.browser import BrowserState, ModelBrowser
        from ..repl.prompt import browser_key_bindings, make_reader

        terminal = self.ctx.terminal
        result = self.ctx.catalog().models(max_age=_FRESH)
        if result.warning:
            terminal.warning(result.warning)
        if self.browser_state is None:
            self.browser_state = BrowserState(result.models)
        else:
            self.browser_state = _replace_models(self.browser_state, result.models)
        if self._browse_ask is None:
            self._browse_ask = make_reader(key_bindings=browser_key_bindings())
        browser = ModelBrowser(
            terminal, self.browser_state, self._browse_ask, open_files=self.files
        )
        chosen = browser.run()
        self.browser_state = browser.state
        return chosen

    def files(self) -> None:
        from ..repl.file_manager import FileManager

        terminal, client = self.ctx.terminal, self.ctx.client()
        FileManager(terminal, client, self.ask(), self.describe, cwd=self.cwd).run()


def _replace_models(state: BrowserState, models: list[ModelInfo]) -> BrowserState:
    from dataclasses import replace

    return replace(state, models=models)


# -- no API key ---------------------------------------------------------------------------------

_NO_KEY_MENU = """\
No API key found (MISTRAL_API_KEY, the keyring or the config file).
  1  enter a key now (stored as `mistral-chat auth login` does)
  2  try the offline emulator (no key needed; answers describe what they receive)
  3  quit"""


def _needs_key(ctx: AppContext) -> bool:
    """No key is set, and the server wants one: Mistral's API always does; another server
    (vLLM, llama.cpp, Ollama) only if it refuses to list its models without one."""
    if ctx.settings.api_key:
        return False
    if ctx.settings.mistral_server:
        return True
    from ..api.errors import AuthenticationError, MistralError, PermissionDeniedError

    try:
        ctx.catalog().models(max_age=_FRESH)
    except (AuthenticationError, PermissionDeniedError):
        ctx.forget_client()  # a key (or the emulator) is about to be chosen
        return True
    except MistralError:
        return False  # no model list: the chat itself will say what is wrong
    return False


def _offer_key(ctx: AppContext, args: argparse.Namespace, stack: contextlib.ExitStack) -> bool:
    """Ask what to do without a key; True when the session can go on."""
    from ..repl.prompt import make_reader

    terminal = ctx.terminal
    if not (terminal.stdout_isatty and _stdin_isatty()):
        from ..services.credentials import NoAPIKey

        raise NoAPIKey()
    ask = make_reader()
    terminal.out(_NO_KEY_MENU)
    while True:
        try:
            choice = ask("choose [1-3]: ").strip().lower()
        except (EOFError, KeyboardInterrupt):
            return False
        if choice in ("1", "key", "login"):
            if _login(ctx, args):
                return True
        elif choice in ("2", "emulator", "e"):
            _start_emulator(ctx, stack)
            return True
        elif choice in ("3", "q", "quit", ""):
            return False
        else:
            terminal.error(f"unknown choice {choice!r}; type 1, 2 or 3")


def _stdin_isatty() -> bool:
    import sys

    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _login(ctx: AppContext, args: argparse.Namespace) -> bool:
    """`mistral-chat auth login` itself (checks the key, then stores it); True if stored."""
    from ..api.errors import MistralError
    from .auth import login_
    from .exit import UsageError, exit_for

    try:
        if login_(args, ctx) != ExitCode.OK:
            return False
    except (UsageError, MistralError, OSError) as exc:
        ctx.terminal.error(exit_for(exc, host=ctx.host)[1])
        return False
    except (EOFError, KeyboardInterrupt):
        return False
    return bool(ctx.reload_settings(args).api_key)


def _start_emulator(ctx: AppContext, stack: contextlib.ExitStack) -> None:
    from dataclasses import replace

    emulator = stack.enter_context(local_emulator())
    ctx.settings = replace(
        ctx.settings,
        base_url=emulator.base_url,
        api_key=EMULATOR_KEY,
        api_key_source="emulator",
        base_url_source="emulator",
    )
    ctx.terminal.out(f"using the offline emulator at {emulator.base_url}")
