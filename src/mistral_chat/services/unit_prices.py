"""List prices in the units the docs give them: per minute of audio, per 1M characters.

`model_prices` holds the per-token prices of chat; speech is sold per character, OCR per
1,000 pages and transcription per minute (`prices[].per` in the bundled model facts).
Estimates are USD. `model_unit_prices` gives every price of a model, to show.

    >>> round(audio_cost("voxtral-mini-latest", 120) or 0, 6)
    0.006
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mistral_chat.services.model_prices import bundled_facts

__all__ = ["UnitPrice", "audio_cost", "character_cost", "model_unit_prices", "unit_price"]


@dataclass(frozen=True)
class UnitPrice:
    """One list price in USD: ``usd`` per ``per`` (``1M tokens``, ``minute``, ``1000 pages``,
    ``1000 annotated pages``, ``1M characters``), for the ``input`` or the ``output``."""

    usd: float
    per: str
    direction: str = "input"
    label: str | None = None  # what the docs call it when a unit has two prices ("cached input")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"direction": self.direction, "usd": self.usd, "per": self.per}
        if self.label:
            out["label"] = self.label
        return out


@lru_cache(maxsize=1)
def _by_model() -> dict[str, tuple[UnitPrice, ...]]:
    found: dict[str, tuple[UnitPrice, ...]] = {}
    for fact in bundled_facts():
        prices = tuple(
            UnitPrice(float(p["usd"]), str(p["per"]), str(p["direction"]), p.get("label"))
            for p in fact.get("prices") or []
            if isinstance(p, Mapping) and isinstance(p.get("usd"), int | float) and p.get("per")
        )
        for name in fact.get("api_names") or []:
            # as below: an alias reused by a newer model takes the newer prices
            if name not in found or fact.get("status") in ("GA", "PublicPreview"):
                found[name] = prices
    return found


def model_unit_prices(model: str, aliases: Iterable[str] = ()) -> tuple[UnitPrice, ...]:
    """Every list price the docs give `model` (or the first of its aliases they know)."""
    known = _by_model()
    return next((known[n] for n in (model, *aliases) if n in known), ())


@lru_cache(maxsize=1)
def _prices() -> dict[tuple[str, str, str], float]:
    found: dict[tuple[str, str, str], float] = {}
    for fact in bundled_facts():
        current = fact.get("status") in ("GA", "PublicPreview")
        for price in fact.get("prices") or []:
            if price.get("usd") is None:
                continue
            for name in fact.get("api_names") or []:
                key = (name, str(price["direction"]), str(price["per"]))
                # an alias reused by a newer model (voxtral-mini-latest) takes the newer price
                if key not in found or current:
                    found[key] = float(price["usd"])
    return found


def unit_price(model: str, per: str, direction: str = "input") -> float | None:
    """USD per `per` ("minute", "1M characters", "1M tokens"...) for `model`, if known."""
    return _prices().get((model, direction, per))


def audio_cost(model: str, seconds: float) -> float | None:
    """USD for `seconds` of audio sent to `model`."""
    price = unit_price(model, "minute")
    return None if price is None else price * seconds / 60


def character_cost(model: str, characters: int) -> float | None:
    """USD for speaking `characters` characters with `model` (the output price)."""
    price = unit_price(model, "1M characters", "output")
    return None if price is None else price * characters / 1e6
