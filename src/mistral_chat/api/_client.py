"""`Client` and `AsyncClient`: the send loop. The only module that creates an httpx2 client.

Everything that can be decided without I/O lives in `_core` and `_retry`; this module only
sends, times, logs and sleeps.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import httpx2

from .. import __version__
from ._core import DEFAULT_BASE_URL, error_from_response, normalize_base_url, redact
from ._retry import RetryPolicy
from .errors import APIConnectionError, APIStatusError, APITimeoutError, MistralError

if TYPE_CHECKING:
    from .resources.chat import AsyncChat, Chat
    from .resources.files import AsyncFiles, Files
    from .resources.models import AsyncModels, Models

__all__ = ["AsyncClient", "Client"]

log = logging.getLogger("mistral_chat.api")
T = TypeVar("T")


class _Base:
    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("MISTRAL_API_KEY")
        if not key:
            raise ValueError("no API key: pass api_key= or set MISTRAL_API_KEY")
        self._api_key = key
        self.base_url = normalize_base_url(
            base_url or os.environ.get("MISTRAL_BASE_URL") or DEFAULT_BASE_URL
        )
        self.timeout = timeout
        self.retry_policy = RetryPolicy(max_retries=max_retries)
        self._sleep: Callable[[float], Any] = time.sleep
        self._now: Callable[[], float] = time.time

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, api_key={redact(self._api_key)!r})"
        )

    def _timeout(self) -> httpx2.Timeout:
        return httpx2.Timeout(self.timeout, connect=min(10.0, self.timeout))

    def _headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "User-Agent": f"mistral-chat/{__version__}",
            "Accept": "application/json",
        }
        if extra:
            headers.update(extra)
        return headers

    def url(self, path: str) -> str:
        return self.base_url + path

    def _build(
        self, http: httpx2.Client | httpx2.AsyncClient, method: str, path: str, **kw: Any
    ) -> httpx2.Request:
        headers = self._headers(kw.pop("headers", None))
        return http.build_request(method, self.url(path), headers=headers, **kw)

    def _status_error(self, response: httpx2.Response) -> APIStatusError:
        return error_from_response(
            response.status_code, response.headers, response.content, now=self._now()
        )

    def _wait_before_retry(self, err: MistralError, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or None to give up with `err`."""
        if isinstance(err, APIConnectionError):
            if not self.retry_policy.should_retry_error(attempt):
                return None
            return self.retry_policy.delay(attempt)
        if isinstance(err, APIStatusError):
            if not self.retry_policy.should_retry_status(err.status_code, attempt):
                return None
            return self.retry_policy.delay(attempt, err.retry_after)
        return None

    @staticmethod
    def _log(request: httpx2.Request, outcome: str, started: float, attempt: int) -> None:
        if log.isEnabledFor(logging.DEBUG):
            ms = (time.monotonic() - started) * 1000
            log.debug(
                "%s %s -> %s in %.0f ms (attempt %d)",
                request.method,
                request.url,
                outcome,
                ms,
                attempt,
            )


def _transport_error(exc: httpx2.TransportError, request: httpx2.Request) -> APIConnectionError:
    url = str(request.url)
    if isinstance(exc, httpx2.TimeoutException):
        return APITimeoutError(f"timed out talking to {request.url.host}", url=url)
    reason = str(exc) or type(exc).__name__
    return APIConnectionError(f"could not reach {request.url.host}: {reason}", url=url)


