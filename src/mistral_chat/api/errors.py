"""The one exception tree of the client.

```
MistralError
├── APIConnectionError            the request never got an answer (DNS, refused, reset)
│   └── APITimeoutError           ... because a timeout expired
├── APIStatusError                the server answered with an error status
│   ├── BadRequestError           400
│   ├── AuthenticationError       401
│   ├── PermissionDeniedError     403
│   ├── NotFoundError             404
│   ├── UnprocessableEntityError  422 (validation: `details` holds the `detail[]` items)
│   ├── RateLimitError            429 (`retry_after` in seconds when the server said)
│   └── ServerError               5xx
├── InvalidResponseError          a success status, but a body that is not the API's JSON
└── StreamInterrupted             a stream broke after content arrived; `partial_text` keeps it
```

`status_error_for` is the only place a status code becomes a class.
"""

from __future__ import annotations

from typing import Any

from mistral_chat.errors import ExitCode, MistralChatError

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "InvalidResponseError",
    "MistralError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "StreamInterrupted",
    "UnprocessableEntityError",
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


class StreamInterrupted(MistralError):
    """A streamed answer broke off after content had arrived.

    `partial_text` is the text received so far (thinking excluded), so nothing is lost.
    """

    def __init__(self, message: str, *, partial_text: str, chunks: int) -> None:
        super().__init__(message)
        self.partial_text = partial_text
        self.chunks = chunks


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
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
