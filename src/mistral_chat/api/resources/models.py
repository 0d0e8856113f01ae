"""`/v1/models`: list and retrieve model cards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import msgspec

from ..types import ModelCard

if TYPE_CHECKING:
    from .._client import AsyncClient, Client

__all__ = ["AsyncModels", "Models", "parse_model_card"]

_KNOWN = frozenset(ModelCard.__struct_fields__)


def parse_model_card(data: dict[str, Any]) -> ModelCard:
    """A card from its JSON object; fields this client does not know are kept in `extra`."""
    card = msgspec.convert({k: v for k, v in data.items() if k in _KNOWN}, ModelCard)
    card.extra = {k: v for k, v in data.items() if k not in _KNOWN}
    return card


def _cards(payload: Any) -> list[ModelCard]:
    items = payload.get("data", []) if isinstance(payload, dict) else payload
    return [parse_model_card(item) for item in items or []]


def _path(model_id: str) -> str:
    # fine-tuned ids hold ':'; encode everything that is not safe in a path segment
    return "/v1/models/" + quote(model_id, safe="")


class Models:
    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self) -> list[ModelCard]:
        """Every model this key can use."""
        return _cards(self._client.request("GET", "/v1/models").json())

    def retrieve(self, model_id: str) -> ModelCard:
        return parse_model_card(self._client.request("GET", _path(model_id)).json())


class AsyncModels:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(self) -> list[ModelCard]:
        return _cards((await self._client.request("GET", "/v1/models")).json())

    async def retrieve(self, model_id: str) -> ModelCard:
        return parse_model_card((await self._client.request("GET", _path(model_id))).json())
