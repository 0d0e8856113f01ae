"""Operations on a list of models: find one, filter by family or capability, sort, page.

Pure functions over `ModelInfo` lists; none touches the network or the cache.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .model_info import ModelInfo, resolve_capability

__all__ = [
    "DESCENDING_FIRST",
    "FAMILY_GROUPS",
    "SORT_KEYS",
    "Page",
    "filter_models",
    "find_model",
    "missing_page",
    "paginate",
    "sort_models",
]

#: `--family` names that stand for several families
FAMILY_GROUPS: dict[str, frozenset[str]] = {
    "mistral": frozenset(
        {
            "mistral",
            "mistral-large",
            "mistral-medium",
            "mistral-small",
            "mistral-nemo",
            "mistral-saba",
            "mistral-tiny",
        }
    ),
}
SORT_KEYS = ("created", "context_length", "id", "name", "price")
#: keys whose natural order is largest first (newest, longest context); the others cheapest
#: or alphabetical first
DESCENDING_FIRST = frozenset({"created", "context_length"})


@dataclass
class Page:
    items: list[ModelInfo]
    page: int
    pages: int
    total: int


def find_model(models: Iterable[ModelInfo], model_id: str) -> ModelInfo | None:
    """The model known by `model_id`, its id or one of its aliases (None if none is)."""
    return next((m for m in models if m.id == model_id or model_id in m.aliases), None)


def filter_models(
    models: Iterable[ModelInfo], *, family: str | None = None, capability: str | None = None
) -> list[ModelInfo]:
    """Models of `family` (a family, or a group such as `mistral`) with `capability`."""
    out = list(models)
    if family:
        fam = family.strip().lower()
        group = FAMILY_GROUPS.get(fam, frozenset({fam}))
        out = [m for m in out if m.family in group]
    if capability:
        cap = resolve_capability(capability)
        out = [m for m in out if cap in m.capabilities]
    return out


def sort_models(models: Iterable[ModelInfo], key: str, descending: bool) -> list[ModelInfo]:
    """Sorted by `key` (one of SORT_KEYS); unknown values last, ties by id."""
    if key not in SORT_KEYS:
        raise ValueError(f"unknown sort key {key!r}; valid: {', '.join(SORT_KEYS)}")
    items = sorted(models, key=lambda m: m.id)  # stable tie-break

    def value(m: ModelInfo) -> Any:
        if key == "created":
            return m.created
        if key == "context_length":
            return m.context_length
        if key == "price":  # list price of input tokens, then of output tokens
            return None if m.price_in is None else (m.price_in, m.price_out or 0.0)
        return getattr(m, key).lower()

    known = [m for m in items if value(m) is not None]
    unknown = [m for m in items if value(m) is None]
    return sorted(known, key=value, reverse=descending) + unknown


def paginate(models: Sequence[ModelInfo], page: int, page_size: int) -> Page:
    """One page (1-based); page_size <= 0 means everything on one page."""
    total = len(models)
    if page_size <= 0:
        return Page(list(models), 1, 1, total)
    pages = max(1, math.ceil(total / page_size))
    if page < 1 or page > pages:
        raise ValueError(missing_page(page, pages))
    start = (page - 1) * page_size
    return Page(list(models[start : start + page_size]), page, pages, total)


def missing_page(page: int, pages: int) -> str:
    """The one-line message for a page number past the end (shared by every paged list)."""
    if pages <= 1:
        return f"page {page} does not exist; there is only 1 page"
    return f"page {page} does not exist; pick a page from 1 to {pages}"
