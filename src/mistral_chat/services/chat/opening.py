"""`open_session`: the one way `ask`, the chat, `-c`, `--conversation` and `/resume` get a
`ChatSession` — a new conversation, the latest one, or one named by its id (or a unique prefix).

    >>> session = open_session(ctx, Start.LATEST, model="codestral-latest")   # doctest: +SKIP

A continued conversation keeps its own model, system message and options unless new ones are
given; the changes are saved with it. It goes on from its latest branch (the one holding its
newest message; `switch_branch` moves a session to another). Stored turns that cannot be
sent again (reasoning, an empty answer) are left in the history and out of the request. Its
images go out again as they first went (the same data URI, from the kept images beside the
history); an image that is no longer kept is replaced by a note, and `on_warning` hears one
line about it.

On a server that is not Mistral's (vLLM, llama.cpp, Ollama), a new session with no model given
or configured uses the server's own (`services.servers.server_default_model`).

The generation options are layered here, once: the arguments (the command line) over the
template's over the conversation's own over the config file's defaults (`Settings.defaults`)
over the API's. The model: argument > template > conversation > config > built-in default.
A compacted conversation starts from its latest summary (`compaction.resume_point`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from mistral_chat.api import content as chunks
from mistral_chat.services.chat.compaction import resume_point
from mistral_chat.services.chat.hosted import RECORD_KEY, Hosted
from mistral_chat.services.chat.results import Turn, text_of
from mistral_chat.services.chat.session import ChatSession, RequestCheck
from mistral_chat.services.chat.tooling import (
    ToolCall,
    ToolOutcome,
    assistant_message,
    calls_from_content,
    not_run,
    tool_message,
)
from mistral_chat.services.chat_options import OPTION_NAMES, config_options
from mistral_chat.storage.branches import select_branch
from mistral_chat.storage.errors import BranchNotFound

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.services.catalog import ModelCatalog
    from mistral_chat.services.image_store import ImageStore
    from mistral_chat.services.settings import Settings
    from mistral_chat.services.templates import Template
    from mistral_chat.storage import Branch, Conversation, HistoryStore, Message

#: hears one line for the user (a `warning:` on the terminal)
Warn = Callable[[str], None]
#: what the request carries where an image is no longer kept
GONE_IMAGE_NOTE = "[an image was attached here; it is no longer kept]"

__all__ = ["ChatContext", "Start", "latest", "open_session", "resume", "switch_branch"]


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
    vision: bool | None = None,
    on_warning: Warn | None = None,
    template: Template | None = None,
    guard: RequestCheck | None = None,
) -> ChatSession:
    """A session on a new conversation, the latest one, or conversation `ref` (an id or a
    unique prefix: `ConversationNotFound`, `AmbiguousConversationId` otherwise).

    `model`, `system` and `options` override the `template`'s, which override a continued
    conversation's own; `guard` checks each question before it goes (`budget.RequestGuard`);
    `log=False`
    (default: the `log` setting) keeps this session out of the history; `image_max_side`
    and `vision` (send images whatever the catalog says) override the settings of those
    names; `on_warning` hears what the user should know (an image no longer kept).
    """
    from mistral_chat.services.image_store import image_store_for

    settings = ctx.settings
    logged = settings.log_history if log is None else log
    images = image_store_for(settings.history_path)
    if template is not None:
        model = model or template.model
        system = system if system is not None else template.fill("").system
        options = {**template.request_options(), **(options or {})}
    kw: dict[str, Any] = {
        "system": system,
        "options": options,
        "catalog": ctx.catalog(),
        "image_max_side": image_max_side or settings.image_max_side,
        "stream": stream,
        "base_options": config_options(settings.defaults),
    }
    if ref is Start.NEW:
        store = ctx.history() if logged else None
        session = _new(ctx.client, store, model=model or _default_model(ctx), **kw)
    elif ref is Start.LATEST:
        conv = ctx.history().latest_conversation()
        if conv is None:
            store = ctx.history() if logged else None
            session = _new(ctx.client, store, model=model or _default_model(ctx), **kw)
        else:
            session = _from_conversation(
                ctx.client, ctx.history(), conv, log=logged, model=model, images=images,
                on_warning=on_warning, **kw,
            )  # fmt: skip
    else:
        session = resume(
            ctx.client, ctx.history(), ref, log=logged, model=model, images=images,
            on_warning=on_warning, **kw,
        )  # fmt: skip
    _equip(session, ctx, images if logged else None, settings.vision if vision is None else vision)
    session.before_send = guard
    return session


def _new(
    client: Client | Callable[[], Client],
    store: HistoryStore | None,
    *,
    options: Mapping[str, Any] | None = None,
    base_options: Mapping[str, Any] | None = None,
    **kw: Any,
) -> ChatSession:
    """A new conversation: the config's defaults under the options given."""
    return ChatSession(client, store, options={**(base_options or {}), **(options or {})}, **kw)


