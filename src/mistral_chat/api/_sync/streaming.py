# generated from ../_async/streaming.py by scripts/unasync.py; do not edit
"""`ChatStream`: a streamed chat answer, iterated for typed chunks, closed on exit.

The decoder, the accumulator and the verdicts live in `.._stream_state.StreamState`; this
module only reads bytes. See `.._stream_state` for the retry and closing rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx2

from .._base_client import transport_error
from .._sse import DONE, SSEDecoder
from .._stream_state import StreamState
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
        super().__init__()
        self._client = client
        self._request = request
        self._pending: list[bytes] = []
        self._response: httpx2.Response | None = None
        self._raw: Iterator[bytes] | None = None

    def open(self) -> ChatStream:
        """Send the request and wait for the first event (retried until then)."""
        if self._raw is None:
            self._response, self._raw = self._client.with_retries(
                lambda n: self._open(self._request, n)
            )
        return self

    def _open(
        self, request: httpx2.Request, attempt: int
    ) -> tuple[httpx2.Response, Iterator[bytes]]:
        self._decoder = SSEDecoder()
        response = self._client.send(request, attempt, stream=True)
        if self._answered_whole(response):
            try:
                response.read()
                self._pending = self._events_of_whole(response)
            except httpx2.TransportError as exc:
                response.close()
                raise transport_error(exc, request) from exc
            except BaseException:
                response.close()
                raise
            return response, response.iter_bytes()
        raw = response.iter_bytes()
        try:
            for data in raw:
                events = self._decoder.feed(data)
                if events:
                    self._pending = events
                    break
        except httpx2.TransportError as exc:
            response.close()
            raise transport_error(exc, request) from exc
        return response, raw

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        self.open()
        assert self._raw is not None
        add = self.accumulator.add
        decoder = self._decoder
        try:
            events = self._pending
            self._pending = []
            while True:
                for data in events:
                    if data == DONE:
                        self._done = True
                        for _ in self._raw:  # drain the terminator: the connection is reused
                            pass
                        return
                    chunk = self._chunk(data)
                    add(chunk)
                    yield chunk
                try:
                    events = decoder.feed(next(self._raw))
                except StopIteration:
                    events = decoder.flush()
                    if not events:
                        self._ended()
                        return
                except httpx2.TransportError as exc:
                    raise self._interrupted(str(exc) or type(exc).__name__) from exc
        finally:
            self.close()

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
