"""`/v1/conversations*`: what the sync and async resources share (paths, option names,
request bodies, decoders). Bodies carry only the fields the caller gave; an unknown option is
a `TypeError` before anything is sent, as for chat (the API answers 422)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict
from urllib.parse import quote

import msgspec

from ..conversation_types import (
    Conversation,
    ConversationHistory,
    ConversationMessages,
    ConversationResponse,
)

__all__ = [
    "CONVERSATIONS",
    "STREAM_HEADERS",
    "AppendOptions",
    "ConversationOptions",
    "RestartOptions",
    "append_body",
    "checked_options",
    "conversation_path",
    "decode_conversation",
    "decode_conversations",
    "decode_history",
    "decode_messages",
    "decode_response",
    "path_segment",
    "restart_body",
    "start_body",
]

CONVERSATIONS = "/v1/conversations"
STREAM_HEADERS = {"Accept": "text/event-stream"}

Inputs = str | list[dict[str, Any]]


class ConversationOptions(TypedDict, total=False):
    """The optional fields of the spec's ConversationRequest (absent = not sent)."""

    store: bool | None
    handoff_execution: str | None
    instructions: str | None
    tools: list[dict[str, Any]] | None
    completion_args: dict[str, Any] | None
    guardrails: list[dict[str, Any]] | None
    name: str | None
    description: str | None
    metadata: dict[str, Any] | None
    agent_version: str | int | None


class AppendOptions(TypedDict, total=False):
    """The optional fields of the spec's AppendConversationRequest."""

    store: bool
    handoff_execution: str
    completion_args: dict[str, Any]
    tool_confirmations: list[dict[str, Any]] | None


class RestartOptions(TypedDict, total=False):
    """The optional fields of the spec's RestartConversationRequest."""

    store: bool
    handoff_execution: str
    completion_args: dict[str, Any]
    guardrails: list[dict[str, Any]] | None
    metadata: dict[str, Any] | None
    agent_version: str | int | None


def checked_options(options: Mapping[str, Any], allowed: type, what: str) -> dict[str, Any]:
    """The options as a dict; TypeError names any the spec does not have."""
    unknown = set(options) - set(allowed.__annotations__)
    if unknown:
        raise TypeError(f"unknown {what} option(s): {', '.join(sorted(unknown))}")
    return dict(options)


def start_body(
    inputs: Inputs,
    *,
    model: str | None,
    agent_id: str | None,
    stream: bool,
    options: Mapping[str, Any],
) -> dict[str, Any]:
    """The body of `POST /v1/conversations`: a model or an agent, not both."""
    if (model is None) == (agent_id is None):
        raise ValueError("give a model or an agent_id (one of them)")
    body: dict[str, Any] = {"inputs": inputs}
    body.update(checked_options(options, ConversationOptions, "conversation"))
    body["model" if model is not None else "agent_id"] = model if model is not None else agent_id
    body["stream"] = stream
    return body


def append_body(
    inputs: Inputs | None, *, stream: bool, options: Mapping[str, Any]
) -> dict[str, Any]:
    """The body of `POST /v1/conversations/{id}`; `inputs` None sends confirmations only."""
    body: dict[str, Any] = {} if inputs is None else {"inputs": inputs}
    body.update(checked_options(options, AppendOptions, "append"))
    body["stream"] = stream
    return body


def restart_body(
    inputs: Inputs | None, from_entry_id: str, *, stream: bool, options: Mapping[str, Any]
) -> dict[str, Any]:
    """The body of `POST /v1/conversations/{id}/restart`."""
    body: dict[str, Any] = {} if inputs is None else {"inputs": inputs}
    body.update(checked_options(options, RestartOptions, "restart"))
    body["from_entry_id"] = from_entry_id
    body["stream"] = stream
    return body


def path_segment(value: str, what: str) -> str:
    # '.' and '..' would be collapsed by URL normalisation into another endpoint
    if value in ("", ".", ".."):
        raise ValueError(f"invalid {what} {value!r}")
    return quote(value, safe="")


def conversation_path(conversation_id: str, tail: str = "") -> str:
    return f"{CONVERSATIONS}/{path_segment(conversation_id, 'conversation id')}{tail}"


decode_response = msgspec.json.Decoder(ConversationResponse).decode
decode_conversation = msgspec.json.Decoder(Conversation).decode
decode_conversations = msgspec.json.Decoder(list[Conversation]).decode
decode_history = msgspec.json.Decoder(ConversationHistory).decode
decode_messages = msgspec.json.Decoder(ConversationMessages).decode
