"""List prices from the model facts bundled with the package, and cost estimates at those prices.

The facts (``data/mistral-models.json``, taken from Mistral's docs) are read once, here;
`model_info.bundled_models` builds the fallback model list from the same facts. Reading them
makes their dates ISO (the docs sometimes write "July 31, 2026"), so every later comparison of
dates compares dates.

Prices in other units (per minute of audio, per 1,000 pages, per 1M characters) are read in
`unit_prices`.

    >>> iso_date("July 31, 2026"), iso_date("2026-07-31"), iso_date("soon")
    ('2026-07-31', '2026-07-31', None)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

__all__ = [
    "bundled_date",
    "bundled_facts",
    "estimate_cost",
    "is_retired",
    "iso_date",
    "list_prices",
]

_DATE_FIELDS = ("release_date", "deprecation_date", "retirement_date")
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%B %d %Y")


def iso_date(value: object) -> str | None:
    """A date of the facts as ``YYYY-MM-DD``: ISO already, or as the docs write it in words."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


@lru_cache(maxsize=1)
def _bundle() -> dict[str, Any]:
    raw = resources.files("mistral_chat.data").joinpath("mistral-models.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    for fact in data.get("models") or []:
        for name in _DATE_FIELDS:
            if name in fact:  # a date that cannot be read is no date, never text posing as one
                fact[name] = iso_date(fact[name])
    return data


def bundled_facts() -> list[dict[str, Any]]:
    """One dict per model as Mistral's docs describe it (names, status, prices, features...)."""
    models: list[dict[str, Any]] = _bundle()["models"]
    return models


def bundled_date() -> str | None:
    """The date the bundled facts were taken from Mistral's docs (YYYY-MM-DD), if recorded."""
    found = re.search(r"\((\d{4}-\d{2}-\d{2})\)", str(_bundle().get("source") or ""))
    return found[1] if found else None


def is_retired(fact: Mapping[str, Any], today: date | None = None) -> bool:
    """Whether a model of the facts is no longer served: the docs say so, or its retirement
    date has passed since the facts were taken. A date the docs had already passed while
    still listing the model as deprecated is not enough (it is still served, as
    magistral-medium-latest was on 2026-08-21, three weeks after its date)."""
    if fact.get("status") == "Retired":
        return True
    when = fact.get("retirement_date")
    if not when:
        return False
    now = (today or date.today()).isoformat()
    return bool(when <= now and when > (bundled_date() or ""))


@lru_cache(maxsize=1)
def list_prices() -> dict[str, tuple[float | None, float | None]]:
    """USD per million input and output tokens, by API model name."""
    prices: dict[str, tuple[float | None, float | None]] = {}
    for fact in bundled_facts():
        price = fact.get("price_usd_per_mtok") or {}
        pair = (price.get("input"), price.get("output"))
        for name in fact.get("api_names") or []:
            # a name reused by a newer model (voxtral-mini-latest) keeps the newest one's price
            if name not in prices or fact["status"] in ("GA", "PublicPreview"):
                prices[name] = pair
    return prices


@lru_cache(maxsize=1)
def product_names() -> dict[str, str]:
    """The product name Mistral's docs give each API model name ("Mistral Small 4")."""
    names: dict[str, str] = {}
    for fact in bundled_facts():
        for api_name in fact.get("api_names") or []:
            # as for prices: a reused alias names the model it points at today
            if api_name not in names or fact["status"] in ("GA", "PublicPreview"):
                names[api_name] = str(fact["name"])
    return names


class Priced(Protocol):
    """A model with list prices in USD per million tokens (`model_info.ModelInfo` is one)."""

    @property
    def price_in(self) -> float | None: ...

    @property
    def price_out(self) -> float | None: ...


def estimate_cost(model: Priced | None, usage: Any) -> float | None:
    """USD for `usage` (prompt/completion tokens; object or dict) at list prices, if known."""
    if model is None or model.price_in is None:
        return None

    def tokens(name: str) -> int:
        value = usage.get(name) if isinstance(usage, Mapping) else getattr(usage, name, 0)
        return int(value or 0)

    cost = tokens("prompt_tokens") * model.price_in / 1e6
    if model.price_out is not None:
        cost += tokens("completion_tokens") * model.price_out / 1e6
    return cost
