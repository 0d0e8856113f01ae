"""Typed wire models of the Conversations and Agents APIs (beta).

Tolerant as :mod:`.types` is: unknown fields are ignored, enum-like fields are open strings.
Entries come in six kinds (``message.input``, ``message.output``, ``function.call``,
``function.result``, ``tool.execution``, ``agent.handoff``) and one :class:`Entry` Struct holds
any of them (its ``type`` says which; the fields of the other kinds stay at their defaults), so
a kind the API adds later still decodes. Streamed events likewise share :class:`ConversationEvent`.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from .types import _Wire

__all__ = [
    "Agent",
    "AgentPage",
    "Conversation",
    "ConversationEvent",
    "ConversationHistory",
    "ConversationMessages",
    "ConversationResponse",
    "ConversationUsage",
    "Entry",
    "ToolFile",
    "ToolReference",
]


class ToolReference(_Wire):
    """A source a hosted tool used (``tool_reference`` chunk): web page, library passage."""

    tool: str = ""
    title: str = ""
    url: str | None = None
    favicon: str | None = None
    description: str | None = None


class ToolFile(_Wire):
    """A file a hosted tool made (``tool_file`` chunk): download it with ``files.download``."""

    tool: str = ""
    file_id: str = ""
    file_name: str | None = None
    file_type: str | None = None


def _chunks(content: str | list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [c for c in content if isinstance(c, dict)]


class Entry(_Wire):
    """One entry of a conversation, of any kind (see the module docstring)."""

    type: str = ""
    id: str = ""
    object: str = "entry"
    created_at: str | None = None
    completed_at: str | None = None
    agent_id: str | None = None
    model: str | None = None
    # message.input / message.output
    role: str | None = None
    content: str | list[dict[str, Any]] | None = None
    prefix: bool | None = None
    # function.call / function.result / tool.execution
    tool_call_id: str | None = None
    name: str | None = None
    arguments: str | dict[str, Any] | None = None
    result: str | None = None
    info: dict[str, Any] | None = None
    confirmation_status: str | None = None
    # agent.handoff
    previous_agent_id: str | None = None
    previous_agent_name: str | None = None
    next_agent_id: str | None = None
    next_agent_name: str | None = None

    @property
    def text(self) -> str:
        """The visible text of a message entry ("" for other kinds)."""
        return "".join(
            str(c.get("text", "")) for c in _chunks(self.content) if c.get("type") == "text"
        )

    @property
    def thinking(self) -> str:
        parts = [c for c in _chunks(self.content) if c.get("type") == "thinking"]
        return "".join(
            str(t.get("text", ""))
            for c in parts
            for t in c.get("thinking") or []
            if isinstance(t, dict)
        )

    @property
    def references(self) -> list[ToolReference]:
        chunks = [c for c in _chunks(self.content) if c.get("type") == "tool_reference"]
        return [msgspec.convert(c, ToolReference, strict=False) for c in chunks]

    @property
    def files(self) -> list[ToolFile]:
        chunks = [c for c in _chunks(self.content) if c.get("type") == "tool_file"]
        return [msgspec.convert(c, ToolFile, strict=False) for c in chunks]

    @property
    def arguments_json(self) -> str:
        """A call's arguments as JSON text (some servers send an object)."""
        args = self.arguments
        return json.dumps(args) if isinstance(args, dict) else (args or "")


class ConversationUsage(_Wire):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    connector_tokens: int | None = None
    connectors: dict[str, int] | None = None


class _Outputs(_Wire):
    """What a response and a history share: entries and the views over them."""

    def _entries(self) -> list[Entry]:
        raise NotImplementedError

    @property
    def text(self) -> str:
        """The visible text of the message outputs, joined."""
        return "".join(e.text for e in self._entries() if e.type == "message.output")

    @property
    def references(self) -> list[ToolReference]:
        return [r for e in self._entries() if e.type == "message.output" for r in e.references]

    @property
    def files(self) -> list[ToolFile]:
        return [f for e in self._entries() if e.type == "message.output" for f in e.files]

    @property
    def function_calls(self) -> list[Entry]:
        """The calls the client must run, in order (``function.call`` entries)."""
        return [e for e in self._entries() if e.type == "function.call"]

    @property
    def tool_executions(self) -> list[Entry]:
        """The hosted tools the server ran (``tool.execution`` entries)."""
        return [e for e in self._entries() if e.type == "tool.execution"]


class ConversationResponse(_Outputs):
    """What start, append and restart answer: the new entries and the turn's usage."""

    conversation_id: str = ""
    outputs: list[Entry] = msgspec.field(default_factory=list)
    usage: ConversationUsage = msgspec.field(default_factory=ConversationUsage)
    object: str = "conversation.response"
    guardrails: list[dict[str, Any]] | None = None

    def _entries(self) -> list[Entry]:
        return self.outputs


class ConversationHistory(_Outputs):
    conversation_id: str = ""
    entries: list[Entry] = msgspec.field(default_factory=list)
    object: str = "conversation.history"

    def _entries(self) -> list[Entry]:
        return self.entries


class ConversationMessages(_Wire):
    conversation_id: str = ""
    messages: list[Entry] = msgspec.field(default_factory=list)
    object: str = "conversation.messages"


class Conversation(_Wire):
    """A conversation's settings: with a model (``model`` set) or an agent (``agent_id``)."""

    id: str = ""
    object: str = "conversation"
    created_at: str | None = None
    updated_at: str | None = None
    model: str | None = None
    agent_id: str | None = None
    agent_version: str | int | None = None
    instructions: str | None = None
    tools: list[dict[str, Any]] = msgspec.field(default_factory=list)
    completion_args: dict[str, Any] | None = None
    guardrails: list[dict[str, Any]] | None = None
    name: str | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None


class ConversationEvent(_Wire):
    """One streamed event; ``type`` says which (``message.output.delta``...)."""

    type: str = ""
    created_at: str | None = None
    conversation_id: str | None = None
    output_index: int = 0
    id: str = ""
    content_index: int = 0
    model: str | None = None
    agent_id: str | None = None
    role: str | None = None
    content: str | dict[str, Any] | None = None
    name: str | None = None
    tool_call_id: str | None = None
    arguments: str | None = None
    info: dict[str, Any] | None = None
    confirmation_status: str | None = None
    usage: ConversationUsage | None = None
    message: str | None = None
    code: int | str | None = None


class Agent(_Wire):
    """An agent made on La Plateforme (or with ``agents.create``)."""

    id: str = ""
    name: str = ""
    model: str = ""
    object: str = "agent"
    version: int = 0
    versions: list[int] = msgspec.field(default_factory=list)
    description: str | None = None
    instructions: str | None = None
    tools: list[dict[str, Any]] = msgspec.field(default_factory=list)
    completion_args: dict[str, Any] | None = None
    guardrails: list[dict[str, Any]] | None = None
    handoffs: list[str] | None = None
    metadata: dict[str, Any] | None = None
    created_at: str | None = None
    updated_at: str | None = None
    deployment_chat: bool = False
    source: str | None = None
    version_message: str | None = None

    @property
    def tool_types(self) -> list[str]:
        """``web_search``, ``function:NAME``... one per tool."""
        out = []
        for tool in self.tools:
            kind = str(tool.get("type", "function"))
            if kind == "function":
                kind = f"function:{(tool.get('function') or {}).get('name', '?')}"
            out.append(kind)
        return out


class AgentPage(_Wire):
    data: list[Agent] = msgspec.field(default_factory=list)
    object: str = "list"
    next_page_token: str | None = None
