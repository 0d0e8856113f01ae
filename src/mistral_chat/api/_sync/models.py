# generated from ../_async/models.py by scripts/unasync.py; do not edit
"""`/v1/models`: list and retrieve model cards (`Models`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .._base_client import parsed
from ..resources.models import model_path, parse_model_card, parse_model_list
from ..types import ModelCard

if TYPE_CHECKING:
    from .api_client import APIClient

__all__ = ["Models"]


class Models:
    def __init__(self, client: APIClient) -> None:
        self._client = client

    def list(self) -> list[ModelCard]:
        """Every model this key can use."""
        response = self._client.request("GET", "/v1/models")
        return parsed(response, lambda body: parse_model_list(json.loads(body)))

    def retrieve(self, model_id: str) -> ModelCard:
        response = self._client.request("GET", model_path(model_id))
        return parsed(response, lambda body: parse_model_card(json.loads(body)))
