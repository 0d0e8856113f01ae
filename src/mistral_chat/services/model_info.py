"""A model as the CLI shows it (`ModelInfo`): from an API card, or from the bundled facts.

Normalising a card: its family from the id (`family_of`), its capability flags as a list of
names (`resolve_capability` reads the aliases a user may type), its dates, and its list prices.

    >>> family_of("mistral-large-2512"), family_of("open-mixtral-8x22b")
    ('mistral-large', 'mixtral')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from ..api.capabilities import CAPABILITY_NAMES
from ..data.facts import capabilities, context_tokens
from .model_prices import bundled_facts, list_prices, product_names
from .unit_prices import UnitPrice, model_unit_prices

if TYPE_CHECKING:
    from ..api.types import ModelCard

__all__ = [
    "CAPABILITY_ALIASES",
    "CAPABILITY_NAMES",
    "FAMILIES",
    "SHORT_CAPABILITY",
    "ModelInfo",
    "bundled_models",
    "family_of",
    "model_from_card",
    "not_for_chat",
    "resolve_capability",
]

#: how tables abbreviate the longest capability names (the same words the aliases accept)
SHORT_CAPABILITY: dict[str, str] = {
    "completion_chat": "chat",
    "function_calling": "function",
    "completion_fim": "fim",
}
CAPABILITY_ALIASES: dict[str, str] = {
    "chat": "completion_chat",
    "function": "function_calling",
    "functions": "function_calling",
    "vision": "vision",
    "fim": "completion_fim",
}

#: the families `family_of` knows, longest first: the first prefix that matches names it
FAMILIES = (
    "codestral-embed",
    "mistral-moderation",
    "mistral-large",
    "mistral-medium",
    "mistral-small",
    "mistral-embed",
    "mistral-tiny",
    "mistral-nemo",
    "mistral-saba",
    "mistral-ocr",
    "ministral",
    "magistral",
    "devstral",
    "codestral",
    "leanstral",
    "pixtral",
    "mixtral",
    "voxtral",
    "mistral",
)


def family_of(model_id: str) -> str:
    """The family a model id belongs to (`fine-tuned` for `ft:` ids)."""
    mid = model_id.lower()
    if mid.startswith("ft:"):
        return "fine-tuned"
    for prefix in ("open-", "labs-"):
        if mid.startswith(prefix):
            mid = mid[len(prefix) :]
    for fam in FAMILIES:
        if mid == fam or mid.startswith(fam + "-") or mid.startswith(fam):
            return fam
    return mid.split("-", 1)[0].split(":", 1)[0] or mid


def resolve_capability(name: str) -> str:
    """An API capability name from a name or alias; ValueError listing the valid ones."""
    key = name.strip().lower().replace("-", "_")
    if key in CAPABILITY_NAMES:
        return key
    if key in CAPABILITY_ALIASES:
        return CAPABILITY_ALIASES[key]
    valid = ", ".join(dict.fromkeys([*CAPABILITY_NAMES, *CAPABILITY_ALIASES]))
    raise ValueError(f"unknown capability {name!r}; use one of: {valid}")


@dataclass
class ModelInfo:
    """A model as the CLI shows it: the API card plus derived fields and list prices."""

    id: str
    name: str
    family: str
    capabilities: list[str]
    context_length: int | None
    created: date | None
    deprecated: date | None
    replacement: str | None
    aliases: list[str]
    description: str | None
    price_in: float | None = None
    price_out: float | None = None
    card: dict[str, Any] = field(default_factory=dict)
    #: every list price in its own unit (per 1M tokens, per 1000 pages, per minute ...)
    prices: tuple[UnitPrice, ...] = ()

    def has(self, capability: str) -> bool:
        return resolve_capability(capability) in self.capabilities

    @property
    def chat(self) -> bool:
        """Whether the model answers chat messages (OCR, embedding or moderation models not).
        A server that says nothing of its models' capabilities (vLLM, Ollama) may well: yes."""
        if "completion_chat" in self.capabilities:
            return True
        flags = self.card.get("capabilities")
        return not self.capabilities and not (isinstance(flags, Mapping) and flags)

    def to_json(self) -> dict[str, Any]:
        """The API's fields, `capabilities` as a list of names, plus `family`, prices and
        `display_name` (the product name when the API's `name` only repeats the id)."""
        out = dict(self.card)
        out["capabilities"] = list(self.capabilities)
        out["family"] = self.family
        out["display_name"] = self.name
        out["price_usd_per_mtok"] = {"input": self.price_in, "output": self.price_out}
        out["prices"] = [p.to_json() for p in self.prices]
        return out


