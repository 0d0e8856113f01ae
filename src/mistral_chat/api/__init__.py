"""The Mistral API wire client: `Client`, `AsyncClient`, their errors and types.

Only `_async/api_client.py` and the `_sync/api_client.py` generated from it create HTTP
connections; everything else here is pure. Each name has one home; this module and the root
package only re-export. Names load lazily (PEP 562): importing `Client` does not pay
for msgspec, asyncio or the streaming machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports
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
    from ._async.client import AsyncClient
    from ._async.conversation_stream import AsyncConversationStream
    from ._async.streaming import AsyncChatStream
    from ._core import DEFAULT_BASE_URL, ChatOptions
    from ._sync.client import Client
    from ._sync.conversation_stream import ConversationStream
    from ._sync.streaming import ChatStream

# the async classes are the source; the sync ones are generated from them (scripts/unasync.py)
_LAZY = {
    "AsyncClient": "._async.client",
    "Client": "._sync.client",
    "DEFAULT_BASE_URL": "._core",
    "ChatOptions": "._core",
    "AsyncChatStream": "._async.streaming",
    "ChatStream": "._sync.streaming",
    "AsyncConversationStream": "._async.conversation_stream",
    "ConversationStream": "._sync.conversation_stream",
}

__all__ = [
    "DEFAULT_BASE_URL",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncChatStream",
    "AsyncClient",
    "AsyncConversationStream",
    "AuthenticationError",
    "BadRequestError",
    "ChatOptions",
    "ChatStream",
    "Client",
    "ConversationStream",
    "MistralError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "StreamInterrupted",
    "UnprocessableEntityError",
]

__getattr__ = lazy_exports(__name__, __package__, _LAZY)
