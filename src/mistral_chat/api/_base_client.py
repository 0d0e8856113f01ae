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

from . import _deadline
from ._body import ACCEPT_ENCODING, BodyTooLarge
from ._core import (
    DEFAULT_BASE_URL,
    error_from_response,
    hide_secret,
    normalize_base_url,
    redact,
)
from ._retry import RetryPolicy
from ._version import __version__
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    InvalidResponseError,
    MistralError,
    ResponseTooLargeError,
    UnsafeRedirectError,
)

T = TypeVar("T")

__all__ = [
    "MAX_REDIRECTS",
    "BaseClient",
    "check_key",
    "check_timeout",
    "content_if_read",
    "parsed",
    "transport_error",
    "with_body",
]

#: redirects followed before the 3xx answer is reported as it is
MAX_REDIRECTS = 10
#: requests whose body a redirect may resend (307/308 keep the method and the body)
_BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})

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
    ) -> None:
        self._api_key = check_key(
            api_key if api_key is not None else os.environ.get("MISTRAL_API_KEY")
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
            "Authorization": f"Bearer {self._api_key}",
            "User-Agent": f"mistral-chat/{__version__}",
            "Accept": "application/json",
            # only what `_body.BodyDecoder` inflates within its limits
            "Accept-Encoding": ACCEPT_ENCODING,
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
        # the connections these requests open keep the deadlines of `_deadline.until`
        trace = _deadline.trace_async if isinstance(http, httpx2.AsyncClient) else _deadline.trace
        extensions = {"trace": trace, **kw.pop("extensions", {})}
        return http.build_request(
            method, self.url(path), headers=headers, extensions=extensions, **kw
        )

    def _deadline_from_now(self) -> float | None:
        """The moment an attempt started now must be over by (None: no limit)."""
        return None if self.timeout is None else time.monotonic() + self.timeout

    def hide_key(self, data: bytes) -> bytes:
        """`data` (a server's words) with the key shown as `...abcd` wherever it was echoed."""
        return hide_secret(data, self._api_key)

    def _status_error(self, response: httpx2.Response, content: bytes) -> APIStatusError:
        return error_from_response(
            response.status_code,
            response.headers,
            content,
            now=self._now(),
            secret=self._api_key,
        )

    @staticmethod
    def _unsafe_redirect(response: httpx2.Response) -> UnsafeRedirectError | None:
        """The error for a redirect that would resend the request's body to another origin
        (a 307/308 after a POST: the prompt, a file), or None when following it is safe."""
        request, following = response.request, response.next_request
        if following is None or following.url.origin == request.url.origin:
            return None
        if following.method in _BODILESS:
            return None  # 301/302/303 turn a POST into a GET without its body
        return UnsafeRedirectError(
            f"{request.method} {request.url.path} was redirected ({response.status_code}) to "
            f"another server, {following.url.scheme}://{following.url.netloc.decode()}; the "
            "request was not sent there again",
            status_code=response.status_code,
            location=str(following.url),
        )

    @staticmethod
    def _undecodable(response: httpx2.Response, exc: ValueError) -> InvalidResponseError:
        request = response.request
        content_type = response.headers.get("content-type", "")
        return InvalidResponseError(
            f"{request.method} {request.url.path} answered {response.status_code} with a body "
            f"that cannot be read: {exc}",
            status_code=response.status_code,
            content_type=content_type,
            preview="",
        )

    @staticmethod
    def _too_large(response: httpx2.Response, exc: BodyTooLarge) -> ResponseTooLargeError:
        request = response.request
        return ResponseTooLargeError(
            f"{request.method} {request.url.path}: {exc}, more than this client reads (a "
            "limit against runaway servers)",
            status_code=response.status_code,
            content_type=response.headers.get("content-type", ""),
            limit=exc.limit,
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
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        # msgspec's DecodeError and ValidationError, and json's, are ValueErrors; JSON nested
        # deeper than the decoders follow is a RecursionError
        content_type = response.headers.get("content-type", "").split(";")[0].strip()
        # the key the request carried is hidden if the server echoed it back
        key = response.request.headers.get("authorization", "").removeprefix("Bearer ")
        text = hide_secret(response.content[:512], key).decode("utf-8", errors="replace")
        preview = " ".join(text[:120].split())
        what = "an HTML page" if "html" in content_type else f"{content_type or 'a body'}"
        raise InvalidResponseError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code} with {what}, not the API's JSON",
            status_code=response.status_code,
            content_type=content_type,
            preview=preview,
        ) from exc


def content_if_read(response: httpx2.Response) -> bytes | None:
    """The decoded body of a response that arrived already read (a mock transport's, built
    from bytes), or None for one still to be read from the network."""
    if not response.is_stream_consumed:
        return None
    try:
        return response.content
    except httpx2.ResponseNotRead:
        return None


def with_body(response: httpx2.Response, body: bytes) -> httpx2.Response:
    """`response` (read raw, within limits, and closed) with `body` as its decoded content."""
    framing = ("content-encoding", "content-length", "transfer-encoding")
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in framing]
    return httpx2.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        extensions=response.extensions,
    )
