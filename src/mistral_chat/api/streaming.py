"""Streamed chat answers: an iterator of typed chunks that is also a context manager.

The stream is retried only while opening: the request, its status and the first event are
read inside the retry loop, so a stream is never retried after content has reached the caller.
It reads the response to its end after `[DONE]`, so the connection goes back to the pool, and
it always closes (in `finally` and in `__exit__`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import httpx2
import msgspec

from ._accumulate import ChatAccumulator
from ._client import _transport_error
from ._sse import DONE, SSEDecoder
from .errors import StreamInterrupted
from .types import ChatCompletionChunk, Usage

if TYPE_CHECKING:
    from ._client import AsyncClient, Client

__all__ = ["AsyncChatStream", "ChatStream"]

_decode_chunk = msgspec.json.Decoder(ChatCompletionChunk).decode


class _StreamState:
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
    def thinking(self) -> str:
        return self.accumulator.thinking

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        return self.accumulator.tool_calls

    @property
    def finish_reason(self) -> str | None:
        return self.accumulator.finish_reason

    @property
    def usage(self) -> Usage | None:
        return self.accumulator.usage

    @property
    def model(self) -> str:
        return self.accumulator.model

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


class ChatStream(_StreamState):
    """A streamed chat completion (sync). Iterate for `ChatCompletionChunk`s.

    >>> with client.chat.stream("mistral-small-latest", messages) as stream:  # doctest: +SKIP
    ...     for chunk in stream:
    ...         print(chunk.choices[0].delta.content or "", end="")
    ...     stream.usage
    """

    def __init__(self, client: Client, request: httpx2.Request) -> None:
        super().__init__()
        self._client = client
        self._pending: list[bytes] = []
        self._response, self._raw = client.with_retries(lambda n: self._open(request, n))

    def _open(
        self, request: httpx2.Request, attempt: int
    ) -> tuple[httpx2.Response, Iterator[bytes]]:
        self._decoder = SSEDecoder()
        response = self._client.send(request, attempt, stream=True)
        raw = response.iter_bytes()
        try:
            for data in raw:
                events = self._decoder.feed(data)
                if events:
                    self._pending = events
                    break
        except httpx2.TransportError as exc:
            response.close()
            raise _transport_error(exc, request) from exc
        return response, raw

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
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
                    chunk = _decode_chunk(data)
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
        if not self._closed:
            self._closed = True
            self._response.close()

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncChatStream(_StreamState):
    """The async twin of `ChatStream`: `async for chunk in stream`, `async with`."""

    def __init__(self, client: AsyncClient, request: httpx2.Request) -> None:
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
        raw = response.aiter_bytes()
        try:
            async for data in raw:
                events = self._decoder.feed(data)
                if events:
                    self._pending = events
                    break
        except httpx2.TransportError as exc:
            await response.aclose()
            raise _transport_error(exc, request) from exc
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
                        async for _ in self._raw:
                            pass
                        return
                    chunk = _decode_chunk(data)
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
