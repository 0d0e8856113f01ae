"""What `Client` and `AsyncClient` share without I/O: options, headers, errors, retry verdicts.

`AsyncAPIClient` (the send loop, `_async/api_client.py`) and `AsyncClient` (it, plus the
resources, `_async/client.py`) are written once; `scripts/unasync.py` generates `APIClient`
and `Client` from them into `_sync/`. Both twins build on `BaseClient` and the helpers here,
with `_core` and `_retry`.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx2

from ._core import DEFAULT_BASE_URL, error_from_response, normalize_base_url, redact
from ._retry import RetryPolicy
from ._version import __version__
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    InvalidResponseError,
    MistralError,
)

T = TypeVar("T")

__all__ = ["BaseClient", "check_key", "check_timeout", "parsed", "transport_error"]

log = logging.getLogger("mistral_chat.api")


class BaseClient:
    """What `Client` and `AsyncClient` share: options, headers, errors, retry verdicts, logs."""

    _sleep: Callable[[float], Any]  # time.sleep or asyncio.sleep; tests replace it

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | None = 60.0,
        max_retries: int = 2,
        anonymous: bool = False,
    ) -> None:
        # anonymous: no key and no Authorization header, for a self-hosted server that needs none
        self._api_key: str | None = (
            None
            if anonymous and not api_key
            else check_key(api_key if api_key is not None else os.environ.get("MISTRAL_API_KEY"))
        )
        self.base_url = normalize_base_url(
            base_url or os.environ.get("MISTRAL_BASE_URL") or DEFAULT_BASE_URL
        )
        self.timeout = check_timeout(timeout)
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, not {max_retries}")
        self.retry_policy = RetryPolicy(max_retries=max_retries)
        self._now: Callable[[], float] = time.time
        self._closed = False

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, api_key={redact(self._api_key)!r})"
        )

    def _timeout(self) -> httpx2.Timeout:
        if self.timeout is None:  # no limit on reads and writes; a dead host still fails fast
            return httpx2.Timeout(None, connect=10.0)
        return httpx2.Timeout(self.timeout, connect=min(10.0, self.timeout))

    def _check_open(self) -> None:
        # an injected http_client stays open after close(): refuse here, not only in httpx2
        if self._closed:
            raise RuntimeError(f"this {type(self).__name__} is closed; make a new one")

    def _headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {
            "User-Agent": f"mistral-chat/{__version__}",
            "Accept": "application/json",
        }
        if self._api_key is not None:
            headers["Authorization"] = f"Bearer {self._api_key}"
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


def check_key(key: str | None) -> str:
    # a key read from a file or pasted keeps its newline and spaces: never part of a key
    key = (key or "").strip()
    if not key:
        raise ValueError("no API key: pass api_key= or set MISTRAL_API_KEY")
    if not (key.isascii() and key.isprintable()):
        # httpx2 would refuse the header only when sending, as a connection error (retried)
        # quoting the header, key included; never show the key itself
        raise ValueError(
            "the API key has a control character or a non-ASCII letter, which an HTTP header "
            "cannot carry; check how it was copied"
        )
    return key


def check_timeout(timeout: float | None) -> float | None:
    """Seconds per read/write/connect step, or None for no limit (connect still 10 s)."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be seconds or None, not {type(timeout).__name__}")
    # 0 fails every request as "could not reach"; NaN never compares; inf overflows the socket
    if not 0 < timeout < math.inf:
        raise ValueError(f"timeout must be a positive number of seconds or None, not {timeout}")
    return float(timeout)


def transport_error(exc: httpx2.TransportError, request: httpx2.Request) -> APIConnectionError:
    url = str(request.url)
    if isinstance(exc, httpx2.TimeoutException):
        return APITimeoutError(f"timed out talking to {request.url.host}", url=url)
    reason = str(exc) or type(exc).__name__
    return APIConnectionError(f"could not reach {request.url.host}: {reason}", url=url)


def parsed(response: httpx2.Response, parse: Callable[[bytes], T]) -> T:
    """`parse(body)` of a successful response; a body that is not the API's JSON (a proxy's
    page, a website at the wrong base URL, another shape) is an `InvalidResponseError`,
    never a decoder's own exception."""
    try:
        return parse(response.content)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        # msgspec's DecodeError and ValidationError, and json's, are ValueErrors
        content_type = response.headers.get("content-type", "").split(";")[0].strip()
        preview = " ".join(response.text[:120].split())
        what = "an HTML page" if "html" in content_type else f"{content_type or 'a body'}"
        raise InvalidResponseError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code} with {what}, not the API's JSON",
            status_code=response.status_code,
            content_type=content_type,
            preview=preview,
        ) from exc
