"""`open_session`: the one way `ask`, the chat, `-c`, `--conversation` and `/resume` get a
`ChatSession` — a new conversation, the latest one, or one named by its id (or a unique prefix).

    >>> session = open_session(ctx, Start.LATEST, model="codestral-latest")   # doctest: +SKIP

A continued conversation keeps its own model, system message and options unless new ones are
given; the changes are saved with it. Stored turns that cannot be sent again (reasoning, an
empty answer) are left in the history and out of the request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from mistral_chat.api import content as chunks
from mistral_chat.services.chat.results import Turn, text_of
from mistral_chat.services.chat.session import ChatSession
from mistral_chat.services.chat.tooling import (
    ToolCall,
    ToolOutcome,
    assistant_message,
    calls_from_content,
    not_run,
    tool_message,
)
from mistral_chat.services.chat_options import OPTION_NAMES

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.services.catalog import ModelCatalog
    from mistral_chat.services.settings import Settings
    from mistral_chat.storage import Conversation, HistoryStore, Message

__all__ = ["ChatContext", "Start", "latest", "open_session", "resume"]


class Start(Enum):
    """Where a session starts when no conversation id is given."""

    NEW = "new"
    LATEST = "latest"


class ChatContext(Protocol):
    """What a session needs of the application (`cli.context.AppContext` is one)."""

    settings: Settings

    def client(self) -> Client: ...

    def history(self) -> HistoryStore: ...

    def catalog(self) -> ModelCatalog: ...


def open_session(
    ctx: ChatContext,
    ref: Start | str = Start.NEW,
    *,
    model: str | None = None,
    system: str | None = None,
    options: Mapping[str, Any] | None = None,
    log: bool | None = None,
    stream: bool = True,
    image_max_side: int | None = None,
) -> ChatSession:
    """A session on a new conversation, the latest one, or conversation `ref` (an id or a
    unique prefix: `ConversationNotFound`, `AmbiguousConversationId` otherwise).

    `model`, `system` and `options` override a continued conversation's own; `log=False`
    (default: the `log` setting) keeps this session out of the history; `image_max_side`
    overrides the setting of that name.
    """
    settings = ctx.settings
    logged = settings.log_history if log is None else log
    kw: dict[str, Any] = {
        "system": system,
        "options": options,
        "catalog": ctx.catalog(),
        "image_max_side": image_max_side or settings.image_max_side,
        "stream": stream,
    }
    if ref is Start.NEW:
        store = ctx.history() if logged else None
        return ChatSession(ctx.client, store, model=model or settings.default_model, **kw)
    if ref is Start.LATEST:
        return latest(
            ctx.client,
            ctx.history(),
            log=logged,
            model=model,
            default_model=settings.default_model,
            **kw,
        )
    return resume(ctx.client, ctx.history(), ref, log=logged, model=model, **kw)


def resume(
    client: Client | Callable[[], Client],
    store: HistoryStore,
    ref: str,
    *,
    log: bool = True,
    model: str | None = None,
    system: str | None = None,
    options: Mapping[str, Any] | None = None,
    **kw: Any,
) -> ChatSession:
    """Continue the conversation whose id is or starts with `ref`."""
    conv = store.get_conversation(ref)
    return _from_conversation(
        client, store, conv, log=log, model=model, system=system, options=options, **kw
    )


def latest(
    client: Client | Callable[[], Client],
    store: HistoryStore,
    *,
    log: bool = True,
    model: str | None = None,
    default_model: str = "mistral-small-latest",
    **kw: Any,
) -> ChatSession:
    """Continue the most recently updated conversation; a new one if there is none."""
    conv = store.latest_conversation()
    if conv is None:
        return ChatSession(client, store if log else None, model=model or default_model, **kw)
    return _from_conversation(client, store, conv, log=log, model=model, **kw)


def _from_conversation(
    client: Client | Callable[[], Client],
    store: HistoryStore,
    conv: Conversation,
    *,
    log: bool,
    model: str | None = None,
    system: str | None = None,
    options: Mapping[str, Any] | None = None,
    **kw: Any,
) -> ChatSession:
    merged = {**conv.options, **(options or {})}
    session = ChatSession(
        client,
        store if log else None,
        model=model or conv.model,
        system=system if system is not None else conv.system,
        options={k: v for k, v in merged.items() if k in OPTION_NAMES},
        **kw,
    )
    session.conversation_id = conv.id
    loaded = [_turn_from_history(m) for m in conv.messages]
    session.turns.extend(_mend_tool_calls([t for t in loaded if t is not None]))
    if log:
        if model and model != conv.model:
            store.set_model(conv.id, model)
        if system is not None and system != conv.system:
            store.set_system(conv.id, system)
        if options:
            store.set_options(conv.id, session.options)
    return session


def _turn_from_history(m: Message) -> Turn | None:
    """A stored message as it can be sent again; None for what cannot (empty, system...)."""
    if m.role == "tool":
        meta = next((c for c in m.content if c.get("type") == "tool_result"), None)
        if meta is None:
            return None
        call = ToolCall(str(meta.get("tool_call_id", "")), str(meta.get("name", "")), "")
        return Turn(tool_message(call, ToolOutcome(m.text)), message_id=m.id)
    if m.role not in ("user", "assistant"):
        return None
    content: list[dict[str, Any]] = []
    for chunk in m.content:
        if chunk.get("type") in ("thinking", "tool_call"):
            continue  # past reasoning is kept in the history, not sent back; calls: below
        url = chunk.get("image_url")
        if chunk.get("type") == "image_url" and isinstance(url, dict):
            url = url.get("url")
        if chunk.get("type") == "image_url" and not str(url).startswith(("http://", "https://")):
            # inline image bytes are not kept in the history: say so rather than resend nothing
            content.append(chunks.text("[an image was attached here; it is not kept in history]"))
        else:
            content.append(chunk)
    calls = calls_from_content(m.content) if m.role == "assistant" else []
    if calls:
        return Turn(assistant_message(text_of(content), calls), message_id=m.id)
    if not content or (m.role == "assistant" and not text_of(content)):
        return None
    return Turn(chunks.message(m.role, content), message_id=m.id, attachments=m.attachments)


def _mend_tool_calls(turns: list[Turn]) -> list[Turn]:
    """Every call followed by its result, as the API requires: a process stopped while a
    tool ran left calls without one; they are told "not run" (in the request, not the history)."""
    mended: list[Turn] = []
    open_calls: list[ToolCall] = []
    for turn in turns:
        if turn.role != "tool" and open_calls:
            mended += [Turn(tool_message(c, not_run(c, "it was interrupted"))) for c in open_calls]
            open_calls = []
        if turn.role == "tool":
            done = turn.message.get("tool_call_id")
            open_calls = [c for c in open_calls if c.id != done]
        calls = turn.message.get("tool_calls") or []
        open_calls += [ToolCall.from_api(c, i) for i, c in enumerate(calls)]
        mended.append(turn)
    mended += [Turn(tool_message(c, not_run(c, "it was interrupted"))) for c in open_calls]
    return mended
