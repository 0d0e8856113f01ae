"""The Mistral API wire client: `Client`, `AsyncClient`, their errors and types.

Only `_client` creates HTTP connections; everything else here is pure. Names load lazily
(PEP 562): importing `Client` does not pay for msgspec or the streaming machinery.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from ._client import AsyncClient, Client
    from ._core import DEFAULT_BASE_URL, ChatOptions
    from .streaming import AsyncChatStream, ChatStream

_LAZY = {
    "AsyncClient": "._client",
    "Client": "._client",
    "DEFAULT_BASE_URL": "._core",
    "ChatOptions": "._core",
    "AsyncChatStream": ".streaming",
    "ChatStream": ".streaming",
}

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


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
