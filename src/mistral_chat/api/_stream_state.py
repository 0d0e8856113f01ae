"""What the sync and async chat streams share without I/O: decoder, accumulator, verdicts.

The stream is retried only while opening: the request, its status and the first event are
read inside the retry loop, so a stream is never retried after content has reached the caller.
It reads the response to its end after `[DONE]`, so the connection goes back to the pool, and
it always closes (in `finally` and in `__exit__`).

`AsyncChatStream` is written in `_async/streaming.py` and `ChatStream` generated from it into
`_sync/streaming.py` (`scripts/unasync.py`); both build on `StreamState`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import msgspec

from ._accumulate import ChatAccumulator
from ._base_client import parsed
from ._core import stream_error_message
from ._sse import DONE, SSEDecoder
from .errors import InvalidResponseError, StreamInterrupted
from .types import ChatCompletionChunk, Usage

if TYPE_CHECKING:
    import httpx2

__all__ = ["StreamState"]

_decode_chunk = msgspec.json.Decoder(ChatCompletionChunk).decode


class StreamState:
    """What sync and async streams share: the decoder, the accumulator and the verdicts."""

    def __init__(self) -> None:
        self.accumulator = ChatAccumulator()
        self._decoder = SSEDecoder()
        self._done = False
        self._closed = False

    @property
    def text(self) -> str:
        """The visible text received so far."""
        return self.accumulator.text

    @property
    def delta(self) -> str:
        """The visible text the chunk just yielded added (thinking excluded; may be "")."""
        return self.accumulator.last_text

    @property
    def thinking(self) -> str:
        """The reasoning received so far (``thinking`` chunks of reasoning models)."""
        return self.accumulator.thinking

    @property
    def thinking_delta(self) -> str:
        """The reasoning the chunk just yielded added (may be "")."""
        return self.accumulator.last_thinking

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        """The tool calls so far, joined from their fragments, in the request's shape."""
        return self.accumulator.tool_calls

    @property
    def message(self) -> dict[str, Any]:
        """The answer as the assistant message to append before the tool results."""
        return self.accumulator.message

    @property
    def finish_reason(self) -> str | None:
        return self.accumulator.finish_reason

    @property
    def usage(self) -> Usage | None:
        return self.accumulator.usage

    @property
    def model(self) -> str:
        return self.accumulator.model

    @staticmethod
    def _answered_whole(response: httpx2.Response) -> bool:
        """True when the server sent a document instead of an event stream: JSON (some
        self-hosted servers ignore `stream: true`) or a page (a proxy, a website at the wrong
        base URL). The body is then read whole and judged by `_events_of_whole`."""
        content_type = response.headers.get("content-type", "").lower()
        return bool(content_type) and "event-stream" not in content_type

    @staticmethod
    def _events_of_whole(response: httpx2.Response) -> list[bytes]:
        """A whole completion (already read) as the events a stream would have sent: one chunk
        per choice carrying the full message, usage, then `[DONE]`."""

        def completion(body: bytes) -> dict[str, Any]:
            doc = json.loads(body)
            if not isinstance(doc, dict) or not isinstance(doc.get("choices"), list):
                raise ValueError("no choices")
            return doc

        try:
            doc = parsed(response, completion)
        except InvalidResponseError as exc:
            said = stream_error_message(response.content)
            if said is None:
                raise
            raise InvalidResponseError(
                f"the server answered a stream with an error: {said}",
                status_code=exc.status_code,
                content_type=exc.content_type,
                preview=exc.preview,
            ) from exc
        chunk = {
            "id": doc.get("id") or "",
            "object": "chat.completion.chunk",
            "created": doc.get("created"),
            "model": doc.get("model") or "",
            "choices": [
                {
                    "index": choice.get("index", i),
                    "delta": choice.get("message") or {},
                    "finish_reason": choice.get("finish_reason"),
                }
                for i, choice in enumerate(doc["choices"])
                if isinstance(choice, dict)
            ],
            "usage": doc.get("usage"),
        }
        return [json.dumps(chunk).encode(), DONE]

    def _chunk(self, data: bytes) -> ChatCompletionChunk:
        """The chunk an event carries; an event that is not one ends the stream, interrupted.

        The spec's CompletionChunk always has `id`, `model` and `choices`: an event that does
        not decode as one, or that is an error object, is the server giving up mid-answer.
        """
        try:
            chunk = _decode_chunk(data)
        except msgspec.DecodeError as exc:  # not JSON, or the wrong types
            raise self._not_a_chunk(data) from exc
        if not chunk.choices and not chunk.id and stream_error_message(data) is not None:
            raise self._not_a_chunk(data)
        return chunk

    def _not_a_chunk(self, data: bytes) -> StreamInterrupted:
        said = stream_error_message(data)
        if said is not None:
            return self._interrupted(f"the server reported an error: {said}")
        preview = data[:80].decode("utf-8", errors="replace")
        return self._interrupted(
            f"the server sent something not a chat completion chunk: {preview!r}"
        )

    def _interrupted(self, reason: str) -> StreamInterrupted:
        acc = self.accumulator
        return StreamInterrupted(
            f"the answer stream broke off after {acc.chunks} chunks: {reason}",
            partial_text=acc.text,
            chunks=acc.chunks,
        )

    def _ended(self) -> None:
        """The body ended; without [DONE] or a finish_reason the answer is incomplete."""
        if not self._done and self.accumulator.finish_reason is None:
            raise self._interrupted("the server closed the stream before the end")
