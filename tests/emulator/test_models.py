"""Models routes: the catalog's cards, by id and alias, against the spec."""

from __future__ import annotations

import httpx2
from _emulator_helpers import check, check_op

FT_ID = "ft:mistral-small-latest:abc123:20250101:a1b2c3d4"


def test_list_models_validates_and_covers_the_families(client: httpx2.Client) -> None:
    response = client.get("/v1/models")
    assert response.status_code == 200
    body = response.json()
    check(body, "ModelList")
    cards = body["data"]
    assert 10 <= len(cards) <= 17
    names = {n for c in cards for n in [c["id"], *c["aliases"]]}
    for family in ("mistral-large", "mistral-small", "ministral", "magistral", "codestral"):
        assert any(n.startswith(family) for n in names), family
    assert {"mistral-small-latest", "mistral-large-latest", "mistral-medium-latest"} <= names
    deprecated = [c for c in cards if c.get("deprecation")]
    assert len(deprecated) == 1
    assert deprecated[0]["deprecation_replacement_model"]
    fine_tuned = [c for c in cards if c["type"] == "fine-tuned"]
    assert [c["id"] for c in fine_tuned] == [FT_ID]
    assert fine_tuned[0]["root"] == "mistral-small-latest"


def test_capabilities_follow_the_model_facts(client: httpx2.Client) -> None:
    cards = {c["id"]: c for c in client.get("/v1/models").json()["data"]}
    caps = {i: c["capabilities"] for i, c in cards.items()}
    assert len(next(iter(caps.values()))) == 14
    assert caps["mistral-medium-3-5"]["vision"]
    assert not caps["codestral-2508"]["vision"] and caps["codestral-2508"]["completion_fim"]
    assert caps["codestral-2508"]["completion_chat"]
    assert caps["magistral-medium-2509"]["reasoning"]
    assert caps["mistral-ocr-4-1"]["ocr"] and not caps["mistral-ocr-4-1"]["completion_chat"]
    assert caps["mistral-moderation-2603"]["moderation"]
    assert caps["voxtral-small-2507"]["audio"]
    assert cards["mistral-large-2512"]["max_context_length"] == 262144
    assert cards["mistral-large-2512"]["created"] == 1764633600  # 2025-12-02
    assert cards["mistral-embed-2312"]["max_context_length"] == 8192


def test_retrieve_by_alias_and_fine_tuned_id(client: httpx2.Client) -> None:
    card = client.get("/v1/models/mistral-small-latest").json()
    check_op(card, "/v1/models/{model_id}")
    assert card["id"] == "mistral-small-latest"
    assert "mistral-small-2603" in card["aliases"]
    for path in (f"/v1/models/{FT_ID}", "/v1/models/" + FT_ID.replace(":", "%3A")):
        card = client.get(path).json()
        check_op(card, "/v1/models/{model_id}")
        assert card["id"] == FT_ID and card["type"] == "fine-tuned"


def test_unknown_model_is_404_error_object(client: httpx2.Client) -> None:
    response = client.get("/v1/models/no-such-model")
    assert response.status_code == 404
    body = response.json()
    assert body["object"] == "error" and "no-such-model" in body["message"]
    assert set(body) == {"object", "message", "type", "param", "code"}


def test_delete_fine_tuned_model(client: httpx2.Client) -> None:
    assert client.delete("/v1/models/mistral-small-latest").status_code == 403
    response = client.delete(f"/v1/models/{FT_ID}")
    assert response.status_code == 200
    check(response.json(), "DeleteModelResponse")
    assert client.get(f"/v1/models/{FT_ID}").status_code == 404


def test_auth(emu: object, client: httpx2.Client) -> None:
    base = client.base_url
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"}):
        with httpx2.Client(base_url=base, headers=headers) as anon:
            response = anon.get("/v1/models")
            assert response.status_code == 401
            assert response.json() == {"detail": "Unauthorized"}


def test_api_key_restricts_tokens() -> None:
    from mistral_chat.emulator import Emulator

    with Emulator(api_key="secret") as emu:
        with httpx2.Client(base_url=emu.base_url) as c:
            wrong = c.get("/v1/models", headers={"Authorization": "Bearer other"})
            right = c.get("/v1/models", headers={"Authorization": "Bearer secret"})
        assert (wrong.status_code, right.status_code) == (401, 200)


def test_unknown_route_and_method(client: httpx2.Client) -> None:
    assert client.get("/v1/nothing").json() == {"detail": "Not Found"}
    assert client.get("/v1/nothing").status_code == 404
    assert client.put("/v1/models").status_code == 405
