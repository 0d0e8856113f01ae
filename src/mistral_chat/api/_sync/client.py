# generated from ../_async/client.py by scripts/unasync.py; do not edit
"""`Client`: the send loop (`APIClient`) with the API's resources on it.

Each resource module is imported on first use of its property, so a command that lists
files never imports chat; the resources hold the `APIClient` part only, so no module
here imports this one back.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from .api_client import APIClient

if TYPE_CHECKING:
    from .agents import Agents
    from .audio import Audio
    from .batch import Batch
    from .chat import Chat
    from .conversations import Conversations
    from .embeddings import Embeddings
    from .files import Files
    from .fim import FIM
    from .libraries import Libraries
    from .models import Models
    from .moderations import Moderations
    from .ocr import OCR

__all__ = ["Client"]


class Client(APIClient):
    """A Mistral API client.

    >>> with Client(api_key="...") as client:    # doctest: +SKIP
    ...     answer = client.chat.complete("mistral-small-latest", messages)
    ...     with client.chat.stream("mistral-small-latest", messages) as stream:
    ...         for chunk in stream: ...

    Pass `http_client` (or `transport`) to control connections; the client closes only what it
    created. Use it as a context manager, or call `close()`.
    """

    # each resource is built on first use, once per client
    @cached_property
    def models(self) -> Models:
        from .models import Models

        return Models(self)

    @cached_property
    def chat(self) -> Chat:
        from .chat import Chat

        return Chat(self)

    @cached_property
    def files(self) -> Files:
        from .files import Files

        return Files(self)

    @cached_property
    def ocr(self) -> OCR:
        from .ocr import OCR

        return OCR(self)

    @cached_property
    def audio(self) -> Audio:
        from .audio import Audio

        return Audio(self)

    @cached_property
    def embeddings(self) -> Embeddings:
        from .embeddings import Embeddings

        return Embeddings(self)

    @cached_property
    def moderations(self) -> Moderations:
        from .moderations import Moderations

        return Moderations(self)

    @cached_property
    def fim(self) -> FIM:
        from .fim import FIM

        return FIM(self)

    @cached_property
    def libraries(self) -> Libraries:
        """Document libraries (beta)."""
        from .libraries import Libraries

        return Libraries(self)

    @cached_property
    def conversations(self) -> Conversations:
        """Conversations kept on the server, with Mistral's hosted tools (beta)."""
        from .conversations import Conversations

        return Conversations(self)

    @cached_property
    def agents(self) -> Agents:
        """Agents made on La Plateforme (beta)."""
        from .agents import Agents

        return Agents(self)

    @cached_property
    def batch(self) -> Batch:
        from .batch import Batch

        return Batch(self)
