# generated from ../_async/events.py by scripts/unasync.py; do not edit
"""`EventStream`: a stream of typed server-sent events (transcriptions, speech).

Chat has its own stream (`ChatStream`, with the accumulator and the chat's verdicts);
these endpoints send events whose last one (`*.done`) carries the whole answer. The request
is retried until the response starts; after an event has reached the caller, a break is a
`StreamInterrupted` keeping the text so far, and so is a stream that ends without its last
event. The response is always closed (in `finally` and on exit).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Generic, Self, TypeVar

import httpx2

from .._base_client import transport_error
from .._deadline import until
from .._sse import DONE, EventTooLarge, SSEDecoder
from ..errors import InvalidResponseError, MistralError, StreamInterrupted

if TYPE_CHECKING:
    from .api_client import APIClient

__all__ = ["EventStream"]

T = TypeVar("T")


class EventStream(Generic[T]):
    """Iterate for events (decoded by `decode`); `text` is what `text_of` found in them."""

    def __init__(
        self,
        client: APIClient,
        request: httpx2.Request,
        decode: Callable[[bytes], T],
        *,
        text_of: Callable[[T], str],
        is_last: Callable[[T], bool],
    ) -> None:
        self._client = client
        self._request = request
        self._decode = decode
        self._text_of = text_of
        self._is_last = is_last
        self._response: httpx2.Response | None = None
        self._closed = False
        self.text = ""
        self.events = 0
        self._due: float | None = None  # the moment the next event must have arrived by

    def _wait_for_next_event(self) -> None:
        timeout = self._client.timeout
        self._due = None if timeout is None else time.monotonic() + timeout

    def open(self) -> Self:
        """Send the request (retried until the answer starts)."""
        if self._response is None:
            client, request = self._client, self._request

            def attempt(n: int) -> httpx2.Response:
                self._wait_for_next_event()
                with until(self._due):
                    return client.send(request, n)

            self._response = client.with_retries(attempt)
        return self

    def _interrupted(self, why: str) -> StreamInterrupted:
        return StreamInterrupted(why, partial_text=self.text, chunks=self.events)

    def _unreadable(self, why: str, data: bytes = b"") -> MistralError:
        """Interrupted (the text kept) once events had arrived; else not the API's answer."""
        if self.events:
            return self._interrupted(f"{why}; the stream broke off")
        return InvalidResponseError(
            f"{why} ({self._request.url.path})",
            status_code=200,
            content_type="text/event-stream",
            preview=self._client.hide_key(data[:120]).decode("utf-8", "replace"),
        )

    def _event(self, data: bytes) -> T:
        try:
            event = self._decode(data)
        except (ValueError, TypeError, RecursionError) as exc:
            # not JSON, invalid UTF-8, nested deeper than the decoder follows
            raise self._unreadable("an event is not the API's JSON", data) from exc
        self.events += 1
        self.text += self._text_of(event)
        return event

    def __iter__(self) -> Iterator[T]:
        self.open()
        assert self._response is not None
        raw = self._client.iter_body(self._response, lambda: self._due)
        decoder = SSEDecoder()
        try:
            while True:
                try:
                    found = decoder.feed(next(raw))
                    ended = False
                except StopIteration:
                    found, ended = decoder.flush(), True
                except httpx2.TransportError as exc:
                    if not self.events:
                        raise transport_error(exc, self._request) from exc
                    raise self._interrupted(str(exc) or type(exc).__name__) from exc
                except EventTooLarge as exc:
                    raise self._unreadable(f"{exc}, more than this client reads") from None
                except ValueError as exc:  # a damaged compression
                    raise self._unreadable(str(exc)) from None
                for data in found:
                    if data == DONE:
                        return
                    event = self._event(data)
                    yield event
                    if self._is_last(event):
                        return
                if found:
                    self._wait_for_next_event()
                if ended:
                    raise self._interrupted("the stream ended before its last event")
        finally:
            self.close()

    def close(self) -> None:
        if not self._closed and self._response is not None:
            self._closed = True
            self._response.close()

    def __enter__(self) -> Self:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()
