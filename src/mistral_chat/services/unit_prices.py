"""List prices in the units the docs give them: per minute of audio, per 1M characters.

`model_prices` holds the per-token prices of chat; speech is sold per character and
transcription per minute (`prices[].per` in the bundled model facts). Estimates are USD.

    >>> round(audio_cost("voxtral-mini-latest", 120) or 0, 6)
    0.006
"""

from __future__ import annotations

from functools import lru_cache

from mistral_chat.services.model_prices import bundled_facts

__all__ = ["audio_cost", "character_cost", "unit_price"]


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
