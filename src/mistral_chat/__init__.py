"""mistral-chat: a terminal client and Python library for the Mistral AI API.

>>> from mistral_chat import Client                       # doctest: +SKIP
>>> with Client(api_key="...") as client:                 # doctest: +SKIP
...     answer = client.chat.complete("mistral-small-latest",
...                                   [{"role": "user", "content": "Bonjour"}])
...     print(answer.choices[0].message.content)

Exports load lazily (PEP 562) so `mistral-chat --help` never pays for the HTTP stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports
from .api._version import __version__

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


# every export lives in `api` (its errors load with it; the clients on first use)
__getattr__ = lazy_exports(
    __name__, __package__, {n: ".api" for n in __all__ if n != "__version__"}
)
