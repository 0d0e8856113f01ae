# generated from ../_async/events.py by scripts/unasync.py; do not edit
"""`EventStream`: a stream of typed server-sent events (transcriptions, speech).

Chat has its own stream (`ChatStream`, with the accumulator and the chat's verdicts);
these endpoints send events whose last one (`*.done`) carries the whole answer. The request
is retried until the response starts; after an event has reached the caller, a break is a
`StreamInterrupted` keeping the text so far, and so is a stream that ends without its last
event. The response is always closed (in `finally` and on exit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Generic, Self, TypeVar

import httpx2

from .._base_client import transport_error
from .._sse import DONE, SSEDecoder
from ..errors import InvalidResponseError, StreamInterrupted

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

    def open(self) -> Self:
        """Send the request (retried until the answer starts)."""
        if self._response is None:
            client, request = self._client, self._request
            self._response = client.with_retries(lambda n: client.send(request, n, stream=True))
        return self

    def _interrupted(self, why: str) -> StreamInterrupted:
        return StreamInterrupted(why, partial_text=self.text, chunks=self.events)

    def _event(self, data: bytes) -> T:
        try:
            event = self._decode(data)
        except (ValueError, TypeError) as exc:
            preview = data[:120].decode("utf-8", "replace")
            raise InvalidResponseError(
                f"an event of {self._request.url.path} is not the API's JSON",
                status_code=200,
                content_type="text/event-stream",
                preview=preview,
            ) from exc
        self.events += 1
        self.text += self._text_of(event)
        return event

    def __iter__(self) -> Iterator[T]:
        self.open()
        assert self._response is not None
        raw = self._response.iter_bytes()
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
                for data in found:
                    if data == DONE:
                        return
                    event = self._event(data)
                    yield event
                    if self._is_last(event):
                        return
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
