"""The one exception tree of the client.

```
MistralError                                                      exit_code
├── APIConnectionError            the request never got an answer        5
│   └── APITimeoutError           ... in time (a deadline, a silence)    5
├── APIStatusError                the server answered with an error      4
│   ├── BadRequestError           400                                    4
│   ├── AuthenticationError       401                                    3
│   ├── PermissionDeniedError     403                                    3
│   ├── NotFoundError             404                                    4
│   ├── RequestTimeoutError       408 (the server gave up waiting)       5
│   ├── UnprocessableEntityError  422 (`details` holds `detail[]`)       4
│   ├── RateLimitError            429 (`retry_after` in seconds)         5
│   └── ServerError               5xx                                    5
├── InvalidResponseError          not the API's answer: a page, a        5
│   │                             decoder's refusal, a stream's first
│   │                             event that is not a chunk
│   ├── ResponseTooLargeError     a body or event past the size limit    5
│   └── UnsafeRedirectError       a redirect that would resend a body    5
│                                 to another origin
└── StreamInterrupted             a stream broke after content arrived;  5
                                  `partial_text` keeps it
InvalidBaseURL                    (a ValueError, exit 2) a base URL the client refuses
```

`status_error_for` is the only place a status code becomes a class. Every message is one line
of the server's words at most 300 characters long, with the client's key hidden if the
server echoed it back.
"""

from __future__ import annotations

from typing import Any

from mistral_chat.errors import ExitCode, MistralChatError, UsageError

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "InvalidBaseURL",
    "InvalidResponseError",
    "MistralError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseTooLargeError",
    "ServerError",
    "StreamInterrupted",
    "UnprocessableEntityError",
    "UnsafeRedirectError",
    "status_error_for",
]


class MistralError(MistralChatError):
    """Base of every error this client raises."""

    exit_code = ExitCode.UNAVAILABLE

    #: how many HTTP attempts were made before giving up (retries included)
    attempts: int = 1


class APIConnectionError(MistralError):
    """No answer from the server: connection refused, reset, DNS failure..."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class APITimeoutError(APIConnectionError):
    """A connect, read or write timeout expired."""


class APIStatusError(MistralError):
    """The server answered with an error status; `message` is what it said, made readable."""

    exit_code = ExitCode.API

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: Any = None,
        request_id: str | None = None,
        details: list[dict[str, Any]] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        #: the server's Retry-After in seconds (429 and 503 carry it), else None
        self.retry_after = retry_after
        self.status_code = status_code
        self.body = body
        self.request_id = request_id
        self.details = details or []


class BadRequestError(APIStatusError):
    """400: the API refused the request (invalid model, bad image...)."""


class AuthenticationError(APIStatusError):
    """401: the key is missing, malformed or revoked."""

    exit_code = ExitCode.AUTH


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this."""

    exit_code = ExitCode.AUTH


class NotFoundError(APIStatusError):
    """404: no such model, file or route."""


class RequestTimeoutError(APIStatusError):
    """408: the server gave up waiting for the request; retried, then unavailable (exit 5)."""

    exit_code = ExitCode.UNAVAILABLE


class UnprocessableEntityError(APIStatusError):
    """422: the body did not validate; `details` lists each problem."""


class RateLimitError(APIStatusError):
    """429: too many requests; `retry_after` is the server's wait in seconds, if it gave one."""

    exit_code = ExitCode.UNAVAILABLE


class ServerError(APIStatusError):
    """5xx: the service failed."""

    exit_code = ExitCode.UNAVAILABLE


class InvalidResponseError(MistralError):
    """The server said yes (2xx) but its body is not what the API sends: an HTML page from a
    proxy or a website at the wrong base URL, or JSON of another shape. `preview` holds the
    body's first characters."""

    def __init__(self, message: str, *, status_code: int, content_type: str, preview: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.content_type = content_type
        self.preview = preview


class ResponseTooLargeError(InvalidResponseError):
    """A JSON answer, or one event of a stream, is larger than the client reads (`limit`
    bytes, counted after decompression, so a gzip bomb stops there too)."""

    def __init__(self, message: str, *, status_code: int, content_type: str, limit: int) -> None:
        super().__init__(message, status_code=status_code, content_type=content_type, preview="")
        self.limit = limit


class UnsafeRedirectError(InvalidResponseError):
    """The server redirected a request with a body (307/308) to another origin; resending the
    prompt or the file there is never done. `location` is where it pointed."""

    def __init__(self, message: str, *, status_code: int, location: str) -> None:
        super().__init__(message, status_code=status_code, content_type="", preview=location)
        self.location = location


class StreamInterrupted(MistralError):
    """A streamed answer broke off after content had arrived.

    `partial_text` is the text received so far (thinking excluded), so nothing is lost.
    """

    def __init__(self, message: str, *, partial_text: str, chunks: int) -> None:
        super().__init__(message)
        self.partial_text = partial_text
        self.chunks = chunks


class InvalidBaseURL(UsageError, ValueError):
    """A base URL the client refuses (not http(s), or holding a user name or password).

    Raised when a client is made, before anything is sent; a `ValueError` for callers who
    catch that, and the usage error (exit 2) of the tree in `mistral_chat.errors`."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_for(status_code: int) -> type[APIStatusError]:
    """The exception class for an error status."""
    if status_code in _BY_STATUS:
        return _BY_STATUS[status_code]
    if status_code >= 500:
        return ServerError
    return APIStatusError
