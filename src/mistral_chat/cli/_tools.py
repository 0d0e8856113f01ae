"""The tool options of `ask` and `chat`, and what they become in a session.

`--mcp` and `--functions` give the model tools that run here (through `services.tools`), after
approval; `--web`, `--code`, `--image`, `--library` and `--agent` are Mistral's hosted tools and
agents, which run on Mistral's side through the Conversations API (`services.chat.hosted`).
MCP code loads only when a server is asked for: `--help` stays light.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._argtypes import non_empty, positive_seconds

if TYPE_CHECKING:
    from ..render.console import Terminal
    from ..services.chat import ChatSession
    from ..services.chat.tooling import Answer, ToolCall
    from .context import AppContext

__all__ = ["add_tool_options", "equip", "terminal_approval"]


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if not 0 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1000, got {value}")
    return value


def add_tool_options(parser: argparse.ArgumentParser) -> None:
    t = parser.add_argument_group("tools (calls are shown and asked for on a terminal)")
    t.add_argument(
        "--mcp",
        action="append",
        default=[],
        type=non_empty,
        metavar="SERVER",
        help="an MCP server whose tools the model may call: 'COMMAND ARGS...' (started for "
        "this command), an http(s):// URL, or NAME of [mcp.NAME] in the config; repeatable",
    )
    t.add_argument(
        "--functions",
        action="append",
        default=[],
        type=non_empty,
        metavar="FILE.py",
        help="offer each public function of a Python file as a tool; repeatable",
    )
    t.add_argument(
        "--approve",
        action="store_true",
        default=None,
        help="run tool calls without asking (without a terminal, calls are refused otherwise; "
        "config `approve_tools`)",
    )
    t.add_argument(
        "--max-tool-calls",
        type=_count,
        default=None,
        metavar="N",
        help="at most N tool calls per question, then the model answers with what it has "
        "(default 10)",
    )
    t.add_argument(
        "--tool-timeout",
        type=positive_seconds,
        default=None,
        metavar="SECONDS",
        help="stop a tool that runs longer (default 60); the model is told",
    )
    h = parser.add_argument_group("Mistral's hosted tools (through the Conversations API)")
    h.add_argument("--web", action="store_true", help="web search (web_search)")
    h.add_argument(
        "--web-premium", action="store_true", help="web search with news agencies (premium)"
    )
    h.add_argument("--code", action="store_true", help="the code interpreter")
    h.add_argument(
        "--image",
        action="store_true",
        help="image generation: images are saved in the current directory (or --output-dir)",
    )
    h.add_argument(
        "--library",
        action="append",
        default=[],
        type=non_empty,
        metavar="ID",
        help="search a document library (`mistral-chat libraries list`); repeatable",
    )
    h.add_argument(
        "--agent",
        type=non_empty,
        metavar="ID",
        help="talk to an agent made on La Plateforme (`mistral-chat agents list`)",
    )
    h.add_argument(
        "--output-dir",
        type=non_empty,
        metavar="DIR",
        help="where generated images are saved (default: the current directory)",
    )


def equip(
    session: ChatSession,
    args: argparse.Namespace,
    ctx: AppContext,
    stack: contextlib.ExitStack,
    ask: Any = None,
) -> None:
    """Give the session the tools the options ask for. MCP servers are started now (and
    stopped when `stack` closes); `ask(call)` approves a call on a terminal (None: no terminal)."""
    _equip_local(session, args, ctx, stack, ask)
    _equip_hosted(session, args)


def _equip_local(
    session: ChatSession,
    args: argparse.Namespace,
    ctx: AppContext,
    stack: contextlib.ExitStack,
    ask: Any,
) -> None:
    if not (args.mcp or args.functions):
        return
    from ..services.chat.tooling import (
        DEFAULT_MAX_TOOL_CALLS,
        DEFAULT_TOOL_TIMEOUT,
        Approvals,
        Tools,
    )
    from ..services.tools import (
        Toolbox,
        load_functions,
        log_dir,
        server_spec,
        servers_in_config,
        start_server,
    )

    sources: list[Any] = []
    configured = servers_in_config(ctx.settings.config_path) if args.mcp else {}
    logs = log_dir(ctx.settings.history_path.parent)
    for text in args.mcp:
        server = start_server(server_spec(text, configured), log_dir=logs)
        stack.callback(server.close)
        sources.append(server)
    for path in args.functions:
        sources.append(load_functions(Path(path)))
    toolbox = Toolbox(sources)
    approve = ctx.settings.approve_tools if args.approve is None else args.approve
    session.tools = Tools(
        toolbox,
        Approvals(ask, approve_all=approve),
        max_calls=DEFAULT_MAX_TOOL_CALLS if args.max_tool_calls is None else args.max_tool_calls,
        timeout=args.tool_timeout or DEFAULT_TOOL_TIMEOUT,
    )


def _equip_hosted(session: ChatSession, args: argparse.Namespace) -> None:
    from ..services.chat.hosted import Hosted

    names = [
        n for n in ("web", "web-premium", "code", "image") if getattr(args, n.replace("-", "_"))
    ]
    if not (names or args.library or args.agent or args.output_dir):
        return
    hosted = session.hosted or Hosted()
    if args.agent and hosted.agent_id != args.agent:
        hosted.agent_id, hosted.server_id = args.agent, None
    for name in names:
        hosted.set_tool(name, True)
    if args.library:
        hosted.set_tool("library", True, args.library)
    if args.output_dir:
        out = Path(args.output_dir).expanduser()
        if not out.is_dir():
            from ..errors import UsageError

            raise UsageError(f"--output-dir {out}: no such directory; create it first")
        hosted.output_dir = out
    session.hosted = hosted


def terminal_approval(terminal: Terminal) -> Any:
    """`ask(call)` for a terminal: yes / no / always for this tool this session; None when
    stdin is not a terminal (then only --approve lets tools run)."""
    try:
        interactive = sys.stdin.isatty()
    except (AttributeError, ValueError):
        interactive = False
    if not interactive:
        return None

    def ask(call: ToolCall) -> Answer:
        while True:
            terminal.err_line(f"run {call.name}? [y]es, [n]o, [a]lways for {call.name}: ", end="")
            try:
                line = sys.stdin.readline()
            except (OSError, ValueError):
                return "no"
            if not line:  # end of input
                return "no"
            answer = line.strip().lower()
            if answer in ("y", "yes"):
                return "yes"
            if answer in ("n", "no", ""):
                return "no"
            if answer in ("a", "always"):
                return "always"

    return ask


def take_template_tools(args: argparse.Namespace, template: Any) -> None:
    """A template's `[tools]` join the command line's (flags add to them, never remove)."""
    tools = getattr(template, "tools", None) or {}
    if not hasattr(args, "mcp"):
        return
    args.mcp = [*tools.get("mcp", []), *args.mcp]
    if tools.get("functions"):
        args.functions = [tools["functions"], *args.functions]
    for flag in ("web", "code", "image"):
        if tools.get(flag):
            setattr(args, flag, True)
    library = tools.get("library")
    if library:
        args.library = [*([library] if isinstance(library, str) else library), *args.library]
    if tools.get("agent") and not args.agent:
        args.agent = tools["agent"]