#: what a model that cannot chat is, and the command that uses it, by capability (or family)
_USES: tuple[tuple[str, str, str], ...] = (
    ("ocr", "an OCR model", "mistral-chat ocr FILE"),
    ("moderation", "a moderation model", "mistral-chat moderate TEXT"),
    ("classification", "a classification model", "mistral-chat moderate TEXT"),
    ("audio_transcription", "a transcription model", "mistral-chat transcribe AUDIO"),
    ("audio_speech", "a speech model", "mistral-chat speak TEXT -o FILE"),
    ("completion_fim", "a code-completion model", "mistral-chat fim"),
)


def not_for_chat(model: ModelInfo) -> tuple[str, str | None] | None:
    """For a model that cannot chat: what it is ("an OCR model") and the command that uses it
    (None if none does); None for a chat model."""
    if model.chat:
        return None
    for capability, what, command in _USES:
        if capability in model.capabilities:
            return what, command
    if model.family.endswith("embed"):
        return "an embedding model", "mistral-chat embed TEXT"
    return "not a chat model", None


# -- cards -> ModelInfo ----------------------------------------------------------------------------


def _date_from(value: Any) -> date | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value, UTC).date()
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        except ValueError:
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                return None
    return None


def _info(card: Mapping[str, Any]) -> ModelInfo:
    mid = str(card["id"])
    flags = card.get("capabilities") or {}
    caps = [n for n in CAPABILITY_NAMES if isinstance(flags, Mapping) and flags.get(n)]
    price_in, price_out = list_prices().get(mid, (None, None))
    if price_in is None:
        for alias in card.get("aliases") or []:
            if alias in list_prices():
                price_in, price_out = list_prices()[alias]
                break
    prices = model_unit_prices(mid, [str(a) for a in card.get("aliases") or []])
    ctx = card.get("max_context_length")
    return ModelInfo(
        id=mid,
        name=_display_name(card, mid),
        family=family_of(mid),
        capabilities=caps,
        context_length=ctx if isinstance(ctx, int) and not isinstance(ctx, bool) else None,
        created=_date_from(card.get("created")),
        deprecated=_date_from(card.get("deprecation")),
        replacement=card.get("deprecation_replacement_model"),
        aliases=[str(a) for a in card.get("aliases") or []],
        description=card.get("description"),
        price_in=price_in,
        price_out=price_out,
        card=dict(card),
        prices=prices,
    )


def _display_name(card: Mapping[str, Any], mid: str) -> str:
    """The card's name, unless it only repeats the id: then the product name from the docs."""
    name = str(card.get("name") or "")
    aliases = [str(a) for a in card.get("aliases") or []]
    if name and name != mid and name not in aliases:  # asked by alias: the name is an id too
        return name
    known = product_names()
    for candidate in (mid, *[str(a) for a in card.get("aliases") or []]):
        if candidate in known:
            return known[candidate]
    # ft:BASE:ORG:DATE:SUFFIX (or the card's root): say what it was tuned from
    base = str(card.get("root") or "") or (mid.split(":")[1] if mid.startswith("ft:") else "")
    if base in known:
        return f"{known[base]} (fine-tuned)"
    return name or mid


def model_from_card(card: ModelCard | Mapping[str, Any]) -> ModelInfo:
    """A ModelInfo from an api `ModelCard` or its JSON object."""
    data = card if isinstance(card, Mapping) else card.to_dict()
    return _info(data)


# -- bundled facts -> ModelInfo --------------------------------------------------------------------


def bundled_models() -> list[ModelInfo]:
    """Generally available and deprecated chat models from the bundled facts."""
    out: list[ModelInfo] = []
    seen: set[str] = set()
    # replacements are named by product ("Mistral Medium 3.5"): show the GA model's id instead
    by_name = {
        f["name"]: f["api_names"][-1]
        for f in bundled_facts()
        if f["status"] == "GA" and f.get("api_names")
    }
    for fact in bundled_facts():
        names = fact.get("api_names") or []
        if fact["status"] not in ("GA", "Deprecated") or not names or names[0] in seen:
            continue
        caps = capabilities(fact)
        if not caps["completion_chat"]:
            continue
        seen.add(names[0])
        retire = fact.get("retirement_date") or fact.get("deprecation_date")
        created = datetime.combine(date.fromisoformat(fact["release_date"]), datetime.min.time())
        card: dict[str, Any] = {
            "id": names[0],
            "object": "model",
            "created": int(created.replace(tzinfo=UTC).timestamp()),
            "owned_by": "mistralai",
            "capabilities": caps,
            "name": fact["name"],
            "description": None,
            "max_context_length": context_tokens(fact.get("context_length")),
            "aliases": names[1:],
            "deprecation": f"{retire}T00:00:00Z"
            if fact["status"] == "Deprecated" and retire
            else None,
            "deprecation_replacement_model": by_name.get(
                str(fact.get("replacement")), fact.get("replacement")
            )
            if fact["status"] == "Deprecated"
            else None,
            "type": "base",
        }
        out.append(_info(card))
    return out
