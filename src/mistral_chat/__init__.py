"""mistral-chat: a terminal client and Python library for the Mistral AI API.

>>> from mistral_chat import Client                       # doctest: +SKIP
>>> with Client(api_key="...") as client:                 # doctest: +SKIP
...     answer = client.chat.complete("mistral-small-latest",
...                                   [{"role": "user", "content": "Bonjour"}])
...     print(answer.choices[0].message.content)

Exports load lazily (PEP 562) so `mistral-chat --help` never pays for the HTTP stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "MistralError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "StreamInterrupted",
    "UnprocessableEntityError",
    "__version__",
]

if TYPE_CHECKING:
    from .api import (
        APIConnectionError,
        APIStatusError,
        APITimeoutError,
        AsyncClient,
        AuthenticationError,
        BadRequestError,
        Client,
        MistralError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        ServerError,
        StreamInterrupted,
        UnprocessableEntityError,
    )


def __getattr__(name: str) -> Any:
    if name in __all__ and name != "__version__":
        if name in ("Client", "AsyncClient"):
            from .api import _client

            return getattr(_client, name)
        from .api import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'mistral_chat' has no attribute {name!r}")
