"""`/v1/models`: list and retrieve model cards (`AsyncModels`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .._client import parsed
from ..resources.models import _cards, _path, parse_model_card
from ..types import ModelCard

if TYPE_CHECKING:
    from .client import AsyncClient

__all__ = ["AsyncModels"]


class AsyncModels:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(self) -> list[ModelCard]:
        """Every model this key can use."""
        response = await self._client.request("GET", "/v1/models")
        return parsed(response, lambda body: _cards(json.loads(body)))

    async def retrieve(self, model_id: str) -> ModelCard:
        response = await self._client.request("GET", _path(model_id))
        return parsed(response, lambda body: parse_model_card(json.loads(body)))