def _default_model(ctx: ChatContext) -> str:
    """The model of a new session when none is given: the configured one, else the server's
    own on a server that is not Mistral's, else mistral-small-latest."""
    settings = ctx.settings
    if settings.model_source != "default" or settings.mistral_server:
        return settings.default_model
    from mistral_chat.services.servers import server_default_model

    return server_default_model(ctx.catalog(), settings.default_model)


def _equip(session: ChatSession, ctx: ChatContext, images: ImageStore | None, vision: bool) -> None:
    """Give the session's outbox what outlives a message: kept images, reused uploads."""
    from mistral_chat.services.upload_reuse import UploadReuse

    session.outbox.kept_images = images
    session.outbox.uploads = UploadReuse.for_settings(ctx.settings)
    session.outbox.vision = vision


def resume(
    client: Client | Callable[[], Client],
    store: HistoryStore,
    ref: str,
    *,
    log: bool = True,
    model: str | None = None,
    system: str | None = None,
    options: Mapping[str, Any] | None = None,
    images: ImageStore | None = None,
    on_warning: Warn | None = None,
    **kw: Any,
) -> ChatSession:
    """Continue the conversation whose id is or starts with `ref`; its images come from
    `images` (a note in their place, and a warning, when they are gone)."""
    conv = store.get_conversation(ref)
    return _from_conversation(
        client, store, conv, log=log, model=model, system=system, options=options,
        images=images, on_warning=on_warning, **kw,
    )  # fmt: skip


def latest(
    client: Client | Callable[[], Client],
    store: HistoryStore,
    *,
    log: bool = True,
    model: str | None = None,
    default_model: str = "mistral-small-latest",
    images: ImageStore | None = None,
    on_warning: Warn | None = None,
    **kw: Any,
) -> ChatSession:
    """Continue the most recently updated conversation; a new one if there is none."""
    conv = store.latest_conversation()
    if conv is None:
        return _new(client, store if log else None, model=model or default_model, **kw)
    return _from_conversation(
        client, store, conv, log=log, model=model, images=images, on_warning=on_warning, **kw
    )


def _from_conversation(
    client: Client | Callable[[], Client],
    store: HistoryStore,
    conv: Conversation,
    *,
    log: bool,
    model: str | None = None,
    system: str | None = None,
    options: Mapping[str, Any] | None = None,
    images: ImageStore | None = None,
    on_warning: Warn | None = None,
    base_options: Mapping[str, Any] | None = None,
    **kw: Any,
) -> ChatSession:
    merged = {**(base_options or {}), **conv.options, **(options or {})}
    session = ChatSession(
        client,
        store if log else None,
        model=model or conv.model,
        system=system if system is not None else conv.system,
        options={k: v for k, v in merged.items() if k in OPTION_NAMES},
        **kw,
    )
    session.conversation_id = conv.id
    _load_branch(session, select_branch(conv.messages), images, on_warning)
    record = conv.options.get(RECORD_KEY)
    if isinstance(record, dict):  # a conversation with hosted tools: -c appends to it
        session.hosted = Hosted.from_record(record)
        session.mark_sent_to_server()
    if log:
        if model and model != conv.model:
            store.set_model(conv.id, model)
        if system is not None and system != conv.system:
            store.set_system(conv.id, system)
        if options:
            store.set_options(conv.id, session.options)
    return session


