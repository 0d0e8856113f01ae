from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mistral_chat.api import AuthenticationError, Client
from mistral_chat.emulator import Emulator
from mistral_chat.services.catalog import (
    CAPABILITY_ALIASES,
    ModelCatalog,
    ModelInfo,
    bundled_models,
    estimate_cost,
    family_of,
    filter_models,
    missing_page,
    model_from_card,
    paginate,
    resolve_capability,
    sort_models,
)


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        ("mistral-large-2512", "mistral-large"),
        ("mistral-medium-latest", "mistral-medium"),
        ("mistral-small-2603", "mistral-small"),
        ("ministral-8b-2512", "ministral"),
        ("magistral-medium-2509", "magistral"),
        ("labs-devstral-small-2512", "devstral"),
        ("codestral-2508", "codestral"),
        ("codestral-embed", "codestral-embed"),
        ("pixtral-large-latest", "pixtral"),
        ("open-mixtral-8x22b", "mixtral"),
        ("open-mistral-nemo", "mistral-nemo"),
        ("open-mistral-7b", "mistral"),
        ("voxtral-small-2507", "voxtral"),
        ("mistral-ocr-latest", "mistral-ocr"),
        ("mistral-embed", "mistral-embed"),
        ("mistral-moderation-2603", "mistral-moderation"),
        ("ft:mistral-small-latest:abc:20250101:x", "fine-tuned"),
        ("llama-3.1-8b", "llama"),
    ],
)
def test_family_of(model_id: str, family: str) -> None:
    assert family_of(model_id) == family


def _m(mid: str, created: date | None, ctx: int | None, caps: list[str]) -> ModelInfo:
    return ModelInfo(mid, mid, family_of(mid), caps, ctx, created, None, None, [], None)


MODELS = [
    _m("mistral-large-2512", date(2025, 12, 2), 262144, ["completion_chat", "vision"]),
    _m("open-mixtral-8x7b", date(2023, 12, 1), 32768, ["completion_chat"]),
    _m("pixtral-12b-2409", None, None, ["completion_chat", "vision"]),
    _m("codestral-2508", date(2025, 7, 30), 131072, ["completion_chat", "completion_fim"]),
    _m("mistral-embed", date(2023, 12, 11), 8192, []),
]


def test_capabilities_and_filters() -> None:
    assert {resolve_capability(a) for a in CAPABILITY_ALIASES} == {
        "completion_chat",
        "function_calling",
        "vision",
        "completion_fim",
    }
    assert resolve_capability("Audio-Speech") == "audio_speech"
    with pytest.raises(ValueError, match="unknown capability 'telepathy'; use one of: comp") as e:
        resolve_capability("telepathy")
    assert str(e.value).count("vision") == 1  # the alias equal to its name is listed once
    ids = lambda ms: [m.id for m in ms]  # noqa: E731
    assert ids(filter_models(MODELS, family="mistral")) == ["mistral-large-2512"]
    assert ids(filter_models(MODELS, family="mixtral")) == ["open-mixtral-8x7b"]
    assert ids(filter_models(MODELS, capability="fim")) == ["codestral-2508"]
    assert ids(filter_models(MODELS, family="pixtral", capability="vision")) == ["pixtral-12b-2409"]


def test_sort_and_paginate() -> None:
    by_created = sort_models(MODELS, "created", descending=True)
    assert [m.id for m in by_created][:2] == ["mistral-large-2512", "codestral-2508"]
    assert by_created[-1].id == "pixtral-12b-2409"  # unknown dates last, either order
    assert sort_models(MODELS, "created", descending=False)[-1].id == "pixtral-12b-2409"
    assert sort_models(MODELS, "context_length", False)[0].id == "mistral-embed"
    assert sort_models(MODELS, "id", False)[0].id == "codestral-2508"
    page = paginate(sort_models(MODELS, "id", False), 2, 2)
    assert (page.page, page.pages, page.total, len(page.items)) == (2, 3, 5, 2)
    assert paginate(MODELS, 1, 0).pages == 1
    with pytest.raises(ValueError, match="page 4 does not exist; pick a page from 1 to 3"):
        paginate(MODELS, 4, 2)
    assert missing_page(2, 1) == "page 2 does not exist; there is only 1 page"


