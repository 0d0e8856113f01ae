"""`mistral-chat mcp list|tools`: the MCP servers in the config file, and what one offers."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ._argtypes import non_empty, positive_seconds
from .context import AppContext
from .exit import ExitCode

if TYPE_CHECKING:
    from ..services.tools import McpServerSpec

_EXAMPLE = """\
config.toml:
  [mcp.time]
  command = "uvx"
  args = ["mcp-server-time", "--local-timezone", "Europe/Paris"]

  [mcp.docs]
  url = "https://example.com/mcp"
  headers = { Authorization = "Bearer ..." }
"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "mcp",
        help="MCP servers: the configured ones, and the tools a server offers",
        description=(
            "MCP servers give a model tools (ask/chat --mcp). A server is a command line "
            "(a local server over stdio), an http(s) URL (streamable HTTP) or the NAME of a "
            "[mcp.NAME] table in the config file. A local server's stderr goes to a log "
            "beside the history, not to the screen."
        ),
        epilog=_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="mcp_command", metavar="SUBCOMMAND", title="subcommands")
    ls = sub.add_parser(
        "list",
        help="the servers in the config file",
        description="List the [mcp.NAME] servers of the config file (header and env values "
        "are never shown, only their names).",
    )
    ls.add_argument("--json", action="store_true", help="one JSON array on stdout")
    ls.set_defaults(handler=list_servers)
    tools = sub.add_parser(
        "tools",
        help="start a server and list its tools",
        description="Start (or connect to) a server, list the tools it offers, and stop it.",
    )
    tools.add_argument(
        "server", type=non_empty, metavar="NAME|'COMMAND ARGS'|URL", help="the server"
    )
    tools.add_argument(
        "--start-timeout",
        type=positive_seconds,
        default=30.0,
        metavar="SECONDS",
        help="how long the server may take to start (default 30)",
    )
    tools.add_argument("--json", action="store_true", help="one JSON array on stdout")
    tools.set_defaults(handler=list_tools)


def _row(spec: McpServerSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"name": spec.name, "transport": spec.transport}
    if spec.url is not None:
        out["url"] = spec.url
        out["headers"] = sorted(spec.headers)  # names only: values may be tokens
    else:
        out["command"] = spec.command
        out["args"] = list(spec.args)
        out["env"] = sorted(spec.env)
    return out


def list_servers(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.tools import servers_in_config

    servers = servers_in_config(ctx.settings.config_path)
    if args.json:
        ctx.terminal.json([_row(s) for s in servers.values()])
        return ExitCode.OK
    if not servers:
        ctx.terminal.err_line(
            f"no MCP servers in {ctx.settings.config_path}; add one as a [mcp.NAME] table "
            "(see `mistral-chat mcp --help`), or give --mcp a command line or URL"
        )
        return ExitCode.OK
    from ..render.tables import table

    rows = []
    for spec in servers.values():
        secrets = sorted(spec.headers) if spec.url else sorted(spec.env)
        kind = "headers" if spec.url else "env"
        extra = f" ({kind}: {', '.join(secrets)})" if secrets else ""
        rows.append([spec.name, spec.transport, spec.describe() + extra])
    table(ctx.terminal, ["name", "transport", "command or URL"], rows, no_wrap=("name",))
    return ExitCode.OK


def list_tools(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.tools import log_dir, server_spec, servers_in_config, start_server

    spec = server_spec(args.server, servers_in_config(ctx.settings.config_path))
    logs = log_dir(ctx.settings.history_path.parent)
    server = start_server(spec, log_dir=logs, start_timeout=args.start_timeout)
    try:
        tools = server.tools()
    finally:
        server.close()
    if args.json:
        ctx.terminal.json(
            [
                {"name": t.name, "description": t.description, "parameters": t.parameters}
                for t in tools
            ]
        )
        return ExitCode.OK
    if not tools:
        ctx.terminal.err_line(f"MCP server {spec.name!r} offers no tools")
        return ExitCode.OK
    from ..render.tables import table

    rows = [[t.name, _parameters(t.parameters), _first_line(t.description)] for t in tools]
    table(ctx.terminal, ["tool", "parameters", "description"], rows, no_wrap=("tool",))
    return ExitCode.OK


def _parameters(schema: dict[str, Any]) -> str:
    """`a*, b` for properties a (required) and b."""
    required = set(schema.get("required") or [])
    names = list((schema.get("properties") or {}).keys())
    return ", ".join(f"{n}*" if n in required else n for n in names) or "-"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "-"
