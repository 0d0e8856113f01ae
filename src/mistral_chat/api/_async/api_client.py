"""`AsyncAPIClient`: the send loop. The only place an `httpx2.AsyncClient` is made.

Everything that can be decided without I/O lives in `..._base_client`, `.._core` and
`.._retry`; this module only sends, times, logs and sleeps. Resources and streams hold an
`AsyncAPIClient`; `AsyncClient` (`client.py`) adds the resources on top of it.
"""

from __future__ import annotations

import asyncio  # async-only
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Self, TypeVar

import httpx2

from .._base_client import (
    MAX_REDIRECTS,
    BaseClient,
    content_if_read,
    transport_error,
    with_body,
)
from .._body import MAX_ERROR_BYTES, MAX_JSON_BYTES, BodyDecoder, BodyTooLarge
from .._deadline import expired, keeps_deadlines, until
from ..errors import MistralError

__all__ = ["AsyncAPIClient"]

T = TypeVar("T")


class AsyncAPIClient(BaseClient):
    """Sends API requests with retries; `AsyncClient` is the class to use."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | None = 60.0,
        max_retries: int = 2,
        http_client: httpx2.AsyncClient | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
        if http_client is not None and transport is not None:
            # the transport would be silently unused: give it to the http_client instead
            raise ValueError("pass http_client or transport, not both")
        self._sleep = asyncio.sleep
        self._owns_http = http_client is None
        self._http = http_client or httpx2.AsyncClient(
            transport=transport, timeout=self._timeout(), follow_redirects=True
        )

    @property
    def http(self) -> httpx2.AsyncClient:
        return self._http

    async def close(self) -> None:
        self._closed = True
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def with_retries(self, attempt_fn: Callable[[int], Awaitable[T]]) -> T:
        """Run `attempt_fn(attempt)` until it succeeds or the policy gives up."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await attempt_fn(attempt)
            except MistralError as err:
                wait = self._wait_before_retry(err, attempt)
                if wait is None:
                    err.attempts = attempt
                    raise
            await self._sleep(wait)

    async def send(self, request: httpx2.Request, attempt: int) -> httpx2.Response:
        """One attempt: send, follow redirects that are safe to follow, log, and raise the
        mapped error for an error status. The body of a success is left unread (the caller
        reads it, within its limits, and closes the response)."""
        self._check_open()
        started = time.monotonic()
        try:
            response = await self._http.send(request, stream=True, follow_redirects=False)
            for _ in range(MAX_REDIRECTS):
                if response.next_request is None:
                    break
                unsafe = self._unsafe_redirect(response)
                self._log(request, str(response.status_code), started, attempt)
                await response.aclose()
                if unsafe is not None:
                    raise unsafe
                request, started = response.next_request, time.monotonic()
                response = await self._http.send(request, stream=True, follow_redirects=False)
        except httpx2.TransportError as exc:
            self._log(request, type(exc).__name__, started, attempt)
            raise transport_error(exc, request) from exc
        self._log(request, str(response.status_code), started, attempt)
        if response.is_success:
            return response
        try:
            content = await self.read_body(response, MAX_ERROR_BYTES, cut=True)
        except (httpx2.TransportError, ValueError):
            content = b""  # the status alone still says what happened
        finally:
            await response.aclose()
        raise self._status_error(response, content)

    async def read_body(self, response: httpx2.Response, limit: int, *, cut: bool = False) -> bytes:
        """The body of a streamed `response`, decoded, at most `limit` bytes: past that it is
        cut there if `cut`, else `BodyTooLarge`. Reads keep the deadline in force (checked
        between reads on a transport that `_deadline` could not clip)."""
        ready = content_if_read(response)
        if ready is not None:
            if len(ready) > limit and not cut:
                raise BodyTooLarge(limit)
            return ready[:limit]
        decoder = BodyDecoder(response.headers.get("content-encoding"), None if cut else limit)
        between_reads = not keeps_deadlines(response)  # then check the deadline here
        pieces: list[bytes] = []
        async for raw in response.aiter_raw():
            pieces.extend(decoder.decode(raw))
            if cut and decoder.size >= limit:
                break
            if between_reads and expired():
                raise httpx2.ReadTimeout("the deadline passed", request=response.request)
        body = b"".join(pieces)
        return body[:limit] if cut else body

    async def iter_body(
        self, response: httpx2.Response, due: Callable[[], float | None]
    ) -> AsyncIterator[bytes]:
        """The body of a streamed `response`, decoded in bounded pieces; each read must end
        by the moment `due()` gives when it starts (a stream's silence limit)."""
        ready = content_if_read(response)
        if ready is not None:
            yield ready
            return
        decoder = BodyDecoder(response.headers.get("content-encoding"))
        between_reads = not keeps_deadlines(response)  # then check the deadline here
        raw = response.aiter_raw()
        while True:
            with until(due()):
                try:
                    data = await anext(raw)
                except StopAsyncIteration:
                    return
                if between_reads and expired():
                    raise httpx2.ReadTimeout("nothing in time", request=response.request)
            for piece in decoder.decode(data):
                yield piece

    async def fetch(
        self,
        request: httpx2.Request,
        attempt: int,
        *,
        limit: int = MAX_JSON_BYTES,
        timed: bool = True,
    ) -> httpx2.Response:
        """One attempt of a request whose answer is read whole (JSON, at most `limit` bytes),
        all within `timeout` seconds if `timed` (an upload is not: its reads and writes each
        get `timeout`). Returns the read response."""
        with until(self._deadline_from_now() if timed else None):
            response = await self.send(request, attempt)
            try:
                body = await self.read_body(response, limit)
            except httpx2.TransportError as exc:
                raise transport_error(exc, request) from exc
            except BodyTooLarge as exc:
                raise self._too_large(response, exc) from None
            except ValueError as exc:  # a damaged or unasked-for compression
                raise self._undecodable(response, exc) from None
            finally:
                await response.aclose()
        return with_body(response, body)

    async def request(
        self, method: str, path: str, *, limit: int = MAX_JSON_BYTES, **kw: Any
    ) -> httpx2.Response:
        """Send with retries and return the read response (`json=`, `params=`, ... as httpx2).

        Each attempt must be over, answer read, within `timeout` seconds; the answer may hold
        at most `limit` bytes once decoded.
        """
        request = self._build(self._http, method, path, **kw)
        return await self.with_retries(lambda attempt: self.fetch(request, attempt, limit=limit))