def test_bundled_list_prices_and_cost() -> None:
    bundled = bundled_models()
    ids = {m.id for m in bundled}
    assert "mistral-large-2512" in ids and "magistral-medium-2509" in ids
    assert "mistral-embed-2312" not in ids  # not a chat model
    assert "open-mixtral-8x7b" not in ids  # retired
    large = next(m for m in bundled if m.id == "mistral-large-2512")
    assert "mistral-large-latest" in large.aliases and large.price_in is not None
    deprecated = next(m for m in bundled if m.id == "magistral-medium-2509")
    assert deprecated.deprecated is not None
    cost = estimate_cost(large, {"prompt_tokens": 1_000_000, "completion_tokens": 0})
    assert cost == pytest.approx(large.price_in)
    assert estimate_cost(_m("custom", None, None, []), {"prompt_tokens": 5}) is None
    card = {"id": "x", "capabilities": {"vision": True}, "deprecation": "2026-01-02T00:00:00Z"}
    info = model_from_card(card)
    assert info.capabilities == ["vision"] and info.deprecated == date(2026, 1, 2)
    assert info.to_json()["capabilities"] == ["vision"] and info.to_json()["family"] == "x"


def test_catalog_api_cache_and_fallbacks(emulator: Emulator, tmp_path: Path) -> None:
    emulator.clear_faults()
    with Client("secret-key-9999", base_url=emulator.base_url, max_retries=0) as client:
        catalog = ModelCatalog(lambda: client, tmp_path, emulator.base_url)
        first = catalog.models()
        assert first.source == "api" and first.warning is None and first.models
        assert "secret-key" not in catalog.cache_path.read_text()
        assert catalog.get("mistral-large-latest") is not None
        assert all("vision" in m.capabilities for m in catalog.vision_models())

        before = len(emulator.requests)
        fresh = ModelCatalog(lambda: client, tmp_path, emulator.base_url).models(max_age=60)
        assert fresh.source == "cache" and len(emulator.requests) == before

        emulator.inject("status", status=503, path="/v1/models")
        cached = catalog.models()
        assert cached.source == "cache" and cached.fetched_at is not None
        assert cached.warning and cached.warning.startswith("showing the cached model list from")
        assert "could not be reached" in cached.warning

        catalog.cache_path.unlink()
        emulator.inject("status", status=503, path="/v1/models")
        bundled = catalog.models()
        assert bundled.source == "bundled" and "bundled" in (bundled.warning or "")

        emulator.inject("status", status=401, path="/v1/models")
        with pytest.raises(AuthenticationError):
            catalog.models()
    emulator.clear_faults()


def test_a_name_that_repeats_the_id_gives_way_to_the_product_name() -> None:
    from mistral_chat.services.model_info import model_from_card

    assert model_from_card({"id": "mistral-small-2603", "name": "mistral-small-2603"}).name == (
        "Mistral Small 4"
    )
    assert model_from_card({"id": "x-new", "aliases": ["mistral-large-latest"]}).name == (
        "Mistral Large 3"
    )
    assert model_from_card({"id": "mistral-small-2603", "name": "My Small"}).name == "My Small"
    fine_tuned = "ft:mistral-small-latest:abc:20250101:a1b2"
    assert model_from_card({"id": fine_tuned}).name == "Mistral Small 4 (fine-tuned)"
    assert model_from_card({"id": "ft:unknown-base:abc"}).name == "ft:unknown-base:abc"


def test_fact_dates_are_read_as_dates_and_retirement_follows_the_docs() -> None:
    from mistral_chat.services.model_prices import bundled_facts, is_retired, iso_date

    assert iso_date("July 31, 2026") == "2026-07-31" == iso_date("2026-07-31")
    assert iso_date("31 July 2026") == "2026-07-31" and iso_date("soon") is None
    dates = [f[k] for f in bundled_facts() for k in ("retirement_date", "deprecation_date")]
    assert all(d is None or date.fromisoformat(d) for d in dates)  # never "July 31, 2026"
    today = date(2026, 12, 6)
    # the docs of 2026-08-21 still serve it three weeks past its date: not retired
    assert not is_retired({"status": "Deprecated", "retirement_date": "2026-07-31"}, today)
    # a date after the docs were taken, now past: retired since
    assert is_retired({"status": "Deprecated", "retirement_date": "2026-10-31"}, today)
    assert not is_retired({"status": "Deprecated", "retirement_date": "2027-01-31"}, today)
    assert is_retired({"status": "Retired", "retirement_date": None}, today)
