"""`/v1/models`: what `AsyncModels` and `Models` share (the path, the cards' parsing)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec

from ..types import ModelCard

__all__ = ["model_path", "parse_model_card", "parse_model_list"]

_KNOWN = frozenset(ModelCard.__struct_fields__)


def parse_model_card(data: dict[str, Any]) -> ModelCard:
    """A card from its JSON object; fields this client does not know are kept in `extra`."""
    card = msgspec.convert({k: v for k, v in data.items() if k in _KNOWN}, ModelCard)
    card.extra = {k: v for k, v in data.items() if k not in _KNOWN}
    return card


def parse_model_list(payload: Any) -> list[ModelCard]:
    """The cards of a list answer (`{"data": [...]}`, or a bare array)."""
    items = payload.get("data", []) if isinstance(payload, dict) else payload
    return [parse_model_card(item) for item in items or []]


def model_path(model_id: str) -> str:
    """The URL path of one model's card."""
    # '.' and '..' would be collapsed by URL normalisation into another endpoint
    if model_id in ("", ".", ".."):
        raise ValueError(f"invalid model id {model_id!r}")
    # fine-tuned ids hold ':'; encode everything that is not safe in a path segment
    return "/v1/models/" + quote(model_id, safe="")
