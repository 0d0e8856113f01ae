"""`/v1/moderations` (texts) and `/v1/chat/moderations` (a conversation's last turn)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._base_client import parsed
from ..endpoint_types import ModerationResponse
from ..resources.embeddings import CHAT_MODERATIONS, MODERATIONS, decode_moderation

if TYPE_CHECKING:
    from .api_client import AsyncAPIClient

__all__ = ["AsyncModerations"]


class AsyncModerations:
    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    async def create(self, model: str, inputs: str | list[str]) -> ModerationResponse:
        """One result (categories and scores) per text."""
        body = {"model": model, "input": inputs}
        response = await self._client.request("POST", MODERATIONS, json=body)
        return parsed(response, decode_moderation)

    async def chat(self, model: str, messages: list[dict[str, Any]]) -> ModerationResponse:
        """The last message of a conversation, judged in its context."""
        body = {"model": model, "input": messages}
        response = await self._client.request("POST", CHAT_MODERATIONS, json=body)
        return parsed(response, decode_moderation)