def switch_branch(session: ChatSession, number: int) -> Branch:
    """Put `session` on branch `number` of its conversation (`BranchNotFound` if there is no
    such branch): the next message goes on from that branch's last one."""
    if session.store is None or session.conversation_id is None:
        raise BranchNotFound(number, 0)
    conv = session.store.get_conversation(session.conversation_id)
    branch = select_branch(conv.messages, number)
    assert branch is not None  # a number was given: found, or BranchNotFound
    _load_branch(session, branch, session.outbox.kept_images)
    if session.hosted is not None:
        session.hosted.server_id = None  # the server holds one line: start one for this branch
    return branch


def _load_branch(
    session: ChatSession,
    branch: Branch | None,
    images: ImageStore | None = None,
    on_warning: Warn | None = None,
) -> None:
    """The session's turns become the branch's messages (from its latest summary), as they
    can be sent again; an image no longer kept is a note, and `on_warning` hears of it."""
    messages = branch.messages if branch is not None else []
    gone = 0
    loaded: list[Turn] = []
    for m in resume_point(messages):
        turn, missing = _turn_from_history(m, images)
        gone += missing
        if turn is not None:
            loaded.append(turn)
    session.turns = _mend_tool_calls(loaded)
    session.branch_tip = branch.leaf_id if branch is not None else None
    if gone and on_warning is not None:
        conv = session.conversation_id
        on_warning(
            f"{gone} image{'s' * (gone != 1)} of conversation {conv} "
            f"{'are' if gone != 1 else 'is'} no longer kept (removed to stay under the size "
            "cap, or deleted); the model gets a note in "
            f"{'their' if gone != 1 else 'its'} place"
        )


def _turn_from_history(m: Message, images: ImageStore | None) -> tuple[Turn | None, int]:
    """A stored message as it can be sent again (None for what cannot: empty, system...),
    and how many of its images are no longer kept."""
    if m.role == "tool":
        meta = next((c for c in m.content if c.get("type") == "tool_result"), None)
        if meta is None:
            return None, 0
        call = ToolCall(str(meta.get("tool_call_id", "")), str(meta.get("name", "")), "")
        return Turn(tool_message(call, ToolOutcome(m.text)), message_id=m.id), 0
    if m.role not in ("user", "assistant"):
        return None, 0
    content: list[dict[str, Any]] = []
    gone = 0
    for chunk in m.content:
        if chunk.get("type") in ("thinking", "tool_call"):
            continue  # past reasoning is kept in the history, not sent back; calls: below
        if chunk.get("type") != "image_url":
            content.append(chunk)
            continue
        resent = _image_again(chunk, images)
        if resent is None:  # say so rather than send nothing
            content.append(chunks.text(GONE_IMAGE_NOTE))
            gone += 1
        else:
            content.append(resent)
    calls = calls_from_content(m.content) if m.role == "assistant" else []
    if calls:
        return Turn(assistant_message(text_of(content), calls), message_id=m.id), gone
    if not content or (m.role == "assistant" and not text_of(content)):
        return None, gone
    turn = Turn(
        chunks.message(m.role, content), message_id=m.id, attachments=m.attachments, signed_at=0
    )
    return turn, gone


def _image_again(chunk: dict[str, Any], images: ImageStore | None) -> dict[str, Any] | None:
    """An `image_url` chunk as it was first sent: a URL as is, inline bytes from the kept
    images (the same data URI); None when the bytes are gone."""
    from mistral_chat.services.image_store import kept_image_ref

    value = chunk.get("image_url")
    url = str(value.get("url") if isinstance(value, dict) else value)
    if url.startswith(("http://", "https://", "data:")):
        return chunk
    ref = kept_image_ref(url)
    uri = images.data_uri(ref.mime, ref.sha256) if ref is not None and images else None
    if uri is None:
        return None
    if isinstance(value, dict):
        return {**chunk, "image_url": {**value, "url": uri}}
    return {**chunk, "image_url": uri}


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
