"""The REPL's tool commands: `/tools`, `/mcp add|drop`, `/web`, `/code` (and `/image on|off`).

Registered in the same registry as the other slash commands (importing this module registers
them). Local tools (MCP servers, functions) run here after approval; hosted tools run on
Mistral's side, through the Conversations API, so switching one starts a new server
conversation (the local one goes on).
"""

from __future__ import annotations

from typing import Any

from mistral_chat.repl.commands import ChatRepl, CommandError, command
from mistral_chat.repl.hosted_switch import hosted_switch

__all__: list[str] = []  # importing this module registers its commands


@command("/tools", "the tools on: MCP servers, functions, hosted tools, and approvals")
def tools(repl: ChatRepl, arg: str) -> None:
    chat = repl.chat
    lines: list[str] = []
    if chat.tools is not None:
        runner: Any = chat.tools.runner
        offered = getattr(runner, "offered", None)
        names = [t.name for t in offered()] if callable(offered) else []
        sources = [s.name for s in getattr(runner, "sources", [])]
        lines.append(f"local tools ({', '.join(sources) or 'none'}): {', '.join(names) or '-'}")
        lines.append(f"approval: {chat.tools.approvals.describe()}")
        lines.append(f"at most {chat.tools.max_calls} calls per question")
    hosted = chat.hosted
    if hosted is not None and hosted.on:
        on = ", ".join(hosted.names()) or "-"
        agent = f"; agent {hosted.agent_id}" if hosted.agent_id else ""
        lines.append(f"hosted tools (Conversations API): {on}{agent}")
    if not lines:
        lines.append("no tools are on; /mcp add SERVER, /web on, /code on, /image on")
    repl.terminal.say("\n".join(lines))


@command("/mcp add SERVER | drop NAME", "start an MCP server and offer its tools, or stop one")
def mcp(repl: ChatRepl, arg: str) -> None:
    verb, _, rest = arg.strip().partition(" ")
    rest = rest.strip()
    if verb not in ("add", "drop") or not rest:
        raise CommandError(
            "usage: /mcp add 'COMMAND ARGS' | URL | NAME, or /mcp drop NAME (/tools lists them)"
        )
    if verb == "add":
        add_server = getattr(repl, "add_mcp_server", None)
        if add_server is None:
            raise CommandError("MCP servers cannot be started here")
        name, offered = add_server(rest)
        repl.terminal.say(f"{name}: {len(offered)} tools ({', '.join(offered) or 'none'})")
        return
    toolbox: Any = repl.chat.tools.runner if repl.chat.tools is not None else None
    if toolbox is None or getattr(toolbox, "drop", lambda _name: None)(rest) is None:
        raise CommandError(f"no MCP server named {rest!r}; /tools lists them")
    repl.terminal.say(f"{rest} stopped; its tools are no longer offered")


@command("/web [on|off|premium]", "Mistral's hosted web search for the next questions")
def web(repl: ChatRepl, arg: str) -> None:
    if arg.strip().lower() == "premium":
        hosted_switch(repl, "web-premium", "on")
        return
    hosted_switch(repl, "web", arg)


@command("/code [on|off]", "Mistral's hosted code interpreter for the next questions")
def code(repl: ChatRepl, arg: str) -> None:
    hosted_switch(repl, "code", arg)
