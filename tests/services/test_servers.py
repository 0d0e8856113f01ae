"""Servers that are not Mistral's: which URL is Mistral's, the default model, unknown
capabilities, the vision override, a client that sends no key."""

from __future__ import annotations

import doctest
from pathlib import Path
from typing import Any

import httpx2
import pytest

from mistral_chat.api import AuthenticationError, Client, NotFoundError
from mistral_chat.services import servers
from mistral_chat.services.catalog import CatalogResult, model_from_card
from mistral_chat.services.chat import Outbox
from mistral_chat.services.content import require_vision
from mistral_chat.services.servers import is_mistral_url, server_default_model
from mistral_chat.services.settings import resolve_settings


def test_doctests() -> None:
    assert doctest.testmod(servers).failed == 0


@pytest.mark.parametrize(
    ("url", "mistral"),
    [
        ("https://api.mistral.ai", True),
        ("https://codestral.mistral.ai", True),
        ("https://API.Mistral.AI.", True),
        ("http://127.0.0.1:11434", False),
        ("http://localhost:8000", False),
        ("https://mistral.ai.example.com", False),
        ("https://notmistral.ai", False),
    ],
)
def test_which_urls_are_mistrals(url: str, mistral: bool) -> None:
    assert is_mistral_url(url) is mistral


class Listed:
    """A catalog that answers with fixed cards (or raises)."""

    def __init__(self, cards: list[dict[str, Any]] | Exception, source: str = "api") -> None:
        self.cards, self.source = cards, source

    def models(self, max_age: float | None = None) -> CatalogResult:
        if isinstance(self.cards, Exception):
            raise self.cards
        return CatalogResult([model_from_card(c) for c in self.cards], self.source, None)

    def get(self, model_id: str) -> Any:
        return next((m for m in self.models().models if m.id == model_id), None)

    def vision_models(self) -> list[Any]:
        return [m for m in self.models().models if "vision" in m.capabilities]


def card(mid: str, **caps: bool) -> dict[str, Any]:
    return {"id": mid, "object": "model"} | ({"capabilities": caps} if caps else {})


@pytest.mark.parametrize(
    ("listed", "chosen"),
    [
        ([card("llama3")], "llama3"),  # the only model
        ([card("qwen"), card("llava")], "qwen"),  # the first, capabilities unknown
        ([card("embed", completion_chat=False), card("chat", completion_chat=True)], "chat"),
        ([card("x"), card("mistral-small-latest")], "mistral-small-latest"),  # offered: kept
        ([], "mistral-small-latest"),
        ([card("embed", completion_chat=False), card("e2", completion_chat=False)],
         "mistral-small-latest"),
        (NotFoundError("no /v1/models", status_code=404), "mistral-small-latest"),
    ],
)  # fmt: skip
def test_the_default_model_of_a_server(listed: Any, chosen: str) -> None:
    assert server_default_model(Listed(listed), "mistral-small-latest") == chosen  # type: ignore[arg-type]


def test_a_bundled_fallback_is_not_the_servers_list() -> None:
    catalog = Listed([card("llama3")], source="bundled")
    assert server_default_model(catalog, "mistral-small-latest") == "mistral-small-latest"  # type: ignore[arg-type]


def test_a_server_that_wants_a_key_says_so() -> None:
    refused = AuthenticationError("Unauthorized", status_code=401)
    with pytest.raises(AuthenticationError):
        server_default_model(Listed(refused), "mistral-small-latest")  # type: ignore[arg-type]


def test_unknown_capabilities_let_the_server_decide() -> None:
    unknown = model_from_card(card("llava"))
    assert not unknown.capabilities_known and unknown.capabilities == []
    assert model_from_card(card("m", completion_chat=True)).capabilities_known
    require_vision("llava", Listed([card("llava")]))  # no error: the server decides
    from mistral_chat.services.content import VisionRequired

    with pytest.raises(VisionRequired):
        require_vision("coder", Listed([card("coder", completion_chat=True)]))


def test_vision_forced_skips_the_check(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(tmp_path / "a.png")
    box = Outbox()
    box.add(str(tmp_path / "a.png"))
    catalog = Listed([card("coder", completion_chat=True)])
    from mistral_chat.services.content import VisionRequired

    with pytest.raises(VisionRequired):
        box.prepare("coder", client=lambda: None, catalog=catalog)  # type: ignore[arg-type, return-value]
    box.vision = True
    prepared = box.prepare("coder", client=lambda: None, catalog=catalog)  # type: ignore[arg-type, return-value]
    assert prepared is not None and prepared.images == 1


def test_settings_vision_and_where_the_model_came_from(tmp_path: Path) -> None:
    env = {"MISTRAL_CHAT_HOME": str(tmp_path)}
    s = resolve_settings(environ=env)
    assert (s.vision, s.model_source, s.mistral_server) == (False, "default", True)
    (tmp_path / "config.toml").write_text('vision = true\nmodel = "llama3"\n')
    s = resolve_settings(environ={**env, "MISTRAL_BASE_URL": "http://127.0.0.1:11434/v1"})
    assert (s.vision, s.model_source, s.mistral_server) == (True, "config", False)
    assert s.default_model == "llama3"
    s = resolve_settings(environ=env, emulator=("http://127.0.0.1:9", "emulator"))
    assert s.mistral_server  # the built-in emulator stands for Mistral's API


def test_an_anonymous_client_sends_no_authorization() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json={"object": "list", "data": [{"id": "m"}]})

    transport = httpx2.MockTransport(handler)
    with Client(base_url="http://h", anonymous=True, transport=transport) as c:
        assert [card.id for card in c.models.list()] == ["m"]
        assert "(none)" in repr(c)
    with Client("sk-key-0123456789", base_url="http://h", anonymous=True, transport=transport) as c:
        c.models.list()  # a key given is still sent
    assert "authorization" not in seen[0].headers
    assert seen[1].headers["authorization"] == "Bearer sk-key-0123456789"
