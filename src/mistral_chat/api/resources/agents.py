"""`/v1/agents*`: what the sync and async resources share (paths, options, decoders)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

import msgspec

from ..conversation_types import Agent, AgentPage
from .conversations import checked_options, path_segment

__all__ = [
    "AGENTS",
    "AgentOptions",
    "agent_path",
    "create_agent_body",
    "decode_agent",
    "decode_agent_page",
    "page_params",
]

AGENTS = "/v1/agents"


class AgentOptions(TypedDict, total=False):
    """The optional fields of the spec's CreateAgentRequest."""

    instructions: str | None
    tools: list[dict[str, Any]]
    completion_args: dict[str, Any]
    guardrails: list[dict[str, Any]] | None
    description: str | None
    handoffs: list[str] | None
    metadata: dict[str, Any] | None
    version_message: str | None


def create_agent_body(model: str, name: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The body of `POST /v1/agents`."""
    return {"model": model, "name": name, **checked_options(options, AgentOptions, "agent")}


def agent_path(agent_id: str) -> str:
    return f"{AGENTS}/{path_segment(agent_id, 'agent id')}"


def page_params(
    page_size: int, page_token: str | None, name: str | None, search: str | None
) -> dict[str, Any]:
    """The query of `GET /v1/agents/pages` (absent values not sent)."""
    params: dict[str, Any] = {"page_size": page_size}
    for key, value in (("page_token", page_token), ("name", name), ("search", search)):
        if value is not None:
            params[key] = value
    return params


decode_agent = msgspec.json.Decoder(Agent).decode
decode_agent_page = msgspec.json.Decoder(AgentPage).decode
