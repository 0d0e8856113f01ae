"""The model catalog: what `/v1/models` says, cached, with a bundled list as the last resort.

`ModelCatalog.models()` asks the API, stores the answer in the cache directory and returns it.
When the API cannot be reached (network, timeout, 5xx) it returns the cached list with its date,
else the list bundled with the package, and says so in `warning`; a rejected key (401/403) is
an error, never a fallback. The pure helpers (`family_of`, `filter_models`, `sort_models`,
`paginate`, `estimate_cost`) do not touch the network.

    >>> family_of("mistral-large-2512"), family_of("open-mixtral-8x22b")
    ('mistral-large', 'mixtral')
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..api.capabilities import CAPABILITY_NAMES

if TYPE_CHECKING:
    from ..api import Client
    from ..api.types import ModelCard

__all__ = [
    "CAPABILITY_ALIASES",
    "CAPABILITY_NAMES",
    "FAMILY_GROUPS",
    "SHORT_CAPABILITY",
    "SORT_KEYS",
    "CatalogResult",
    "ModelCatalog",
    "ModelInfo",
    "Page",
    "bundled_date",
    "bundled_models",
    "estimate_cost",
    "family_of",
    "filter_models",
    "find_model",
    "missing_page",
    "model_from_card",
    "paginate",
    "resolve_capability",
    "sort_models",
]

#: the seed's short capability names
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
SORT_KEYS = ("created", "context_length", "id", "name")
CACHE_FRESH_SECONDS = 24 * 3600

# longest first: the first prefix that matches names the family
_FAMILIES = (
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
    for fam in _FAMILIES:
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

    def has(self, capability: str) -> bool:
        return resolve_capability(capability) in self.capabilities

    def to_json(self) -> dict[str, Any]:
        """The API's fields, `capabilities` as a list of names, plus `family` and prices."""
        out = dict(self.card)
        out["capabilities"] = list(self.capabilities)
        out["family"] = self.family
        out["price_usd_per_mtok"] = {"input": self.price_in, "output": self.price_out}
        return out


@dataclass
class CatalogResult:
    models: list[ModelInfo]
    source: str  # "api" | "cache" | "bundled"
    fetched_at: datetime | None
    warning: str | None = None


@dataclass
class Page:
    items: list[ModelInfo]
    page: int
    pages: int
    total: int


