# generated from ../_async/conversation_stream.py by scripts/unasync.py; do not edit
"""`ConversationStream`: a streamed conversation turn, iterated for typed events.

The decoder, the accumulator and the verdicts live in `.._conversation_state`; this module
only reads bytes. As with chat, the request is retried only while opening (until the first
event), and the stream always closes (in `finally` and on exit).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
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
        #: the moment the next event must have arrived by (the client's timeout is the
        #: longest silence between events, as for chat streams)
        self._due: float | None = None
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

    def _wait_for_next_event(self) -> None:
        timeout = self._client.timeout
        self._due = None if timeout is None else time.monotonic() + timeout

    def _open(
        self, request: httpx2.Request, attempt: int
    ) -> tuple[httpx2.Response, Iterator[bytes]]:
        self._decoder = SSEDecoder()
        self._wait_for_next_event()
        with until(self._due):
            response = self._client.send(request, attempt)
        try:
            if self._not_a_stream(response):
                with until(self._due):
                    body = self._client.read_body(response, MAX_JSON_BYTES)
                # raises InvalidResponseError naming what came
                parsed(with_body(response, body), not_events)
            raw = self._client.iter_body(response, lambda: self._due)
            for data in raw:
                events = self._decoder.feed(data)
                if events:
                    self._pending = events
                    break
        except httpx2.TransportError as exc:
            response.close()
            raise transport_error(exc, request) from exc
        except ValueError as exc:  # an event too large, a damaged compression
            response.close()
            raise self._interrupted(str(exc)) from None
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
                if events:
                    self._wait_for_next_event()
                try:
                    events = decoder.feed(next(self._raw))
                except StopIteration:
                    events = decoder.flush()
                    if not events:
                        self._ended()
                        return
                except httpx2.TransportError as exc:
                    raise self._silent_or_broke(exc) from exc
                except ValueError as exc:  # an event too large, a damaged compression
                    raise self._interrupted(str(exc)) from None
        finally:
            self.close()

    def _silent_or_broke(self, exc: httpx2.TransportError) -> StreamInterrupted:
        due = self._due
        if isinstance(exc, httpx2.TimeoutException) and due and time.monotonic() >= due:
            return self._interrupted(f"the server sent no event for {self._client.timeout:g} s")
        return self._interrupted(str(exc) or type(exc).__name__)

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
