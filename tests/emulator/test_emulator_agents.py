"""``/v1/agents``: the fixed agents, created ones, listing by page and by cursor."""

from __future__ import annotations

from pathlib import Path

import httpx2
from _emulator_helpers import AUTH, check

from mistral_chat.emulator import Emulator

FIXED = [
    "ag_emulator_researcher",
    "ag_emulator_coder",
    "ag_emulator_illustrator",
    "ag_emulator_plain",
]


def test_fixed_agents_are_listed_and_shown(client: httpx2.Client) -> None:
    listed = client.get("/v1/agents").json()
    assert [a["id"] for a in listed] == FIXED
    for agent in listed:
        check(agent, "Agent", full=True)
    shown = client.get("/v1/agents/ag_emulator_coder").json()
    assert shown["tools"] == [{"type": "code_interpreter"}] and shown["version"] == 0
    assert (
        client.get("/v1/agents/ag_emulator_coder", params={"agent_version": 0}).status_code == 200
    )
    assert (
        client.get("/v1/agents/ag_emulator_coder", params={"agent_version": 3}).status_code == 404
    )
    assert client.get("/v1/agents/ag_nope").status_code == 404


def test_create_list_search_delete(client: httpx2.Client) -> None:
    body = {
        "model": "mistral-small-latest",
        "name": "Weather bot",
        "instructions": "Talk about the weather.",
        "tools": [
            {
                "type": "function",
                "function": {"name": "forecast", "parameters": {"type": "object"}},
            }
        ],
        "completion_args": {"temperature": 0.3},
    }
    response = client.post("/v1/agents", json=body)
    assert response.status_code == 200, response.text
    agent = response.json()
    check(agent, "Agent", full=True)
    assert agent["id"].startswith("ag_") and agent["completion_args"]["temperature"] == 0.3
    assert [a["id"] for a in client.get("/v1/agents").json()] == [agent["id"], *FIXED]
    found = client.get("/v1/agents", params={"search": "weather"}).json()
    assert [a["id"] for a in found] == [agent["id"]]
    assert client.get("/v1/agents", params={"name": "Coder"}).json()[0]["id"] == FIXED[1]
    reply = client.post("/v1/conversations", json={"agent_id": agent["id"], "inputs": "hi"}).json()
    assert "System: Talk about the weather." in reply["outputs"][-1]["content"]
    assert client.delete(f"/v1/agents/{agent['id']}").status_code == 204
    assert client.get(f"/v1/agents/{agent['id']}").status_code == 404
    assert client.delete("/v1/agents/ag_emulator_plain").status_code == 403


def test_creation_is_validated(client: httpx2.Client) -> None:
    assert client.post("/v1/agents", json={"name": "x"}).status_code == 422
    bad_model = client.post("/v1/agents", json={"model": "gpt-4", "name": "x"})
    assert bad_model.status_code == 400
    bad_tool = {"type": "function", "function": {"name": "a b", "parameters": {}}}
    named = client.post(
        "/v1/agents", json={"model": "mistral-small-latest", "name": "x", "tools": [bad_tool]}
    )
    assert named.status_code == 400


def test_pages_by_cursor(client: httpx2.Client) -> None:
    first = client.get("/v1/agents/pages", params={"page_size": 3}).json()
    check(first, "AgentListPage", full=True)
    assert [a["id"] for a in first["data"]] == FIXED[:3]
    rest = client.get(
        "/v1/agents/pages", params={"page_size": 3, "page_token": first["next_page_token"]}
    ).json()
    assert [a["id"] for a in rest["data"]] == FIXED[3:] and rest["next_page_token"] is None
    assert client.get("/v1/agents", params={"page_size": 0}).status_code == 422
    assert client.get("/v1/agents/pages", params={"page_token": "zz"}).status_code == 422


def test_created_agents_outlive_the_emulator(tmp_path: Path) -> None:
    with (
        Emulator(state_dir=tmp_path) as emu,
        httpx2.Client(base_url=emu.base_url, headers=AUTH) as c,
    ):
        made = c.post("/v1/agents", json={"model": "mistral-small-latest", "name": "Keeper"}).json()
    with (
        Emulator(state_dir=tmp_path) as emu,
        httpx2.Client(base_url=emu.base_url, headers=AUTH) as c,
    ):
        assert c.get(f"/v1/agents/{made['id']}").json()["name"] == "Keeper"
