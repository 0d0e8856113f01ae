"""`mistral-chat agents list|show`: agents made on La Plateforme (for ask/chat --agent)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ._argtypes import non_empty
from .context import AppContext
from .exit import ExitCode

if TYPE_CHECKING:
    from ..api.conversation_types import Agent


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "agents",
        help="agents made on La Plateforme (list, show)",
        description=(
            "Agents are a model with instructions, tools and settings, made on La Plateforme "
            "(console.mistral.ai) or with the API; use one with `ask --agent ID`."
        ),
    )
    sub = p.add_subparsers(dest="agents_command", metavar="SUBCOMMAND", title="subcommands")
    ls = sub.add_parser("list", help="every agent this key can use", description="List agents.")
    ls.add_argument("--search", type=non_empty, metavar="TEXT", help="in names and ids")
    ls.add_argument("--json", action="store_true", help="one JSON array on stdout")
    ls.set_defaults(handler=list_agents)
    show = sub.add_parser("show", help="one agent's settings", description="Show one agent.")
    show.add_argument("agent_id", type=non_empty, metavar="ID", help="the agent's id (ag_...)")
    show.add_argument("--json", action="store_true", help="the agent as one JSON object")
    show.set_defaults(handler=show_agent)


def list_agents(args: argparse.Namespace, ctx: AppContext) -> int:
    agents = ctx.client().agents.list(search=args.search)
    if args.json:
        ctx.terminal.json([a.to_dict() for a in agents])
        return ExitCode.OK
    if not agents:
        where = f" matching {args.search!r}" if args.search else ""
        ctx.terminal.err_line(f"no agents{where}; make one on La Plateforme (console.mistral.ai)")
        return ExitCode.OK
    from ..render.tables import table

    rows = [[a.id, a.name, a.model, ", ".join(a.tool_types) or "-"] for a in agents]
    table(ctx.terminal, ["id", "name", "model", "tools"], rows, no_wrap=("id",))
    return ExitCode.OK


def show_agent(args: argparse.Namespace, ctx: AppContext) -> int:
    agent = ctx.client().agents.get(args.agent_id)
    if args.json:
        ctx.terminal.json(agent.to_dict())
        return ExitCode.OK
    from ..render.tables import key_value

    key_value(ctx.terminal, _pairs(agent))
    return ExitCode.OK


def _pairs(agent: Agent) -> list[tuple[str, str]]:
    args = {k: v for k, v in (agent.completion_args or {}).items() if v is not None}
    pairs = [
        ("id", agent.id),
        ("name", agent.name),
        ("model", agent.model),
        ("version", str(agent.version)),
        ("tools", ", ".join(agent.tool_types) or "-"),
        ("settings", ", ".join(f"{k}={v}" for k, v in args.items()) or "-"),
        ("created", agent.created_at or "-"),
        ("updated", agent.updated_at or "-"),
    ]
    if agent.description:
        pairs.insert(2, ("description", agent.description))
    if agent.instructions:
        pairs.append(("instructions", agent.instructions))
    if agent.handoffs:
        pairs.append(("hands off to", ", ".join(agent.handoffs)))
    return pairs
