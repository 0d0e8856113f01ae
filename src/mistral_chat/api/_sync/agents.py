# generated from ../_async/agents.py by scripts/unasync.py; do not edit
"""`/v1/agents*` (`Agents`, beta): list (every page), one page, get, create, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

from .._base_client import parsed
from ..conversation_types import Agent, AgentPage
from ..resources.agents import (
    AGENTS,
    AgentOptions,
    agent_path,
    create_agent_body,
    decode_agent,
    decode_agent_page,
    page_params,
)

if TYPE_CHECKING:
    from .api_client import APIClient

__all__ = ["Agents"]


class Agents:
    """`client.agents`: agents made on La Plateforme, for `conversations.start(agent_id=...)`."""

    def __init__(self, client: APIClient) -> None:
        self._client = client

    def page(
        self,
        *,
        page_size: int = 100,
        page_token: str | None = None,
        name: str | None = None,
        search: str | None = None,
    ) -> AgentPage:
        """One page of agents (`GET /v1/agents/pages`); `next_page_token` leads on."""
        params = page_params(page_size, page_token, name, search)
        response = self._client.request("GET", f"{AGENTS}/pages", params=params)
        return parsed(response, decode_agent_page)

    def list(self, *, name: str | None = None, search: str | None = None) -> list[Agent]:
        """Every agent this key can see, following the pages."""
        agents: list[Agent] = []
        token: str | None = None
        while True:
            page = self.page(page_token=token, name=name, search=search)
            agents += page.data
            if not page.next_page_token or not page.data:
                return agents
            token = page.next_page_token

    def get(self, agent_id: str) -> Agent:
        response = self._client.request("GET", agent_path(agent_id))
        return parsed(response, decode_agent)

    def create(self, model: str, name: str, **options: Unpack[AgentOptions]) -> Agent:
        body = create_agent_body(model, name, options)
        response = self._client.request("POST", AGENTS, json=body)
        return parsed(response, decode_agent)

    def delete(self, agent_id: str) -> None:
        self._client.request("DELETE", agent_path(agent_id))