# -- bundled facts ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _bundle() -> dict[str, Any]:
    raw = resources.files("mistral_chat.data").joinpath("mistral-models.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


def _facts() -> list[dict[str, Any]]:
    models: list[dict[str, Any]] = _bundle()["models"]
    return models


def bundled_date() -> str | None:
    """The date the bundled facts were taken from Mistral's docs (YYYY-MM-DD), if recorded."""
    found = re.search(r"\((\d{4}-\d{2}-\d{2})\)", str(_bundle().get("source") or ""))
    return found[1] if found else None


@lru_cache(maxsize=1)
def _prices() -> dict[str, tuple[float | None, float | None]]:
    prices: dict[str, tuple[float | None, float | None]] = {}
    for fact in _facts():
        price = fact.get("price_usd_per_mtok") or {}
        pair = (price.get("input"), price.get("output"))
        for name in fact.get("api_names") or []:
            # a name reused by a newer model (voxtral-mini-latest) keeps the newest one's price
            if name not in prices or fact["status"] in ("GA", "PublicPreview"):
                prices[name] = pair
    return prices


def _context_tokens(text: str | None) -> int | None:
    if not text or not text[:-1].isdigit():
        return None
    unit = {"k": 1024, "K": 1024, "M": 1024 * 1024}.get(text[-1])
    return int(text[:-1]) * unit if unit else None


def _fact_capabilities(fact: Mapping[str, Any]) -> dict[str, bool]:
    inputs, outputs, features = set(fact["input"]), set(fact["output"]), set(fact["features"])
    chat = "chat-completions" in features
    return {
        "completion_chat": chat,
        "function_calling": "function-calling" in features,
        "reasoning": "reasoning" in outputs,
        "completion_fim": "fim" in features,
        "fine_tuning": False,
        "vision": chat and "image" in inputs,
        "ocr": "ocr" in features,
        "classification": "moderations" in features,
        "moderation": "moderations" in features,
        "audio": chat and "audio" in inputs,
        "audio_transcription": "transcriptions" in features,
        "audio_transcription_realtime": any("realtime" in n for n in fact["api_names"]),
        "audio_speech": "audio" in outputs,
        "unified_resources": False,
    }


def bundled_models() -> list[ModelInfo]:
    """Generally available and deprecated chat models from the bundled facts."""
    out: list[ModelInfo] = []
    seen: set[str] = set()
    # replacements are named by product ("Mistral Medium 3.5"): show the GA model's id instead
    by_name = {
        f["name"]: f["api_names"][-1]
        for f in _facts()
        if f["status"] == "GA" and f.get("api_names")
    }
    for fact in _facts():
        names = fact.get("api_names") or []
        if fact["status"] not in ("GA", "Deprecated") or not names or names[0] in seen:
            continue
        caps = _fact_capabilities(fact)
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
            "max_context_length": _context_tokens(fact.get("context_length")),
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
    price_in, price_out = _prices().get(mid, (None, None))
    if price_in is None:
        for alias in card.get("aliases") or []:
            if alias in _prices():
                price_in, price_out = _prices()[alias]
                break
    ctx = card.get("max_context_length")
    return ModelInfo(
        id=mid,
        name=str(card.get("name") or mid),
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
    )


def model_from_card(card: ModelCard | Mapping[str, Any]) -> ModelInfo:
    """A ModelInfo from an api `ModelCard` or its JSON object."""
    data = card if isinstance(card, Mapping) else card.to_dict()
    return _info(data)


# -- pure list operations --------------------------------------------------------------------------


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


def estimate_cost(model: ModelInfo | None, usage: Any) -> float | None:
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


# -- the catalog -----------------------------------------------------------------------------------


class ModelCatalog:
    """The models a server offers, from the API, the cache, or the bundled list.

    >>> catalog = ModelCatalog(lambda: client, cache_dir, base_url)   # doctest: +SKIP
    >>> result = catalog.models()                                       # doctest: +SKIP
    >>> result.source, len(result.models)                               # doctest: +SKIP
    ('api', 13)
    """

    def __init__(
        self,
        client_factory: Callable[[], Client],
        cache_dir: Path,
        base_url: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client_factory = client_factory
        self._base_url = base_url
        digest = hashlib.sha256(base_url.encode()).hexdigest()[:12]
        self.cache_path = cache_dir / f"models-{digest}.json"
        self._clock = clock
        self._result: CatalogResult | None = None

    def models(self, max_age: float | None = None) -> CatalogResult:
        """The model list. With `max_age` (seconds), a cache that young is used as is."""
        cached: CatalogResult | None = None
        read = False  # the cache is read at most once per call
        if max_age is not None:
            cached, read = self._read_cache(), True
            if cached and cached.fetched_at:
                age = self._clock() - cached.fetched_at.timestamp()
                if 0 <= age <= max_age:
                    self._result = cached
                    return cached
        from ..api.errors import APIConnectionError, ServerError

        try:
            cards = self._client_factory().models.list()
        except (APIConnectionError, ServerError) as exc:
            self._result = self._fallback(str(exc), cached if read else self._read_cache())
            return self._result
        infos = [model_from_card(c) for c in cards]
        now = datetime.fromtimestamp(self._clock(), UTC)
        self._write_cache([m.card for m in infos], now)
        self._result = CatalogResult(infos, "api", now)
        return self._result

    def get(self, model_id: str) -> ModelInfo | None:
        """The model known by `model_id` (an id or an alias), from a fresh-enough list."""
        result = self._result or self.models(max_age=CACHE_FRESH_SECONDS)
        return find_model(result.models, model_id)

    def vision_models(self) -> list[ModelInfo]:
        result = self._result or self.models(max_age=CACHE_FRESH_SECONDS)
        return [m for m in result.models if "vision" in m.capabilities]

    def _fallback(self, reason: str, cached: CatalogResult | None) -> CatalogResult:
        if cached is not None and cached.fetched_at is not None:
            when = cached.fetched_at.astimezone().strftime("%Y-%m-%d %H:%M")
            cached.warning = (
                f"showing the cached model list from {when} (the API could not be reached: "
                f"{reason})"
            )
            return cached
        date = bundled_date()
        as_of = f" (facts as of {date})" if date else ""
        return CatalogResult(
            bundled_models(),
            "bundled",
            None,
            f"showing the model list bundled with mistral-chat{as_of}; it may be out of date "
            f"(the API could not be reached: {reason})",
        )

    def _read_cache(self) -> CatalogResult | None:
        try:
            data = json.loads(self.cache_path.read_text("utf-8"))
            fetched = datetime.fromisoformat(data["fetched_at"])
            cards = data["models"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(cards, list):
            return None
        try:
            infos = [model_from_card(c) for c in cards if isinstance(c, dict) and "id" in c]
        except (TypeError, ValueError):
            return None
        return CatalogResult(infos, "cache", fetched)

    def _write_cache(self, cards: list[dict[str, Any]], when: datetime) -> None:
        # a cache that cannot be written is not worth failing a command over
        import tempfile

        doc = {"base_url": self._base_url, "fetched_at": when.isoformat(), "models": cards}
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".models.", dir=self.cache_path.parent)
        except OSError:
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(doc, fh)
            Path(tmp).replace(self.cache_path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