class Client(_Base):
    """A synchronous Mistral API client.

    >>> client = Client(api_key="...")                     # doctest: +SKIP
    >>> client.chat.complete("mistral-small-latest", [{"role": "user", "content": "Hi"}])
    ...                                                    # doctest: +SKIP

    Pass `http_client` (or `transport`) to control connections; the client closes only what it
    created. Use it as a context manager, or call `close()`.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        http_client: httpx2.Client | None = None,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        super().__init__(api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
        self._owns_http = http_client is None
        self._http = http_client or httpx2.Client(
            transport=transport, timeout=self._timeout(), follow_redirects=True
        )
        self._resources: dict[str, Any] = {}

    # resources are built on first use: a CLI command that lists files never imports chat
    @property
    def models(self) -> Models:
        from .resources.models import Models

        return self._resource("models", Models)

    @property
    def chat(self) -> Chat:
        from .resources.chat import Chat

        return self._resource("chat", Chat)

    @property
    def files(self) -> Files:
        from .resources.files import Files

        return self._resource("files", Files)

    def _resource(self, name: str, cls: Callable[[Client], T]) -> T:
        if name not in self._resources:
            self._resources[name] = cls(self)
        return self._resources[name]  # type: ignore[no-any-return]

    @property
    def http(self) -> httpx2.Client:
        return self._http

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def with_retries(self, attempt_fn: Callable[[int], T]) -> T:
        """Run `attempt_fn(attempt)` until it succeeds or the policy gives up."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return attempt_fn(attempt)
            except MistralError as err:
                wait = self._wait_before_retry(err, attempt)
                if wait is None:
                    err.attempts = attempt
                    raise
            self._sleep(wait)

    def send(
        self, request: httpx2.Request, attempt: int, *, stream: bool = False
    ) -> httpx2.Response:
        """One attempt: send, log, and raise the mapped error for an error status."""
        started = time.monotonic()
        try:
            response = self._http.send(request, stream=stream)
        except httpx2.TransportError as exc:
            self._log(request, type(exc).__name__, started, attempt)
            raise _transport_error(exc, request) from exc
        self._log(request, str(response.status_code), started, attempt)
        if response.is_success:
            return response
        try:
            response.read()
        except httpx2.TransportError:
            pass
        finally:
            response.close()
        raise self._status_error(response)

    def request(self, method: str, path: str, **kw: Any) -> httpx2.Response:
        """Send with retries and return the read response (`json=`, `params=`, ... as httpx2)."""
        request = self._build(self._http, method, path, **kw)
        return self.with_retries(lambda attempt: self.send(request, attempt))


class AsyncClient(_Base):
    """The asynchronous twin of `Client`; the same options and resources, awaited.

    >>> async with AsyncClient(api_key="...") as client:   # doctest: +SKIP
    ...     async with client.chat.stream("mistral-small-latest", messages) as stream:
    ...         async for chunk in stream: ...
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        http_client: httpx2.AsyncClient | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        import asyncio  # only async users pay for it

        super().__init__(api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
        self._sleep = asyncio.sleep
        self._owns_http = http_client is None
        self._http = http_client or httpx2.AsyncClient(
            transport=transport, timeout=self._timeout(), follow_redirects=True
        )
        self._resources: dict[str, Any] = {}

    @property
    def models(self) -> AsyncModels:
        from .resources.models import AsyncModels

        return self._resource("models", AsyncModels)

    @property
    def chat(self) -> AsyncChat:
        from .resources.chat import AsyncChat

        return self._resource("chat", AsyncChat)

    @property
    def files(self) -> AsyncFiles:
        from .resources.files import AsyncFiles

        return self._resource("files", AsyncFiles)

    def _resource(self, name: str, cls: Callable[[AsyncClient], T]) -> T:
        if name not in self._resources:
            self._resources[name] = cls(self)
        return self._resources[name]  # type: ignore[no-any-return]

    @property
    def http(self) -> httpx2.AsyncClient:
        return self._http

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def with_retries(self, attempt_fn: Callable[[int], Awaitable[T]]) -> T:
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

    async def send(
        self, request: httpx2.Request, attempt: int, *, stream: bool = False
    ) -> httpx2.Response:
        started = time.monotonic()
        try:
            response = await self._http.send(request, stream=stream)
        except httpx2.TransportError as exc:
            self._log(request, type(exc).__name__, started, attempt)
            raise _transport_error(exc, request) from exc
        self._log(request, str(response.status_code), started, attempt)
        if response.is_success:
            return response
        try:
            await response.aread()
        except httpx2.TransportError:
            pass
        finally:
            await response.aclose()
        raise self._status_error(response)

    async def request(self, method: str, path: str, **kw: Any) -> httpx2.Response:
        request = self._build(self._http, method, path, **kw)
        return await self.with_retries(lambda attempt: self.send(request, attempt))
