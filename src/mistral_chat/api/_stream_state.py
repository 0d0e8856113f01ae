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
import time
from collections.abc import Callable
from typing import Any

import httpx2
import msgspec

from ._accumulate import ChatAccumulator
from ._base_client import parsed
from ._body import BodyTooLarge
from ._core import loads, stream_error_message
from ._sse import DONE, EventTooLarge, SSEDecoder
from .errors import (
    InvalidResponseError,
    MistralError,
    ResponseTooLargeError,
    StreamInterrupted,
)
from .types import ChatCompletionChunk, Usage

__all__ = ["DRAIN_BYTES", "DRAIN_SECONDS", "StreamState"]

#: after `[DONE]`, what is still read so the connection can serve the next request (the
#: chunked terminator, a few bytes): a server that keeps the connection open, or goes on
#: sending, is not waited for longer, nor read further
DRAIN_SECONDS = 0.25
DRAIN_BYTES = 64 * 1024

_decode_chunk = msgspec.json.Decoder(ChatCompletionChunk).decode


class StreamState:
    """What sync and async streams share: the decoder, the accumulator and the verdicts."""

    def __init__(self, silence: float | None, hide_key: Callable[[bytes], bytes]) -> None:
        self.accumulator = ChatAccumulator()
        self._decoder = SSEDecoder()
        self._done = False
        self._closed = False
        self._silence = silence  # the longest wait for the next event, in seconds
        self._hide_key = hide_key
        #: the moment the next event must have arrived by (None: no limit)
        self.next_event_by: float | None = None
        self._status = 200
        self._content_type = ""

    def _wait_for_next_event(self) -> None:
        """Start the silence clock: the next event is due within `silence` seconds."""
        silence = self._silence
        self.next_event_by = None if silence is None else time.monotonic() + silence

    def _opened(self, response: httpx2.Response) -> None:
        self._status = response.status_code
        self._content_type = response.headers.get("content-type", "")

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

    def _events_of_whole(self, response: httpx2.Response) -> list[bytes]:
        """A whole completion (already read) as the events a stream would have sent: one chunk
        per choice carrying the full message, usage, then `[DONE]`."""

        def completion(body: bytes) -> dict[str, Any]:
            doc = loads(body)
            if not isinstance(doc, dict) or not isinstance(doc.get("choices"), list):
                raise ValueError("no choices")
            return doc

        try:
            doc = parsed(response, completion)
        except InvalidResponseError as exc:
            said = stream_error_message(self._hide_key(response.content))
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
        except (ValueError, RecursionError) as exc:
            # msgspec's DecodeError (not JSON, wrong types), invalid UTF-8 (UnicodeDecodeError)
            # and nesting deeper than the decoder follows (RecursionError)
            raise self._not_a_chunk(data) from exc
        if not chunk.choices and not chunk.id and stream_error_message(data) is not None:
            raise self._not_a_chunk(data)
        return chunk

    def _not_a_chunk(self, data: bytes) -> MistralError:
        data = self._hide_key(data)
        said = stream_error_message(data)
        if said is not None:
            return self._interrupted(f"the server reported an error: {said}")
        preview = data[:80].decode("utf-8", errors="replace")
        return self._unreadable(
            f"the server sent something not a chat completion chunk: {preview!r}", preview
        )

    def _unreadable(self, reason: str, preview: str = "") -> MistralError:
        """A stream that cannot be read on: interrupted, text kept, if content had arrived;
        else not the API's answer at all."""
        if self.accumulator.chunks:
            return self._interrupted(reason)
        return InvalidResponseError(
            f"the answer stream could not be read: {reason}",
            status_code=self._status,
            content_type=self._content_type,
            preview=preview,
        )

    def _too_large(self, exc: EventTooLarge | BodyTooLarge) -> MistralError:
        reason = f"{exc}, more than this client reads (a limit against runaway servers)"
        if self.accumulator.chunks:
            return self._interrupted(reason)
        return ResponseTooLargeError(
            f"the answer stream could not be read: {reason}",
            status_code=self._status,
            content_type=self._content_type,
            limit=exc.limit,
        )

    def _broke(self, exc: httpx2.TransportError) -> StreamInterrupted:
        """A read failed mid-stream: a timeout past the silence limit says so."""
        moment = self.next_event_by
        if isinstance(exc, httpx2.TimeoutException) and moment and time.monotonic() >= moment:
            return self._interrupted(f"the server sent no event for {self._silence:g} s")
        return self._interrupted(str(exc) or type(exc).__name__)

    def _stopped(self, exc: ValueError) -> MistralError:
        """The body could not be decoded on (too large an event, a damaged compression)."""
        if isinstance(exc, (EventTooLarge, BodyTooLarge)):
            return self._too_large(exc)
        return self._unreadable(str(exc))

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
