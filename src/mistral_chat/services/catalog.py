"""The model catalog: what `/v1/models` says, cached, with a bundled list as the last resort.

`ModelCatalog.models()` asks the API, stores the answer in the cache directory and returns it.
When the API cannot be reached (network, timeout, 5xx) it returns the cached list with its date,
else the list bundled with the package, and says so in `warning`; a rejected key (401/403) is
an error, never a fallback.

This module holds the catalog and its on-disk cache. The pure helpers, which do not touch the
network, live beside it and are re-exported here: `ModelInfo`, `family_of` and
`model_from_card` in `model_info`; `filter_models`, `sort_models` and `paginate` in
`model_lists`; `estimate_cost` in `model_prices`.

    >>> family_of("mistral-large-2512"), family_of("open-mixtral-8x22b")
    ('mistral-large', 'mixtral')
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .model_info import (
    CAPABILITY_ALIASES,
    CAPABILITY_NAMES,
    FAMILIES,
    SHORT_CAPABILITY,
    ModelInfo,
    bundled_models,
    family_of,
    model_from_card,
    resolve_capability,
)
from .model_lists import (
    DESCENDING_FIRST,
    FAMILY_GROUPS,
    SORT_KEYS,
    Page,
    filter_models,
    find_model,
    missing_page,
    paginate,
    sort_models,
)
from .model_prices import bundled_date, estimate_cost

if TYPE_CHECKING:
    from ..api import Client

__all__ = [
    "CAPABILITY_ALIASES",
    "CAPABILITY_NAMES",
    "DESCENDING_FIRST",
    "FAMILIES",
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

CACHE_FRESH_SECONDS = 24 * 3600


@dataclass
class CatalogResult:
    models: list[ModelInfo]
    source: str  # "api" | "cache" | "bundled"
    fetched_at: datetime | None
    warning: str | None = None


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
