"""`mistral-chat mcp list|tools|add|remove`: the MCP servers in the config file, what one
offers, and adding or removing one."""

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
    add = sub.add_parser(
        "add",
        help="add a server to the config file",
        description="Add [mcp.NAME] to the config file: a command line that starts a local "
        "server, or the URL of a remote one. Options come before NAME; everything after the "
        "command is its arguments.",
        epilog="examples:\n  mistral-chat mcp add time uvx mcp-server-time --local-timezone "
        "Europe/Paris\n  mistral-chat mcp add --header 'Authorization: Bearer TOKEN' docs "
        "https://example.com/mcp",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="for a command"
    )
    add.add_argument(
        "--header", action="append", default=[], metavar="'NAME: VALUE'", help="for a URL"
    )
    add.add_argument("--force", action="store_true", help="replace a server of that name")
    add.add_argument("name", metavar="NAME", help="what --mcp and /mcp add will call it")
    add.add_argument("server", nargs=argparse.REMAINDER, metavar="COMMAND [ARGS...] | URL")
    add.set_defaults(handler=add_server)
    rm = sub.add_parser("remove", help="remove a server from the config file")
    rm.add_argument("name", metavar="NAME")
    rm.set_defaults(handler=remove_server)


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


def add_server(args: argparse.Namespace, ctx: AppContext) -> int:
    import shutil

    from ..services.tools.mcp_config import add_server as add
    from ..services.tools.mcp_config import pairs

    env, headers = pairs(args.env, "--env", "="), pairs(args.header, "--header", ":")
    path = ctx.settings.config_path
    spec = add(path, args.name, args.server, env=env, headers=headers, replace=args.force)
    ctx.terminal.err_line(
        f"added MCP server {spec.name!r} ({spec.transport}: {spec.describe()}) to {path}; "
        f"`mistral-chat mcp tools {spec.name}` lists its tools, `--mcp {spec.name}` offers them"
    )
    if spec.command is not None and shutil.which(spec.command) is None:
        ctx.terminal.warning(f"{spec.command!r} is not on PATH here; the server will not start")
    return ExitCode.OK


def remove_server(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.tools.mcp_config import remove_server as remove

    remove(ctx.settings.config_path, args.name)
    ctx.terminal.err_line(f"removed MCP server {args.name!r} from {ctx.settings.config_path}")
    return ExitCode.OK
