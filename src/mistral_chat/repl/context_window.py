"""How full the model's context is, and `/compact` and `/context` to see it and make room.

After each answer the usage line ends with the share of the model's context the conversation
now fills, from the API's own count of that request (prompt + answer tokens: exact for the
server, and free); at `WARN_AT` or more a warning names `/compact`. Before a message goes, the
session's `RequestGuard` refuses one that would not fit (counted with mistral-common only when
the text's size says it might not); `/context` counts the conversation with mistral-common now.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mistral_chat.errors import MistralChatError, Terminated
from mistral_chat.repl.commands import REGISTRY, ChatRepl, CommandApp, CommandError

if TYPE_CHECKING:
    from mistral_chat.services.chat import TurnResult
    from mistral_chat.services.chat.budget import RequestGuard

__all__ = ["WARN_AT", "context_length", "context_note", "request_guard"]

#: the share of the context at which the chat warns after an answer
WARN_AT = 0.8

#: what the chat says when a message would not fit
OVERFLOW_HINT = "/compact summarises older turns to make room, /clear starts afresh"


def context_length(app: CommandApp, model: str) -> int | None:
    """The model's context window from the catalog (cached a day); None when unknown."""
    try:
        info = app.catalog().get(model)
    except (MistralChatError, OSError):  # no list, no check: the server has the last word
        return None
    return info.context_length if info is not None else None


def request_guard(app: CommandApp, max_cost: float | None) -> RequestGuard:
    """The check each of the chat's requests passes: the context window, and `--max-cost`."""
    from mistral_chat.services.chat.budget import RequestGuard

    return RequestGuard(
        max_cost=max_cost,
        context_length=lambda model: context_length(app, model),
        hint=OVERFLOW_HINT,
    )


def context_note(repl: ChatRepl, model: str, result: TurnResult) -> tuple[str, str | None]:
    """`` · context 12% of 131,072`` for the usage line, and a warning when it is nearly full.

    Nothing after a turn that ran tools: its usage adds up several requests, each of which
    held the conversation so far, so it is not what the context holds."""
    if result.tools_run:
        return "", None
    usage: Mapping[str, Any] = result.usage or {}
    used = int(usage.get("prompt_tokens", 0)) + int(usage.get("completion_tokens", 0))
    limit = context_length(repl.app, model) if used else None
    if not used or not limit:
        return "", None
    share = used / limit
    note = f" · context {_percent(share)} of {limit:,}"
    if share < WARN_AT:
        return note, None
    return note, (
        f"the conversation fills {_percent(share)} of {model}'s context ({used:,} of "
        f"{limit:,} tokens); /compact summarises older turns to make room"
    )


def _percent(share: float) -> str:
    return f"{share:.0%}" if share >= 0.01 else "<1%"


@REGISTRY.command("/context", "count this conversation's tokens against the model's context")
def context(repl: ChatRepl, arg: str) -> None:
    from mistral_chat.api import content as chunks
    from mistral_chat.services.tokens import count_messages

    chat = repl.chat
    # the next request: the conversation, then a message whose text is still to be typed
    count = count_messages(chat.model, [*chat.messages, chunks.message("user", "")])
    limit = context_length(repl.app, chat.model)
    share = f" of {limit:,} ({_percent(count.tokens / limit)})" if limit else ""
    how = "exact" if count.exact else "approximate: its own tokenizer is not shipped"
    repl.terminal.out(
        f"context: {count.shown} tokens{share} for {chat.model}, before your next message "
        f"(mistral-common {count.tokenizer}, {how})"
    )
    for part in count.not_counted:
        repl.terminal.out(f"  not counted: {part}")


@REGISTRY.command(
    "/compact [KEEP]",
    "summarise older turns into one to make room, keeping the last KEEP exchanges (1)",
)
def compact(repl: ChatRepl, arg: str) -> None:
    from mistral_chat.render.answer import AnswerView
    from mistral_chat.repl.prompt import input_echo_off

    if arg and not arg.isdecimal():
        raise CommandError(f"usage: /compact [KEEP] (a number of exchanges to keep), got {arg!r}")
    keep = int(arg) if arg else 1
    view = AnswerView(repl.terminal, "Summarising", markdown=not repl.chat.answers_in_json)
    try:
        with input_echo_off():
            done = repl.chat.compact(keep, view)
    except Terminated:
        raise  # SIGTERM or SIGHUP: the program ends
    except KeyboardInterrupt:
        done = None
    if done is None:
        repl.terminal.err_line("the summary did not arrive whole; nothing was compacted")
        return
    kept = f"kept the last {keep} exchange{'s' * (keep != 1)}" if keep else "kept nothing else"
    repl.terminal.out(
        f"compacted {done.summarised} messages into this summary; {kept}. "
        "The history keeps every original message."
    )
