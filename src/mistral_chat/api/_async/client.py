"""`AsyncClient`: the send loop (`AsyncAPIClient`) with the API's resources on it.

Each resource module is imported on first use of its property, so a command that lists
files never imports chat; the resources hold the `AsyncAPIClient` part only, so no module
here imports this one back.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from .api_client import AsyncAPIClient

if TYPE_CHECKING:
    from .agents import AsyncAgents
    from .audio import AsyncAudio
    from .batch import AsyncBatch
    from .chat import AsyncChat
    from .conversations import AsyncConversations
    from .embeddings import AsyncEmbeddings
    from .files import AsyncFiles
    from .fim import AsyncFIM
    from .libraries import AsyncLibraries
    from .models import AsyncModels
    from .moderations import AsyncModerations
    from .ocr import AsyncOCR

__all__ = ["AsyncClient"]


class AsyncClient(AsyncAPIClient):
    """A Mistral API client.

    >>> async with AsyncClient(api_key="...") as client:    # doctest: +SKIP
    ...     answer = await client.chat.complete("mistral-small-latest", messages)
    ...     async with client.chat.stream("mistral-small-latest", messages) as stream:
    ...         async for chunk in stream: ...

    Pass `http_client` (or `transport`) to control connections; the client closes only what it
    created. Use it as a context manager, or call `close()`.
    """

    # each resource is built on first use, once per client
    @cached_property
    def models(self) -> AsyncModels:
        from .models import AsyncModels

        return AsyncModels(self)

    @cached_property
    def chat(self) -> AsyncChat:
        from .chat import AsyncChat

        return AsyncChat(self)

    @cached_property
    def files(self) -> AsyncFiles:
        from .files import AsyncFiles

        return AsyncFiles(self)

    @cached_property
    def ocr(self) -> AsyncOCR:
        from .ocr import AsyncOCR

        return AsyncOCR(self)

    @cached_property
    def audio(self) -> AsyncAudio:
        from .audio import AsyncAudio

        return AsyncAudio(self)

    @cached_property
    def embeddings(self) -> AsyncEmbeddings:
        from .embeddings import AsyncEmbeddings

        return AsyncEmbeddings(self)

    @cached_property
    def moderations(self) -> AsyncModerations:
        from .moderations import AsyncModerations

        return AsyncModerations(self)

    @cached_property
    def fim(self) -> AsyncFIM:
        from .fim import AsyncFIM

        return AsyncFIM(self)

    @cached_property
    def libraries(self) -> AsyncLibraries:
        """Document libraries (beta)."""
        from .libraries import AsyncLibraries

        return AsyncLibraries(self)

    @cached_property
    def conversations(self) -> AsyncConversations:
        """Conversations kept on the server, with Mistral's hosted tools (beta)."""
        from .conversations import AsyncConversations

        return AsyncConversations(self)

    @cached_property
    def agents(self) -> AsyncAgents:
        """Agents made on La Plateforme (beta)."""
        from .agents import AsyncAgents

        return AsyncAgents(self)

    @cached_property
    def batch(self) -> AsyncBatch:
        from .batch import AsyncBatch

        return AsyncBatch(self)
