"""`/v1/fim/completions`: the middle between a prompt and a suffix (Codestral).

Answers are chat completions, so the stream is the chat's (`AsyncChatStream`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

from .._base_client import parsed
from ..resources.chat import STREAM_HEADERS, decode_completion
from ..resources.embeddings import FIM_PATH, FIMOptions, fim_body
from ..types import ChatCompletion
from .streaming import AsyncChatStream

if TYPE_CHECKING:
    from .api_client import AsyncAPIClient

__all__ = ["AsyncFIM"]


class AsyncFIM:
    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    async def complete(
        self, model: str, prompt: str, suffix: str | None = None, **options: Unpack[FIMOptions]
    ) -> ChatCompletion:
        body = fim_body(model, prompt, suffix, False, options)
        response = await self._client.request("POST", FIM_PATH, json=body)
        return parsed(response, decode_completion)

    def stream(
        self, model: str, prompt: str, suffix: str | None = None, **options: Unpack[FIMOptions]
    ) -> AsyncChatStream:
        """The middle as it comes; iterate it in a `with` block that closes it."""
        body = fim_body(model, prompt, suffix, True, options)
        client = self._client
        request = client._build(client.http, "POST", FIM_PATH, json=body, headers=STREAM_HEADERS)
        stream = AsyncChatStream(client, request)
        # sync-only: stream.open()
        return stream
