"""`/v1/models`: list and retrieve model cards (`AsyncModels`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .._base_client import parsed
from ..resources.models import model_path, parse_model_card, parse_model_list
from ..types import ModelCard

if TYPE_CHECKING:
    from .api_client import AsyncAPIClient

__all__ = ["AsyncModels"]


class AsyncModels:
    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    async def list(self) -> list[ModelCard]:
        """Every model this key can use."""
        response = await self._client.request("GET", "/v1/models")
        return parsed(response, lambda body: parse_model_list(json.loads(body)))

    async def retrieve(self, model_id: str) -> ModelCard:
        response = await self._client.request("GET", model_path(model_id))
        return parsed(response, lambda body: parse_model_card(json.loads(body)))
