"""The spec's Conversations and Agents request bodies as msgspec Structs.

Like :mod:`.request_bodies` they mirror the OpenAPI schemas, fields in the spec's order, and
hold no logic. Entries carry a ``type`` with a default, so an input entry may leave it out:
:func:`decode_entries_body` names such an entry by its fields before decoding, as the API does
(``{"role", "content"}`` is a message, ``{"tool_call_id", "result"}`` a function result).
``ConversationRequest`` is the one body the spec leaves open to unknown fields.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal, TypeVar

import msgspec

from .request_bodies import (
    AnyTool,
    DocumentURLChunk,
    GuardrailConfig,
    ImageURLChunk,
    Prediction,
    ResponseFormat,
    TextChunk,
    ThinkChunk,
    ToolReferenceChunk,
)
from .validate import Invalid, json_body, problems, translate

__all__ = [
    "AgentHandoffEntry",
    "AppendRequest",
    "CompletionArgs",
    "ConversationRequest",
    "CreateAgentRequest",
    "Entry",
    "FunctionCallEntry",
    "FunctionResultEntry",
    "MessageInputEntry",
    "MessageOutputEntry",
    "RestartRequest",
    "ToolExecutionEntry",
    "ToolFileChunk",
    "decode_entries_body",
]

_S = {"forbid_unknown_fields": True, "omit_defaults": True}
_UNSET: Any = msgspec.UNSET
T = TypeVar("T")
Moment = datetime.datetime | msgspec.UnsetType


class ToolFileChunk(msgspec.Struct, tag_field="type", tag="tool_file", kw_only=True, **_S):
    tool: str
    file_id: str
    file_name: str | None = None
    file_type: str | None = None


InputChunk = TextChunk | ImageURLChunk | ToolFileChunk | DocumentURLChunk | ThinkChunk
OutputChunk = (
    TextChunk | ImageURLChunk | ToolFileChunk | DocumentURLChunk | ThinkChunk | ToolReferenceChunk
)


class MessageInputEntry(msgspec.Struct, tag_field="type", tag="message.input", kw_only=True, **_S):
    object: Literal["entry"] = "entry"
    created_at: Moment = _UNSET
    completed_at: datetime.datetime | None = None
    id: str | msgspec.UnsetType = _UNSET
    role: Literal["assistant", "user"]
    content: str | list[InputChunk]
    prefix: bool = False


class MessageOutputEntry(
    msgspec.Struct, tag_field="type", tag="message.output", kw_only=True, **_S
):
    object: Literal["entry"] = "entry"
    created_at: Moment = _UNSET
    completed_at: datetime.datetime | None = None
    agent_id: str | None = None
    model: str | None = None
    id: str | msgspec.UnsetType = _UNSET
    role: Literal["assistant"] = "assistant"
    content: str | list[OutputChunk]


class FunctionResultEntry(
    msgspec.Struct, tag_field="type", tag="function.result", kw_only=True, **_S
):
    object: Literal["entry"] = "entry"
    created_at: Moment = _UNSET
    completed_at: datetime.datetime | None = None
    id: str | msgspec.UnsetType = _UNSET
    tool_call_id: str
    result: str


class FunctionCallEntry(msgspec.Struct, tag_field="type", tag="function.call", kw_only=True, **_S):
    object: Literal["entry"] = "entry"
    created_at: Moment = _UNSET
    completed_at: datetime.datetime | None = None
    agent_id: str | None = None
    model: str | None = None
    id: str | msgspec.UnsetType = _UNSET
    tool_call_id: str
    name: str
    arguments: dict[str, Any] | str
    confirmation_status: Literal["pending", "allowed", "denied"] | None = None


class ToolExecutionEntry(
    msgspec.Struct, tag_field="type", tag="tool.execution", kw_only=True, **_S
):
    object: Literal["entry"] = "entry"
    created_at: Moment = _UNSET
    completed_at: datetime.datetime | None = None
    agent_id: str | None = None
    model: str | None = None
    id: str | msgspec.UnsetType = _UNSET
    name: str
    arguments: str
    info: dict[str, Any] | msgspec.UnsetType = _UNSET


class AgentHandoffEntry(msgspec.Struct, tag_field="type", tag="agent.handoff", kw_only=True, **_S):
    object: Literal["entry"] = "entry"
    created_at: Moment = _UNSET
    completed_at: datetime.datetime | None = None
    id: str | msgspec.UnsetType = _UNSET
    previous_agent_id: str
    previous_agent_name: str
    next_agent_id: str
    next_agent_name: str


Entry = (
    MessageInputEntry
    | MessageOutputEntry
    | FunctionResultEntry
    | FunctionCallEntry
    | ToolExecutionEntry
    | AgentHandoffEntry
)
Inputs = str | list[Entry]

Penalty = Annotated[float, msgspec.Meta(ge=-2, le=2)] | None
Fraction = Annotated[float, msgspec.Meta(ge=0, le=1)] | None
Count = Annotated[int, msgspec.Meta(ge=0)] | None
Effort = Literal["none", "minimal", "low", "medium", "high", "xhigh"]


class CompletionArgs(msgspec.Struct, kw_only=True, **_S):
    """The chat options a conversation takes (``temperature`` up to 1 here, not 1.5)."""

    stop: str | list[str] | None = None
    presence_penalty: Penalty = None
    frequency_penalty: Penalty = None
    temperature: Fraction = None
    top_p: Fraction = None
    max_tokens: Count = None
    random_seed: Count = None
    prediction: Prediction | None = None
    response_format: ResponseFormat | None = None
    tool_choice: Literal["auto", "none", "any", "required"] = "auto"
    reasoning_effort: Effort | None = None


class ConversationRequest(msgspec.Struct, kw_only=True, omit_defaults=True):
    """``POST /v1/conversations`` (streamed or not); unknown fields are ignored."""

    inputs: Inputs
    stream: bool | None = None
    store: bool | None = None
    handoff_execution: Literal["client", "server"] | None = None
    instructions: str | None = None
    tools: list[AnyTool] | None = None
    completion_args: CompletionArgs | None = None
    guardrails: list[GuardrailConfig] | None = None
    name: str | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None
    agent_id: str | None = None
    agent_version: str | int | None = None
    model: str | None = None


class ToolCallConfirmation(msgspec.Struct, **_S):
    tool_call_id: str
    confirmation: Literal["allow", "deny"]


class AppendRequest(msgspec.Struct, kw_only=True, **_S):
    """``POST /v1/conversations/{id}``; ``inputs`` may be left out (only confirmations)."""

    inputs: Inputs | msgspec.UnsetType = _UNSET
    stream: bool = False
    store: bool = True
    handoff_execution: Literal["client", "server"] = "server"
    completion_args: CompletionArgs | msgspec.UnsetType = _UNSET
    tool_confirmations: list[ToolCallConfirmation] | None = None


class RestartRequest(msgspec.Struct, kw_only=True, **_S):
    """``POST /v1/conversations/{id}/restart``."""

    inputs: Inputs | msgspec.UnsetType = _UNSET
    stream: bool = False
    store: bool = True
    handoff_execution: Literal["client", "server"] = "server"
    completion_args: CompletionArgs | msgspec.UnsetType = _UNSET
    guardrails: list[GuardrailConfig] | None = None
    metadata: dict[str, Any] | None = None
    from_entry_id: str
    agent_version: str | int | None = None


class CreateAgentRequest(msgspec.Struct, kw_only=True, **_S):
    """``POST /v1/agents``."""

    instructions: str | None = None
    tools: list[AnyTool] | msgspec.UnsetType = _UNSET
    completion_args: CompletionArgs | msgspec.UnsetType = _UNSET
    guardrails: list[GuardrailConfig] | None = None
    model: str
    name: str
    description: str | None = None
    handoffs: Annotated[list[str], msgspec.Meta(min_length=1)] | None = None
    metadata: dict[str, Any] | None = None
    version_message: Annotated[str, msgspec.Meta(max_length=500)] | None = None


# An entry without ``type`` is named by the fields only one kind of entry has.
_ENTRY_KEYS = (
    ("result", "function.result"),
    ("previous_agent_id", "agent.handoff"),
    ("tool_call_id", "function.call"),
    ("role", "message.input"),
    ("name", "tool.execution"),
)


def _typed(entry: Any) -> Any:
    if not isinstance(entry, dict) or "type" in entry:
        return entry
    tag = next((tag for key, tag in _ENTRY_KEYS if key in entry), None)
    return {"type": tag, **entry} if tag else entry


def decode_entries_body(body: bytes, struct: type[T]) -> T:
    """Parse and validate a body whose ``inputs`` are entries, or raise ``Invalid`` (422)."""
    raw = json_body(body)
    typed = raw
    if isinstance(raw, dict) and isinstance(raw.get("inputs"), list):
        typed = {**raw, "inputs": [_typed(entry) for entry in raw["inputs"]]}
    try:
        return msgspec.convert(typed, struct)
    except msgspec.ValidationError:
        raise Invalid([translate(p, typed) for p in problems(typed, struct)]) from None
