"""The Mistral API wire client: `Client`, `AsyncClient`, their errors and types.

Only `_client` creates HTTP connections; everything else here is pure.
"""

from __future__ import annotations

from ._client import AsyncClient, Client
from ._core import DEFAULT_BASE_URL, ChatOptions
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    MistralError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    StreamInterrupted,
    UnprocessableEntityError,
)
from .streaming import AsyncChatStream, ChatStream

__all__ = [
    "DEFAULT_BASE_URL",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncChatStream",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "ChatOptions",
    "ChatStream",
    "Client",
    "MistralError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "StreamInterrupted",
    "UnprocessableEntityError",
]
