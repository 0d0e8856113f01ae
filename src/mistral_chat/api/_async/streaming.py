"""`AsyncChatStream`: a streamed chat answer, iterated for typed chunks, closed on exit.

The decoder, the accumulator and the verdicts live in `.._stream_state.StreamState`; this
module only reads bytes. See `.._stream_state` for the retry and closing rules.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import httpx2

from .._base_client import transport_error
from .._sse import DONE, SSEDecoder
from .._stream_state import StreamState
from ..types import ChatCompletionChunk

if TYPE_CHECKING:
    from .api_client import AsyncAPIClient

__all__ = ["AsyncChatStream"]


class AsyncChatStream(StreamState):
    """A streamed chat completion. Iterate for `ChatCompletionChunk`s.

    >>> async with client.chat.stream("mistral-small-latest", messages) as stream:  # doctest: +SKIP
    ...     async for chunk in stream:
    ...         print(chunk.choices[0].delta.content or "", end="")
    ...     stream.usage
    """

    def __init__(self, client: AsyncAPIClient, request: httpx2.Request) -> None:
        super().__init__()
        self._client = client
        self._request = request
        self._pending: list[bytes] = []
        self._response: httpx2.Response | None = None
        self._raw: AsyncIterator[bytes] | None = None

    async def open(self) -> AsyncChatStream:
        """Send the request and wait for the first event (retried until then)."""
        if self._raw is None:
            self._response, self._raw = await self._client.with_retries(
                lambda n: self._open(self._request, n)
            )
        return self

    async def _open(
        self, request: httpx2.Request, attempt: int
    ) -> tuple[httpx2.Response, AsyncIterator[bytes]]:
        self._decoder = SSEDecoder()
        response = await self._client.send(request, attempt, stream=True)
        if self._answered_whole(response):
            try:
                await response.aread()
                self._pending = self._events_of_whole(response)
            except httpx2.TransportError as exc:
                await response.aclose()
                raise transport_error(exc, request) from exc
            except BaseException:
                await response.aclose()
                raise
            return response, response.aiter_bytes()
        raw = response.aiter_bytes()
        try:
            async for data in raw:
                events = self._decoder.feed(data)
                if events:
                    self._pending = events
                    break
        except httpx2.TransportError as exc:
            await response.aclose()
            raise transport_error(exc, request) from exc
        return response, raw

    async def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        await self.open()
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
                        async for _ in self._raw:  # drain the terminator: the connection is reused
                            pass
                        return
                    chunk = self._chunk(data)
                    add(chunk)
                    yield chunk
                try:
                    events = decoder.feed(await anext(self._raw))
                except StopAsyncIteration:
                    events = decoder.flush()
                    if not events:
                        self._ended()
                        return
                except httpx2.TransportError as exc:
                    raise self._interrupted(str(exc) or type(exc).__name__) from exc
        finally:
            await self.aclose()

    async def until_done(self) -> AsyncChatStream:
        """Consume the rest of the stream; returns self for `.text`, `.usage`..."""
        async for _ in self:
            pass
        return self

    async def aclose(self) -> None:
        if not self._closed and self._response is not None:
            self._closed = True
            await self._response.aclose()

    async def __aenter__(self) -> AsyncChatStream:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
