# generated from ../_async/streaming.py by scripts/unasync.py; do not edit
"""`ChatStream`: a streamed chat answer, iterated for typed chunks, closed on exit.

The decoder, the accumulator and the verdicts live in `.._stream_state.StreamState`; this
module only reads bytes. See `.._stream_state` for the retry and closing rules.

Time: the request and its first event must come within `timeout` seconds, then each event
within `timeout` of the caller asking for the next (a silence limit, not a total: an answer
may stream for minutes). Size: one event may hold `_sse.MAX_EVENT_BYTES`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx2

from .._base_client import transport_error, with_body
from .._body import MAX_JSON_BYTES
from .._deadline import keeps_deadlines, until
from .._sse import DONE, SSEDecoder
from .._stream_state import DRAIN_BYTES, DRAIN_SECONDS, StreamState
from ..types import ChatCompletionChunk

if TYPE_CHECKING:
    from .api_client import APIClient

__all__ = ["ChatStream"]


class ChatStream(StreamState):
    """A streamed chat completion. Iterate for `ChatCompletionChunk`s.

    >>> with client.chat.stream("mistral-small-latest", messages) as stream:  # doctest: +SKIP
    ...     for chunk in stream:
    ...         print(chunk.choices[0].delta.content or "", end="")
    ...     stream.usage
    """

    def __init__(self, client: APIClient, request: httpx2.Request) -> None:
        super().__init__(client.timeout, client.hide_key)
        self._client = client
        self._request = request
        self._pending: list[bytes] = []
        self._response: httpx2.Response | None = None
        self._raw: Iterator[bytes] | None = None

    def open(self) -> ChatStream:
        """Send the request and wait for the first event (retried until then)."""
        if self._raw is None:
            self._response, self._raw = self._client.with_retries(self._open)
        return self

    def _open(self, attempt: int) -> tuple[httpx2.Response, Iterator[bytes]]:
        self._decoder = SSEDecoder()
        self._wait_for_next_event()
        request = self._request
        with until(self.next_event_by):
            response = self._client.send(request, attempt)
        self._opened(response)
        try:
            if self._answered_whole(response):
                with until(self.next_event_by):
                    body = self._client.read_body(response, MAX_JSON_BYTES)
                self._pending = self._events_of_whole(with_body(response, body))
                return response, self._nothing()
            raw = self._client.iter_body(response, lambda: self.next_event_by)
            for data in raw:
                events = self._decoder.feed(data)
                if events:
                    self._pending = events
                    break
        except httpx2.TransportError as exc:
            response.close()
            raise transport_error(exc, request) from exc
        except ValueError as exc:  # too large, a damaged compression
            response.close()
            raise self._stopped(exc) from None
        except BaseException:
            response.close()
            raise
        return response, raw

    def _nothing(self) -> Iterator[bytes]:
        return
        yield  # pragma: no cover - makes this an empty async generator

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        self.open()
        assert self._raw is not None
        add = self.accumulator.add
        try:
            events = self._pending
            self._pending = []
            while True:
                for data in events:
                    if data == DONE:
                        self._done = True
                        self._drain()
                        return
                    chunk = self._chunk(data)
                    add(chunk)
                    yield chunk
                if events:
                    self._wait_for_next_event()
                try:
                    events = self._decoder.feed(next(self._raw))
                except StopIteration:
                    events = self._decoder.flush()
                    if not events:
                        self._ended()
                        return
                except httpx2.TransportError as exc:
                    raise self._broke(exc) from exc
                except ValueError as exc:  # an event too large, a damaged compression
                    raise self._stopped(exc) from None
        finally:
            self.close()

    def _drain(self) -> None:
        """After `[DONE]`: read the little that normally follows (the chunked terminator), so
        the connection can be reused; never wait or read longer than `DRAIN_*` allow."""
        assert self._raw is not None and self._response is not None
        if not keeps_deadlines(self._response):
            return  # reads there cannot be bounded: close instead
        self.next_event_by = time.monotonic() + DRAIN_SECONDS
        left = DRAIN_BYTES
        try:
            for piece in self._raw:
                left -= len(piece)
                if left < 0:
                    return
        except (httpx2.TransportError, ValueError):
            return  # the answer is complete; what follows it does not matter

    def until_done(self) -> ChatStream:
        """Consume the rest of the stream; returns self for `.text`, `.usage`..."""
        for _ in self:
            pass
        return self

    def close(self) -> None:
        if not self._closed and self._response is not None:
            self._closed = True
            self._response.close()

    def __enter__(self) -> ChatStream:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()
