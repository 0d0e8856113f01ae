"""Chunks in, final message out: the pure accumulator behind every stream."""

from __future__ import annotations

import json
from typing import Any

from .types import ChatCompletionChunk, ToolCall, Usage

__all__ = ["ChatAccumulator"]


class ChatAccumulator:
    """Folds `ChatCompletionChunk`s into the answer so far.

    Text and `thinking` are kept apart; tool call fragments are joined into calls (by id, else
    by `index`: see `_tool_slot`; argument fragments concatenated when strings, merged when
    objects); `finish_reason` and `usage` come from whichever chunk carries them (usage
    normally rides on the last one). `message` is the answer to send back before tool results.
    """

    def __init__(self) -> None:
        self._text: list[str] = []
        self._thinking: list[str] = []
        self._calls: list[dict[str, Any]] = []  # in the order they began
        self._tools: dict[int, dict[str, Any]] = {}  # the latest call at each index
        self.id = ""
        self.model = ""
        self.role = "assistant"
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.chunks = 0
        #: the visible text the latest chunk added ("" when it added none)
        self.last_text = ""
        #: the reasoning the latest chunk added ("" when it added none)
        self.last_thinking = ""

    def add(self, chunk: ChatCompletionChunk) -> str:
        """Fold one chunk in; returns the visible text it added (may be empty)."""
        self.chunks += 1
        self.last_thinking = ""
        if chunk.id:
            self.id = chunk.id
        if chunk.model:
            self.model = chunk.model
        if chunk.usage is not None:
            self.usage = chunk.usage
        added = ""
        for choice in chunk.choices:
            if choice.index != 0:
                continue  # n > 1 streams are folded for choice 0 only
            delta = choice.delta
            if delta.role:
                self.role = delta.role
            content = delta.content
            if isinstance(content, str):
                added = content
            elif content:
                added = self._add_chunks(content)
            if added:
                self._text.append(added)
            if delta.tool_calls:
                for call in delta.tool_calls:
                    self._add_tool_call(call)
            if choice.finish_reason is not None:
                self.finish_reason = choice.finish_reason
        self.last_text = added
        return added

    def _add_chunks(self, parts: list[dict[str, Any]]) -> str:
        visible: list[str] = []
        for part in parts:
            kind = part.get("type")
            if kind == "text":
                visible.append(str(part.get("text", "")))
            elif kind == "thinking":
                for inner in part.get("thinking") or []:
                    if isinstance(inner, dict) and inner.get("type") == "text":
                        thought = str(inner.get("text", ""))
                        self._thinking.append(thought)
                        self.last_thinking += thought
        return "".join(visible)

    def _add_tool_call(self, call: ToolCall) -> None:
        slot = self._tool_slot(call)
        if call.function.name:
            slot["name"] = call.function.name
        args = call.function.arguments
        if isinstance(args, dict):
            merged = slot["arguments"] if isinstance(slot["arguments"], dict) else {}
            slot["arguments"] = {**merged, **args}
        elif args:
            slot["arguments"] = (slot["arguments"] or "") + args

    def _tool_slot(self, call: ToolCall) -> dict[str, Any]:
        """The call a fragment belongs to.

        A fragment with an id joins the call of that id, else starts a new one (Mistral sends
        parallel calls whole in one chunk, all at the spec's default index 0); one without
        (OpenAI-style continuations) joins the call at its index, else the latest call.
        """
        real_id = call.id if call.id and call.id != "null" else None
        slot: dict[str, Any] | None = None
        if real_id is not None:
            slot = next((s for s in self._calls if s["id"] == real_id), None)
            at_index = self._tools.get(call.index) if call.index is not None else None
            if slot is None and at_index is not None and at_index["id"] is None:
                slot = at_index  # fragments without an id came first
        elif call.index is not None:
            slot = self._tools.get(call.index)
        elif self._calls:
            slot = self._calls[-1]
        if slot is None:
            slot = {"id": None, "name": "", "arguments": None}
            self._calls.append(slot)
        if real_id is not None:
            slot["id"] = real_id
        if call.index is not None:
            self._tools[call.index] = slot
        return slot

    @property
    def text(self) -> str:
        return "".join(self._text)

    @property
    def thinking(self) -> str:
        return "".join(self._thinking)

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        """Merged tool calls in the request shape (`arguments` as a JSON string).

        A call the server gave no id has no `id` key: the spec's ToolCall.id is a string
        (defaulting to 'null'), so `"id": null` would not be a valid request.
        """
        calls = []
        for slot in self._calls:
            args = slot["arguments"]
            call: dict[str, Any] = {"id": slot["id"]} if slot["id"] is not None else {}
            call["type"] = "function"
            call["function"] = {
                "name": slot["name"],
                "arguments": json.dumps(args) if isinstance(args, dict) else (args or ""),
            }
            calls.append(call)
        return calls

    @property
    def message(self) -> dict[str, Any]:
        """The answer as the assistant message to send back on the next request: its text
        (None when it only calls tools) and its `tool_calls`, when it made any."""
        calls = self.tool_calls
        message: dict[str, Any] = {"role": "assistant", "content": self.text or None}
        if calls:
            message["tool_calls"] = calls
        elif message["content"] is None:
            message["content"] = ""
        return message
