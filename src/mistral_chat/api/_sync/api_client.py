# generated from ../_async/api_client.py by scripts/unasync.py; do not edit
"""`APIClient`: the send loop. The only place an `httpx2.Client` is made.

Everything that can be decided without I/O lives in `..._base_client`, `.._core` and
`.._retry`; this module only sends, times, logs and sleeps. Resources and streams hold an
`APIClient`; `Client` (`client.py`) adds the resources on top of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Self, TypeVar

import httpx2

from .._base_client import BaseClient, transport_error
from ..errors import MistralError

__all__ = ["APIClient"]

T = TypeVar("T")


class APIClient(BaseClient):
    """Sends API requests with retries; `Client` is the class to use."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | None = 60.0,
        max_retries: int = 2,
        http_client: httpx2.Client | None = None,
        transport: httpx2.BaseTransport | None = None,
        anonymous: bool = False,
    ) -> None:
        super().__init__(
            api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            anonymous=anonymous,
        )
        if http_client is not None and transport is not None:
            # the transport would be silently unused: give it to the http_client instead
            raise ValueError("pass http_client or transport, not both")
        self._sleep = time.sleep
        self._owns_http = http_client is None
        self._http = http_client or httpx2.Client(
            transport=transport, timeout=self._timeout(), follow_redirects=True
        )

    @property
    def http(self) -> httpx2.Client:
        return self._http

    def close(self) -> None:
        self._closed = True
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
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
        self._check_open()
        started = time.monotonic()
        try:
            response = self._http.send(request, stream=stream)
        except httpx2.TransportError as exc:
            self._log(request, type(exc).__name__, started, attempt)
            raise transport_error(exc, request) from exc
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
