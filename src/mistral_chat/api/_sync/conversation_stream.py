# generated from ../_async/conversation_stream.py by scripts/unasync.py; do not edit
"""`ConversationStream`: a streamed conversation turn, iterated for typed events.

The decoder, the accumulator and the verdicts live in `.._conversation_state`; this module
only reads bytes. As with chat, the request is retried only while opening (until the first
event), and the stream always closes (in `finally` and on exit).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx2

from .._base_client import parsed, transport_error
from .._conversation_state import ConversationStreamState, not_events
from .._sse import SSEDecoder
from ..conversation_types import ConversationEvent

if TYPE_CHECKING:
    from .api_client import APIClient

__all__ = ["ConversationStream"]


class ConversationStream(ConversationStreamState):
    """A streamed conversation turn. Iterate for `ConversationEvent`s.

    >>> turn = client.conversations.start_stream("hi", model="mistral-small")  # doctest: +SKIP
    >>> with turn as s:  # doctest: +SKIP
    ...     for event in s:
    ...         print(s.delta, end="")
    ...     s.response().references
    """

    def __init__(self, client: APIClient, request: httpx2.Request) -> None:
        super().__init__()
        self._client = client
        self._request = request
        self._pending: list[bytes] = []
        self._response: httpx2.Response | None = None
        self._raw: Iterator[bytes] | None = None

    def open(self) -> ConversationStream:
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
        raw = response.iter_bytes()
        try:
            if self._not_a_stream(response):
                response.read()
                parsed(response, not_events)  # raises InvalidResponseError naming what came
            for data in raw:
                events = self._decoder.feed(data)
                if events:
                    self._pending = events
                    break
        except httpx2.TransportError as exc:
            response.close()
            raise transport_error(exc, request) from exc
        except BaseException:
            response.close()
            raise
        return response, raw

    def __iter__(self) -> Iterator[ConversationEvent]:
        self.open()
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

    def until_done(self) -> ConversationStream:
        """Consume the rest of the stream; returns self for `.response()`, `.usage`..."""
        for _ in self:
            pass
        return self

    def close(self) -> None:
        if not self._closed and self._response is not None:
            self._closed = True
            self._response.close()

    def __enter__(self) -> ConversationStream:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()
