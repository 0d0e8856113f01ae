"""Switching one of Mistral's hosted tools on or off in the chat (`/web`, `/code`, `/image`).

Its own module so that both the tool commands and `/image on|off` (in `commands.py`) use it
without importing each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mistral_chat.errors import UsageError

if TYPE_CHECKING:
    from mistral_chat.services.chat import ChatSession

__all__ = ["hosted_switch"]


def hosted_switch(repl: Any, name: str, arg: str) -> None:
    """`/web on`, `/code off`, `/image on`: switch a hosted tool; without `on|off`, say."""
    from mistral_chat.services.chat.hosted import Hosted

    chat: ChatSession = repl.chat
    value = arg.strip().lower()
    hosted = chat.hosted or Hosted()
    current = name in hosted.names()
    if not value:
        repl.terminal.out(f"{name} is {'on' if current else 'off'}")
        return
    if value not in ("on", "off"):
        raise UsageError(f"usage: /{name.split('-')[0]} on|off, got {arg.strip()!r}")
    if value == "on" and not hosted.agent_id:
        hosted.output_dir = repl.cwd
    hosted.set_tool(name, value == "on")
    chat.hosted = hosted
    where = "through the Conversations API" if hosted.on else "back to chat completions"
    repl.terminal.say(f"{name} {value}; the next questions go {where}")
