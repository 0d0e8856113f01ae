# generated from ../_async/models.py by scripts/unasync.py; do not edit
"""`/v1/models`: list and retrieve model cards (`Models`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .._client import parsed
from ..resources.models import _cards, _path, parse_model_card
from ..types import ModelCard

if TYPE_CHECKING:
    from .client import Client

__all__ = ["Models"]


class Models:
    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self) -> list[ModelCard]:
        """Every model this key can use."""
        response = self._client.request("GET", "/v1/models")
        return parsed(response, lambda body: _cards(json.loads(body)))

    def retrieve(self, model_id: str) -> ModelCard:
        response = self._client.request("GET", _path(model_id))
        return parsed(response, lambda body: parse_model_card(json.loads(body)))
