"""`AsyncConversationStream`: a streamed conversation turn, iterated for typed events.

The decoder, the accumulator and the verdicts live in `.._conversation_state`; this module
only reads bytes. As with chat, the request is retried only while opening (until the first
event), and the stream always closes (in `finally` and on exit).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import httpx2

from .._base_client import parsed, transport_error, with_body
from .._body import MAX_JSON_BYTES
from .._conversation_state import ConversationStreamState, not_events
from .._deadline import until
from .._sse import SSEDecoder
from ..conversation_types import ConversationEvent
from ..errors import StreamInterrupted

if TYPE_CHECKING:
    from .api_client import AsyncAPIClient

__all__ = ["AsyncConversationStream"]


class AsyncConversationStream(ConversationStreamState):
    """A streamed conversation turn. Iterate for `ConversationEvent`s.

    >>> turn = client.conversations.start_stream("hi", model="mistral-small")  # doctest: +SKIP
    >>> async with turn as s:  # doctest: +SKIP
    ...     async for event in s:
    ...         print(s.delta, end="")
    ...     s.response().references
    """

    def __init__(self, client: AsyncAPIClient, request: httpx2.Request) -> None:
        super().__init__()
        self._client = client
        #: the moment the next event must have arrived by (the client's timeout is the
        #: longest silence between events, as for chat streams)
        self._due: float | None = None
        self._request = request
        self._pending: list[bytes] = []
        self._response: httpx2.Response | None = None
        self._raw: AsyncIterator[bytes] | None = None

    async def open(self) -> AsyncConversationStream:
        """Send the request and wait for the first event (retried until then)."""
        if self._raw is None:
            self._response, self._raw = await self._client.with_retries(
                lambda n: self._open(self._request, n)
            )
        return self

    def _wait_for_next_event(self) -> None:
        timeout = self._client.timeout
        self._due = None if timeout is None else time.monotonic() + timeout

    async def _open(
        self, request: httpx2.Request, attempt: int
    ) -> tuple[httpx2.Response, AsyncIterator[bytes]]:
        self._decoder = SSEDecoder()
        self._wait_for_next_event()
        with until(self._due):
            response = await self._client.send(request, attempt)
        try:
            if self._not_a_stream(response):
                with until(self._due):
                    body = await self._client.read_body(response, MAX_JSON_BYTES)
                # raises InvalidResponseError naming what came
                parsed(with_body(response, body), not_events)
            raw = self._client.iter_body(response, lambda: self._due)
            async for data in raw:
                events = self._decoder.feed(data)
                if events:
                    self._pending = events
                    break
        except httpx2.TransportError as exc:
            await response.aclose()
            raise transport_error(exc, request) from exc
        except ValueError as exc:  # an event too large, a damaged compression
            await response.aclose()
            raise self._interrupted(str(exc)) from None
        except BaseException:
            await response.aclose()
            raise
        return response, raw

    async def __aiter__(self) -> AsyncIterator[ConversationEvent]:
        await self.open()
        assert self._raw is not None
        add = self.accumulator.add
        decoder = self._decoder
        try:
            events = self._pending
            self._pending = []
            while True:
                for data in events:
                    event = self._event(data)
                    add(event)
                    yield event
                if events:
                    self._wait_for_next_event()
                try:
                    events = decoder.feed(await anext(self._raw))
                except StopAsyncIteration:
                    events = decoder.flush()
                    if not events:
                        self._ended()
                        return
                except httpx2.TransportError as exc:
                    raise self._silent_or_broke(exc) from exc
                except ValueError as exc:  # an event too large, a damaged compression
                    raise self._interrupted(str(exc)) from None
        finally:
            await self.aclose()

    def _silent_or_broke(self, exc: httpx2.TransportError) -> StreamInterrupted:
        due = self._due
        if isinstance(exc, httpx2.TimeoutException) and due and time.monotonic() >= due:
            return self._interrupted(f"the server sent no event for {self._client.timeout:g} s")
        return self._interrupted(str(exc) or type(exc).__name__)

    async def until_done(self) -> AsyncConversationStream:
        """Consume the rest of the stream; returns self for `.response()`, `.usage`..."""
        async for _ in self:
            pass
        return self

    async def aclose(self) -> None:
        if not self._closed and self._response is not None:
            self._closed = True
            await self._response.aclose()

    async def __aenter__(self) -> AsyncConversationStream:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
