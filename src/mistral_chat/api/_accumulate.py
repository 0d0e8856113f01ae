"""Chunks in, final message out: the pure accumulator behind every stream."""

from __future__ import annotations

import json
from typing import Any

from .types import ChatCompletionChunk, ToolCall, Usage

__all__ = ["ChatAccumulator"]


class ChatAccumulator:
    """Folds `ChatCompletionChunk`s into the answer so far.

    Text and `thinking` are kept apart; tool calls are merged by `index` (argument fragments
    concatenated when strings, merged when objects); `finish_reason` and `usage` come from
    whichever chunk carries them (usage normally rides on the last one).
    """

    def __init__(self) -> None:
        self._text: list[str] = []
        self._thinking: list[str] = []
        self._tools: dict[int, dict[str, Any]] = {}
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
        index = call.index if call.index is not None else len(self._tools)
        slot = self._tools.setdefault(index, {"id": None, "name": "", "arguments": None})
        if call.id and call.id != "null":
            slot["id"] = call.id
        if call.function.name:
            slot["name"] = call.function.name
        args = call.function.arguments
        if isinstance(args, dict):
            merged = slot["arguments"] if isinstance(slot["arguments"], dict) else {}
            slot["arguments"] = {**merged, **args}
        elif args:
            slot["arguments"] = (slot["arguments"] or "") + args

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
        for index in sorted(self._tools):
            slot = self._tools[index]
            args = slot["arguments"]
            call: dict[str, Any] = {"id": slot["id"]} if slot["id"] is not None else {}
            call["type"] = "function"
            call["function"] = {
                "name": slot["name"],
                "arguments": json.dumps(args) if isinstance(args, dict) else (args or ""),
            }
            calls.append(call)
        return calls
