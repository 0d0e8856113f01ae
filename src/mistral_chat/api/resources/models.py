"""`/v1/models`: list and retrieve model cards.

`AsyncModels` is written in `api/_async/models.py`, `Models` generated from it into
`api/_sync/models.py`; both load lazily from here. The parsing they share is below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import msgspec

from .._lazy import lazy_exports
from ..types import ModelCard

if TYPE_CHECKING:
    from .._async.models import AsyncModels
    from .._sync.models import Models

__all__ = ["AsyncModels", "Models", "parse_model_card"]

_KNOWN = frozenset(ModelCard.__struct_fields__)
_LAZY = {"AsyncModels": ".._async.models", "Models": ".._sync.models"}
__getattr__ = lazy_exports(__name__, __package__, _LAZY)


def parse_model_card(data: dict[str, Any]) -> ModelCard:
    """A card from its JSON object; fields this client does not know are kept in `extra`."""
    card = msgspec.convert({k: v for k, v in data.items() if k in _KNOWN}, ModelCard)
    card.extra = {k: v for k, v in data.items() if k not in _KNOWN}
    return card


def _cards(payload: Any) -> list[ModelCard]:
    items = payload.get("data", []) if isinstance(payload, dict) else payload
    return [parse_model_card(item) for item in items or []]


def _path(model_id: str) -> str:
    # '.' and '..' would be collapsed by URL normalisation into another endpoint
    if model_id in ("", ".", ".."):
        raise ValueError(f"invalid model id {model_id!r}")
    # fine-tuned ids hold ':'; encode everything that is not safe in a path segment
    return "/v1/models/" + quote(model_id, safe="")
