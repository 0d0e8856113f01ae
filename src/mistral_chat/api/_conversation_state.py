"""What the sync and async conversation streams share without I/O: events in, response out.

A conversation streams typed events (``event: TYPE`` and ``data: {...}``; the data carries its
``type`` too, so only data is read). :class:`ConversationAccumulator` folds them into the
outputs a non-streamed call would have answered, by ``output_index``: message text joined per
``content_index`` (other chunks, references and files, kept whole), a tool execution's
arguments and ``info``, a function call's argument fragments joined. The stream ends with
``conversation.response.done`` (no ``[DONE]``); ``conversation.response.error``, or a body that
ends before ``done``, is a ``StreamInterrupted`` keeping the text that arrived.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from ._sse import SSEDecoder
from .conversation_types import ConversationEvent, ConversationResponse, ConversationUsage
from .errors import StreamInterrupted

if TYPE_CHECKING:
    import httpx2

__all__ = ["ConversationAccumulator", "ConversationStreamState", "not_events"]

_decode_event = msgspec.json.Decoder(ConversationEvent).decode


class ConversationAccumulator:
    """Folds :class:`ConversationEvent`s into the turn's outputs (see the module docstring)."""

    def __init__(self) -> None:
        self.conversation_id = ""
        self.usage: ConversationUsage | None = None
        self.done = False
        self.events = 0
        self._outputs: dict[int, dict[str, Any]] = {}
        #: the visible text the latest event added ("" when it added none)
        self.last_text = ""

    def add(self, event: ConversationEvent) -> str:
        """Fold one event in; returns the visible text it added (may be empty)."""
        self.events += 1
        self.last_text = ""
        kind = event.type
        if kind == "conversation.response.started":
            self.conversation_id = event.conversation_id or self.conversation_id
        elif kind == "conversation.response.done":
            self.usage, self.done = event.usage, True
        elif kind == "message.output.delta":
            self._message(event)
        elif kind.startswith("tool.execution."):
            slot = self._slot(event, "tool.execution")
            slot["name"] = event.name or slot.get("name", "")
            if kind != "tool.execution.done":
                slot["arguments"] = slot.get("arguments", "") + (event.arguments or "")
            if event.info is not None:
                slot["info"] = event.info
        elif kind == "function.call.delta":
            slot = self._slot(event, "function.call")
            slot["name"] = event.name or slot.get("name", "")
            slot["tool_call_id"] = event.tool_call_id or slot.get("tool_call_id", "")
            slot["arguments"] = slot.get("arguments", "") + (event.arguments or "")
        return self.last_text

    def _slot(self, event: ConversationEvent, kind: str) -> dict[str, Any]:
        slot = self._outputs.setdefault(event.output_index, {"type": kind, "id": event.id})
        for key in ("model", "agent_id"):
            if getattr(event, key) is not None:
                slot[key] = getattr(event, key)
        return slot

    def _message(self, event: ConversationEvent) -> None:
        slot = self._slot(event, "message.output")
        slot["role"] = "assistant"
        parts: dict[int, dict[str, Any]] = slot.setdefault("_parts", {})
        content = event.content
        if isinstance(content, str):
            chunk: dict[str, Any] = {"type": "text", "text": content}
        elif isinstance(content, dict):
            chunk = content
        else:
            return
        part = parts.get(event.content_index)
        if part is None:
            parts[event.content_index] = dict(chunk)
        elif chunk.get("type") == "text" and part.get("type") == "text":
            part["text"] = part.get("text", "") + str(chunk.get("text", ""))
        elif chunk.get("type") == "thinking" and part.get("type") == "thinking":
            part["thinking"] = [*part.get("thinking", []), *chunk.get("thinking", [])]
        else:  # a whole chunk where text was: keep it in the next place
            parts[max(parts) + 1] = dict(chunk)
        if chunk.get("type") == "text":
            self.last_text = str(chunk.get("text", ""))

    @property
    def text(self) -> str:
        """The visible text so far, across message outputs."""
        return self.response().text

    def response(self) -> ConversationResponse:
        """The outputs so far as a :class:`ConversationResponse` (whole once ``done``)."""
        outputs = []
        for index in sorted(self._outputs):
            slot = {k: v for k, v in self._outputs[index].items() if k != "_parts"}
            if slot["type"] == "message.output":
                parts = self._outputs[index].get("_parts", {})
                chunks = [_merged_thinking(parts[i]) for i in sorted(parts)]
                only_text = len(chunks) == 1 and chunks[0].get("type") == "text"
                slot["content"] = chunks[0]["text"] if only_text else chunks
            outputs.append(slot)
        body = {
            "conversation_id": self.conversation_id,
            "outputs": outputs,
            "usage": msgspec.to_builtins(self.usage or ConversationUsage()),
        }
        return msgspec.convert(body, ConversationResponse)


def _merged_thinking(chunk: dict[str, Any]) -> dict[str, Any]:
    """A thinking chunk streamed piece by piece, as one text."""
    if chunk.get("type") != "thinking":
        return chunk
    text = "".join(str(t.get("text", "")) for t in chunk.get("thinking", []) if isinstance(t, dict))
    return {**chunk, "thinking": [{"type": "text", "text": text}]}


def not_events(body: bytes) -> None:
    """A document where an event stream was expected (a proxy's page, a server that ignored
    ``stream``): refused, and ``parsed`` makes that an ``InvalidResponseError``."""
    raise ValueError("not an event stream")


class ConversationStreamState:
    """What sync and async conversation streams share: the decoder, the accumulator, verdicts."""

    def __init__(self) -> None:
        self.accumulator = ConversationAccumulator()
        self._decoder = SSEDecoder()
        self._closed = False

    @property
    def conversation_id(self) -> str:
        return self.accumulator.conversation_id

    @property
    def text(self) -> str:
        return self.accumulator.text

    @property
    def delta(self) -> str:
        """The visible text the event just yielded added (may be "")."""
        return self.accumulator.last_text

    @property
    def usage(self) -> ConversationUsage | None:
        return self.accumulator.usage

    def response(self) -> ConversationResponse:
        """The turn as a non-streamed call would have answered it (so far)."""
        return self.accumulator.response()

    @staticmethod
    def _not_a_stream(response: httpx2.Response) -> bool:
        content_type = response.headers.get("content-type", "").lower()
        return bool(content_type) and "event-stream" not in content_type

    def _event(self, data: bytes) -> ConversationEvent:
        try:
            event = _decode_event(data)
        except (ValueError, TypeError, RecursionError) as exc:  # not JSON, bad UTF-8, too deep
            preview = data[:80].decode("utf-8", errors="replace")
            raise self._interrupted(f"the server sent something not an event: {preview!r}") from exc
        if event.type == "conversation.response.error":
            raise self._interrupted(f"the server reported an error: {event.message or event.code}")
        return event

    def _interrupted(self, reason: str) -> StreamInterrupted:
        acc = self.accumulator
        return StreamInterrupted(
            f"the conversation stream broke off after {acc.events} events: {reason}",
            partial_text=acc.text,
            chunks=acc.events,
        )

    def _ended(self) -> None:
        if not self.accumulator.done:
            raise self._interrupted("the server closed the stream before the end")
